/**
 * Bars for bar strategies in a live session, built from the pricing stream's quotes: one bar per
 * instrument and bucket of `durationMs` (aligned to the UTC epoch, as engine/data/resample.ts),
 * open/high/low/close of the mid price, with the bid and ask sides, volume = the number of quotes.
 *
 * A bucket's bar is handed over when the first quote of a LATER bucket arrives, before that quote is
 * applied — never on a timer. So a bar exists only for a bucket that had prices (gaps stay gaps), and
 * a feed that has gone quiet produces no bar whose close time would make a stale price look fresh
 * (the cache takes a bar's close time as its price time; the risk engine's `risk.stale_price` reads it).
 * Prices stay what the engine's quotes are (ticks / 10^precision); nothing here is money.
 */
import type { Bar, Ohlc, Quote } from '../../core/bar';

interface Forming {
  start: number;
  mid: Ohlc;
  bid: Ohlc;
  ask: Ohlc;
  count: number;
}

export class QuoteBarBuilder {
  private readonly forming = new Map<string, Forming>();

  constructor(readonly durationMs: number) {
    if (!(Number.isInteger(durationMs) && durationMs > 0)) throw new RangeError(`bar duration must be a positive integer of ms, got ${durationMs}`);
  }

  /** Adds a quote; returns the bar of the bucket it closed, if any (to be applied before the quote). */
  add(q: Quote): Bar | null {
    const start = Math.floor(q.ts / this.durationMs) * this.durationMs;
    const mid = (q.bid + q.ask) / 2;
    const f = this.forming.get(q.instrumentId);
    if (f && start < f.start) return null; // an older quote than the forming bar: not part of any bar
    let closed: Bar | null = null;
    if (f && start > f.start) closed = this.toBar(q.instrumentId, f);
    if (!f || start > f.start) {
      this.forming.set(q.instrumentId, { start, mid: one(mid), bid: one(q.bid), ask: one(q.ask), count: 1 });
      return closed;
    }
    extend(f.mid, mid);
    extend(f.bid, q.bid);
    extend(f.ask, q.ask);
    f.count++;
    return null;
  }

  private toBar(instrumentId: string, f: Forming): Bar {
    return { instrumentId, ts: f.start, durationMs: this.durationMs, open: f.mid.open, high: f.mid.high, low: f.mid.low, close: f.mid.close, volume: f.count, bid: { ...f.bid }, ask: { ...f.ask } };
  }
}

function one(p: number): Ohlc {
  return { open: p, high: p, low: p, close: p };
}

function extend(o: Ohlc, p: number): void {
  if (p > o.high) o.high = p;
  if (p < o.low) o.low = p;
  o.close = p;
}
