/**
 * Append-only equity curve in parallel Float64Arrays that double when full: no object per sample.
 */
import { EngineError } from '../core/errors';
import { moneyToNumber, type Money } from '../core/money';
import type { EpochMs } from '../core/time';
import type { EquityCurve } from './types';

const INITIAL_CAPACITY = 1024;

export class EquityCurveBuffer {
  private n = 0;
  private tsA: Float64Array;
  private equityA: Float64Array;
  private cashA: Float64Array;
  private grossA: Float64Array;
  private openA: Float64Array;

  constructor(initialCapacity = INITIAL_CAPACITY) {
    const c = Math.max(1, Math.floor(initialCapacity));
    this.tsA = new Float64Array(c);
    this.equityA = new Float64Array(c);
    this.cashA = new Float64Array(c);
    this.grossA = new Float64Array(c);
    this.openA = new Float64Array(c);
  }

  get length(): number {
    return this.n;
  }

  /**
   * Appends a sample. A sample at the same timestamp as the last one replaces it (one sample per
   * timestamp); an earlier timestamp throws `portfolio.invalid_sample`.
   */
  append(ts: EpochMs, equity: Money, cash: Money, grossExposure: Money, openPositions: number): void {
    if (!Number.isFinite(ts)) throw new EngineError('portfolio.invalid_sample', `equity sample time ${ts} is not finite`);
    let i = this.n;
    if (i > 0) {
      const last = this.tsA[i - 1]!;
      if (ts < last) throw new EngineError('portfolio.invalid_sample', `equity sample at ${ts} is before the previous one at ${last}`);
      if (ts === last) i -= 1;
    }
    if (i === this.tsA.length) this.grow();
    this.tsA[i] = ts;
    this.equityA[i] = moneyToNumber(equity);
    this.cashA[i] = moneyToNumber(cash);
    this.grossA[i] = moneyToNumber(grossExposure);
    this.openA[i] = openPositions;
    this.n = i + 1;
  }

  /**
   * The samples so far, as views (no copy) of length `length`. Later appends do not change the
   * elements of a view already returned (growth moves to new buffers; appends write past its end),
   * except that a sample at the same timestamp as the last one replaces that last element.
   */
  curve(): EquityCurve {
    const n = this.n;
    return {
      length: n,
      ts: this.tsA.subarray(0, n),
      equity: this.equityA.subarray(0, n),
      cash: this.cashA.subarray(0, n),
      grossExposure: this.grossA.subarray(0, n),
      openPositions: this.openA.subarray(0, n),
    };
  }

  private grow(): void {
    const c = this.tsA.length * 2;
    this.tsA = copyInto(this.tsA, c);
    this.equityA = copyInto(this.equityA, c);
    this.cashA = copyInto(this.cashA, c);
    this.grossA = copyInto(this.grossA, c);
    this.openA = copyInto(this.openA, c);
  }
}

function copyInto(a: Float64Array, capacity: number): Float64Array {
  const b = new Float64Array(capacity);
  b.set(a);
  return b;
}
