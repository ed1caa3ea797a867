import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import WebSocket from 'ws';
import { EngineMetrics } from '../../engine/node/server/metrics';
import { connectWs } from '../../engine/node/server/ws-client-transport';
import { engineReadiness, startEngineServer, type RunningEngineServer } from '../../engine/node/server/ws-server';
import { ProtocolClient } from '../../engine/protocol/client';
import { contractSuite } from './contract-suite';
import { createFixtureEngine, type FixtureEngine } from './fixture-engine';

const TOKEN = 'test-token-3f9a';
const ORIGIN = 'http://localhost:5173';

async function serve(opts: { rate?: { perSecond: number; burst: number }; maxFrameBytes?: number; journalOpen?: () => boolean } = {}) {
  const fx = createFixtureEngine();
  const metrics = new EngineMetrics({ engine: fx.engine, defaultMetrics: false });
  const server = await startEngineServer({
    protocol: fx.protocol.server,
    token: TOKEN,
    port: 0,
    allowedOrigins: [ORIGIN],
    metrics,
    readiness: engineReadiness(() => fx.engine.state.state, opts.journalOpen),
    ...(opts.rate ? { rateLimit: opts.rate } : {}),
    ...(opts.maxFrameBytes ? { maxFrameBytes: opts.maxFrameBytes } : {}),
  });
  return { fx, server, metrics };
}

contractSuite('WebSocket (127.0.0.1, token)', async () => {
  const { fx, server } = await serve();
  const { transport } = await connectWs(server.url, { token: TOKEN });
  const client = new ProtocolClient(transport);
  return {
    client,
    advance: (n) => Promise.resolve(fx.advance(n)),
    close: async () => {
      client.close();
      await server.close();
      fx.close();
    },
  };
});

function status(url: string, opts: Parameters<typeof connectWs>[1]): Promise<number> {
  return connectWs(url, opts).then(
    ({ socket }) => {
      socket.close();
      return 101;
    },
    (e: { status?: number }) => e.status ?? -1,
  );
}

/** Opens a raw socket and resolves with every message and the close code once it closes. */
function rawSession(url: string, send: (ws: WebSocket) => void): Promise<{ messages: unknown[]; code: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    const messages: unknown[] = [];
    ws.on('message', (d) => messages.push(JSON.parse(String(d))));
    ws.on('open', () => send(ws));
    ws.on('close', (code) => resolve({ messages, code }));
    ws.on('error', reject);
  });
}

