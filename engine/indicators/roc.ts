import type { StreamingIndicator } from './types';
import { invalidInput, outputArray, requireInt } from './validate';

/**
 * Rate of change in percent, as TA-Lib: `(x / x[period bars ago] - 1) * 100`. First value at index
 * `period`. When the earlier value is 0 the ratio is undefined and the value is NaN (TA-Lib writes 0).
 */
export class Roc implements StreamingIndicator {
  readonly period: number;
  readonly warmup: number;
  /** The last `period` inputs; `head` is the slot of the oldest (the next to be overwritten). */
  private readonly ring: Float64Array;
  private head = 0;
  private n = 0;
  /** The value the last `add` overwrote: the input `period` bars before the last one. */
  private base = 0;
  private out = NaN;

  constructor(period = 10) {
    this.period = requireInt('ROC', 'period', period, 1);
    this.warmup = this.period + 1;
    this.ring = new Float64Array(this.period);
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
    if (x - x !== 0) throw invalidInput('ROC', 'value', x);
    const h = this.head;
    this.base = this.ring[h]!;
    this.ring[h] = x;
    this.head = h + 1 === this.period ? 0 : h + 1;
    this.n++;
    if (this.n > this.period) this.setOut(x);
  }

  replace(x: number): void {
    if (this.n === 0) return this.add(x);
    if (x - x !== 0) throw invalidInput('ROC', 'value', x);
    const h = this.head;
    this.ring[h === 0 ? this.period - 1 : h - 1] = x;
    if (this.n > this.period) this.setOut(x);
  }

  reset(): void {
    this.ring.fill(0);
    this.head = 0;
    this.n = 0;
    this.base = 0;
    this.out = NaN;
  }

  // Separate stores rather than `this.out = cond ? a : NaN`: V8 boxes a double merged with a constant
  // before a field store, which would allocate on every update.
  private setOut(x: number): void {
    const base = this.base;
    if (base !== 0) this.out = (x / base - 1) * 100;
    else this.out = NaN;
  }
}

/**
 * Batch ROC: Float64Array aligned to `values`, NaN before index `period`.
 * `out`: optional buffer (length = input length) to write into instead of allocating.
 */
export function roc(values: ArrayLike<number>, period = 10, out?: Float64Array): Float64Array {
  requireInt('ROC', 'period', period, 1);
  const n = values.length;
  const res = outputArray('ROC', n, period, out);
  const lead = Math.min(period, n);
  for (let i = 0; i < lead; i++) {
    const x = values[i]!;
    if (x - x !== 0) throw invalidInput('ROC', 'value', x);
  }
  for (let i = period; i < n; i++) {
    const x = values[i]!;
    if (x - x !== 0) throw invalidInput('ROC', 'value', x);
    const base = values[i - period]!;
    res[i] = base !== 0 ? (x / base - 1) * 100 : NaN;
  }
  return res;
}
