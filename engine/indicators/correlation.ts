import {
  ANCHOR,
  M2,
  OFFSET,
  resyncInterval,
  ringCoM2,
  ringMoments,
  sliceCoM2,
  sliceMoments,
  SMALL_VARIANCE_RATIO,
  ZERO_VARIANCE,
} from './moments';
import type { StreamingIndicator } from './types';
import { invalidInput, outputArray, requireInt, requireSameLength } from './validate';

/**
 * Rolling Pearson correlation of two series over the last `period` pairs, in [-1, 1]. First value at
 * index `period - 1`.
 *
 * Numerics as in Bollinger Bands (see `moments.ts`): means (as anchor + offset), M2s and the
 * co-moment are updated in O(1) with rolling Welford updates and recomputed exactly (corrected two-pass) when the
 * window first fills, every `max(128, period)` updates, and when either variance becomes small relative
 * to the deviations seen since the last recomputation.
 * A window in which either series is constant (σ < 1e-14·|mean| after the exact recomputation) has no
 * correlation: the value is NaN there even though `isReady` is true.
 */
export class Correlation implements StreamingIndicator {
  readonly period: number;
  readonly warmup: number;
  private readonly rx: Float64Array;
  private readonly ry: Float64Array;
  /** Where the exact recomputation writes its results: x moments, y moments, co-moment. */
  private readonly exact = new Float64Array(7);
  private readonly resyncEvery: number;
  private readonly invPeriod: number;
  /** M2 below `guard · scale²` triggers an exact recomputation. */
  private readonly guard: number;
  /** The pair being applied: fields, not `step` arguments (V8 boxes doubles passed to calls it does not inline). */
  private inX = 0;
  private inY = 0;
  private head = 0;
  private n = 0;
  private oldX = 0;
  private oldY = 0;
  /** Means are anchor + offset (kx + dx, ky + dy); vx, vy are the M2s, cxy the co-moment. */
  private kx = 0;
  private ky = 0;
  private dx = 0;
  private dy = 0;
  private vx = 0;
  private vy = 0;
  private cxy = 0;
  /** Largest squared deviations from the anchors since the last exact recomputation. */
  private sx2 = 0;
  private sy2 = 0;
  private sinceSync = 0;
  private kxBefore = 0;
  private kyBefore = 0;
  private dxBefore = 0;
  private dyBefore = 0;
  private vxBefore = 0;
  private vyBefore = 0;
  private cxyBefore = 0;
  private sx2Before = 0;
  private sy2Before = 0;
  private sinceSyncBefore = 0;
  private out = NaN;

