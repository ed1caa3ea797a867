import type { StreamingIndicator } from './types';
import { invalidInput, outputArray, requireInt } from './validate';

/**
 * Simple moving average of the last `period` values. Same running sum, in the same order, as TA-Lib
 * (`sum += x; out = sum / p; sum -= oldest`), so it matches TA-Lib bit for bit. First value at index
 * `period - 1`.
 */
export class Sma implements StreamingIndicator {
  readonly period: number;
  readonly warmup: number;
  private readonly ring: Float64Array;
  /** The input being applied: a field, not a `step` argument (V8 boxes doubles passed to calls it does not inline). */
  private input = 0;
  private head = 0;
  private n = 0;
  /** Sum of the last `period - 1` values (the window minus its oldest value). */
  private sum = 0;
  private sumBefore = 0;
  private out = NaN;

  constructor(period = 20) {
    this.period = requireInt('SMA', 'period', period, 1);
    this.warmup = this.period;
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
    if (x - x !== 0) throw invalidInput('SMA', 'value', x);
    const h = this.head;
    this.ring[h] = x;
    this.head = h + 1 === this.period ? 0 : h + 1;
    this.sumBefore = this.sum;
    this.n++;
    this.input = x;
    this.step();
  }

  replace(x: number): void {
    if (this.n === 0) return this.add(x);
    if (x - x !== 0) throw invalidInput('SMA', 'value', x);
    const h = this.head;
    this.ring[h === 0 ? this.period - 1 : h - 1] = x;
    this.sum = this.sumBefore;
    this.input = x;
    this.step();
  }

  reset(): void {
    this.ring.fill(0);
    this.head = 0;
    this.n = 0;
    this.sum = 0;
    this.sumBefore = 0;
    this.out = NaN;
  }

  private step(): void {
    const x = this.input;
    const total = this.sum + x;
    if (this.n >= this.period) {
      this.out = total / this.period;
      // `head` now points at the oldest value of the full window.
      this.sum = total - this.ring[this.head]!;
    } else {
      this.sum = total;
    }
  }
}

/**
 * Batch SMA: Float64Array aligned to `values`, NaN before index `period - 1`.
 * `out`: optional buffer (length = input length) to write into instead of allocating.
 */
export function sma(values: ArrayLike<number>, period = 20, out?: Float64Array): Float64Array {
  requireInt('SMA', 'period', period, 1);
  const n = values.length;
  const res = outputArray('SMA', n, period - 1, out);
  let sum = 0;
  const lead = Math.min(period - 1, n);
  for (let i = 0; i < lead; i++) {
    const x = values[i]!;
    if (x - x !== 0) throw invalidInput('SMA', 'value', x);
    sum += x;
  }
  for (let i = period - 1; i < n; i++) {
    const x = values[i]!;
    if (x - x !== 0) throw invalidInput('SMA', 'value', x);
    const total = sum + x;
    res[i] = total / period;
    sum = total - values[i - period + 1]!;
  }
  return res;
}
