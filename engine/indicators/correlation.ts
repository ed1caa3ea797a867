import {
  resyncInterval,
  ringCoM2,
  ringM2,
  ringMean,
  ringOffset,
  sliceCoM2,
  sliceM2,
  sliceMean,
  sliceOffset,
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
  private readonly resyncEvery: number;
  private head = 0;
  private n = 0;
  private oldX = 0;
  private oldY = 0;
  private s = new Moments2();
  private before = new Moments2();
  private out = NaN;

  constructor(period = 20) {
    this.period = requireInt('CORREL', 'period', period, 2);
    this.warmup = this.period;
    this.rx = new Float64Array(this.period);
    this.ry = new Float64Array(this.period);
    this.resyncEvery = resyncInterval(this.period);
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
    check(x, y);
    const h = this.head;
    this.oldX = this.rx[h]!;
    this.oldY = this.ry[h]!;
    this.rx[h] = x;
    this.ry[h] = y;
    this.head = h + 1 === this.period ? 0 : h + 1;
    this.before.copy(this.s);
    this.n++;
    this.step(x, y);
  }

  replace(x: number, y: number): void {
    if (this.n === 0) return this.add(x, y);
    check(x, y);
    const h = this.head;
    const last = h === 0 ? this.period - 1 : h - 1;
    this.rx[last] = x;
    this.ry[last] = y;
    this.s.copy(this.before);
    this.step(x, y);
  }

  reset(): void {
    this.rx.fill(0);
    this.ry.fill(0);
    this.head = 0;
    this.n = 0;
    this.oldX = 0;
    this.oldY = 0;
    this.s = new Moments2();
    this.before = new Moments2();
    this.out = NaN;
  }

  private step(x: number, y: number): void {
    const p = this.period;
    if (this.n < p) return;
    const s = this.s;
    let exact = this.n === p || ++s.sinceSync === this.resyncEvery;
    if (!exact) {
      const ox = this.oldX;
      const oy = this.oldY;
      const kx = s.kx;
      const ky = s.ky;
      const dx0 = s.dx;
      const dy0 = s.dy;
      const xk = x - kx;
      const yk = y - ky;
      const oxd = ox - kx - dx0;
      const dx = dx0 + (x - ox) / p;
      const dy = dy0 + (y - oy) / p;
      const vx = s.vx + (x - ox) * (xk - dx + oxd);
      const vy = s.vy + (y - oy) * (yk - dy + (oy - ky - dy0));
      s.cxy = s.cxy + (xk - dx0) * (yk - dy) - oxd * (oy - ky - dy);
      s.dx = dx;
      s.dy = dy;
      s.vx = vx;
      s.vy = vy;
      if (xk * xk > s.sx2) s.sx2 = xk * xk;
      if (yk * yk > s.sy2) s.sy2 = yk * yk;
      exact = vx < p * s.sx2 * SMALL_VARIANCE_RATIO || vy < p * s.sy2 * SMALL_VARIANCE_RATIO;
    }
    if (exact) {
      if (s.sinceSync === this.resyncEvery) s.sinceSync = 0;
      const kx = ringMean(this.rx, this.head);
      const ky = ringMean(this.ry, this.head);
      const dx = ringOffset(this.rx, this.head, kx);
      const dy = ringOffset(this.ry, this.head, ky);
      s.kx = kx;
      s.ky = ky;
      s.dx = dx;
      s.dy = dy;
      s.vx = ringM2(this.rx, this.head, kx, dx);
      s.vy = ringM2(this.ry, this.head, ky, dy);
      s.cxy = ringCoM2(this.rx, this.ry, this.head, kx, dx, ky, dy);
      s.sx2 = s.vx / p;
      s.sy2 = s.vy / p;
    }
    // (separate stores: a double merged with a constant before a field store would be boxed by V8,
    // i.e. allocate on every update)
    if (isFlat(s.vx, s.vy, s.kx + s.dx, s.ky + s.dy, p)) this.out = NaN;
    else this.out = clampedR(s.cxy, s.vx, s.vy);
  }
}

/** Rolling state of the two series: anchors k, offsets d (mean = k + d), M2s v, co-moment, scales. */
class Moments2 {
  kx = 0;
  ky = 0;
  dx = 0;
  dy = 0;
  vx = 0;
  vy = 0;
  cxy = 0;
  sx2 = 0;
  sy2 = 0;
  sinceSync = 0;

  copy(o: Moments2): void {
    this.kx = o.kx;
    this.ky = o.ky;
    this.dx = o.dx;
    this.dy = o.dy;
    this.vx = o.vx;
    this.vy = o.vy;
    this.cxy = o.cxy;
    this.sx2 = o.sx2;
    this.sy2 = o.sy2;
    this.sinceSync = o.sinceSync;
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

function check(x: number, y: number): void {
  if (x - x !== 0) throw invalidInput('CORREL', 'x', x);
  if (y - y !== 0) throw invalidInput('CORREL', 'y', y);
}

/** Batch rolling correlation: Float64Array aligned to the inputs, NaN before index `period - 1`. `out`: optional buffer (length = input length) to write into instead of allocating. */
export function correlation(x: ArrayLike<number>, y: ArrayLike<number>, period = 20, out?: Float64Array): Float64Array {
  requireInt('CORREL', 'period', period, 2);
  const n = x.length;
  requireSameLength('CORREL', n, y);
  const res = outputArray('CORREL', n, period - 1, out);
  const resyncEvery = resyncInterval(period);
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
      const ndx = dx + (xi - ox) / period;
      const ndy = dy + (yi - oy) / period;
      vx = vx + (xi - ox) * (xk - ndx + oxd);
      vy = vy + (yi - oy) * (yk - ndy + (oy - ky - dy));
      cxy = cxy + (xk - dx) * (yk - ndy) - oxd * (oy - ky - ndy);
      dx = ndx;
      dy = ndy;
      if (xk * xk > sx2) sx2 = xk * xk;
      if (yk * yk > sy2) sy2 = yk * yk;
      exact = vx < period * sx2 * SMALL_VARIANCE_RATIO || vy < period * sy2 * SMALL_VARIANCE_RATIO;
    }
    if (exact) {
      if (sinceSync === resyncEvery) sinceSync = 0;
      const from = i - period + 1;
      kx = sliceMean(x, from, period);
      ky = sliceMean(y, from, period);
      dx = sliceOffset(x, from, period, kx);
      dy = sliceOffset(y, from, period, ky);
      vx = sliceM2(x, from, period, kx, dx);
      vy = sliceM2(y, from, period, ky, dy);
      cxy = sliceCoM2(x, y, from, period, kx, dx, ky, dy);
      sx2 = vx / period;
      sy2 = vy / period;
    }
    res[i] = isFlat(vx, vy, kx + dx, ky + dy, period) ? NaN : clampedR(cxy, vx, vy);
  }
  return res;
}
