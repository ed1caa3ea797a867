import { EngineError } from '../core/errors';
import { DAY_MS } from '../core/time';
import type { StreamingIndicator } from './types';
import { INVALID_INPUT, invalidInput, outputArray, requireSameLength } from './validate';

/**
 * Session-anchored volume-weighted average price: Σ(typical × volume) / Σ volume over the bars of the
 * current session, typical = (high + low + close) / 3. Ready from the first bar.
 *
 * Session anchor: a new session starts at a bar whose `ts` (epoch ms, the bar's open time, as in
 * `Bar.ts`) falls on a different UTC day than the previous bar's, and at the first bar after
 * `resetSession()`. Bars added without `ts` never start a session by themselves, so without `ts` the
 * VWAP is anchored at the first bar (or the last `resetSession()`).
 * While the session's volume is 0 the VWAP is undefined and the value is NaN. Negative volume throws
 * `indicator.invalid_input`.
 */
export class Vwap implements StreamingIndicator {
  readonly warmup = 1;
  private n = 0;
  /** The bar being applied: fields, not `step` arguments (V8 boxes doubles passed to calls it does not inline). */
  private inPv = 0;
  private inVolume = 0;
  private inDay = 0;
  private inHasTs = false;
  private pv = 0;
  private vol = 0;
  /** UTC day number (ts / DAY_MS, floored) of the current session; NaN when not known. */
  private day = NaN;
  private pending = false;
  private pvBefore = 0;
  private volBefore = 0;
  private dayBefore = NaN;
  private pendingBefore = false;
  private out = NaN;

  get count(): number {
    return this.n;
  }
  get isReady(): boolean {
    return this.n >= 1;
  }
  get value(): number {
    return this.out;
  }

  add(high: number, low: number, close: number, volume: number, ts?: number): void {
    this.take(high, low, close, volume, ts);
    this.pvBefore = this.pv;
    this.volBefore = this.vol;
    this.dayBefore = this.day;
    this.pendingBefore = this.pending;
    this.n++;
    this.step();
  }

  replace(high: number, low: number, close: number, volume: number, ts?: number): void {
    if (this.n === 0) return this.add(high, low, close, volume, ts);
    this.take(high, low, close, volume, ts);
    // A resetSession() made after the last add still applies to the next add.
    const pendingNow = this.pending;
    this.pv = this.pvBefore;
    this.vol = this.volBefore;
    this.day = this.dayBefore;
    this.pending = this.pendingBefore;
    this.step();
    this.pending = pendingNow;
  }

  /** The next `add` starts a new session. */
  resetSession(): void {
    this.pending = true;
  }

  reset(): void {
    this.n = 0;
    this.pv = 0;
    this.vol = 0;
    this.day = NaN;
    this.pending = false;
    this.pvBefore = 0;
    this.volBefore = 0;
    this.dayBefore = NaN;
    this.pendingBefore = false;
    this.out = NaN;
  }

  /** Validates a bar and stores what `step` needs. */
  private take(high: number, low: number, close: number, volume: number, ts: number | undefined): void {
    if (high - high !== 0 || low - low !== 0 || close - close !== 0 || volume - volume !== 0 || volume < 0) {
      check(high, low, close, volume, ts);
    }
    this.inPv = ((high + low + close) / 3) * volume;
    this.inVolume = volume;
    if (ts === undefined) {
      this.inHasTs = false;
    } else {
      if (ts - ts !== 0) check(high, low, close, volume, ts);
      this.inHasTs = true;
      this.inDay = Math.floor(ts / DAY_MS);
    }
  }

  private step(): void {
    let fresh = this.pending;
    this.pending = false;
    if (this.inHasTs) {
      if (this.inDay !== this.day) fresh = true;
      this.day = this.inDay;
    }
    if (fresh) {
      this.pv = 0;
      this.vol = 0;
    }
    this.pv += this.inPv;
    this.vol += this.inVolume;
    // (separate stores: a ternary merging a double with a constant would be boxed by V8, i.e. allocate)
    if (this.vol > 0) this.out = this.pv / this.vol;
    else this.out = NaN;
  }
}

/** Throws `indicator.invalid_input` for the first bad value. */
function check(high: number, low: number, close: number, volume: number, ts: number | undefined): void {
  if (high - high !== 0) throw invalidInput('VWAP', 'high', high);
  if (low - low !== 0) throw invalidInput('VWAP', 'low', low);
  if (close - close !== 0) throw invalidInput('VWAP', 'close', close);
  if (volume - volume !== 0) throw invalidInput('VWAP', 'volume', volume);
  if (volume < 0) {
    throw new EngineError(INVALID_INPUT, `VWAP: volume must be >= 0, got ${volume}`, { indicator: 'VWAP', what: 'volume', value: volume });
  }
  if (ts !== undefined && ts - ts !== 0) throw invalidInput('VWAP', 'ts', ts);
}

/**
 * Batch VWAP aligned to the bars. With `ts` (bar open times, epoch ms) each UTC day is a session;
 * without it the whole series is one session. `out`: optional buffer (length = input length) to write into instead of allocating
 */
export function vwap(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  close: ArrayLike<number>,
  volume: ArrayLike<number>,
  ts?: ArrayLike<number>,
  out?: Float64Array,
): Float64Array {
  const n = close.length;
  requireSameLength('VWAP', n, high, low, volume);
  if (ts !== undefined) requireSameLength('VWAP', n, ts);
  const res = outputArray('VWAP', n, 0, out);
  let pv = 0;
  let vol = 0;
  let day = NaN;
  for (let i = 0; i < n; i++) {
    const h = high[i]!;
    const l = low[i]!;
    const c = close[i]!;
    const v = volume[i]!;
    const t = ts === undefined ? undefined : ts[i]!;
    check(h, l, c, v, t);
    if (t !== undefined) {
      const d = Math.floor(t / DAY_MS);
      if (d !== day) {
        pv = 0;
        vol = 0;
        day = d;
      }
    }
    pv += ((h + l + c) / 3) * v;
    vol += v;
    res[i] = vol > 0 ? pv / vol : NaN;
  }
  return res;
}
