/**
 * The engine process's OANDA session (engine/node/oanda/oanda-session.ts) against the v20 test server:
 * a practice session (the default) and a live-flagged one (flag + typed confirmation), restored from
 * a real journal file and reconciled with the account, trading brackets, a partial close and a JPY pair
 * whose P&L is booked in USD; a clean restart continues from the journal with nothing to adopt.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { money } from '../../../engine/core/money';
import type { OrderRequest } from '../../../engine/core/order';
import { JOURNAL_FILE, Journal } from '../../../engine/node/journal';
import { OandaSession, OANDA_ACCOUNT_FILE } from '../../../engine/node/oanda/oanda-session';
import { JsonTradingStateStore } from '../../../engine/node/risk/json-trading-state-store';
import { validateConfig } from '../../../engine/runtime/config';
import { startV20TestServer, type V20TestServer } from '../oanda-server';
import { envFor, orderPosts, startEngineSession, testConfig, until, type EngineSession } from './harness';

let h: EngineSession | null = null;
const extra: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  await h?.close();
  h = null;
  for (const f of extra.splice(0)) await f();
});

const eur = (side: 'BUY' | 'SELL', qty: number, more: Partial<OrderRequest> = {}): OrderRequest => ({ instrumentId: 'EUR_USD', side, qty, type: 'MARKET', ...more });

describe('OANDA session of the engine process (practice)', () => {
  it('starts on practice, binds the data dir to the account, reconciles, trades a bracket and a partial close; a restart adopts only the dependent orders\' new size', async () => {
    h = await startEngineSession();
    const { session, server } = h;
    expect(session.oanda.environment).toBe('practice');
    expect(session.engine.state.state).toBe('ACTIVE');
    const rec = JSON.parse(readFileSync(join(h.dir, OANDA_ACCOUNT_FILE), 'utf8')) as { accountId: string; startingBalance: string; currency: string };
    expect(rec).toMatchObject({ accountId: server.accountId, currency: 'USD' });
    expect(money(rec.startingBalance)).toBe(money('100000'));
    expect(session.engine.portfolio.cash()).toBe(money('100000'));
    // The conversion instrument of USD_JPY is USD_JPY itself: nothing extra to load.
    expect(session.instruments.map((i) => i.id).sort()).toEqual(['EUR_USD', 'USD_JPY']);

    // A bracket entry: venue-side SL/TP, the engine's children become the trade's dependent orders.
    server.setPrice('EUR_USD', '1.10000', '1.10010');
    let r!: ReturnType<typeof session.engine.orders.submit>;
    h.journal.batch(() => {
      r = session.engine.orders.submit('manual', eur('BUY', 3000, { bracket: { stopLossDistance: 200, takeProfitDistance: 300 } }));
    });
    expect(r.ok).toBe(true);
    await until(() => h!.of('OrderFilled', r.clientOrderId).length === 1, 5000, 'entry fill');
    await until(() => session.engine.kernel.cache.openOrders('EUR_USD').filter((o) => o.status === 'ACCEPTED').length === 2, 5000, 'children accepted');
    const { trades } = await session.venue.api.openTrades();
    expect(trades).toHaveLength(1);
    const sl = session.engine.kernel.cache.openOrders('EUR_USD').find((o) => o.role === 'STOP_LOSS')!;
    expect(trades[0]!.stopLossOrder?.clientExtensions?.id).toBe(sl.clientOrderId);
    expect(trades[0]!.stopLossOrder?.price).toBe('1.09810');

    // A partial close: a reduce-only 1000 of the 3000; the venue's trade keeps 2000.
    server.setPrice('EUR_USD', '1.10050', '1.10060');
    let p!: ReturnType<typeof session.engine.orders.submit>;
    h.journal.batch(() => {
      p = session.engine.orders.submit('manual', eur('SELL', 1000, { reduceOnly: true, role: 'EXIT' }));
    });
    await until(() => h!.of('OrderFilled', p.clientOrderId).length === 1, 5000, 'partial close').catch((e) => {
      console.log(JSON.stringify(h!.events.slice(-8)), JSON.stringify(h!.session.errors.map((x) => x.message)));
      throw e;
    });
    expect(session.engine.portfolio.positionQty('EUR_USD')).toBe(2000);
    const after = await session.venue.api.openTrades();
    expect(after.trades[0]!.currentUnits).toBe('2000');
    const trade = session.engine.portfolio.trades();
    expect(trade).toHaveLength(0); // still open: the partial close realized P&L but did not end the trade
    expect(session.engine.portfolio.cash()).toBe(money('100000') + money('0.40')); // 1000 × (1.10050 − 1.10010)

    // Every order was sent once, each with its journaled client id.
    const ids = orderPosts(server).map((x) => x.clientId);
    expect(new Set(ids).size).toBe(ids.length);
    await session.venue.idle();
    const rows = h.journal.eventCount();
    expect(rows).toBeGreaterThan(5);

    // A clean restart: the journal and the account agree, nothing is adopted.
    await h.reopen();
    const s2 = h.session;
    expect(s2.engine.state.state).toBe('ACTIVE');
    const done = h.of('ReconciliationCompleted').at(-1)!;
    // OANDA's dependent orders follow their trade's size (2000 after the partial close); the engine's
    // children still say 3000: the restart adopts the venue's size, and nothing else differs.
    const diffs = h.of('ReconciliationDifference').filter((d) => d.id > done.id - 10);
    expect(diffs.map((d) => [d.kind, d.journal, d.venue])).toEqual([
      ['order_mismatch', 'SELL STOP 3000 trigger 109810', 'SELL STOP 2000 trigger 109810'],
      ['order_mismatch', 'SELL LIMIT 3000 @110310', 'SELL LIMIT 2000 @110310'],
    ]);
    expect(done).toMatchObject({ status: 'ok', differences: 2 });
    expect(s2.engine.portfolio.positionQty('EUR_USD')).toBe(2000);
    expect(s2.engine.kernel.cache.openOrders('EUR_USD').map((o) => o.role).sort()).toEqual(['STOP_LOSS', 'TAKE_PROFIT']);
    // The restored children are tracked by the venue client: the take-profit fills as the engine's.
    const tp = s2.engine.kernel.cache.openOrders('EUR_USD').find((o) => o.role === 'TAKE_PROFIT')!;
    server.setPrice('EUR_USD', '1.10320', '1.10330');
    await until(() => s2.engine.kernel.cache.order(tp.clientOrderId)?.status === 'FILLED', 5000, 'restored TP fills');
    await until(() => s2.engine.portfolio.positionQty('EUR_USD') === 0, 5000, 'flat');
    await s2.settled();
    expect(s2.passes).toHaveLength(0); // nothing external: the fill was the engine's own child
    expect(server.errors).toEqual([]);
  });

  it('JPY pair: exact yen prices, P&L booked in USD as OANDA books it', async () => {
    h = await startEngineSession();
    const { session, server } = h;
    let r!: ReturnType<typeof session.engine.orders.submit>;
    server.setPrice('USD_JPY', '150.000', '150.010');
    h.journal.batch(() => {
      r = session.engine.orders.submit('manual', { instrumentId: 'USD_JPY', side: 'SELL', qty: 3000, type: 'MARKET' });
    });
    await until(() => h!.of('OrderFilled', r.clientOrderId).length === 1, 5000, 'sell fill');
    expect(h.of('OrderFilled', r.clientOrderId)[0]).toMatchObject({ lastPx: 150000, lastQty: 3000 });
    server.setPrice('USD_JPY', '149.000', '149.010');
    let c!: ReturnType<typeof session.engine.orders.submit>;
    h.journal.batch(() => {
      c = session.engine.orders.submit('manual', { instrumentId: 'USD_JPY', side: 'BUY', qty: 3000, type: 'MARKET', reduceOnly: true, role: 'EXIT' });
    });
    await until(() => h!.of('OrderFilled', c.clientOrderId).length === 1, 5000, 'buy back').catch((e) => {
      console.log(JSON.stringify(h!.events.slice(-12)), JSON.stringify(h!.session.errors.map((x) => x.message)));
      throw e;
    });
    const [t] = session.engine.portfolio.trades();
    expect(t).toMatchObject({ instrumentId: 'USD_JPY', direction: 'SHORT', qty: 3000, entryPx: 150, exitPx: 149.01 });
    // 3000 × 0.990 JPY = 2970 JPY; at 149.01 that is 19.93 USD. OANDA's realized P&L is the reference.
    const fills = server.transactions().filter((x) => x.type === 'ORDER_FILL') as unknown as { pl?: string }[];
    const venuePl = money(fills.at(-1)!.pl ?? '0');
    expect(Math.abs(t!.grossPnl - venuePl)).toBeLessThanOrEqual(money('0.02'));
    expect(t!.grossPnl).toBeGreaterThan(money('19.9'));
    expect(t!.grossPnl).toBeLessThan(money('19.96'));
  });
});

describe('OANDA session: live only with the flag and the typed confirmation', () => {
  async function openLive(server: V20TestServer, dir: string, o: { live?: boolean; ask?: (p: string) => Promise<string>; env?: Record<string, string> }) {
    const j = new Journal({ path: join(dir, JOURNAL_FILE) });
    const { config, strategies } = validateConfig(testConfig());
    try {
      const s = await OandaSession.open({
        dataDir: dir,
        journal: j,
        config,
        strategies,
        stateStore: new JsonTradingStateStore(join(dir, 'trading-state.json')),
        idPrefix: 'ENG',
        env: envFor(server, o.env),
        instruments: ['EUR_USD'],
        ...(o.live ? { live: true } : {}),
        ...(o.ask ? { ask: o.ask } : {}),
        venue: { changesPollMs: 0 },
      });
      return { s, j };
    } catch (e) {
      j.close();
      throw e;
    }
  }

  it('refuses live without --live, refuses a wrong confirmation, trades after the right one and remembers it', async () => {
    const server = await startV20TestServer({ heartbeatMs: 200 });
    server.setPrice('EUR_USD', '1.10000', '1.10010');
    const dir = mkdtempSync(join(tmpdir(), 'tw-oanda-live-'));
    extra.push(async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    });
    await expect(openLive(server, dir, { env: { OANDA_ENV: 'live' } })).rejects.toMatchObject({ code: 'oanda.live_not_allowed' });
    await expect(openLive(server, dir, { live: true })).rejects.toMatchObject({ code: 'oanda.live_not_confirmed' });
    await expect(openLive(server, dir, { live: true, ask: async () => 'yes' })).rejects.toMatchObject({ code: 'oanda.live_not_confirmed' });
    expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
    expect(existsSync(join(dir, OANDA_ACCOUNT_FILE))).toBe(false);

    const prompts: string[] = [];
    const { s, j } = await openLive(server, dir, { live: true, ask: async (p) => (prompts.push(p), `LIVE ${server.accountId}`) });
    try {
      expect(prompts[0]).toContain('REAL MONEY');
      expect(s.oanda.environment).toBe('live');
      expect((await s.reconcile()).status).toBe('ok');
      s.start();
      let r!: ReturnType<typeof s.engine.orders.submit>;
      j.batch(() => {
        r = s.engine.orders.submit('manual', eur('BUY', 1000));
      });
      await until(() => s.engine.kernel.cache.order(r.clientOrderId)?.status === 'FILLED', 5000, 'live fill');
      // Every live entry carries venue-side protection: the default stop-loss.
      const post = server.requests.find((x) => x.method === 'POST' && /\/orders$/.test(x.path))!;
      expect((post.body as { order: { stopLossOnFill?: unknown } }).order.stopLossOnFill).toBeDefined();
    } finally {
      await s.close();
      j.close();
    }
    // Later starts need the flag only: the confirmation is remembered for this account.
    const again = await openLive(server, dir, { live: true });
    await again.s.close();
    again.j.close();
  });

  it('a data dir bound to one account refuses another environment', async () => {
    h = await startEngineSession();
    await h.session.close();
    h.journal.close();
    const j = new Journal({ path: join(h.dir, JOURNAL_FILE) });
    const { config, strategies } = validateConfig(testConfig());
    await expect(
      OandaSession.open({ dataDir: h.dir, journal: j, config, strategies, stateStore: new JsonTradingStateStore(join(h.dir, 'ts.json')), idPrefix: 'ENG', env: envFor(h.server), live: true, ask: async () => `LIVE ${h!.server.accountId}`, instruments: ['EUR_USD'] }),
    ).rejects.toMatchObject({ code: 'config.data_dir_in_use' });
    j.close();
    await h.reopen();
  });
});
