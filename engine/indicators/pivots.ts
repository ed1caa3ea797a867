import { DAY_MS } from '../core/time';
import type { StreamingIndicator } from './types';
import { invalidInput, outputArray, requireSameLength } from './validate';

/** Classic floor pivot levels from one period's high, low and close. */
export interface PivotLevels {
  pivot: number;
  r1: number;
  r2: number;
  r3: number;
  s1: number;
  s2: number;
  s3: number;
}

/**
 * Classic floor pivot points: from the previous period's high H, low L and close C,
 * P = (H + L + C) / 3, R1 = 2P − L, S1 = 2P − H, R2 = P + (H − L), S2 = P − (H − L),
 * R3 = H + 2(P − L), S3 = L − 2(H − P).
 *
 * Periods: bars are grouped by the UTC day of their `ts` (epoch ms, bar open time), so intraday bars
 * get the previous UTC day's levels and daily bars (one per UTC day) get the previous bar's levels;
 * `resetSession()` also starts a new period at the next bar. Bars without `ts` never start a period by
 * themselves. The levels after a bar are the ones in force during that bar (from the last completed
 * period; no look-ahead); NaN during the first period. `value` is the pivot P.
 */
export class PivotPoints implements StreamingIndicator {
  readonly warmup = 2;
  /** The bar being applied: fields, not `step` arguments (V8 boxes doubles passed to calls it does not inline). */
  private inHigh = 0;
  private inLow = 0;
  private inClose = 0;
  private inDay = 0;
  private inHasTs = false;
  private n = 0;
  private ready = false;
  private curHigh = NaN;
  private curLow = NaN;
  private curClose = NaN;
  private day = NaN;
  private pending = false;
  private prevHigh = NaN;
  private prevLow = NaN;
  private prevClose = NaN;
  private readyBefore = false;
  private curHighBefore = NaN;
  private curLowBefore = NaN;
  private curCloseBefore = NaN;
  private dayBefore = NaN;
  private pendingBefore = false;
  private prevHighBefore = NaN;
  private prevLowBefore = NaN;
  private prevCloseBefore = NaN;
  private p = NaN;
  private res1 = NaN;
  private res2 = NaN;
  private res3 = NaN;
  private sup1 = NaN;
  private sup2 = NaN;
  private sup3 = NaN;

  get count(): number {
    return this.n;
  }
  /** True once a period has completed (at the earliest after 2 bars). */
  get isReady(): boolean {
    return this.ready;
  }
  get value(): number {
    return this.p;
  }
  get pivot(): number {
    return this.p;
  }
  get r1(): number {
    return this.res1;
  }
  get r2(): number {
    return this.res2;
  }
  get r3(): number {
    return this.res3;
  }
  get s1(): number {
    return this.sup1;
  }
  get s2(): number {
    return this.sup2;
  }
  get s3(): number {
    return this.sup3;
  }

  add(high: number, low: number, close: number, ts?: number): void {
    this.take(high, low, close, ts);
    this.readyBefore = this.ready;
    this.curHighBefore = this.curHigh;
    this.curLowBefore = this.curLow;
    this.curCloseBefore = this.curClose;
    this.dayBefore = this.day;
    this.pendingBefore = this.pending;
    this.prevHighBefore = this.prevHigh;
    this.prevLowBefore = this.prevLow;
    this.prevCloseBefore = this.prevClose;
    this.n++;
    this.step();
  }

  replace(high: number, low: number, close: number, ts?: number): void {
    if (this.n === 0) return this.add(high, low, close, ts);
    this.take(high, low, close, ts);
    // A resetSession() made after the last add still applies to the next add.
    const pendingNow = this.pending;
    this.ready = this.readyBefore;
    this.curHigh = this.curHighBefore;
    this.curLow = this.curLowBefore;
    this.curClose = this.curCloseBefore;
    this.day = this.dayBefore;
    this.pending = this.pendingBefore;
    this.prevHigh = this.prevHighBefore;
    this.prevLow = this.prevLowBefore;
    this.prevClose = this.prevCloseBefore;
    this.step();
    this.pending = pendingNow;
  }

  /** The next `add` starts a new period. */
  resetSession(): void {
    this.pending = true;
  }

  reset(): void {
    this.n = 0;
    this.ready = false;
    this.curHigh = NaN;
    this.curLow = NaN;
    this.curClose = NaN;
    this.day = NaN;
    this.pending = false;
    this.prevHigh = NaN;
    this.prevLow = NaN;
    this.prevClose = NaN;
    this.readyBefore = false;
    this.curHighBefore = NaN;
    this.curLowBefore = NaN;
    this.curCloseBefore = NaN;
    this.dayBefore = NaN;
    this.pendingBefore = false;
    this.prevHighBefore = NaN;
    this.prevLowBefore = NaN;
    this.prevCloseBefore = NaN;
    this.setLevels();
  }

