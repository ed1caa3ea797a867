import type { StreamingIndicator } from './types';
import { invalidInput, outputArray, requireInt } from './validate';

/**
 * Relative strength index with Wilder smoothing, as TA-Lib computes it: the average gain and loss are
 * seeded with the simple averages of the first `period` changes, then `avg = (avg * (p - 1) + change) / p`.
 * First value at index `period` (after `period + 1` inputs); matches TA-Lib bit for bit.
 *
 * When both averages are 0 (a flat window) the RSI is undefined; this returns 50 (neutral) there,
 * where TA-Lib returns 0.
 */
export class Rsi implements StreamingIndicator {
  readonly period: number;
  readonly warmup: number;
  /** The input being applied: a field, not a `step` argument (V8 boxes doubles passed to calls it does not inline). */
  private input = 0;
  private n = 0;
  private last = 0;
  private lastBefore = 0;
  private gain = 0;
  private loss = 0;
  private gainBefore = 0;
  private lossBefore = 0;
  private out = NaN;

  constructor(period = 14) {
    this.period = requireInt('RSI', 'period', period, 1);
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

  add(x: number): void {
    if (x - x !== 0) throw invalidInput('RSI', 'value', x);
    this.lastBefore = this.last;
    this.gainBefore = this.gain;
    this.lossBefore = this.loss;
    this.n++;
    this.input = x;
    this.step();
  }

  replace(x: number): void {
    if (this.n === 0) return this.add(x);
    if (x - x !== 0) throw invalidInput('RSI', 'value', x);
    this.last = this.lastBefore;
    this.gain = this.gainBefore;
    this.loss = this.lossBefore;
    this.input = x;
    this.step();
  }

  reset(): void {
    this.n = 0;
    this.last = 0;
    this.lastBefore = 0;
    this.gain = 0;
    this.loss = 0;
    this.gainBefore = 0;
    this.lossBefore = 0;
    this.out = NaN;
  }

  private step(): void {
    const x = this.input;
    const n = this.n;
    const p = this.period;
    const d = x - this.last;
    this.last = x;
    if (n > p + 1) {
      let g = this.gain * (p - 1);
      let l = this.loss * (p - 1);
      if (d < 0) l -= d;
      else g += d;
      g /= p;
      l /= p;
      this.gain = g;
      this.loss = l;
      this.setOut(g, l);
    } else if (n === 1) {
      return;
    } else {
      if (d < 0) this.loss -= d;
      else this.gain += d;
      if (n === p + 1) {
        const g = this.gain / p;
        const l = this.loss / p;
        this.gain = g;
        this.loss = l;
        this.setOut(g, l);
      }
    }
  }

  // Separate stores rather than `this.out = cond ? a : 50`: V8 boxes a double merged with a constant
  // before a field store, which would allocate on every update.
  private setOut(gain: number, loss: number): void {
    const t = gain + loss;
    if (t !== 0) this.out = 100 * (gain / t);
    else this.out = 50;
  }
}


/**
 * Batch RSI: Float64Array aligned to `values`, NaN before index `period`.
 * `out`: optional buffer (length = input length) to write into instead of allocating.
 */
export function rsi(values: ArrayLike<number>, period = 14, out?: Float64Array): Float64Array {
  requireInt('RSI', 'period', period, 1);
  const n = values.length;
  const res = outputArray('RSI', n, period, out);
  if (n === 0) return res;
  let prev = values[0]!;
  if (prev - prev !== 0) throw invalidInput('RSI', 'value', prev);
  let g = 0;
  let l = 0;
  const lead = Math.min(period, n - 1);
  for (let i = 1; i <= lead; i++) {
    const x = values[i]!;
    if (x - x !== 0) throw invalidInput('RSI', 'value', x);
    const d = x - prev;
    prev = x;
    if (d < 0) l -= d;
    else g += d;
  }
  if (n <= period) return res;
  g /= period;
  l /= period;
  const t0 = g + l;
  res[period] = t0 !== 0 ? 100 * (g / t0) : 50;
  const m = period - 1;
  for (let i = period + 1; i < n; i++) {
    const x = values[i]!;
    if (x - x !== 0) throw invalidInput('RSI', 'value', x);
    const d = x - prev;
    prev = x;
    g *= m;
    l *= m;
    if (d < 0) l -= d;
    else g += d;
    g /= period;
    l /= period;
    const t = g + l;
    res[i] = t !== 0 ? 100 * (g / t) : 50;
  }
  return res;
}
