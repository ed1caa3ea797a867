/**
 * Merging many instruments' bars into one time-ordered stream for replay: a k-way merge ordered by
 * `(ts, series index)`, where the series index is the caller's instrument order (the position in the
 * `series` array). Within one series the input order is kept. Deterministic: the same inputs always
 * give the same order. Aligned series (the usual case) are merged by a sweep, one pass per distinct
 * timestamp; poorly aligned ones by a binary heap over the series heads.
 *
 * `mergeBars` materialises the order into one array (the fastest way to feed a backtest loop);
 * `mergedBars` is an iterator over the same order without the array.
 */
import type { Bar } from '../core/bar';
import { EngineError } from '../core/errors';

/**
 * Each series' timestamps as a Float64Array (the merge then runs on flat arrays instead of chasing a
 * boxed number in every Bar). Throws `data.unsorted` when a series is not in non-decreasing time order.
 */
function timestamps(series: readonly (readonly Bar[])[]): Float64Array[] {
  return series.map((bars, s) => {
    const ts = new Float64Array(bars.length);
    let prev = -Infinity;
    for (let i = 0; i < bars.length; i++) {
      const t = bars[i]!.ts;
      if (t < prev) {
        throw new EngineError('data.unsorted', `series ${s} (${bars[i]!.instrumentId}) is not in time order at index ${i}`, { series: s, index: i });
      }
      ts[i] = t;
      prev = t;
    }
    return ts;
  });
}

/** Heap of series indexes keyed by (head timestamp, series index), starting from positions `pos`. */
class HeadHeap {
  private readonly heap: Int32Array;
  private readonly headTs: Float64Array;
  size = 0;

  constructor(
    private readonly series: readonly (readonly Bar[])[],
    private readonly ts: readonly Float64Array[],
    private readonly pos: Int32Array,
  ) {
    const k = series.length;
    this.heap = new Int32Array(k);
    this.headTs = new Float64Array(k);
    for (let s = 0; s < k; s++) {
      if (pos[s]! >= ts[s]!.length) continue;
      this.headTs[s] = ts[s]![pos[s]!]!;
      this.heap[this.size++] = s;
    }
    for (let i = (this.size >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private less(a: number, b: number): boolean {
    const ta = this.headTs[a]!;
    const tb = this.headTs[b]!;
    return ta < tb || (ta === tb && a < b);
  }

  private siftDown(i: number): void {
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
    const ts = this.ts[s]!;
    const p = this.pos[s]!;
    const bar = this.series[s]![p]!;
    this.pos[s] = p + 1;
    if (p + 1 < ts.length) {
      this.headTs[s] = ts[p + 1]!;
    } else {
      this.size--;
      this.heap[0] = this.heap[this.size]!;
    }
    if (this.size > 0) this.siftDown(0);
    return bar;
  }
}

/**
 * Sweep merge: one pass over the series per distinct timestamp, emitting every bar at the current
 * minimum in series order and finding the next minimum on the way. With aligned series (bars of many
 * instruments sharing timestamps, the usual case) that is O(1) per bar; when the series turn out to be
 * poorly aligned (few bars per pass), it hands over to the heap (O(log k) per bar) from where it is.
 */
class Sweep {
  readonly ts: Float64Array[];
  readonly pos: Int32Array;
  minTs = Infinity;
  passes = 0;
  emitted = 0;

  constructor(private readonly series: readonly (readonly Bar[])[]) {
    this.ts = timestamps(series);
    this.pos = new Int32Array(series.length);
    for (const t of this.ts) if (t.length > 0 && t[0]! < this.minTs) this.minTs = t[0]!;
  }

  /** Appends all bars at `minTs` to `out` (in series order) and moves to the next timestamp. */
  pass(out: Bar[]): void {
    const { series, pos } = this;
    const k = series.length;
    const ts = this.minTs;
    let next = Infinity;
    let emitted = 0;
    for (let s = 0; s < k; s++) {
      const t = this.ts[s]!;
      let p = pos[s]!;
      const n = t.length;
      if (p >= n) continue;
      if (t[p] === ts) {
        const bars = series[s]!;
        do {
          out.push(bars[p]!);
          emitted++;
          p++;
        } while (p < n && t[p] === ts);
        pos[s] = p;
        if (p < n && t[p]! < next) next = t[p]!;
      } else if (t[p]! < next) next = t[p]!;
    }
    this.minTs = next;
    this.passes++;
    this.emitted += emitted;
  }

  /** True when passes emit too few bars for the sweep to beat the heap. */
  poorlyAligned(): boolean {
    const k = this.series.length;
    return k > 8 && this.passes >= 256 && this.emitted < this.passes * (k >> 3);
  }
}

/**
 * All bars of all series in `(ts, series index)` order, as one array. `series[i]` must be sorted by
 * time (`data.unsorted` otherwise); its position `i` is the instrument's rank among equal timestamps.
 */
export function mergeBars(series: readonly (readonly Bar[])[]): Bar[] {
  const out: Bar[] = []; // pushed, not preallocated: a packed array is faster for the consumer's loop
  const sweep = new Sweep(series);
  while (sweep.minTs !== Infinity) {
    sweep.pass(out);
    if ((sweep.passes & 255) === 0 && sweep.poorlyAligned()) {
      const heap = new HeadHeap(series, sweep.ts, sweep.pos);
      while (heap.size > 0) out.push(heap.next());
      break;
    }
  }
  return out;
}

/** The same order as `mergeBars`, lazily (one timestamp's bars at a time). The series must not change while iterating. */
export function* mergedBars(series: readonly (readonly Bar[])[]): Generator<Bar, void, undefined> {
  const sweep = new Sweep(series);
  const batch: Bar[] = [];
  while (sweep.minTs !== Infinity) {
    batch.length = 0;
    sweep.pass(batch);
    for (let i = 0; i < batch.length; i++) yield batch[i]!;
    if ((sweep.passes & 255) === 0 && sweep.poorlyAligned()) {
      const heap = new HeadHeap(series, sweep.ts, sweep.pos);
      while (heap.size > 0) yield heap.next();
      return;
    }
  }
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