  constructor(period = 20) {
    this.period = requireInt('CORREL', 'period', period, 2);
    this.warmup = this.period;
    this.rx = new Float64Array(this.period);
    this.ry = new Float64Array(this.period);
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
  get value(): number {
    return this.out;
  }

  add(x: number, y: number): void {
    if (x - x !== 0 || y - y !== 0) check(x, y);
    this.inX = x;
    this.inY = y;
    const h = this.head;
    this.oldX = this.rx[h]!;
    this.oldY = this.ry[h]!;
    this.rx[h] = x;
    this.ry[h] = y;
    this.head = h + 1 === this.period ? 0 : h + 1;
    this.kxBefore = this.kx;
    this.kyBefore = this.ky;
    this.dxBefore = this.dx;
    this.dyBefore = this.dy;
    this.vxBefore = this.vx;
    this.vyBefore = this.vy;
    this.cxyBefore = this.cxy;
    this.sx2Before = this.sx2;
    this.sy2Before = this.sy2;
    this.sinceSyncBefore = this.sinceSync;
    this.n++;
    this.step();
  }

  replace(x: number, y: number): void {
    if (this.n === 0) return this.add(x, y);
    if (x - x !== 0 || y - y !== 0) check(x, y);
    this.inX = x;
    this.inY = y;
    const h = this.head;
    const last = h === 0 ? this.period - 1 : h - 1;
    this.rx[last] = x;
    this.ry[last] = y;
    this.kx = this.kxBefore;
    this.ky = this.kyBefore;
    this.dx = this.dxBefore;
    this.dy = this.dyBefore;
    this.vx = this.vxBefore;
    this.vy = this.vyBefore;
    this.cxy = this.cxyBefore;
    this.sx2 = this.sx2Before;
    this.sy2 = this.sy2Before;
    this.sinceSync = this.sinceSyncBefore;
    this.step();
  }

  reset(): void {
    this.rx.fill(0);
    this.ry.fill(0);
    this.head = 0;
    this.n = 0;
    this.oldX = 0;
    this.oldY = 0;
    this.kx = this.ky = this.dx = this.dy = this.vx = this.vy = this.cxy = this.sx2 = this.sy2 = 0;
    this.kxBefore = this.kyBefore = this.dxBefore = this.dyBefore = 0;
    this.vxBefore = this.vyBefore = this.cxyBefore = this.sx2Before = this.sy2Before = 0;
    this.sinceSync = 0;
    this.sinceSyncBefore = 0;
    this.out = NaN;
  }

  private step(): void {
    const x = this.inX;
    const y = this.inY;
    const p = this.period;
    if (this.n < p) return;
    let exact = this.n === p || ++this.sinceSync === this.resyncEvery;
    if (!exact) {
      const ox = this.oldX;
      const oy = this.oldY;
      const kx = this.kx;
      const ky = this.ky;
      const dx0 = this.dx;
      const dy0 = this.dy;
      const xk = x - kx;
      const yk = y - ky;
      const oxd = ox - kx - dx0;
      const dx = dx0 + (x - ox) * this.invPeriod;
      const dy = dy0 + (y - oy) * this.invPeriod;
      const vx = this.vx + (x - ox) * (xk - dx + oxd);
      const vy = this.vy + (y - oy) * (yk - dy + (oy - ky - dy0));
      this.cxy = this.cxy + (xk - dx0) * (yk - dy) - oxd * (oy - ky - dy);
      this.dx = dx;
      this.dy = dy;
      this.vx = vx;
      this.vy = vy;
      const sx2 = xk * xk > this.sx2 ? xk * xk : this.sx2;
      const sy2 = yk * yk > this.sy2 ? yk * yk : this.sy2;
      this.sx2 = sx2;
      this.sy2 = sy2;
      exact = vx < this.guard * sx2 || vy < this.guard * sy2;
    }
    if (exact) {
      if (this.sinceSync === this.resyncEvery) this.sinceSync = 0;
      const e = this.exact;
      ringMoments(this.rx, this.head, e, 0);
      ringMoments(this.ry, this.head, e, 3);
      ringCoM2(this.rx, this.ry, this.head, e[ANCHOR]!, e[OFFSET]!, e[3 + ANCHOR]!, e[3 + OFFSET]!, e, 6);
      this.kx = e[ANCHOR]!;
      this.dx = e[OFFSET]!;
      this.vx = e[M2]!;
      this.ky = e[3 + ANCHOR]!;
      this.dy = e[3 + OFFSET]!;
      this.vy = e[3 + M2]!;
      this.cxy = e[6]!;
      this.sx2 = e[M2]! * this.invPeriod;
      this.sy2 = e[3 + M2]! * this.invPeriod;
    }
    // (separate stores: a double merged with a constant before a field store would be boxed by V8,
    // i.e. allocate on every update)
    if (isFlat(this.vx, this.vy, this.kx + this.dx, this.ky + this.dy, p)) this.out = NaN;
    else this.out = clampedR(this.cxy, this.vx, this.vy);
  }
}

/** Either series constant over the window (its M2 is rounding noise): no correlation. */
function isFlat(vx: number, vy: number, mx: number, my: number, p: number): boolean {
  return vx <= p * mx * mx * ZERO_VARIANCE || vy <= p * my * my * ZERO_VARIANCE;
}

/** r = cxy / sqrt(vx·vy), clamped to [-1, 1] against rounding. */
function clampedR(cxy: number, vx: number, vy: number): number {
  return Math.min(Math.max(cxy / Math.sqrt(vx * vy), -1), 1);
}

/** Throws `indicator.invalid_input` for the first non-finite value. */
function check(x: number, y: number): void {
  if (x - x !== 0) throw invalidInput('CORREL', 'x', x);
  if (y - y !== 0) throw invalidInput('CORREL', 'y', y);
}

/**
 * Batch rolling correlation: Float64Array aligned to the inputs, NaN before index `period - 1`.
 * `out`: optional buffer (length = input length) to write into instead of allocating.
 */
export function correlation(x: ArrayLike<number>, y: ArrayLike<number>, period = 20, out?: Float64Array): Float64Array {
  requireInt('CORREL', 'period', period, 2);
  const n = x.length;
  requireSameLength('CORREL', n, y);
  const res = outputArray('CORREL', n, period - 1, out);
  const resyncEvery = resyncInterval(period);
  const invPeriod = 1 / period;
  const guard = period * SMALL_VARIANCE_RATIO;
  const e = new Float64Array(3);
  let kx = 0;
  let ky = 0;
  let dx = 0;
  let dy = 0;
  let vx = 0;
  let vy = 0;
  let cxy = 0;
  let sx2 = 0;
  let sy2 = 0;
  let sinceSync = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i]!;
    const yi = y[i]!;
    if (xi - xi !== 0 || yi - yi !== 0) check(xi, yi);
    if (i < period - 1) continue;
    let exact = i === period - 1 || ++sinceSync === resyncEvery;
    if (!exact) {
      const ox = x[i - period]!;
      const oy = y[i - period]!;
      const xk = xi - kx;
      const yk = yi - ky;
      const oxd = ox - kx - dx;
      const ndx = dx + (xi - ox) * invPeriod;
      const ndy = dy + (yi - oy) * invPeriod;
      vx = vx + (xi - ox) * (xk - ndx + oxd);
      vy = vy + (yi - oy) * (yk - ndy + (oy - ky - dy));
      cxy = cxy + (xk - dx) * (yk - ndy) - oxd * (oy - ky - ndy);
      dx = ndx;
      dy = ndy;
      if (xk * xk > sx2) sx2 = xk * xk;
      if (yk * yk > sy2) sy2 = yk * yk;
      exact = vx < guard * sx2 || vy < guard * sy2;
    }
    if (exact) {
      if (sinceSync === resyncEvery) sinceSync = 0;
      const from = i - period + 1;
      sliceMoments(x, from, period, e);
      kx = e[ANCHOR]!;
      dx = e[OFFSET]!;
      vx = e[M2]!;
      sliceMoments(y, from, period, e);
      ky = e[ANCHOR]!;
      dy = e[OFFSET]!;
      vy = e[M2]!;
      sliceCoM2(x, y, from, period, kx, dx, ky, dy, e, 0);
      cxy = e[0]!;
      sx2 = vx * invPeriod;
      sy2 = vy * invPeriod;
    }
    res[i] = isFlat(vx, vy, kx + dx, ky + dy, period) ? NaN : clampedR(cxy, vx, vy);
  }
  return res;
}