  /** Validates a bar and stores what `step` needs. */
  private take(high: number, low: number, close: number, ts: number | undefined): void {
    if (high - high !== 0 || low - low !== 0 || close - close !== 0) check(high, low, close, ts);
    this.inHigh = high;
    this.inLow = low;
    this.inClose = close;
    if (ts === undefined) {
      this.inHasTs = false;
    } else {
      if (ts - ts !== 0) check(high, low, close, ts);
      this.inHasTs = true;
      this.inDay = Math.floor(ts / DAY_MS);
    }
  }

  private step(): void {
    const high = this.inHigh;
    const low = this.inLow;
    const close = this.inClose;
    let fresh = this.pending;
    this.pending = false;
    if (this.inHasTs) {
      if (this.inDay !== this.day) fresh = true;
      this.day = this.inDay;
    }
    if (fresh && this.curClose === this.curClose) {
      this.prevHigh = this.curHigh;
      this.prevLow = this.curLow;
      this.prevClose = this.curClose;
      this.ready = true;
    }
    if (fresh || this.curClose !== this.curClose) {
      this.curHigh = high;
      this.curLow = low;
    } else {
      if (high > this.curHigh) this.curHigh = high;
      if (low < this.curLow) this.curLow = low;
    }
    this.curClose = close;
    this.setLevels();
  }

  private setLevels(): void {
    const h = this.prevHigh;
    const l = this.prevLow;
    const p = (h + l + this.prevClose) / 3;
    this.p = p;
    this.res1 = 2 * p - l;
    this.sup1 = 2 * p - h;
    this.res2 = p + (h - l);
    this.sup2 = p - (h - l);
    this.res3 = h + 2 * (p - l);
    this.sup3 = l - 2 * (h - p);
  }
}

/** Throws `indicator.invalid_input` for the first non-finite value. */
function check(high: number, low: number, close: number, ts: number | undefined): void {
  if (high - high !== 0) throw invalidInput('PIVOTS', 'high', high);
  if (low - low !== 0) throw invalidInput('PIVOTS', 'low', low);
  if (close - close !== 0) throw invalidInput('PIVOTS', 'close', close);
  if (ts !== undefined && ts - ts !== 0) throw invalidInput('PIVOTS', 'ts', ts);
}

export interface PivotSeries {
  pivot: Float64Array;
  r1: Float64Array;
  r2: Float64Array;
  r3: Float64Array;
  s1: Float64Array;
  s2: Float64Array;
  s3: Float64Array;
}

/** Classic floor pivot levels from one period's high, low and close. */
export function pivotLevels(high: number, low: number, close: number): PivotLevels {
  const p = (high + low + close) / 3;
  return {
    pivot: p,
    r1: 2 * p - low,
    s1: 2 * p - high,
    r2: p + (high - low),
    s2: p - (high - low),
    r3: high + 2 * (p - low),
    s3: low - 2 * (high - p),
  };
}

/**
 * Batch pivot points aligned to the bars: each bar gets the levels of the previous UTC day of `ts`
 * (bar open times, epoch ms); NaN during the first day. `into`: optional buffers (length = input
 * length) to write into instead of allocating.
 */
export function pivots(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  close: ArrayLike<number>,
  ts: ArrayLike<number>,
  into?: PivotSeries,
): PivotSeries {
  const n = close.length;
  requireSameLength('PIVOTS', n, high, low, ts);
  const out: PivotSeries = {
    pivot: outputArray('PIVOTS', n, 0, into?.pivot),
    r1: outputArray('PIVOTS', n, 0, into?.r1),
    r2: outputArray('PIVOTS', n, 0, into?.r2),
    r3: outputArray('PIVOTS', n, 0, into?.r3),
    s1: outputArray('PIVOTS', n, 0, into?.s1),
    s2: outputArray('PIVOTS', n, 0, into?.s2),
    s3: outputArray('PIVOTS', n, 0, into?.s3),
  };
  let day = NaN;
  let curHigh = NaN;
  let curLow = NaN;
  let curClose = NaN;
  let lv: PivotLevels = pivotLevels(NaN, NaN, NaN);
  for (let i = 0; i < n; i++) {
    const h = high[i]!;
    const l = low[i]!;
    const c = close[i]!;
    const t = ts[i]!;
    check(h, l, c, t);
    const d = Math.floor(t / DAY_MS);
    if (d !== day) {
      if (i > 0) lv = pivotLevels(curHigh, curLow, curClose);
      day = d;
      curHigh = h;
      curLow = l;
    } else {
      if (h > curHigh) curHigh = h;
      if (l < curLow) curLow = l;
    }
    curClose = c;
    out.pivot[i] = lv.pivot;
    out.r1[i] = lv.r1;
    out.r2[i] = lv.r2;
    out.r3[i] = lv.r3;
    out.s1[i] = lv.s1;
    out.s2[i] = lv.s2;
    out.s3[i] = lv.s3;
  }
  return out;
}
