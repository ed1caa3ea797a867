/**
 * Exact (corrected two-pass) window moments, used to start and periodically re-anchor the O(1)
 * rolling updates of Bollinger Bands and correlation so that rounding errors cannot accumulate over a
 * long series. The ring versions read a ring buffer oldest-first starting at `head`; the slice
 * versions read `values[from .. from + length)`. Both sum in the same order, so streaming and batch
 * results are bit-identical.
 */

/** Rolling updates re-anchor with a two-pass computation at least this often (in updates). */
export function resyncInterval(period: number): number {
  return period > 128 ? period : 128;
}

/**
 * Rolling updates keep the mean as `anchor + offset`, the anchor being the mean computed at the last
 * exact recomputation (and the offset starting as its rounding residual), so deviations `x - anchor`
 * are computed without rounding (Sterbenz) and the rounding error of every update is relative to the
 * deviations, not to the price level. (A plain rolling mean carries an error of eps·|mean| that enters
 * M2 to first order: 1e-9 relative on σ for prices near 1.1 with σ near 1e-4.) That error is
 * at most ~eps·R·scale² (R updates since the last exact recomputation, scale² the largest squared
 * deviation from the anchor seen since then); whenever the window variance falls below
 * `SMALL_VARIANCE_RATIO · scale²` (σ < scale / 100, e.g. a flat window after a move, or a level shift
 * that left the window) the moments are recomputed exactly, which bounds the relative error of σ² to
 * ~eps·R / (p · 1e-4) ≈ 1e-11 (typically far less).
 */
export const SMALL_VARIANCE_RATIO = 1e-4;

/** An exact M2 below `period · mean² · ZERO_VARIANCE` (σ < 1e-14·|mean|) is rounding noise of a constant window. */
export const ZERO_VARIANCE = 1e-28;

/** Slots of the scratch array the moment functions write into (written, not returned: no boxing). */
export const ANCHOR = 0;
export const OFFSET = 1;
export const M2 = 2;

/**
 * Exact moments of a ring buffer read oldest-first from `head`, written to `out` from slot `at`:
 * `out[at + ANCHOR]` = the mean as computed (Σx / p), `out[at + OFFSET]` = mean of (x − anchor) (its
 * rounding residual, so anchor + offset is the mean to within eps·σ), `out[at + M2]` =
 * Σ((x − anchor) − offset)².
 */
export function ringMoments(ring: Float64Array, head: number, out: Float64Array, at = 0): void {
  const p = ring.length;
  let s = 0;
  for (let i = head; i < p; i++) s += ring[i]!;
  for (let i = 0; i < head; i++) s += ring[i]!;
  const anchor = s / p;
  let o = 0;
  for (let i = head; i < p; i++) o += ring[i]! - anchor;
  for (let i = 0; i < head; i++) o += ring[i]! - anchor;
  const offset = o / p;
  let q = 0;
  for (let i = head; i < p; i++) {
    const d = ring[i]! - anchor - offset;
    q += d * d;
  }
  for (let i = 0; i < head; i++) {
    const d = ring[i]! - anchor - offset;
    q += d * d;
  }
  out[at + ANCHOR] = anchor;
  out[at + OFFSET] = offset;
  out[at + M2] = q;
}

/** The same as `ringMoments` for `values[from .. from + length)`, summed in the same order. */
export function sliceMoments(values: ArrayLike<number>, from: number, length: number, out: Float64Array): void {
  const end = from + length;
  let s = 0;
  for (let i = from; i < end; i++) s += values[i]!;
  const anchor = s / length;
  let o = 0;
  for (let i = from; i < end; i++) o += values[i]! - anchor;
  const offset = o / length;
  let q = 0;
  for (let i = from; i < end; i++) {
    const d = values[i]! - anchor - offset;
    q += d * d;
  }
  out[ANCHOR] = anchor;
  out[OFFSET] = offset;
  out[M2] = q;
}

/** Σ ((x − kx) − dx)((y − ky) − dy) over two rings sharing `head`. */
export function ringCoM2(
  rx: Float64Array,
  ry: Float64Array,
  head: number,
  kx: number,
  dx: number,
  ky: number,
  dy: number,
  out: Float64Array,
  slot: number,
): void {
  const p = rx.length;
  let s = 0;
  for (let i = head; i < p; i++) s += (rx[i]! - kx - dx) * (ry[i]! - ky - dy);
  for (let i = 0; i < head; i++) s += (rx[i]! - kx - dx) * (ry[i]! - ky - dy);
  out[slot] = s;
}

/** The same as `ringCoM2` for `x, y [from .. from + length)`. */
export function sliceCoM2(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  from: number,
  length: number,
  kx: number,
  dx: number,
  ky: number,
  dy: number,
  out: Float64Array,
  slot: number,
): void {
  let s = 0;
  const end = from + length;
  for (let i = from; i < end; i++) s += (x[i]! - kx - dx) * (y[i]! - ky - dy);
  out[slot] = s;
}