describe('WebSocket server', () => {
  let s: Awaited<ReturnType<typeof serve>>;
  let server: RunningEngineServer;
  let fx: FixtureEngine;
  beforeEach(async () => {
    s = await serve({ rate: { perSecond: 20, burst: 20 }, maxFrameBytes: 4096 });
    server = s.server;
    fx = s.fx;
  });
  afterEach(async () => {
    await server.close();
    fx.close();
  });

  it('refuses to start with an empty token', async () => {
    await expect(startEngineServer({ protocol: fx.protocol.server, token: '', port: 0 })).rejects.toMatchObject({ code: 'config.empty_token' });
    await expect(startEngineServer({ protocol: fx.protocol.server, token: '   ', port: 0 })).rejects.toMatchObject({ code: 'config.empty_token' });
  });

  it('binds 127.0.0.1 by default', () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws$/);
  });

  it('refuses a missing or wrong token with HTTP 401 before the upgrade; accepts header or ?token=', async () => {
    expect(await status(server.url, {})).toBe(401);
    expect(await status(server.url, { token: 'wrong' })).toBe(401);
    expect(await status(server.url, { token: 'wrong', tokenIn: 'query' })).toBe(401);
    expect(await status(server.url, { token: TOKEN })).toBe(101);
    expect(await status(server.url, { token: TOKEN, tokenIn: 'query' })).toBe(101);
  });

  it('checks Origin against the allow-list by parsed origin, not by substring', async () => {
    expect(await status(server.url, { token: TOKEN, origin: ORIGIN })).toBe(101);
    expect(await status(server.url, { token: TOKEN, origin: 'http://localhost:5173/' })).toBe(101);
    expect(await status(server.url, { token: TOKEN, origin: 'http://evil.example' })).toBe(403);
    expect(await status(server.url, { token: TOKEN, origin: 'http://localhost:5173.evil.example' })).toBe(403);
    expect(await status(server.url, { token: TOKEN, origin: 'https://localhost:5173' })).toBe(403);
    expect(await status(server.url, { token: TOKEN, origin: 'null' })).toBe(403);
  });

  it('answers an oversize frame with protocol.frame_too_large and close 1009; the engine keeps serving', async () => {
    const r = await rawSession(server.url, (ws) => ws.send(JSON.stringify({ id: 1, cmd: 'engine.status', args: { pad: 'x'.repeat(10_000) } })));
    expect(r.code).toBe(1009);
    expect(r.messages).toEqual([{ id: null, ok: false, error: { code: 'protocol.frame_too_large', message: expect.any(String) as unknown } }]);
    const { transport } = await connectWs(server.url, { token: TOKEN });
    const client = new ProtocolClient(transport);
    expect((await client.request('engine.status', {})).tradingState).toBe('ACTIVE');
    client.close();
  });

  it('answers malformed JSON with protocol.bad_json and close 1007', async () => {
    const r = await rawSession(server.url, (ws) => ws.send('{"id": 1, "cmd": '));
    expect(r.code).toBe(1007);
    expect(r.messages).toMatchObject([{ id: null, ok: false, error: { code: 'protocol.bad_json' } }]);
  });

  it('answers a frame without id/cmd with protocol.bad_frame and keeps the connection', async () => {
    const { transport, socket } = await connectWs(server.url, { token: TOKEN });
    const client = new ProtocolClient(transport);
    const got = new Promise<unknown>((resolve) => socket.once('message', (d) => resolve(JSON.parse(String(d)))));
    socket.send(JSON.stringify({ id: 'x1', command: 'engine.status' }));
    expect(await got).toMatchObject({ id: 'x1', ok: false, error: { code: 'protocol.bad_frame' } });
    expect((await client.request('engine.status', {})).state).toBe('ready');
    client.close();
  });

  it('rate-limits a flooding client while a second client still gets answers', async () => {
    const flood = await connectWs(server.url, { token: TOKEN });
    const calm = new ProtocolClient((await connectWs(server.url, { token: TOKEN })).transport);
    const replies: { id: number; ok: boolean; error?: { code: string } }[] = [];
    flood.socket.on('message', (d) => replies.push(JSON.parse(String(d)) as (typeof replies)[number]));
    const N = 400;
    for (let i = 1; i <= N; i++) flood.socket.send(JSON.stringify({ id: i, cmd: 'engine.status', args: {} }));
    const t0 = Date.now();
    const answer = await calm.request('account.get', {});
    expect(answer.equity).toBe('100000.000000');
    expect(Date.now() - t0).toBeLessThan(2000);
    await new Promise<void>((resolve) => {
      const check = () => (replies.length >= N ? resolve() : setTimeout(check, 10));
      check();
    });
    const limited = replies.filter((r) => !r.ok && r.error?.code === 'protocol.rate_limited');
    const served = replies.filter((r) => r.ok);
    expect(limited.length).toBeGreaterThan(N / 2);
    expect(served.length).toBeGreaterThanOrEqual(20);
    expect(new Set(replies.map((r) => r.id)).size).toBe(N);
    // The engine lost nothing and still answers everyone.
    expect((await calm.request('engine.status', {})).tradingState).toBe('ACTIVE');
    flood.socket.close();
    calm.close();
  });

  it('answers an upgrade whose target is not a URL path with HTTP 400; the server keeps serving', async () => {
    const reply = await new Promise<string>((res, rej) => {
      const sock = connect(server.port, '127.0.0.1', () => {
        sock.write(`GET // HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
      });
      let text = '';
      sock.setEncoding('utf8');
      sock.on('data', (d: string) => (text += d));
      sock.on('close', () => res(text));
      sock.on('error', rej);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400 Bad Request/);
    expect(reply).toContain('http.bad_request');
    expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);
  });

  it('serves /healthz, /readyz and /metrics', async () => {
    const base = `http://127.0.0.1:${server.port}`;
    const h = await fetch(`${base}/healthz`);
    expect(h.status).toBe(200);
    expect(await h.json()).toEqual({ status: 'ok' });
    const r = await fetch(`${base}/readyz`);
    expect(r.status).toBe(200);
    fx.engine.state.set('RECONCILING', 'test', 'test');
    const nr = await fetch(`${base}/readyz`);
    expect(nr.status).toBe(503);
    expect(await nr.json()).toEqual({ status: 'not_ready', reasons: ['engine is reconciling with the venue'] });
    fx.engine.state.set('ACTIVE', 'test', 'test');

    const client = new ProtocolClient((await connectWs(server.url, { token: TOKEN })).transport);
    await client.request('orders.submit', { instrumentId: 'AAA', side: 'BUY', qty: '10' });
    await client.request('orders.submit', { instrumentId: 'AAA', side: 'BUY', type: 'LIMIT', qty: '1' }).catch(() => undefined);
    fx.advance(1);
    const m = await fetch(`${base}/metrics`);
    expect(m.status).toBe(200);
    expect(m.headers.get('content-type')).toContain('text/plain');
    const text = await m.text();
    expect(text).toMatch(/^engine_equity \d+(\.\d+)?$/m);
    expect(text).toMatch(/^engine_gross_exposure \d+(\.\d+)?$/m);
    expect(text).toMatch(/^engine_open_positions 1$/m);
    expect(text).toMatch(/^engine_open_orders 0$/m);
    expect(text).toMatch(/^engine_fills_total 1$/m);
    expect(text).toMatch(/^engine_orders_submitted_total 1$/m);
    expect(text).toMatch(/^engine_order_denials_total\{code="order.missing_price"\} 1$/m);
    expect(text).toContain('# TYPE engine_order_rejects_total counter');
    expect(text).toMatch(/^engine_trading_state\{state="ACTIVE"\} 1$/m);
    expect(text).toMatch(/^engine_trading_state\{state="HALTED"\} 0$/m);
    expect(text).toMatch(/^engine_price_age_seconds\{instrument="AAA"\} 0$/m);
    expect(text).toMatch(/^engine_command_duration_seconds_count\{cmd="orders.submit"\} 2$/m);
    client.close();
  });

  it('reports not ready while the journal is closed', async () => {
    let open = false;
    const other = await serve({ journalOpen: () => open });
    const url = `http://127.0.0.1:${other.server.port}/readyz`;
    expect((await fetch(url)).status).toBe(503);
    open = true;
    expect((await fetch(url)).status).toBe(200);
    await other.server.close();
    other.fx.close();
  });
});
