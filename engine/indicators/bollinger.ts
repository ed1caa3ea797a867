import { ANCHOR, M2, OFFSET, resyncInterval, ringMoments, sliceMoments, SMALL_VARIANCE_RATIO } from './moments';
import type { StreamingIndicator } from './types';
import { invalidInput, outputArray, requireInt, requireNumber } from './validate';

/**
 * Bollinger Bands: middle = mean of the last `period` values, upper/lower = middle ± `multiplier` ×
 * population standard deviation (divide by `period`). First value at index `period - 1`.
 *
 * Numerics: the window mean and M2 (sum of squared deviations) are updated in O(1) with the rolling
 * Welford update (`mean' = mean + (x - old) / p`, `M2' = M2 + (x - old)((x - mean') + (old - mean))`),
 * with the mean held as anchor + offset (see `moments.ts`), so nothing cancels the way
 * `Σx² - (Σx)²/p` does on prices far from zero. The moments are recomputed exactly (corrected
 * two-pass) when the window first fills, every `max(128, period)` updates, and when the variance
 * becomes small relative to the deviations seen since the last recomputation; σ stays within a few
 * 1e-12 relative of a two-pass computation on any series length (tests: 100k-point random walk around
 * 1.1). TA-Lib's BBANDS uses running sums of squares and drifts; it is not the reference here.
 */
export class BollingerBands implements StreamingIndicator {
  readonly period: number;
  readonly multiplier: number;
  readonly warmup: number;
  private readonly ring: Float64Array;
  /** Where the exact recomputation writes anchor, offset and M2. */
  private readonly exact = new Float64Array(3);
  private readonly resyncEvery: number;
  private readonly invPeriod: number;
  /** M2 below `guard · scale2` triggers an exact recomputation. */
  private readonly guard: number;
  /** The input being applied: a field, not a `step` argument (V8 boxes doubles passed to calls it does not inline). */
  private input = 0;
  private head = 0;
  private n = 0;
  private evicted = 0;
  /** mean = anchor + offset */
  private anchor = 0;
  private offset = 0;
  private m2 = 0;
  /** Largest squared deviation from `anchor` since the last exact recomputation. */
  private scale2 = 0;
  private sinceSync = 0;
  private anchorBefore = 0;
  private offsetBefore = 0;
  private m2Before = 0;
  private scale2Before = 0;
  private sinceSyncBefore = 0;
  private middleOut = NaN;
  private sdOut = NaN;

  constructor(period = 20, multiplier = 2) {
    this.period = requireInt('BB', 'period', period, 1);
    this.multiplier = requireNumber('BB', 'multiplier', multiplier, 0);
    this.warmup = this.period;
    this.ring = new Float64Array(this.period);
    this.resyncEvery = resyncInterval(this.period);
    this.invPeriod = 1 / this.period;
    this.guard = this.period * SMALL_VARIANCE_RATIO;
  }

  get count(): number {
    return this.n;
  }
  get isReady(): boolean {
    return this.n >= this.warmup;
  }
  /** The middle band. */
  get value(): number {
    return this.middleOut;
  }
  get upper(): number {
    return this.middleOut + this.multiplier * this.sdOut;
  }
  get middle(): number {
    return this.middleOut;
  }
  get lower(): number {
    return this.middleOut - this.multiplier * this.sdOut;
  }
  /** The population standard deviation of the window (the half-width of the bands is `multiplier × stdDev`). */
  get stdDev(): number {
    return this.sdOut;
  }

  add(x: number): void {
    if (x - x !== 0) throw invalidInput('BB', 'value', x);
    const h = this.head;
    this.evicted = this.ring[h]!;
    this.ring[h] = x;
    this.head = h + 1 === this.period ? 0 : h + 1;
    this.anchorBefore = this.anchor;
    this.offsetBefore = this.offset;
    this.m2Before = this.m2;
    this.scale2Before = this.scale2;
    this.sinceSyncBefore = this.sinceSync;
    this.n++;
    this.input = x;
    this.step();
  }

  replace(x: number): void {
    if (this.n === 0) return this.add(x);
    if (x - x !== 0) throw invalidInput('BB', 'value', x);
    const h = this.head;
    this.ring[h === 0 ? this.period - 1 : h - 1] = x;
    this.anchor = this.anchorBefore;
    this.offset = this.offsetBefore;
    this.m2 = this.m2Before;
    this.scale2 = this.scale2Before;
    this.sinceSync = this.sinceSyncBefore;
    this.input = x;
    this.step();
  }

  reset(): void {
    this.ring.fill(0);
    this.head = 0;
    this.n = 0;
    this.evicted = 0;
    this.anchor = 0;
    this.offset = 0;
    this.m2 = 0;
    this.scale2 = 0;
    this.sinceSync = 0;
    this.anchorBefore = 0;
    this.offsetBefore = 0;
    this.m2Before = 0;
    this.scale2Before = 0;
    this.sinceSyncBefore = 0;
    this.middleOut = NaN;
    this.sdOut = NaN;
  }

