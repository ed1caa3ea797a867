import type { StreamingIndicator } from './types';
import { invalidInput, outputArray, requireInt } from './validate';

/** Smoothing factor of an EMA of `period`: 2 / (period + 1). */
export function emaAlpha(period: number): number {
  return 2 / (period + 1);
}

/**
 * Exponential moving average, seeded as TA-Lib and backtrader do: the simple average of the first
 * `period` values at index `period - 1`, then `e = (x - e) * a + e` with `a = 2 / (period + 1)`
 * (TA-Lib's operation order, so it matches TA-Lib bit for bit).
 */
export class Ema implements StreamingIndicator {
  readonly period: number;
  readonly warmup: number;
  private readonly alpha: number;
  /** The input being applied: a field, not a `step` argument (V8 boxes doubles passed to calls it does not inline). */
  private input = 0;
  private n = 0;
  /** Sum of the inputs during warm-up, then the EMA itself. */
  private acc = 0;
  private accBefore = 0;
  private out = NaN;

  constructor(period = 20) {
    this.period = requireInt('EMA', 'period', period, 1);
    this.warmup = this.period;
    this.alpha = emaAlpha(this.period);
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
    if (x - x !== 0) throw invalidInput('EMA', 'value', x);
    this.accBefore = this.acc;
    this.n++;
    this.input = x;
    this.step();
  }

  replace(x: number): void {
    if (this.n === 0) return this.add(x);
    if (x - x !== 0) throw invalidInput('EMA', 'value', x);
    this.acc = this.accBefore;
    this.input = x;
    this.step();
  }

  reset(): void {
    this.n = 0;
    this.acc = 0;
    this.accBefore = 0;
    this.out = NaN;
  }

  private step(): void {
    const x = this.input;
    const n = this.n;
    const p = this.period;
    if (n > p) {
      const e = (x - this.acc) * this.alpha + this.acc;
      this.acc = e;
      this.out = e;
    } else if (n === p) {
      const e = (this.acc + x) / p;
      this.acc = e;
      this.out = e;
    } else {
      this.acc += x;
    }
  }
}

/**
 * Batch EMA: Float64Array aligned to `values`, NaN before index `period - 1`.
 * `out`: optional buffer (length = input length) to write into instead of allocating.
 */
export function ema(values: ArrayLike<number>, period = 20, out?: Float64Array): Float64Array {
  requireInt('EMA', 'period', period, 1);
  const n = values.length;
  const res = outputArray('EMA', n, period - 1, out);
  if (n < period) {
    for (let i = 0; i < n; i++) {
      const x = values[i]!;
      if (x - x !== 0) throw invalidInput('EMA', 'value', x);
    }
    return res;
  }
  let sum = 0;
  for (let i = 0; i < period; i++) {
    const x = values[i]!;
    if (x - x !== 0) throw invalidInput('EMA', 'value', x);
    sum += x;
  }
  let e = sum / period;
  res[period - 1] = e;
  const a = emaAlpha(period);
  for (let i = period; i < n; i++) {
    const x = values[i]!;
    if (x - x !== 0) throw invalidInput('EMA', 'value', x);
    e = (x - e) * a + e;
    res[i] = e;
  }
  return res;
}
