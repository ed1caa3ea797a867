/**
 * Merging many instruments' bars into one time-ordered stream for replay: a k-way merge (binary heap
 * over the series heads) ordered by `(ts, series index)`, where the series index is the caller's
 * instrument order (the position in the `series` array). Within one series the input order is kept.
 * Deterministic: the same inputs always give the same order.
 *
 * `mergeBars` materialises the order into one array (the fastest way to feed a backtest loop);
 * `mergedBars` is an iterator over the same order without the array.
 */
import type { Bar } from '../core/bar';
import { EngineError } from '../core/errors';

/** Throws `data.unsorted` when a series is not in non-decreasing time order. */
function checkSorted(series: readonly (readonly Bar[])[]): void {
  for (let s = 0; s < series.length; s++) {
    const bars = series[s]!;
    for (let i = 1; i < bars.length; i++) {
      if (bars[i]!.ts < bars[i - 1]!.ts) {
        throw new EngineError('data.unsorted', `series ${s} (${bars[i]!.instrumentId}) is not in time order at index ${i}`, {
          series: s,
          index: i,
        });
      }
    }
  }
}

/** Heap of series indexes keyed by (head timestamp, series index). */
class HeadHeap {
  readonly heap: Int32Array;
  readonly headTs: Float64Array;
  readonly pos: Int32Array;
  size = 0;

  constructor(private readonly series: readonly (readonly Bar[])[]) {
    const k = series.length;
    this.heap = new Int32Array(k);
    this.headTs = new Float64Array(k);
    this.pos = new Int32Array(k);
    for (let s = 0; s < k; s++) {
      const bars = series[s]!;
      if (bars.length === 0) continue;
      this.headTs[s] = bars[0]!.ts;
      this.heap[this.size++] = s;
    }
    for (let i = (this.size >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private less(a: number, b: number): boolean {
    const ta = this.headTs[a]!;
    const tb = this.headTs[b]!;
    return ta < tb || (ta === tb && a < b);
  }

  siftDown(i: number): void {
    const heap = this.heap;
    const size = this.size;
    const item = heap[i]!;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      const right = child + 1;
      if (right < size && this.less(heap[right]!, heap[child]!)) child = right;
      if (!this.less(heap[child]!, item)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = item;
  }

  /** Takes the next bar and advances its series. Only call when `size > 0`. */
  next(): Bar {
    const s = this.heap[0]!;
    const bars = this.series[s]!;
    const p = this.pos[s]!;
    const bar = bars[p]!;
    this.pos[s] = p + 1;
    if (p + 1 < bars.length) {
      this.headTs[s] = bars[p + 1]!.ts;
    } else {
      this.size--;
      this.heap[0] = this.heap[this.size]!;
    }
    if (this.size > 0) this.siftDown(0);
    return bar;
  }
}

/**
 * All bars of all series in `(ts, series index)` order, as one array. `series[i]` must be sorted by
 * time (`data.unsorted` otherwise); its position `i` is the instrument's rank among equal timestamps.
 */
export function mergeBars(series: readonly (readonly Bar[])[]): Bar[] {
  checkSorted(series);
  let total = 0;
  for (const s of series) total += s.length;
  if (series.length === 1) return series[0]!.slice();
  const out: Bar[] = []; // pushed, not preallocated: a packed array is faster for the consumer's loop
  const heap = new HeadHeap(series);
  for (let i = 0; i < total; i++) out.push(heap.next());
  return out;
}

/** The same order as `mergeBars`, lazily. The series must not change while iterating. */
export function* mergedBars(series: readonly (readonly Bar[])[]): Generator<Bar, void, undefined> {
  checkSorted(series);
  const heap = new HeadHeap(series);
  while (heap.size > 0) yield heap.next();
}

/**
 * Orders per-instrument series by an instrument list (e.g. the backtest's instruments, in the order
 * given), for `mergeBars`. Throws `data.series_missing` when an instrument has no series.
 */
export function seriesInOrder(byInstrument: ReadonlyMap<string, readonly Bar[]>, order: readonly string[]): (readonly Bar[])[] {
  return order.map((id) => {
    const s = byInstrument.get(id);
    if (s === undefined) throw new EngineError('data.series_missing', `no bars for instrument ${id}`, { instrumentId: id });
    return s;
  });
}
