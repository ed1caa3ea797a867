import type { StreamingIndicator } from './types';
import { invalidInput, outputArray, requireSameLength } from './validate';

/**
 * On-balance volume, as TA-Lib: starts at the first bar's volume (value at index 0), then adds the
 * bar's volume when the close rose, subtracts it when the close fell, and keeps it when unchanged.
 */
export class Obv implements StreamingIndicator {
  readonly warmup = 1;
  /** The bar being applied: fields, not `step` arguments (V8 boxes doubles passed to calls it does not inline). */
  private inClose = 0;
  private inVolume = 0;
  private n = 0;
  private lastClose = 0;
  private lastCloseBefore = 0;
  private obv = NaN;
  private obvBefore = NaN;

  get count(): number {
    return this.n;
  }
  get isReady(): boolean {
    return this.n >= 1;
  }
  get value(): number {
    return this.obv;
  }

  add(close: number, volume: number): void {
    if (close - close !== 0 || volume - volume !== 0) check(close, volume);
    this.inClose = close;
    this.inVolume = volume;
    this.lastCloseBefore = this.lastClose;
    this.obvBefore = this.obv;
    this.n++;
    this.step();
  }

  replace(close: number, volume: number): void {
    if (this.n === 0) return this.add(close, volume);
    if (close - close !== 0 || volume - volume !== 0) check(close, volume);
    this.inClose = close;
    this.inVolume = volume;
    this.lastClose = this.lastCloseBefore;
    this.obv = this.obvBefore;
    this.step();
  }

  reset(): void {
    this.n = 0;
    this.lastClose = 0;
    this.lastCloseBefore = 0;
    this.obv = NaN;
    this.obvBefore = NaN;
  }

  private step(): void {
    const close = this.inClose;
    const volume = this.inVolume;
    if (this.n === 1) this.obv = volume;
    else if (close > this.lastClose) this.obv += volume;
    else if (close < this.lastClose) this.obv -= volume;
    this.lastClose = close;
  }
}

/** Throws `indicator.invalid_input` for the first non-finite value. */
function check(close: number, volume: number): void {
  if (close - close !== 0) throw invalidInput('OBV', 'close', close);
  if (volume - volume !== 0) throw invalidInput('OBV', 'volume', volume);
}

/**
 * Batch OBV: Float64Array aligned to the bars; the first value is the first volume.
 * `out`: optional buffer (length = input length) to write into instead of allocating.
 */
export function obv(close: ArrayLike<number>, volume: ArrayLike<number>, out?: Float64Array): Float64Array {
  const n = close.length;
  requireSameLength('OBV', n, volume);
  const res = outputArray('OBV', n, 0, out);
  if (n === 0) return res;
  let prev = close[0]!;
  let acc = volume[0]!;
  check(prev, acc);
  res[0] = acc;
  for (let i = 1; i < n; i++) {
    const c = close[i]!;
    const v = volume[i]!;
    if (c - c !== 0 || v - v !== 0) check(c, v);
    if (c > prev) acc += v;
    else if (c < prev) acc -= v;
    res[i] = acc;
    prev = c;
  }
  return res;
}
