/**
 * Resampling bars to a coarser resolution (1min → 5min/15min/30min/1h/4h/1d, or any duration that is
 * a multiple of the source duration).
 *
 * Buckets are aligned to the UTC epoch: a bar belongs to bucket `floor(ts / T) * T`. So `1h` buckets
 * start on the UTC hour, `4h` at 00/04/08/… UTC and `1d` is the UTC calendar day (00:00–24:00 UTC —
 * not the FX 17:00 New York roll and not the exchange session; a US equity session lies within one
 * UTC day, so its daily bar is the session's). Open = first open, high = max, low = min, close = last
 * close, volume = sum. Bid and ask sides are aggregated the same way and kept only when every bar of
 * the bucket has them. Empty buckets produce no bar (gaps stay gaps).
 *
 * Input bars must belong to one instrument and be in strictly increasing time order; otherwise
 * `data.unsorted` / `data.instrument_mismatch` is thrown. A target that is not a multiple of a bar's
 * duration throws `data.resample_incompatible`.
 */
import type { Bar, Ohlc } from '../core/bar';
import { EngineError } from '../core/errors';
import { RESOLUTIONS, type Resolution } from '../core/time';

function targetMs(target: Resolution | number): number {
  const ms = typeof target === 'number' ? target : RESOLUTIONS[target];
  if (!(Number.isInteger(ms) && ms > 0)) throw new EngineError('data.resample_incompatible', `invalid target duration ${String(target)}`, { target });
  return ms;
}

const NO_BARS: readonly Bar[] = Object.freeze([]);

/** Accumulates the bars of one bucket. */
class Bucket {
  instrumentId = '';
  start = 0;
  open = 0;
  high = 0;
  low = 0;
  close = 0;
  volume = 0;
  bid: Ohlc | null = null;
  ask: Ohlc | null = null;
  sides = true;

  begin(bar: Bar, start: number): void {
    this.instrumentId = bar.instrumentId;
    this.start = start;
    this.open = bar.open;
    this.high = bar.high;
    this.low = bar.low;
    this.close = bar.close;
    this.volume = bar.volume;
    this.bid = bar.bid ? { ...bar.bid } : null;
    this.ask = bar.ask ? { ...bar.ask } : null;
  }

  add(bar: Bar): void {
    if (bar.high > this.high) this.high = bar.high;
    if (bar.low < this.low) this.low = bar.low;
    this.close = bar.close;
    this.volume += bar.volume;
    this.bid = this.bid && bar.bid ? mergeSide(this.bid, bar.bid) : null;
    this.ask = this.ask && bar.ask ? mergeSide(this.ask, bar.ask) : null;
  }

  toBar(durationMs: number): Bar {
    const bar: Bar = {
      instrumentId: this.instrumentId,
      ts: this.start,
      durationMs,
      open: this.open,
      high: this.high,
      low: this.low,
      close: this.close,
      volume: this.volume,
    };
    if (this.bid) bar.bid = this.bid;
    if (this.ask) bar.ask = this.ask;
    return bar;
  }
}

function mergeSide(acc: Ohlc, next: Ohlc): Ohlc {
  if (next.high > acc.high) acc.high = next.high;
  if (next.low < acc.low) acc.low = next.low;
  acc.close = next.close;
  return acc;
}

/**
 * Streaming resampler: `add` returns the bars completed by this input (usually none or one); a
 * bucket is emitted as soon as a bar reaching its end arrives, or when a bar of a later bucket
 * arrives. `flush` emits the forming bucket (at the end of the data).
 */
export class BarResampler {
  readonly durationMs: number;
  private readonly bucket = new Bucket();
  private forming = false;
  private lastTs = -Infinity;
  private instrumentId: string | null = null;

  constructor(target: Resolution | number) {
    this.durationMs = targetMs(target);
  }

  add(bar: Bar): readonly Bar[] {
    const T = this.durationMs;
    if (bar.durationMs > T || T % bar.durationMs !== 0) {
      throw new EngineError('data.resample_incompatible', `cannot resample ${bar.durationMs} ms bars to ${T} ms`, {
        from: bar.durationMs,
        to: T,
      });
    }
    if (this.instrumentId === null) this.instrumentId = bar.instrumentId;
    else if (bar.instrumentId !== this.instrumentId) {
      throw new EngineError('data.instrument_mismatch', `resampler of ${this.instrumentId} got a bar of ${bar.instrumentId}`, {
        expected: this.instrumentId,
        got: bar.instrumentId,
      });
    }
    if (bar.ts <= this.lastTs) {
      throw new EngineError('data.unsorted', `${bar.instrumentId}: bar at ${bar.ts} is not after ${this.lastTs}`, { ts: bar.ts, lastTs: this.lastTs });
    }
    this.lastTs = bar.ts;
    const start = Math.floor(bar.ts / T) * T;
    let out: Bar[] | null = null;
    if (this.forming && start !== this.bucket.start) {
      out = [this.bucket.toBar(T)];
      this.forming = false;
    }
    if (this.forming) this.bucket.add(bar);
    else {
      this.bucket.begin(bar, start);
      this.forming = true;
    }
    if (bar.ts + bar.durationMs >= start + T) {
      (out ??= []).push(this.bucket.toBar(T));
      this.forming = false;
    }
    return out ?? NO_BARS;
  }

  /** The bucket being formed, as a bar (not emitted), or null. */
  peek(): Bar | null {
    if (!this.forming) return null;
    const bar = this.bucket.toBar(this.durationMs);
    if (bar.bid) bar.bid = { ...bar.bid };
    if (bar.ask) bar.ask = { ...bar.ask };
    return bar;
  }

  /** Emits the forming bucket, if any, and clears it. */
  flush(): Bar | null {
    if (!this.forming) return null;
    this.forming = false;
    return this.bucket.toBar(this.durationMs);
  }
}

/** Batch resampling of one instrument's bars; the same result as streaming them through `BarResampler` and flushing. */
export function resampleBars(bars: readonly Bar[], target: Resolution | number): Bar[] {
  const r = new BarResampler(target);
  const out: Bar[] = [];
  for (const bar of bars) {
    const done = r.add(bar);
    for (let i = 0; i < done.length; i++) out.push(done[i]!);
  }
  const last = r.flush();
  if (last !== null) out.push(last);
  return out;
}
