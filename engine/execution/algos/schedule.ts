/**
 * Slice schedules of the execution algorithms: when each child is due and how many units it takes.
 *
 * - Slice times: N slices over [startTs, endTs) at `startTs + floor(i * (endTs - startTs) / N)`,
 *   i = 0 .. N-1 (the last one strictly before endTs).
 * - Quantities are whole lots (multiples of the instrument's minQty), split by weights with the
 *   largest-remainder method: each slice gets floor(lots * w_i / sum w) lots, and the lots left over
 *   go one each to the slices with the largest fractional parts (earlier slice first on ties), so the
 *   plan always adds up to the parent quantity exactly and is deterministic.
 * - TWAP weights are equal.
 * - VWAP weights come from a volume profile: the average volume per UTC time-of-day bucket of the
 *   bars the caller provides (for example the last 20 days of the instrument's bars from
 *   engine/data). A bucket's average is its total volume divided by the number of distinct UTC days
 *   that had a bar in that bucket. A slice's weight is the sum, over the buckets it overlaps (on every
 *   day its window covers), of bucket average x overlapped share of the bucket. A schedule whose
 *   weights are all zero (no history at those hours) falls back to equal weights.
 */
import type { Bar } from '../../core/bar';
import { EngineError } from '../../core/errors';
import type { EpochMs } from '../../core/time';
import { DAY_MS } from '../../core/time';


export interface VolumeProfile {
  /** Width of a time-of-day bucket, ms (divides a day or not; buckets start at multiples of it from 00:00 UTC). */
  readonly bucketMs: number;
  /** Bucket start (ms after 00:00 UTC) -> average volume of that bucket per day. */
  readonly buckets: ReadonlyMap<number, number>;
}

/**
 * Average volume per UTC time-of-day bucket of `bars`. `bucketMs` defaults to the duration of the
 * first bar (so 15-minute bars give a 15-minute profile).
 */
export function volumeProfile(bars: readonly Bar[], bucketMs?: number): VolumeProfile {
  const width = bucketMs ?? bars[0]?.durationMs ?? 0;
  if (!(Number.isInteger(width) && width > 0 && width <= DAY_MS)) throw new EngineError('algo.invalid_spec', `volume profile bucket must be 1 ms .. 1 day, got ${width}`);
  const total = new Map<number, number>();
  const days = new Map<number, Set<number>>();
  for (const b of bars) {
    if (!(Number.isFinite(b.volume) && b.volume >= 0)) continue;
    const day = Math.floor(b.ts / DAY_MS);
    const bucket = Math.floor((b.ts - day * DAY_MS) / width) * width;
    total.set(bucket, (total.get(bucket) ?? 0) + b.volume);
    let seen = days.get(bucket);
    if (!seen) days.set(bucket, (seen = new Set()));
    seen.add(day);
  }
  const buckets = new Map<number, number>();
  for (const k of [...total.keys()].sort((a, b) => a - b)) buckets.set(k, total.get(k)! / days.get(k)!.size);
  return { bucketMs: width, buckets };
}

/** Due time of every slice. */
export function sliceTimes(startTs: EpochMs, endTs: EpochMs, slices: number): EpochMs[] {
  const out: EpochMs[] = [];
  for (let i = 0; i < slices; i++) out.push(startTs + Math.floor((i * (endTs - startTs)) / slices));
  return out;
}

/** Expected volume of a profile inside [a, b) (absolute times). */
export function profileVolume(p: VolumeProfile, a: EpochMs, b: EpochMs): number {
  let sum = 0;
  const firstDay = Math.floor(a / DAY_MS) - 1; // a bucket that starts the day before can reach into [a, b)
  const lastDay = Math.floor((b - 1) / DAY_MS);
  for (const [start, avg] of p.buckets) {
    if (avg <= 0) continue;
    for (let d = firstDay; d <= lastDay; d++) {
      const lo = d * DAY_MS + start;
      const hi = lo + p.bucketMs;
      const overlap = Math.min(hi, b) - Math.max(lo, a);
      if (overlap > 0) sum += (avg * overlap) / p.bucketMs;
    }
  }
  return sum;
}

/** VWAP weights of the slices of [startTs, endTs) (each slice runs to the next one's time, the last to endTs). */
export function vwapWeights(p: VolumeProfile, startTs: EpochMs, endTs: EpochMs, slices: number): number[] {
  const t = sliceTimes(startTs, endTs, slices);
  return t.map((a, i) => profileVolume(p, a, t[i + 1] ?? endTs));
}

/**
 * Splits `qty` units (a multiple of `lot`) into whole lots by `weights` (largest remainder). All-zero
 * or missing weights mean equal weights.
 */
export function allocate(qty: number, lot: number, weights: readonly number[]): number[] {
  const n = weights.length;
  if (n === 0) return [];
  const lots = Math.round(qty / lot);
  const sum = weights.reduce((s, w) => s + (w > 0 && Number.isFinite(w) ? w : 0), 0);
  const w = sum > 0 ? weights.map((x) => (x > 0 && Number.isFinite(x) ? x / sum : 0)) : weights.map(() => 1 / n);
  const exact = w.map((x) => x * lots);
  const base = exact.map((x) => Math.floor(x));
  let left = lots - base.reduce((s, x) => s + x, 0);
  const order = exact.map((x, i) => ({ i, frac: x - base[i]! })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (let k = 0; left > 0; k = (k + 1) % n, left--) base[order[k]!.i]! += 1;
  return base.map((x) => x * lot);
}
