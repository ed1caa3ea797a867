/**
 * Exact (corrected two-pass) window moments, used to start and periodically re-anchor the O(1) rolling updates
 * of Bollinger Bands and correlation so that rounding errors cannot accumulate over a long series.
 * The ring versions read a ring buffer oldest-first starting at `head`; the slice versions read
 * `values[from .. from + length)`. Both sum in the same order, so streaming and batch results are
 * bit-identical.
 */

/** Rolling updates re-anchor with a two-pass computation at least this often (in updates). */
export function resyncInterval(period: number): number {
  return period > 128 ? period : 128;
}

/**
 * Rolling updates keep the mean as `anchor + offset`, the anchor being the mean computed at the last
 * exact recomputation (and the offset starting as its rounding residual), so deviations `x - anchor` are computed without rounding (Sterbenz) and the
 * rounding error of every update is relative to the deviations, not to the price level. That error is
 * at most ~eps·R·scale² (R updates since the last exact recomputation, scale² the largest squared
 * deviation from the anchor seen since then); whenever the window variance falls below
 * `SMALL_VARIANCE_RATIO · scale²` (σ < scale / 100, e.g. a flat window after a move, or a level shift
 * that left the window) the moments are recomputed exactly, which bounds the relative error of σ² to
 * ~eps·R / (p · 1e-4) ≈ 1e-11 (typically far less).
 */
export const SMALL_VARIANCE_RATIO = 1e-4;

/** An exact M2 below `period * mean² * ZERO_VARIANCE` (σ < 1e-14·|mean|) is rounding noise of a constant window. */
export const ZERO_VARIANCE = 1e-28;

export function ringMean(ring: Float64Array, head: number): number {
  const p = ring.length;
  let s = 0;
  for (let i = head; i < p; i++) s += ring[i]!;
  for (let i = 0; i < head; i++) s += ring[i]!;
  return s / p;
}

/**
 * Mean of `x - anchor` over the ring: the rounding residual of a computed mean `anchor`, so that
 * `anchor + offset` is the mean to within eps·σ rather than eps·|mean|.
 */
export function ringOffset(ring: Float64Array, head: number, anchor: number): number {
  const p = ring.length;
  let s = 0;
  for (let i = head; i < p; i++) s += ring[i]! - anchor;
  for (let i = 0; i < head; i++) s += ring[i]! - anchor;
  return s / p;
}

/** Σ ((x - anchor) - offset)² over the ring. */
export function ringM2(ring: Float64Array, head: number, anchor: number, offset: number): number {
  const p = ring.length;
  let s = 0;
  for (let i = head; i < p; i++) {
    const d = ring[i]! - anchor - offset;
    s += d * d;
  }
  for (let i = 0; i < head; i++) {
    const d = ring[i]! - anchor - offset;
    s += d * d;
  }
  return s;
}

/** Σ ((x - kx) - dx)((y - ky) - dy) over two rings sharing `head`. */
export function ringCoM2(rx: Float64Array, ry: Float64Array, head: number, kx: number, dx: number, ky: number, dy: number): number {
  const p = rx.length;
  let s = 0;
  for (let i = head; i < p; i++) s += (rx[i]! - kx - dx) * (ry[i]! - ky - dy);
  for (let i = 0; i < head; i++) s += (rx[i]! - kx - dx) * (ry[i]! - ky - dy);
  return s;
}

export function sliceMean(values: ArrayLike<number>, from: number, length: number): number {
  let s = 0;
  const end = from + length;
  for (let i = from; i < end; i++) s += values[i]!;
  return s / length;
}

export function sliceOffset(values: ArrayLike<number>, from: number, length: number, anchor: number): number {
  let s = 0;
  const end = from + length;
  for (let i = from; i < end; i++) s += values[i]! - anchor;
  return s / length;
}

export function sliceM2(values: ArrayLike<number>, from: number, length: number, anchor: number, offset: number): number {
  let s = 0;
  const end = from + length;
  for (let i = from; i < end; i++) {
    const d = values[i]! - anchor - offset;
    s += d * d;
  }
  return s;
}

export function sliceCoM2(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  from: number,
  length: number,
  kx: number,
  dx: number,
  ky: number,
  dy: number,
): number {
  let s = 0;
  const end = from + length;
  for (let i = from; i < end; i++) s += (x[i]! - kx - dx) * (y[i]! - ky - dy);
  return s;
}
