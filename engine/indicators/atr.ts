import type { StreamingIndicator } from './types';
import { invalidInput, outputArray, requireInt, requireSameLength } from './validate';

/**
 * True range of a bar given the previous bar's close: max(high − low, |prevClose − high|,
 * |prevClose − low|) (TA-Lib's TRANGE), written as max(high, prevClose) − min(low, prevClose), which
 * for a valid bar (high ≥ low) gives the same floating-point result and branches predictably (the
 * previous close is usually inside the bar's range).
 */
export function trueRange(high: number, low: number, prevClose: number): number {
  return prevClose > high ? prevClose - low : prevClose < low ? high - prevClose : high - low;
}

/**
 * Average true range with Wilder smoothing, as TA-Lib: the true range needs the previous close, so the
 * first one is at index 1; the ATR is seeded with the simple average of the first `period` true ranges
 * (first value at index `period`, after `period + 1` bars), then `atr = (atr * (p - 1) + tr) / p`.
 * Matches TA-Lib bit for bit.
 */
export class Atr implements StreamingIndicator {
  readonly period: number;
  readonly warmup: number;
  /** The bar being applied: fields, not `step` arguments (V8 boxes doubles passed to calls it does not inline). */
  private inHigh = 0;
  private inLow = 0;
  private inClose = 0;
  private n = 0;
  private lastClose = 0;
  private lastCloseBefore = 0;
  /** Sum of true ranges during warm-up, then the ATR. */
  private acc = 0;
  private accBefore = 0;
  private out = NaN;

  constructor(period = 14) {
    this.period = requireInt('ATR', 'period', period, 1);
    this.warmup = this.period + 1;
  }

  get count(): number {
    return this.n;
  }
  get isReady(): boolean {
    return this.n >= this.warmup;
  }
  get value(): number {
    return this.out;
  }

  add(high: number, low: number, close: number): void {
    if (high - high !== 0 || low - low !== 0 || close - close !== 0) check(high, low, close);
    this.inHigh = high;
    this.inLow = low;
    this.inClose = close;
    this.lastCloseBefore = this.lastClose;
    this.accBefore = this.acc;
    this.n++;
    this.step();
  }

  replace(high: number, low: number, close: number): void {
    if (this.n === 0) return this.add(high, low, close);
    if (high - high !== 0 || low - low !== 0 || close - close !== 0) check(high, low, close);
    this.inHigh = high;
    this.inLow = low;
    this.inClose = close;
    this.lastClose = this.lastCloseBefore;
    this.acc = this.accBefore;
    this.step();
  }

  reset(): void {
    this.n = 0;
    this.lastClose = 0;
    this.lastCloseBefore = 0;
    this.acc = 0;
    this.accBefore = 0;
    this.out = NaN;
  }

  private step(): void {
    const n = this.n;
    const p = this.period;
    const high = this.inHigh;
    const low = this.inLow;
    const prevClose = this.lastClose;
    this.lastClose = this.inClose;
    if (n === 1) return;
    const tr = prevClose > high ? prevClose - low : prevClose < low ? high - prevClose : high - low;
    if (n > p + 1) {
      const a = (this.acc * (p - 1) + tr) / p;
      this.acc = a;
      this.out = a;
    } else if (n === p + 1) {
      const a = (this.acc + tr) / p;
      this.acc = a;
      this.out = a;
    } else {
      this.acc += tr;
    }
  }
}

/** Throws `indicator.invalid_input` for the first non-finite value. */
function check(high: number, low: number, close: number): void {
  if (high - high !== 0) throw invalidInput('ATR', 'high', high);
  if (low - low !== 0) throw invalidInput('ATR', 'low', low);
  if (close - close !== 0) throw invalidInput('ATR', 'close', close);
}

/**
 * Batch ATR: Float64Array aligned to the bars, NaN before index `period`.
 * `out`: optional buffer (length = input length) to write into instead of allocating.
 */
export function atr(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  close: ArrayLike<number>,
  period = 14,
  out?: Float64Array,
): Float64Array {
  requireInt('ATR', 'period', period, 1);
  const n = close.length;
  requireSameLength('ATR', n, high, low);
  const res = outputArray('ATR', n, period, out);
  if (n === 0) return res;
  let prevClose = close[0]!;
  check(high[0]!, low[0]!, prevClose);
  let sum = 0;
  const lead = Math.min(period, n - 1);
  for (let i = 1; i <= lead; i++) {
    const h = high[i]!;
    const l = low[i]!;
    const c = close[i]!;
    check(h, l, c);
    sum += trueRange(h, l, prevClose);
    prevClose = c;
  }
  if (n <= period) return res;
  let a = sum / period;
  res[period] = a;
  const m = period - 1;
  for (let i = period + 1; i < n; i++) {
    const h = high[i]!;
    const l = low[i]!;
    const c = close[i]!;
    if (h - h !== 0 || l - l !== 0 || c - c !== 0) check(h, l, c);
    const tr = prevClose > h ? prevClose - l : prevClose < l ? h - prevClose : h - l;
    prevClose = c;
    a = (a * m + tr) / period;
    res[i] = a;
  }
  return res;
}
