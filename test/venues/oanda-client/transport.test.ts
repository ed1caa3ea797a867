/**
 * The REST transport and the stream client against a bare HTTP server on 127.0.0.1 that misbehaves at
 * the socket level (status bursts, silence, cut bodies, lines split across chunks): what the v20 test
 * server's fault switches do too, here isolated so each mechanism is shown on its own.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { V20Http } from '../../../engine/venues/oanda/http-client';
import { ConnectionGate } from '../../../engine/venues/oanda/rate-limit';
import { Backoff, RetryPolicy } from '../../../engine/venues/oanda/retry';
import { PricingStream, TransactionStream } from '../../../engine/venues/oanda/stream';
import type { OandaError } from '../../../engine/venues/oanda/errors';
import type { V20Transaction } from '../../../engine/venues/oanda/schemas';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
const servers: http.Server[] = [];
const closers: (() => void)[] = [];

async function serve(handler: Handler): Promise<{ url: string; server: http.Server; connections: () => number }> {
  let conns = 0;
  const server = http.createServer(handler);
  server.on('connection', () => conns++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, connections: () => conns };
}

afterEach(async () => {
  for (const c of closers.splice(0)) c();
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

const OK = z.looseObject({ ok: z.boolean() });
const fast = () => new RetryPolicy({ maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 50 });
const until = async (cond: () => boolean, ms = 5000) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('V20Http', () => {
  it('retries a GET through a 503/429 burst and keeps the connection alive', async () => {
    let n = 0;
    const { url, connections } = await serve((req, res) => {
      n++;
      if (n <= 2) {
        res.writeHead(n === 1 ? 503 : 429, { 'content-type': 'application/json', 'retry-after': '0' });
        res.end(JSON.stringify({ errorMessage: 'busy' }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', RequestID: '42' });
      res.end('{"ok":true}');
    });
    const h = new V20Http({ baseUrl: url, token: 't0ken', retry: fast() });
    closers.push(() => h.close());
    const r = await h.request({ method: 'GET', path: '/v3/x', schema: OK });
    expect(r.body.ok).toBe(true);
    expect(r.requestId).toBe('42');
    expect(n).toBe(3);
    expect(connections()).toBe(1);
  });

  it('never sends a POST twice: a 503 is an error whose outcome is unknown', async () => {
    let posts = 0;
    const { url } = await serve((req, res) => {
      posts++;
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"errorMessage":"down"}');
    });
    const h = new V20Http({ baseUrl: url, token: 't0ken', retry: fast() });
    closers.push(() => h.close());
    const err = (await h.request({ method: 'POST', path: '/v3/o', body: { a: 1 }, schema: OK }).catch((e) => e)) as OandaError;
    expect(err.code).toBe('oanda.http_503');
    expect(err.outcomeUnknown).toBe(true);
    expect(posts).toBe(1);
  });

  it('maps a reject transaction to oanda.rejected.<REASON>', async () => {
    const { url } = await serve((req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ orderRejectTransaction: { id: '7', type: 'MARKET_ORDER_REJECT', rejectReason: 'UNITS_PRECISION_EXCEEDED', time: 'x' }, errorCode: 'UNITS_PRECISION_EXCEEDED', errorMessage: 'too precise' }));
    });
    const h = new V20Http({ baseUrl: url, token: 't0ken', retry: fast() });
    closers.push(() => h.close());
    const err = (await h.request({ method: 'POST', path: '/v3/o', body: {}, schema: OK }).catch((e) => e)) as OandaError;
    expect(err.code).toBe('oanda.rejected.UNITS_PRECISION_EXCEEDED');
    expect(err.details.rejectReason).toBe('UNITS_PRECISION_EXCEEDED');
    expect(err.message).not.toContain('t0ken');
  });

  it('times out, and reports a cut body as outcome unknown; the token is in no error', async () => {
    const { url } = await serve((req, res) => {
      if (req.url === '/v3/slow') return; // never answers
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"ok":');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const h = new V20Http({ baseUrl: url, token: 'secret-token-123', retry: new RetryPolicy({ maxAttempts: 1 }), timeoutMs: 200 });
    closers.push(() => h.close());
    const slow = (await h.request({ method: 'GET', path: '/v3/slow', schema: OK }).catch((e) => e)) as OandaError;
    expect(slow.code).toBe('oanda.timeout');
    const cut = (await h.request({ method: 'POST', path: '/v3/cut', body: {}, schema: OK }).catch((e) => e)) as OandaError;
    expect(cut.code).toBe('oanda.unreachable');
    expect(cut.outcomeUnknown).toBe(true);
    expect(JSON.stringify({ m: slow.message, d: slow.details, m2: cut.message, d2: cut.details })).not.toContain('secret-token-123');
  });

  it('a refused connection is unreachable and was not sent', async () => {
    const { url, server } = await serve(() => undefined);
    server.close();
    await new Promise((r) => setTimeout(r, 20));
    const h = new V20Http({ baseUrl: url, token: 't', retry: new RetryPolicy({ maxAttempts: 1 }) });
    closers.push(() => h.close());
    const err = (await h.request({ method: 'POST', path: '/v3/o', body: {}, schema: OK }).catch((e) => e)) as OandaError;
    expect(err.code).toBe('oanda.unreachable');
    expect(err.outcomeUnknown).toBe(false);
  });

  it('opens no more than 2 new connections per second under a burst of parallel requests', async () => {
    const { url, connections } = await serve((req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      }, 150);
    });
    const gate = new ConnectionGate();
    const h = new V20Http({ baseUrl: url, token: 't', gate });
    closers.push(() => h.close());
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 12 }, () => h.request({ method: 'GET', path: '/v3/x', schema: OK })));
    const ms = Date.now() - t0;
    // 12 parallel requests share the few sockets the gate allowed in that time.
    expect(connections()).toBeLessThanOrEqual(2 * Math.ceil(ms / 1000));
    expect(gate.opened).toBe(connections());
    // Queued requests reuse the kept-alive sockets instead of each waiting for a connection of its own.
    expect(ms).toBeLessThan(2500);
  });
});

const PRICE = (i: string, t = '2025-03-04T14:30:01.000000000Z') => JSON.stringify({ type: 'PRICE', instrument: i, time: t, bids: [{ price: '1.09972', liquidity: 1 }], asks: [{ price: '1.09986', liquidity: 1 }], tradeable: true });
const HB = JSON.stringify({ type: 'HEARTBEAT', time: '2025-03-04T14:30:05.000000000Z' });

describe('PricingStream', () => {
  it('reads lines split across chunks, survives a malformed line, and restarts when only heartbeats come', async () => {
    let conns = 0;
    const { url } = await serve((req, res) => {
      conns++;
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const line = PRICE('EUR_USD') + '\n';
      res.write(line.slice(0, 17));
      setTimeout(() => res.write(line.slice(17) + '{"type":"PRI\n' + HB.slice(0, 5)), 20);
      setTimeout(() => res.write(HB.slice(5) + '\n'), 40);
      const hb = setInterval(() => res.write(HB + '\n'), 50); // heartbeats only from here on
      res.on('close', () => clearInterval(hb));
    });
    const prices: string[] = [];
    const errors: string[] = [];
    const fresh: [string, boolean][] = [];
    const s = new PricingStream({
      baseUrl: url, token: 't', accountId: 'A', instruments: ['EUR_USD'], onPrice: (p) => prices.push(p.instrument),
      onError: (e) => errors.push(e.code), onFreshness: (i, f) => fresh.push([i, f]),
      priceStaleMs: 300, restartAfterMs: 400, silenceMs: 2000, checkMs: 50, backoff: new Backoff(10, 50),
    });
    closers.push(() => s.close());
    s.start();
    await until(() => conns >= 2);
    expect(prices.length).toBeGreaterThanOrEqual(1);
    expect(errors).toContain('oanda.stream_line');
    expect(errors).toContain('oanda.stream_stale_prices');
    expect(s.heartbeats).toBeGreaterThan(2);
    expect(fresh.slice(0, 2)).toEqual([['EUR_USD', true], ['EUR_USD', false]]);
  });

  it('reconnects after a dropped connection and a stalled (silent) one', async () => {
    let conns = 0;
    const { url } = await serve((req, res) => {
      conns++;
      res.writeHead(200);
      res.write(PRICE('USD_JPY') + '\n');
      if (conns === 1) setTimeout(() => res.socket?.destroy(), 30); // dropped
      // conns === 2: stalls (no more bytes)
    });
    const errors: string[] = [];
    const s = new PricingStream({ baseUrl: url, token: 't', accountId: 'A', instruments: ['USD_JPY'], onPrice: () => undefined, onError: (e) => errors.push(e.code), silenceMs: 300, restartAfterMs: 5000, checkMs: 50, backoff: new Backoff(10, 50) });
    closers.push(() => s.close());
    s.start();
    await until(() => conns >= 3);
    expect(errors).toContain('oanda.stream_ended');
    expect(errors).toContain('oanda.stream_silent');
  });
});

describe('TransactionStream', () => {
  const txLine = (id: number) => JSON.stringify({ id: String(id), type: 'DAILY_FINANCING', time: '2025-03-04T14:30:00.000000000Z', accountBalance: '100.0000' });
  it('backfills with sinceid after each reconnect, delivers each id once and in order', async () => {
    let conns = 0;
    const all = Array.from({ length: 12 }, (_, i) => i + 1);
    const backfills: string[] = [];
    const { url } = await serve((req, res) => {
      conns++;
      res.writeHead(200);
      if (conns === 1) {
        res.write(txLine(4) + '\n' + txLine(5) + '\n');
        setTimeout(() => res.socket?.destroy(), 30); // 6..9 happen while disconnected
      } else {
        res.write(txLine(9) + '\n' + txLine(10) + '\n');
        res.write(JSON.stringify({ type: 'HEARTBEAT', lastTransactionID: '12', time: 'x' }) + '\n');
      }
    });
    const got: string[] = [];
    const s = new TransactionStream({
      baseUrl: url, token: 't', accountId: 'A', sinceId: '2',
      backfill: async (id) => {
        backfills.push(id);
        await new Promise((r) => setTimeout(r, 20));
        const upTo = conns === 1 ? 3 : 12;
        return all.filter((n) => n > Number(id) && n <= upTo).map((n) => JSON.parse(txLine(n)) as V20Transaction);
      },
      onTransaction: (tx) => got.push(tx.id), checkMs: 50, backoff: new Backoff(10, 50),
    });
    closers.push(() => s.close());
    s.start();
    await until(() => got.length >= 10);
    expect(got).toEqual(all.slice(2).map(String));
    expect(backfills[0]).toBe('2');
    expect(s.lastTransactionId).toBe('12');
  });

  it('restarts when no heartbeat comes for restartAfterMs', async () => {
    let conns = 0;
    const { url } = await serve((req, res) => {
      conns++;
      res.writeHead(200);
      res.write(txLine(3) + '\n'); // a transaction but never a heartbeat
    });
    const errors: string[] = [];
    const s = new TransactionStream({ baseUrl: url, token: 't', accountId: 'A', sinceId: '2', backfill: async () => [], onTransaction: () => undefined, onError: (e) => errors.push(e.code), restartAfterMs: 250, checkMs: 50, backoff: new Backoff(10, 50) });
    closers.push(() => s.close());
    s.start();
    await until(() => conns >= 2);
    expect(errors).toContain('oanda.stream_no_heartbeat');
  });
});
