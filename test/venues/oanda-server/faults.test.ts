/**
 * Each fault switch of the test server, observed at the HTTP level (fetch and a line-buffered stream
 * reader): 429/503 bursts that refuse without executing, the 120/s rate limit, stalled streams,
 * heartbeats only, dropped connections, lines split across chunks (and UTF-8 split inside a
 * character), malformed lines, orders cancelled after acceptance or rejected, an order whose reply is
 * cut after it executed, delayed replies, and the request log that lets tests count requests.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startV20TestServer, type V20TestServer, type V20TestServerOptions } from './index';
import { LineReader, rest, sleep } from './test-helpers';

let server: V20TestServer | undefined;
const readers: LineReader[] = [];
const T0 = Date.UTC(2025, 2, 4, 14, 30);

async function start(opts: V20TestServerOptions = {}): Promise<V20TestServer> {
  let clock = T0;
  server = await startV20TestServer({ now: () => (clock += 1000), heartbeatMs: 50, ...opts });
  return server;
}

function open(s: V20TestServer, path: string): LineReader {
  const r = new LineReader(`${s.streamUrl}/v3/accounts/${s.accountId}${path}`, s.token);
  readers.push(r);
  return r;
}

const A = (s: V20TestServer): string => `/v3/accounts/${s.accountId}`;
const market = (units: string, id?: string) => ({ order: { type: 'MARKET', instrument: 'EUR_USD', units, ...(id ? { clientExtensions: { id } } : {}) } });

afterEach(async () => {
  for (const r of readers.splice(0)) r.close();
  if (server) {
    expect(server.errors).toEqual([]);
    await server.close();
  }
  server = undefined;
});

describe('oanda test server faults: REST', () => {
  it('http429(n) and http503(n) refuse the next n requests without executing them', async () => {
    const s = await start();
    s.faults.http429(2);
    const a = await rest(s, 'POST', `${A(s)}/orders`, market('10'));
    expect(a.status).toBe(429);
    expect(a.body.errorMessage).toMatch(/rate limit/i);
    expect((await rest(s, 'GET', `${A(s)}/summary`)).status).toBe(429);
    expect(s.lastTransactionID()).toBe('2'); // the refused order did nothing
    s.faults.http503(1);
    expect((await rest(s, 'POST', `${A(s)}/orders`, market('10'))).status).toBe(503);
    expect(s.lastTransactionID()).toBe('2');
    expect((await rest(s, 'POST', `${A(s)}/orders`, market('10'))).status).toBe(201);
    expect(s.requests.map((r) => r.outcome)).toEqual(['refused', 'refused', 'refused', 'replied']);
  });

  it('refuses stream connections when the burst targets the stream host', async () => {
    const s = await start();
    s.faults.http503(1, 'stream');
    const r = open(s, '/transactions/stream');
    await r.ready;
    expect(r.status).toBe(503);
    const ok = open(s, '/transactions/stream');
    await ok.ready;
    expect(ok.status).toBe(200);
  });

  it('applies the requests-per-second limit with 429', async () => {
    const s = await start({ rateLimitPerSecond: 10 });
    const replies = await Promise.all(Array.from({ length: 15 }, () => rest(s, 'GET', `${A(s)}/summary`)));
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses.filter((x) => x === 200)).toHaveLength(10);
    expect(statuses.filter((x) => x === 429)).toHaveLength(5);
  });

  it('rejectNextOrder: accepted then cancelled with INSUFFICIENT_MARGIN, MARKET_HALTED, FIFO_VIOLATION, or rejected', async () => {
    const s = await start();
    for (const reason of ['INSUFFICIENT_MARGIN', 'MARKET_HALTED', 'FIFO_VIOLATION']) {
      s.faults.rejectNextOrder(reason);
      const r = await rest(s, 'POST', `${A(s)}/orders`, market('10', `c-${reason}`));
      expect(r.status).toBe(201);
      expect(r.body.orderCreateTransaction.type).toBe('MARKET_ORDER');
      expect(r.body.orderCancelTransaction).toMatchObject({ type: 'ORDER_CANCEL', reason, clientOrderID: `c-${reason}` });
      expect(r.body.orderFillTransaction).toBeUndefined();
    }
    s.faults.rejectNextOrder('INSUFFICIENT_MARGIN', { as: 'reject' });
    const rej = await rest(s, 'POST', `${A(s)}/orders`, market('10'));
    expect(rej.status).toBe(400);
    expect(rej.body).toMatchObject({ errorCode: 'INSUFFICIENT_MARGIN', orderRejectTransaction: { type: 'MARKET_ORDER_REJECT', rejectReason: 'INSUFFICIENT_MARGIN' } });
    const next = await rest(s, 'POST', `${A(s)}/orders`, market('10'));
    expect(next.body.orderFillTransaction).toBeDefined();
    expect((await rest(s, 'GET', `${A(s)}/openTrades`)).body.trades).toHaveLength(1);
  });

  it('cutNextOrderReply: the order executes, the reply is lost, the client ID finds it', async () => {
    const s = await start();
    const tx = open(s, '/transactions/stream');
    await tx.ready;
    s.faults.cutNextOrderReply();
    await expect(rest(s, 'POST', `${A(s)}/orders`, market('100', 'lost-1'))).rejects.toThrow();
    const found = await rest(s, 'GET', `${A(s)}/orders/@lost-1`);
    expect(found.body.order).toMatchObject({ state: 'FILLED', clientExtensions: { id: 'lost-1' } });
    await tx.until((x) => x.json().some((t) => t.type === 'ORDER_FILL' && t.clientOrderID === 'lost-1'), 2000, 'fill on the stream');
    s.faults.cutNextOrderReply('mid-body');
    await expect(rest(s, 'POST', `${A(s)}/orders`, market('100', 'lost-2'))).rejects.toThrow();
    expect((await rest(s, 'GET', `${A(s)}/orders/@lost-2`)).body.order.state).toBe('FILLED');
    expect(s.requests.filter((r) => r.method === 'POST').map((r) => r.outcome)).toEqual(['cut', 'cut']);
    // Only the two submissions reached the server: the log counts duplicates.
    expect(s.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/orders'))).toHaveLength(2);
  });

  it('delayReplies writes the next replies late', async () => {
    const s = await start();
    s.faults.delayReplies(300, 1);
    const t0 = Date.now();
    expect((await rest(s, 'GET', `${A(s)}/summary`)).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
  });
});

describe('oanda test server faults: streams', () => {
  it('stallStreams silences open and new streams while their sockets stay open', async () => {
    const s = await start();
    const r = open(s, '/pricing/stream?instruments=EUR_USD');
    await r.until((x) => x.json().some((p) => p.type === 'HEARTBEAT'), 2000, 'heartbeat');
    s.faults.stallStreams();
    const before = r.lines.length;
    s.setPrice('EUR_USD', '1.09000', '1.09014');
    const late = open(s, '/pricing/stream?instruments=EUR_USD');
    await late.ready;
    await sleep(300); // six heartbeat periods
    expect(r.lines.length).toBe(before);
    expect(r.ended).toBe(false);
    expect(late.lines).toEqual([]);
    s.faults.resumeStreams();
    const fresh = open(s, '/pricing/stream?instruments=EUR_USD');
    await fresh.until((x) => x.json().some((p) => p.type === 'PRICE' && p.closeoutBid === '1.09000'), 2000, 'snapshot');
    expect(r.lines.length).toBe(before);
  });

  it('heartbeatsOnly keeps heartbeats flowing but no prices', async () => {
    const s = await start();
    const r = open(s, '/pricing/stream?instruments=EUR_USD&snapshot=false');
    await r.ready;
    s.faults.heartbeatsOnly(true);
    s.setPrice('EUR_USD', '1.09000', '1.09014');
    await r.until((x) => x.json().filter((p) => p.type === 'HEARTBEAT').length >= 3, 2000, 'heartbeats');
    expect(r.json().filter((p) => p.type === 'PRICE')).toEqual([]);
    s.faults.heartbeatsOnly(false);
    s.setPrice('EUR_USD', '1.09100', '1.09114');
    await r.until((x) => x.json().some((p) => p.type === 'PRICE'), 2000, 'price');
  });

  it('dropStreamConnections cuts open streams', async () => {
    const s = await start();
    const a = open(s, '/pricing/stream?instruments=EUR_USD');
    const b = open(s, '/transactions/stream');
    await Promise.all([a.ready, b.ready]);
    await sleep(20);
    expect(s.openStreams()).toBe(2);
    expect(s.faults.dropStreamConnections('transactions')).toBe(1);
    await b.until((x) => x.ended, 2000, 'end');
    expect(a.ended).toBe(false);
    expect(s.faults.dropStreamConnections('all', 'end')).toBe(1);
    await a.until((x) => x.ended, 2000, 'end');
    expect(s.openStreams()).toBe(0);
  });

  it('splitLines cuts output through lines and UTF-8 characters; the lines are intact after buffering', async () => {
    const s = await start();
    const r = open(s, '/transactions/stream');
    await r.ready;
    s.faults.splitLines(5, 1);
    const placed = await rest(s, 'POST', `${A(s)}/orders`, {
      order: { type: 'MARKET', instrument: 'EUR_USD', units: '10', clientExtensions: { id: 'u-1', comment: 'Zürich €€€ 東京' } },
    });
    expect(placed.status).toBe(201);
    await r.until((x) => x.json().some((t) => t.type === 'ORDER_FILL'), 5000, 'fill');
    expect(r.chunks.length).toBeGreaterThan(50);
    expect(r.chunks.every((c) => c.length <= 5)).toBe(true);
    // Some chunk ends a line and starts the next one.
    expect(r.chunks.some((c) => c.indexOf(0x0a) >= 0 && c.indexOf(0x0a) < c.length - 1)).toBe(true);
    // Some chunk ends inside a multi-byte character.
    expect(r.chunks.some((c) => (c.at(-1)! & 0xc0) === 0x80 || (c.at(-1)! & 0xe0) === 0xc0 || (c.at(-1)! & 0xf0) === 0xe0)).toBe(true);
    const create = r.json().find((t) => t.type === 'MARKET_ORDER');
    expect(create.clientExtensions.comment).toBe('Zürich €€€ 東京');
    expect(r.lines.every((l) => 'json' in l)).toBe(true);
  });

  it('malformedLine sends one line that is not JSON, to open streams or the next to open', async () => {
    const s = await start();
    s.faults.malformedLine('pricing'); // none open yet: queued
    const r = open(s, '/pricing/stream?instruments=EUR_USD');
    await r.until((x) => x.lines.some((l) => 'malformed' in l), 2000, 'malformed');
    expect(s.faults.malformedLine('pricing', '{"type":"PRICE",')).toBe(1);
    s.setPrice('EUR_USD', '1.09000', '1.09014');
    await r.until((x) => x.json().some((p) => p.closeoutBid === '1.09000'), 2000, 'price after');
    expect(r.lines.filter((l) => 'malformed' in l)).toEqual([{ malformed: '{"type":"PRICE","instrument":"EUR_USD","bids":[{"price":' }, { malformed: '{"type":"PRICE",' }]);
  });

  it('logs every connection, stream and request so tests can count them', async () => {
    const s = await start();
    await rest(s, 'GET', `${A(s)}/summary`);
    const r = open(s, '/pricing/stream?instruments=EUR_USD,GBP_USD');
    await r.ready;
    expect(s.streams).toEqual([expect.objectContaining({ kind: 'pricing', instruments: ['EUR_USD', 'GBP_USD'] })]);
    expect(s.requests.map((x) => [x.host, x.method, x.path, x.outcome])).toEqual([
      ['rest', 'GET', `${A(s)}/summary`, 'replied'],
      ['stream', 'GET', `${A(s)}/pricing/stream`, 'stream'],
    ]);
    expect(s.connections.map((c) => c.host)).toEqual(['rest', 'stream']);
  });
});
