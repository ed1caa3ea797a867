/**
 * The pricing and transaction streams of the test server, read with a line-buffered reader (the
 * official client's stream support is broken): content type, snapshot, PRICE and HEARTBEAT lines,
 * transactions as they are committed, heartbeats carrying lastTransactionID, sinceid backfill after a
 * reconnect, the datetime format per connection, and stream errors.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startV20TestServer, type V20TestServer } from './index';
import { LineReader, rest } from './test-helpers';

let server: V20TestServer | undefined;
const readers: LineReader[] = [];
const T0 = Date.UTC(2025, 2, 4, 14, 30);

async function start(heartbeatMs = 100): Promise<V20TestServer> {
  let clock = T0;
  server = await startV20TestServer({ now: () => (clock += 1000), heartbeatMs });
  return server;
}

function open(s: V20TestServer, path: string, headers: Record<string, string> = {}): LineReader {
  const r = new LineReader(`${s.streamUrl}/v3/accounts/${s.accountId}${path}`, s.token, headers);
  readers.push(r);
  return r;
}

afterEach(async () => {
  for (const r of readers.splice(0)) r.close();
  if (server) {
    expect(server.errors).toEqual([]);
    await server.close();
  }
  server = undefined;
});

describe('oanda test server: pricing stream', () => {
  it('sends the snapshot, a PRICE line per change and heartbeats, each a JSON line', async () => {
    const s = await start();
    const r = open(s, '/pricing/stream?instruments=EUR_USD,USD_JPY');
    await r.ready;
    expect(r.status).toBe(200);
    expect(r.contentType).toBe('application/octet-stream');
    await r.until((x) => x.json().length >= 2, 2000, 'snapshot');
    expect(r.json().slice(0, 2).map((p) => p.instrument)).toEqual(['EUR_USD', 'USD_JPY']);
    s.setPrice('USD_JPY', '151.000', '151.014');
    s.setPrice('GBP_USD', '1.27100', '1.27118'); // not subscribed
    await r.until((x) => x.json().some((p) => p.type === 'PRICE' && p.closeoutBid === '151.000'), 2000, 'price');
    const price = r.json().find((p) => p.closeoutBid === '151.000');
    expect(price).toEqual({
      type: 'PRICE', time: expect.stringMatching(/^2025-03-04T14:\d\d:\d\d\.\d{9}Z$/),
      bids: [{ price: '151.000', liquidity: 10000000 }], asks: [{ price: '151.014', liquidity: 10000000 }],
      closeoutBid: '151.000', closeoutAsk: '151.014', status: 'tradeable', tradeable: true, instrument: 'USD_JPY',
    });
    await r.until((x) => x.json().filter((p) => p.type === 'HEARTBEAT').length >= 2, 2000, 'heartbeats');
    expect(r.json().find((p) => p.type === 'HEARTBEAT')).toEqual({ type: 'HEARTBEAT', time: expect.any(String) });
    expect(r.json().some((p) => p.instrument === 'GBP_USD')).toBe(false);
    expect(r.lines.every((l) => 'json' in l)).toBe(true);
  });

  it('writes UNIX times for a connection that asks for them, skips the snapshot on request, streams halts', async () => {
    const s = await start();
    const r = open(s, '/pricing/stream?instruments=EUR_USD&snapshot=false', { 'Accept-Datetime-Format': 'UNIX' });
    await r.ready;
    s.faults.haltMarket('EUR_USD');
    await r.until((x) => x.json().some((p) => p.type === 'PRICE'), 2000, 'price');
    const [p] = r.json().filter((x) => x.type === 'PRICE');
    expect(p).toMatchObject({ status: 'non-tradeable', tradeable: false });
    expect(p.time).toMatch(/^\d{10}\.\d{9}$/);
  });

  it('refuses a missing token, unknown instruments and an unknown account', async () => {
    const s = await start();
    const noAuth = await fetch(`${s.streamUrl}/v3/accounts/${s.accountId}/pricing/stream?instruments=EUR_USD`);
    expect(noAuth.status).toBe(401);
    const bad = open(s, '/pricing/stream?instruments=EUR_USD,NOPE_X');
    await bad.ready;
    expect(bad.status).toBe(400);
    const acct = new LineReader(`${s.streamUrl}/v3/accounts/999/pricing/stream?instruments=EUR_USD`, s.token);
    readers.push(acct);
    await acct.ready;
    expect(acct.status).toBe(404);
    expect((await fetch(`${s.streamUrl}/v3/accounts/${s.accountId}/summary`, { headers: { Authorization: `Bearer ${s.token}` } })).status).toBe(404);
  });
});

describe('oanda test server: transaction stream', () => {
  it('streams each committed transaction, heartbeats with lastTransactionID, and sinceid fills a gap', async () => {
    const s = await start();
    const r = open(s, '/transactions/stream');
    await r.ready;
    const placed = await rest(s, 'POST', `/v3/accounts/${s.accountId}/orders`, { order: { type: 'MARKET', instrument: 'EUR_USD', units: '100', takeProfitOnFill: { price: '1.20000' } } });
    expect(placed.status).toBe(201);
    await r.until((x) => x.json().filter((t) => t.type !== 'HEARTBEAT').length >= 3, 2000, 'transactions');
    expect(r.json().filter((t) => t.type !== 'HEARTBEAT').map((t) => [t.id, t.type])).toEqual([
      ['3', 'MARKET_ORDER'],
      ['4', 'ORDER_FILL'],
      ['5', 'TAKE_PROFIT_ORDER'],
    ]);
    await r.until((x) => x.json().some((t) => t.type === 'HEARTBEAT'), 2000, 'heartbeat');
    expect(r.json().find((t) => t.type === 'HEARTBEAT')).toEqual({ type: 'HEARTBEAT', lastTransactionID: '5', time: expect.any(String) });
    // Disconnected while something happens; the heartbeat after reconnecting shows the gap; sinceid fills it.
    r.close();
    s.externalTrade('EUR_USD', '-50');
    const again = open(s, '/transactions/stream');
    await again.until((x) => x.json().some((t) => t.type === 'HEARTBEAT'), 2000, 'heartbeat');
    expect(again.json().filter((t) => t.type !== 'HEARTBEAT')).toEqual([]);
    expect(again.json()[0].lastTransactionID).toBe('7');
    const gap = await rest(s, 'GET', `/v3/accounts/${s.accountId}/transactions/sinceid?id=5`);
    expect(gap.body.transactions.map((t: { type: string }) => t.type)).toEqual(['MARKET_ORDER', 'ORDER_FILL']);
  });

  it('streams fills triggered by price moves after the PRICE line that caused them', async () => {
    const s = await start();
    const tx = open(s, '/transactions/stream');
    const px = open(s, '/pricing/stream?instruments=EUR_USD&snapshot=false');
    await Promise.all([tx.ready, px.ready]);
    await rest(s, 'POST', `/v3/accounts/${s.accountId}/orders`, { order: { type: 'LIMIT', instrument: 'EUR_USD', units: '100', price: '1.07000' } });
    s.setPrice('EUR_USD', '1.06980', '1.06994');
    await tx.until((x) => x.json().some((t) => t.type === 'ORDER_FILL'), 2000, 'fill');
    await px.until((x) => x.json().some((p) => p.type === 'PRICE'), 2000, 'price');
    const fill = tx.json().find((t) => t.type === 'ORDER_FILL');
    expect(fill).toMatchObject({ reason: 'LIMIT_ORDER', price: '1.06994', units: '100' });
  });
});
