/**
 * Generated candles of the test server: the spec's parameters and limits (count 1–5000, not with both
 * from and to; includeFirst; price components; datetime formats), determinism per seed, pages that
 * join up exactly, alignment (UTC for ≤ H1, 17:00 New York for D, Friday for W), no candles while the
 * FX market is closed, OHLC on the price grid with bid/mid/ask a fixed spread apart, and the still
 * forming last candle.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startV20TestServer, type V20TestServer } from './index';
import { rest } from './test-helpers';

const NOW = Date.UTC(2025, 2, 4, 14, 32, 30); // Tuesday 2025-03-04 14:32:30Z (09:32:30 New York, EST)
let server: V20TestServer;
let other: V20TestServer;

beforeAll(async () => {
  server = await startV20TestServer({ now: () => NOW, seed: 7 });
  other = await startV20TestServer({ now: () => NOW, seed: 8 });
});

afterAll(async () => {
  await server.close();
  await other.close();
});

type Candle = { time: string; complete: boolean; volume: number; mid?: Record<string, string>; bid?: Record<string, string>; ask?: Record<string, string> };

async function get(q: string, s: V20TestServer = server, instrument = 'EUR_USD'): Promise<{ status: number; candles: Candle[]; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const r = await rest(s, 'GET', `/v3/instruments/${instrument}/candles?${q}`);
  return { status: r.status, candles: r.body?.candles ?? [], body: r.body };
}

const ms = (c: Candle): number => Date.parse(c.time);

describe('oanda test server: candles', () => {
  it('defaults to 500 S5 mid candles ending with the forming one', async () => {
    const { status, body, candles } = await get('');
    expect(status).toBe(200);
    expect(body).toMatchObject({ instrument: 'EUR_USD', granularity: 'S5' });
    expect(candles).toHaveLength(500);
    expect(candles.at(-1)).toMatchObject({ complete: false, time: '2025-03-04T14:32:30.000000000Z' });
    expect(candles.slice(0, -1).every((c) => c.complete)).toBe(true);
    expect(Object.keys(candles[0]!).sort()).toEqual(['complete', 'mid', 'time', 'volume']);
  });

  it('enforces the count limits and the from/to/count rule', async () => {
    expect((await get('granularity=M1&count=5000')).candles).toHaveLength(5000);
    const over = await get('granularity=M1&count=5001');
    expect(over.status).toBe(400);
    expect(over.body.errorMessage).toMatch(/count/);
    expect((await get('granularity=M1&count=0')).status).toBe(400);
    expect((await get('granularity=M1&count=5&from=2025-03-03T00:00:00Z&to=2025-03-04T00:00:00Z')).status).toBe(400);
    expect((await get('granularity=S5&from=2025-02-01T00:00:00Z&to=2025-03-04T00:00:00Z')).status).toBe(400); // > 5000 candles
    expect((await get('granularity=M1&to=2025-03-05T00:00:00Z')).status).toBe(400); // in the future
    expect((await get('granularity=M3')).status).toBe(400);
    expect((await get('price=X')).status).toBe(400);
  });

  it('is deterministic per seed and different across seeds', async () => {
    const a = await get('granularity=M15&count=50&price=MBA');
    const b = await get('granularity=M15&count=50&price=MBA');
    const c = await get('granularity=M15&count=50&price=MBA', other);
    expect(a.candles).toEqual(b.candles);
    expect(a.candles.map((x) => x.mid!.c)).not.toEqual(c.candles.map((x) => x.mid!.c));
  });

  it('pages join exactly: from+count, then from the last time with includeFirst=false', async () => {
    const from = '2025-02-27T10:00:00.000000000Z';
    const whole = await get(`granularity=M5&count=400&from=${from}`);
    const p1 = await get(`granularity=M5&count=200&from=${from}`);
    const p2 = await get(`granularity=M5&count=200&includeFirst=false&from=${p1.candles.at(-1)!.time}`);
    expect([...p1.candles, ...p2.candles]).toEqual(whole.candles);
    const back = await get(`granularity=M5&count=200&to=${p2.candles[0]!.time}`);
    expect(back.candles).toEqual(p1.candles);
  });

  it('skips the FX weekend and aligns daily candles to 17:00 New York', async () => {
    const m1 = await get('granularity=M1&from=2025-02-28T21:50:00Z&count=20'); // Friday 16:50 EST
    const times = m1.candles.map((c) => c.time.slice(0, 16));
    expect(times.slice(0, 11)).toEqual(Array.from({ length: 10 }, (_, i) => `2025-02-28T21:${50 + i}`).concat(['2025-03-02T22:00']));
    // Daily candles start at 17:00 New York; the two that start on Friday and Saturday have no trading.
    const d = await get('granularity=D&count=8');
    expect(d.candles.map((c) => c.time.slice(0, 19))).toEqual([
      '2025-02-20T22:00:00', '2025-02-23T22:00:00', '2025-02-24T22:00:00', '2025-02-25T22:00:00',
      '2025-02-26T22:00:00', '2025-02-27T22:00:00', '2025-03-02T22:00:00', '2025-03-03T22:00:00',
    ]);
    const summer = await get('granularity=D&from=2024-07-01T00:00:00Z&count=2');
    expect(summer.candles[0]!.time).toBe('2024-06-30T21:00:00.000000000Z'); // EDT
    const w = await get('granularity=W&count=2');
    expect(w.candles.map((c) => new Date(ms(c)).getUTCDay())).toEqual([5, 5]); // Friday 17:00 New York
    const h4 = await get('granularity=H4&count=3');
    expect(h4.candles.map((c) => c.time.slice(11, 13))).toEqual(['06', '10', '14']); // 17:00 EST + 4h steps
  });

  it('keeps OHLC on the price grid with bid and ask a fixed spread around mid', async () => {
    const { candles } = await get('granularity=H1&count=100&price=BAM', server, 'USD_JPY');
    for (const c of candles) {
      for (const side of [c.bid!, c.ask!, c.mid!]) {
        for (const v of Object.values(side)) expect(v).toMatch(/^\d+\.\d{3}$/);
        expect(Number(side.l)).toBeLessThanOrEqual(Math.min(Number(side.o), Number(side.c)));
        expect(Number(side.h)).toBeGreaterThanOrEqual(Math.max(Number(side.o), Number(side.c)));
      }
      expect(Math.round((Number(c.ask!.c) - Number(c.bid!.c)) * 1000)).toBe(14);
      expect(Math.round((Number(c.mid!.o) - Number(c.bid!.o)) * 1000)).toBe(7);
      expect(c.volume).toBeGreaterThan(0);
    }
  });

  it('reads and writes UNIX datetimes and smooths opens on request', async () => {
    const from = Date.UTC(2025, 2, 3, 12) / 1000;
    const r = await rest(server, 'GET', `/v3/accounts/${server.accountId}/instruments/EUR_USD/candles?granularity=M1&count=3&from=${from}.000000000`, undefined, { 'Accept-Datetime-Format': 'UNIX' });
    expect(r.body.candles.map((c: Candle) => c.time)).toEqual([`${from}.000000000`, `${from + 60}.000000000`, `${from + 120}.000000000`]);
    const smooth = await get('granularity=M1&count=5&smooth=true');
    for (let i = 1; i < 5; i++) expect(smooth.candles[i]!.mid!.o).toBe(smooth.candles[i - 1]!.mid!.c);
  });
});
