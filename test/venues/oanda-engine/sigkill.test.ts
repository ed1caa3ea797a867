/**
 * SIGKILL recovery of the engine process on OANDA: `node --import tsx engine/node/main.ts --venue oanda`
 * as a child process, OANDA_REST_URL / OANDA_STREAM_URL pointing at the v20 test server of this test.
 * Orders go in over the WebSocket protocol; the process is killed with SIGKILL while orders are in
 * flight; while it is down a take-profit fills and a trade is placed on the platform; it is restarted
 * on the same data dir. Checked: it reconciles (ReconciliationCompleted ok), the journal's positions
 * equal the account's, and no client order id reached the server twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOURNAL_FILE, Journal, rebuildState } from '../../../engine/node/journal';
import { connectWs } from '../../../engine/node/server/ws-client-transport';
import { ProtocolClient } from '../../../engine/protocol/client';
import { money } from '../../../engine/core/money';
import { connectOanda } from '../../../engine/venues/oanda/client';
import { resolveOandaConfig } from '../../../engine/venues/oanda/config';
import { loadInstruments } from '../../../engine/venues/oanda/market-data';
import { startV20TestServer, type V20TestServer } from '../oanda-server';
import { envFor, orderPosts, until } from './harness';

const ROOT = resolve(__dirname, '../../..');
const MAIN = join(ROOT, 'engine/node/main.ts');
const TOKEN = 'k'.repeat(40);

interface Child {
  child: ChildProcess;
  url: string;
  logs: () => string;
  exit: Promise<number | null>;
}

function startEngine(server: V20TestServer, dir: string): Promise<Child> {
  const env = { ...process.env, ...envFor(server), TW_ENGINE_TOKEN: TOKEN };
  const args = ['--import', 'tsx', MAIN, '--venue', 'oanda', '--symbols', 'EUR_USD,USD_JPY', '--bar-seconds', '0', '--config', join(dir, 'engine.yaml'), '--data-dir', join(dir, 'state'), '--port', '0'];
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  const exit = new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
  return new Promise((res, rej) => {
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      const m = /"event":"ready","url":"([^"]+)"/.exec(err);
      if (m) res({ child, url: m[1]!, logs: () => err, exit });
    });
    void exit.then((code) => rej(new Error(`engine exited ${code} before ready:\n${err}`)));
  });
}

const CONFIG = `
exposure: { max_portfolio_exposure_pct: null, max_open_positions: null }
risk:
  max_trades_per_day: null
  max_position_pct: null
  max_sector_pct: null
  max_leverage: null
  price_sanity_pct: null
  stale_price: { bar_minutes: null, quote_seconds: 30 }
`;

describe('engine process on OANDA: SIGKILL and restart', () => {
  let server: V20TestServer;
  let dir: string;
  beforeAll(async () => {
    server = await startV20TestServer({ heartbeatMs: 200 });
    server.setPrice('EUR_USD', '1.10000', '1.10010');
    server.setPrice('USD_JPY', '150.000', '150.010');
    dir = mkdtempSync(join(tmpdir(), 'tw-oanda-kill-'));
    writeFileSync(join(dir, 'engine.yaml'), CONFIG);
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('killed with orders in flight, restarted: reconciled, journal = venue, no client order id sent twice', { timeout: 60_000 }, async () => {
    const e1 = await startEngine(server, dir);
    let killed = false;
    try {
      const { transport } = await connectWs(e1.url, { token: TOKEN });
      const c = new ProtocolClient(transport);
      // A bracket entry on each pair; wait for them to be protected.
      await c.request('orders.submit', { instrumentId: 'EUR_USD', side: 'BUY', qty: '2000', stopLossDistance: '0.00200', takeProfitDistance: '0.00100' });
      await c.request('orders.submit', { instrumentId: 'USD_JPY', side: 'SELL', qty: '3000', stopLossDistance: '0.300' });
      const txs = () => server.transactions() as unknown as { type: string; instrument?: string }[];
      await until(() => txs().some((t) => t.type === 'TAKE_PROFIT_ORDER') && txs().some((t) => t.type === 'ORDER_FILL' && t.instrument === 'USD_JPY'), 15_000, 'filled and protected');
      // Orders in flight: fired without waiting, then SIGKILL.
      for (let i = 0; i < 5; i++) void c.request('orders.submit', { instrumentId: 'EUR_USD', side: 'BUY', qty: '100', type: 'LIMIT', price: '1.09000' }).catch(() => {});
      await new Promise((r) => setTimeout(r, 40));
      e1.child.kill('SIGKILL');
      killed = true;
      expect(await e1.exit).toBe(null);
      c.close();
    } finally {
      if (!killed) e1.child.kill('SIGKILL');
    }

    // While the engine is down: the EUR_USD take-profit fills, a trade is placed on the platform.
    server.setPrice('EUR_USD', '1.10120', '1.10130');
    server.externalTrade('USD_JPY', '1000');
    const lastTx = Number(server.lastTransactionID());

    const e2 = await startEngine(server, dir);
    try {
      await until(() => /"event":"reconciled"/.test(e2.logs()), 10_000, 'reconciled');
      expect(e2.logs()).not.toMatch(/reconcile_failed/);
      const { transport } = await connectWs(e2.url, { token: TOKEN });
      const c = new ProtocolClient(transport);
      const st = await c.request('engine.status', {});
      expect(st).toMatchObject({ tradingState: 'ACTIVE' });
      c.close();
      // Stop cleanly (positions kept), then compare the journal with the account.
      e2.child.kill('SIGTERM');
      expect(await e2.exit).toBe(0);
    } finally {
      if (e2.child.exitCode === null) e2.child.kill('SIGKILL');
    }

    const conn = await connectOanda(resolveOandaConfig(envFor(server)));
    try {
      const instruments = await loadInstruments(conn.api, ['EUR_USD', 'USD_JPY']);
      const j = new Journal({ path: join(dir, 'state', JOURNAL_FILE) });
      try {
        const rebuilt = rebuildState(j, { instruments, accountCurrency: 'USD', startingCash: money('100000') });
        expect(rebuilt.lastVenueTxId).toBeGreaterThanOrEqual(lastTx);
        const { positions } = await conn.api.openPositions();
        const venue = positions
          .map((p) => [p.instrument, Number(p.long.units) + Number(p.short.units)] as const)
          .filter(([, q]) => q !== 0)
          .sort();
        const journal = rebuilt.positions.map((p) => [p.instrumentId, p.qty] as const).sort();
        expect(journal).toEqual(venue);
        expect(venue).toContainEqual(['USD_JPY', -2000]);
        const { orders } = await conn.api.pendingOrders();
        const pendingIds = orders.map((o) => o.clientExtensions?.id).filter((x): x is string => !!x).sort();
        const openIds = rebuilt.openOrders.map((o) => o.clientOrderId).sort();
        expect(openIds).toEqual(pendingIds);
      } finally {
        j.close();
      }
    } finally {
      conn.close();
    }
    const ids = orderPosts(server).map((p) => p.clientId);
    expect(ids.every((i) => typeof i === 'string')).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(server.errors).toEqual([]);
  });
});