  private step(): void {
    const x = this.input;
    const p = this.period;
    if (this.n < p) return;
    let exact = this.n === p || ++this.sinceSync === this.resyncEvery;
    if (!exact) {
      const k = this.anchor;
      const d0 = this.offset;
      const old = this.evicted;
      const xk = x - k;
      const d = d0 + (x - old) * this.invPeriod;
      const m2 = this.m2 + (x - old) * (xk - d + (old - k - d0));
      const s2 = xk * xk > this.scale2 ? xk * xk : this.scale2;
      this.offset = d;
      this.m2 = m2;
      this.scale2 = s2;
      exact = m2 < this.guard * s2;
    }
    if (exact) {
      if (this.sinceSync === this.resyncEvery) this.sinceSync = 0;
      const e = this.exact;
      ringMoments(this.ring, this.head, e);
      this.anchor = e[ANCHOR]!;
      this.offset = e[OFFSET]!;
      this.m2 = e[M2]!;
      this.scale2 = e[M2]! * this.invPeriod;
    }
    const mean = this.anchor + this.offset;
    const m2 = this.m2;
    // (separate stores: a ternary merging a double with a constant would be boxed by V8, i.e. allocate)
    if (m2 > 0) this.sdOut = Math.sqrt(m2 * this.invPeriod);
    else this.sdOut = 0;
    this.middleOut = mean;
  }
}

export interface BollingerSeries {
  upper: Float64Array;
  middle: Float64Array;
  lower: Float64Array;
}

/**
 * Batch Bollinger Bands: three Float64Arrays aligned to `values`, NaN before index `period - 1`.
 * `out`: optional buffers (length = input length) to write into instead of allocating.
 */
export function bollinger(values: ArrayLike<number>, period = 20, multiplier = 2, out?: BollingerSeries): BollingerSeries {
  requireInt('BB', 'period', period, 1);
  requireNumber('BB', 'multiplier', multiplier, 0);
  const n = values.length;
  const upper = outputArray('BB', n, period - 1, out?.upper);
  const middle = outputArray('BB', n, period - 1, out?.middle);
  const lower = outputArray('BB', n, period - 1, out?.lower);
  fillBands(values, period, multiplier, upper, middle, lower);
  return { upper, middle, lower };
}

/**
 * The batch loop, kept apart from the argument handling so that it optimizes as a whole. It runs in
 * blocks of `resyncEvery` bars: an exact recomputation at the start of each block, then rolling updates
 * (with the small-variance check) — the same schedule as the streaming class, so the results are equal.
 */
function fillBands(
  values: ArrayLike<number>,
  period: number,
  multiplier: number,
  upper: Float64Array,
  middle: Float64Array,
  lower: Float64Array,
): void {
  const n = values.length;
  const lead = Math.min(period - 1, n);
  for (let i = 0; i < lead; i++) {
    const x = values[i]!;
    if (x - x !== 0) throw invalidInput('BB', 'value', x);
  }
  const resyncEvery = resyncInterval(period);
  const invPeriod = 1 / period;
  const guard = period * SMALL_VARIANCE_RATIO;
  const e = new Float64Array(3);
  let i = period - 1;
  while (i < n) {
    const x0 = values[i]!;
    if (x0 - x0 !== 0) throw invalidInput('BB', 'value', x0);
    sliceMoments(values, i - period + 1, period, e);
    let anchor = e[ANCHOR]!;
    let offset = e[OFFSET]!;
    let m2 = e[M2]!;
    let scale2 = m2 * invPeriod;
    let mean = anchor + offset;
    let w = multiplier * (m2 > 0 ? Math.sqrt(m2 * invPeriod) : 0);
    middle[i] = mean;
    upper[i] = mean + w;
    lower[i] = mean - w;
    i++;
    const end = i + resyncEvery - 1 < n ? i + resyncEvery - 1 : n;
    for (; i < end; i++) {
      const x = values[i]!;
      if (x - x !== 0) throw invalidInput('BB', 'value', x);
      const old = values[i - period]!;
      const xk = x - anchor;
      const d = offset + (x - old) * invPeriod;
      m2 = m2 + (x - old) * (xk - d + (old - anchor - offset));
      if (xk * xk > scale2) scale2 = xk * xk;
      offset = d;
      if (m2 < guard * scale2) {
        sliceMoments(values, i - period + 1, period, e);
        anchor = e[ANCHOR]!;
        offset = e[OFFSET]!;
        m2 = e[M2]!;
        scale2 = m2 * invPeriod;
      }
      mean = anchor + offset;
      w = multiplier * (m2 > 0 ? Math.sqrt(m2 * invPeriod) : 0);
      middle[i] = mean;
      upper[i] = mean + w;
      lower[i] = mean - w;
    }
  }
}
