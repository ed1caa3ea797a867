/**
 * QuoteBarBuilder (engine/node/oanda/quote-bars.ts): bars for bar strategies from live quotes, handed
 * over only when a later bucket's first quote arrives (a quiet feed makes no bar that would look fresh).
 */
import { describe, expect, it } from 'vitest';
import { QuoteBarBuilder } from '../../../engine/node/oanda/quote-bars';

const q = (ts: number, bid: number, ask: number, instrumentId = 'EUR_USD') => ({ instrumentId, ts, bid, ask });

describe('QuoteBarBuilder', () => {
  it('builds mid/bid/ask OHLC per UTC-aligned bucket and closes it on the next bucket’s first quote', () => {
    const b = new QuoteBarBuilder(60_000);
    const t0 = Date.UTC(2024, 0, 2, 10, 0, 0);
    expect(b.add(q(t0 + 1000, 1.1, 1.1002))).toBeNull();
    expect(b.add(q(t0 + 20_000, 1.1004, 1.1006))).toBeNull();
    expect(b.add(q(t0 + 40_000, 1.0998, 1.1))).toBeNull();
    expect(b.add(q(t0 + 59_999, 1.1001, 1.1003))).toBeNull();
    expect(b.add(q(t0 + 1000, 1.2, 1.2, 'USD_JPY'))).toBeNull(); // instruments are separate
    const bar = b.add(q(t0 + 60_000, 1.1, 1.1002))!;
    expect(bar).toMatchObject({ instrumentId: 'EUR_USD', ts: t0, durationMs: 60_000, volume: 4 });
    expect(bar.open).toBeCloseTo(1.1001, 10);
    expect(bar.high).toBeCloseTo(1.1005, 10);
    expect(bar.low).toBeCloseTo(1.0999, 10);
    expect(bar.close).toBeCloseTo(1.1002, 10);
    expect(bar.bid).toEqual({ open: 1.1, high: 1.1004, low: 1.0998, close: 1.1001 });
    expect(bar.ask).toEqual({ open: 1.1002, high: 1.1006, low: 1.1, close: 1.1003 });
  });

  it('skips empty buckets (gaps stay gaps) and ignores quotes older than the forming bar', () => {
    const b = new QuoteBarBuilder(1000);
    expect(b.add(q(5_100, 1, 1.0002))).toBeNull();
    expect(b.add(q(4_900, 1, 1.0002))).toBeNull();
    const bar = b.add(q(9_000, 1, 1.0002))!;
    expect(bar).toMatchObject({ ts: 5_000, volume: 1 });
    expect(() => new QuoteBarBuilder(0)).toThrow(RangeError);
  });
});
