/**
 * The bars the engine has seen, per instrument, for the views (`market.bars`, the chart) and the
 * backtests run from the workstation (`backtest.run`). Pure.
 *
 * Each instrument keeps its most recent `maxBarsPerInstrument` bars (default 100,000) as parallel
 * number arrays (ascending `ts`, the bar's open time); a bar with the same `ts` as the last one
 * replaces it (a corrected bar), an older one is ignored (the feed is time-ordered). The bar
 * duration of an instrument is that of its first bar. `series` resamples to a whole multiple of it,
 * buckets aligned to UTC epoch multiples of the timeframe (so 1 h buckets start on the hour).
 */
import type { Bar } from '../core/bar';
import { EngineError } from '../core/errors';
import type { BarSeriesDto } from './contract';

class Columns {
  ts: number[] = [];
  open: number[] = [];
  high: number[] = [];
  low: number[] = [];
  close: number[] = [];
  volume: number[] = [];
  durationMs = 0;

  get length(): number {
    return this.ts.length;
  }

  set(i: number, b: Bar): void {
    this.ts[i] = b.ts;
    this.open[i] = b.open;
    this.high[i] = b.high;
    this.low[i] = b.low;
    this.close[i] = b.close;
    this.volume[i] = b.volume;
  }

  dropFront(n: number): void {
    for (const col of [this.ts, this.open, this.high, this.low, this.close, this.volume]) col.splice(0, n);
  }
}

export class MarketHistory {
  private readonly byId = new Map<string, Columns>();
  private readonly max: number;

  constructor(opts: { maxBarsPerInstrument?: number } = {}) {
    this.max = opts.maxBarsPerInstrument ?? 100_000;
  }

  add(bar: Bar): void {
    let c = this.byId.get(bar.instrumentId);
    if (!c) {
      c = new Columns();
      c.durationMs = bar.durationMs;
      this.byId.set(bar.instrumentId, c);
    }
    const n = c.length;
    const lastTs = n > 0 ? c.ts[n - 1]! : -Infinity;
    if (bar.ts < lastTs) return;
    c.set(bar.ts === lastTs ? n - 1 : n, bar);
    // Trim in chunks, so that a full buffer does not shift its arrays on every bar.
    if (c.length > this.max + Math.max(1, this.max >> 4)) c.dropFront(c.length - this.max);
  }

  /** Duration of the instrument's bars, or null before its first bar. */
  baseMs(instrumentId: string): number | null {
    return this.byId.get(instrumentId)?.durationMs ?? null;
  }

  instruments(): string[] {
    return [...this.byId.keys()];
  }

  /** The most recent `limit` bars at `timeframeMs` (default: the base duration), none after `untilTs`. */
  series(instrumentId: string, opts: { timeframeMs?: number; limit: number; untilTs?: number }): { timeframeMs: number | null; bars: BarSeriesDto } {
    const c = this.byId.get(instrumentId);
    const out: BarSeriesDto = { ts: [], open: [], high: [], low: [], close: [], volume: [] };
    if (!c) return { timeframeMs: opts.timeframeMs ?? null, bars: out };
    const tf = opts.timeframeMs ?? c.durationMs;
    if (tf % c.durationMs !== 0) {
      throw new EngineError('market.bad_timeframe', `timeframe ${tf} ms is not a whole multiple of the ${c.durationMs} ms bars of ${instrumentId}`, {
        baseMs: c.durationMs,
      });
    }
    let end = c.length;
    if (opts.untilTs !== undefined) while (end > 0 && c.ts[end - 1]! > opts.untilTs) end--;
    if (tf === c.durationMs) {
      const start = Math.max(0, end - opts.limit);
      out.ts = c.ts.slice(start, end);
      out.open = c.open.slice(start, end);
      out.high = c.high.slice(start, end);
      out.low = c.low.slice(start, end);
      out.close = c.close.slice(start, end);
      out.volume = c.volume.slice(start, end);
      return { timeframeMs: tf, bars: out };
    }
    // Walk back far enough for `limit` buckets, then aggregate forward.
    const per = tf / c.durationMs;
    let start = Math.max(0, end - opts.limit * per - per);
    const bucketOf = (ts: number) => Math.floor(ts / tf) * tf;
    // Start on a bucket boundary so that the first bucket is complete.
    if (start > 0) {
      const first = bucketOf(c.ts[start]!);
      while (start < end && bucketOf(c.ts[start]!) === first) start++;
    }
    for (let i = start; i < end; i++) {
      const b = bucketOf(c.ts[i]!);
      const k = out.ts.length - 1;
      if (k >= 0 && out.ts[k] === b) {
        if (c.high[i]! > out.high[k]!) out.high[k] = c.high[i]!;
        if (c.low[i]! < out.low[k]!) out.low[k] = c.low[i]!;
        out.close[k] = c.close[i]!;
        out.volume[k] = out.volume[k]! + c.volume[i]!;
      } else {
        out.ts.push(b);
        out.open.push(c.open[i]!);
        out.high.push(c.high[i]!);
        out.low.push(c.low[i]!);
        out.close.push(c.close[i]!);
        out.volume.push(c.volume[i]!);
      }
    }
    if (out.ts.length > opts.limit) {
      const drop = out.ts.length - opts.limit;
      for (const col of [out.ts, out.open, out.high, out.low, out.close, out.volume]) col.splice(0, drop);
    }
    return { timeframeMs: tf, bars: out };
  }

  /** Every recorded bar of `instruments` within [fromTs, toTs), merged in time order (backtests). */
  bars(instruments: readonly string[], fromTs = -Infinity, toTs = Infinity): Bar[] {
    const out: Bar[] = [];
    for (const id of instruments) {
      const c = this.byId.get(id);
      if (!c) continue;
      for (let i = 0; i < c.length; i++) {
        const ts = c.ts[i]!;
        if (ts < fromTs || ts >= toTs) continue;
        out.push({ instrumentId: id, ts, durationMs: c.durationMs, open: c.open[i]!, high: c.high[i]!, low: c.low[i]!, close: c.close[i]!, volume: c.volume[i]! });
      }
    }
    const order = new Map(instruments.map((id, i) => [id, i]));
    return out.sort((a, b) => a.ts + a.durationMs - (b.ts + b.durationMs) || order.get(a.instrumentId)! - order.get(b.instrumentId)!);
  }
}
