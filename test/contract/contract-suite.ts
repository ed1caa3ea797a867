/**
 * The one contract suite, run over every transport (in-process, forked child over IPC, WebSocket).
 * A fixture gives a connected client and a way to deliver bars to the engine behind it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProtocolError, type ProtocolClient } from '../../engine/protocol/client';
import type { PatchOp, PushData, ViewName } from '../../engine/protocol/contract';
import { applyPatch } from '../../engine/protocol/projector';

export interface ContractFixture {
  client: ProtocolClient;
  /** Delivers `n` timestamps of bars to the engine; resolves once they were processed. */
  advance(n: number): Promise<void>;
  close(): Promise<void>;
}

async function refused(p: Promise<unknown>): Promise<ProtocolError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ProtocolError) return e;
    throw e;
  }
  throw new Error('expected the request to be refused');
}

/** Retries `fn` until it passes (views are eventually consistent: patches are coalesced). */
async function eventually(fn: () => Promise<void> | void, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      await fn();
      return;
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

export function contractSuite(name: string, make: () => Promise<ContractFixture>): void {
  describe(`protocol contract over ${name}`, () => {
    let fx: ContractFixture;
    beforeEach(async () => {
      fx = await make();
    });
    afterEach(async () => {
      await fx.close();
    });

    it('engine.status describes the engine', async () => {
      const s = await fx.client.request('engine.status', {});
      expect(s.state).toBe('ready');
      expect(s.tradingState).toBe('ACTIVE');
      expect(s.versions.protocol).toBe(1);
      expect(s.instruments).toEqual(['AAA', 'BBB']);
      expect(s.strategies).toEqual([{ id: 'ema', state: 'STOPPED', instruments: ['AAA', 'BBB'] }]);
      expect(s.clock.now).toBeGreaterThan(0);
      const acct = await fx.client.request('account.get', {});
      expect(acct.equity).toBe('100000.000000');
      expect(acct.currency).toBe('USD');
      const risk = await fx.client.request('risk.get', {});
      expect(risk.openPositions).toEqual({ value: 0, limit: 5, usedPct: 0 });
      expect(risk.exposure.capPct).toBe(50);
      expect(risk.freshness.map((f) => [f.instrumentId, f.source, f.stale])).toEqual([
        ['AAA', 'bar', false],
        ['BBB', 'bar', false],
      ]);
    });

    it('views: a snapshot, then patches with strictly increasing seq after bars', async () => {
      const views: ViewName[] = ['positions', 'orders', 'account', 'engine'];
      const snaps = new Map<ViewName, PushData<'view.snapshot'>>();
      const patches: PushData<'view.patch'>[] = [];
      fx.client.on('view.snapshot', (s) => snaps.set(s.view, s));
      fx.client.on('view.patch', (p) => patches.push(p));
      const sub = await fx.client.request('views.subscribe', { views });
      expect(sub.views.map((v) => v.view)).toEqual(views);
      await eventually(() => expect(snaps.size).toBe(4));
      for (const v of sub.views) expect(snaps.get(v.view)!.seq).toBe(v.seq);

      await fx.client.request('orders.submit', { instrumentId: 'AAA', side: 'BUY', qty: '10' });
      await fx.advance(1);
      await new Promise((r) => setTimeout(r, 60));
      await fx.advance(2);

      const state = new Map<ViewName, unknown>([...snaps].map(([v, s]) => [v, s.data]));
      await eventually(async () => {
        const positions = await fx.client.request('positions.list', {});
        const account = await fx.client.request('account.get', {});
        const byView = new Map<ViewName, { seq: number; ops: PatchOp[] }[]>();
        for (const p of patches) byView.set(p.view, [...(byView.get(p.view) ?? []), p]);
        const data = new Map(state);
        for (const [view, list] of byView) {
          let seq = snaps.get(view)!.seq;
          for (const p of list) {
            expect(p.seq).toBe(seq + 1);
            seq = p.seq;
            data.set(view, applyPatch(view, data.get(view), p.ops));
          }
        }
        expect(byView.get('positions')?.length ?? 0).toBeGreaterThan(0);
        expect(byView.get('orders')?.length ?? 0).toBeGreaterThan(0);
        expect(Object.values(data.get('positions') as object)).toEqual(positions.positions);
        expect(data.get('account')).toEqual(account);
      });
      const unsub = await fx.client.request('views.unsubscribe', { views: ['account'] });
      expect(unsub.views).toEqual(['account']);
    });

    it('orders.submit with SL/TP -> position -> halt -> flatten -> flat and HALTED -> rearm', async () => {
      const states: PushData<'engine.state'>[] = [];
      fx.client.on('engine.state', (s) => states.push(s));
      const sub = await fx.client.request('orders.submit', {
        instrumentId: 'AAA',
        side: 'BUY',
        type: 'MARKET',
        qty: '10',
        stopLoss: '90.00',
        takeProfit: '120.00',
      });
      expect(sub.qty).toBe('10');
      await fx.advance(1);

      const pos = await fx.client.request('positions.list', {});
      expect(pos.positions).toHaveLength(1);
      expect(pos.positions[0]).toMatchObject({ instrumentId: 'AAA', qty: '10' });
      const open = await fx.client.request('orders.list', {});
      expect(open.orders.map((o) => [o.role, o.type, o.triggerPrice ?? o.price]).sort()).toEqual([
        ['STOP_LOSS', 'STOP', '90.00'],
        ['TAKE_PROFIT', 'LIMIT', '120.00'],
      ]);
      const fills = await fx.client.request('fills.list', {});
      expect(fills.fills.map((f) => [f.clientOrderId, f.qty])).toEqual([[sub.clientOrderId, '10']]);

      const halt = await fx.client.request('risk.halt', { reason: 'test' });
      expect(halt).toEqual({ changed: true, tradingState: 'HALTED' });
      const denied = await refused(fx.client.request('orders.submit', { instrumentId: 'AAA', side: 'BUY', qty: '1' }));
      expect(denied.code).toBe('risk.halted');

      const completed = fx.client.waitFor('flatten.completed');
      const fl = await fx.client.request('risk.flatten', { reason: 'test flatten' });
      expect(fl.done).toBe(false);
      expect(fl.report.status).toBe('in_progress');
      await fx.advance(1);
      const done = await completed;
      expect(done.report.flattenId).toBe(fl.flattenId);
      expect(done.report.status).toBe('completed');
      expect(done.report.closes.map((c) => [c.instrumentId, c.startQty, c.closedQty, c.status])).toEqual([['AAA', '10', '10', 'closed']]);

      expect((await fx.client.request('positions.list', {})).positions).toEqual([]);
      expect((await fx.client.request('orders.list', {})).orders).toEqual([]);
      const st = await fx.client.request('engine.status', {});
      expect(st.tradingState).toBe('HALTED');
      expect(st.flattening).toBe(false);

      const rearm = await fx.client.request('risk.rearm', {});
      expect(rearm).toEqual({ changed: true, tradingState: 'ACTIVE' });
      await eventually(() => expect(states.map((s) => s.to)).toEqual(['HALTED', 'ACTIVE']));
      const again = await refused(fx.client.request('risk.rearm', {}).then(() => fx.client.request('orders.cancel', { clientOrderId: 'nope' })));
      expect(again.code).toBe('order.unknown');
    });

    it('an invalid order is refused with the engine code', async () => {
      const noPrice = await refused(fx.client.request('orders.submit', { instrumentId: 'AAA', side: 'BUY', type: 'LIMIT', qty: '5' }));
      expect(noPrice.code).toBe('order.missing_price');
      expect(noPrice.details).toMatchObject({ clientOrderId: expect.any(String) as unknown });
      const tooPrecise = await refused(fx.client.request('orders.submit', { instrumentId: 'AAA', side: 'BUY', type: 'LIMIT', qty: '5', price: '100.123' }));
      expect(tooPrecise.code).toBe('decimal.precision');
      const unknown = await refused(fx.client.request('orders.submit', { instrumentId: 'ZZZ', side: 'BUY', qty: '5' }));
      expect(unknown.code).toBe('order.unknown_instrument');
      const strat = await refused(fx.client.request('strategies.start', { id: 'nope' }));
      expect(strat.code).toBe('strategy.unknown');
      // The engine is still fine.
      expect((await fx.client.request('engine.status', {})).tradingState).toBe('ACTIVE');
    });

    it('an unknown command is protocol.unknown_command', async () => {
      const e = await refused(fx.client.requestRaw('engine.explode', {}));
      expect(e.code).toBe('protocol.unknown_command');
    });

    it('bad arguments are protocol.invalid_args with the issues', async () => {
      const e = await refused(fx.client.requestRaw('orders.submit', { instrumentId: 'AAA', side: 'UP', qty: 10 }));
      expect(e.code).toBe('protocol.invalid_args');
      const paths = (e.details as { path: string }[]).map((d) => d.path).sort();
      expect(paths).toEqual(['qty', 'side']);
      const extra = await refused(fx.client.requestRaw('engine.status', { verbose: true }));
      expect(extra.code).toBe('protocol.invalid_args');
    });

    it('strategies and config round-trip', async () => {
      expect((await fx.client.request('strategies.start', { id: 'ema' })).state).toBe('RUNNING');
      expect((await fx.client.request('strategies.stop', { id: 'ema' })).state).toBe('STOPPED');
      const cfg = await fx.client.request('config.get', {});
      expect((cfg.config.exposure as { max_open_positions: number }).max_open_positions).toBe(5);
      const set = await fx.client.request('config.set', { path: 'exposure.max_open_positions', value: 3 });
      expect(set).toEqual({ path: 'exposure.max_open_positions', old: 5, new: 3, applied: true });
      expect((await fx.client.request('risk.get', {})).openPositions.limit).toBe(3);
      const bad = await refused(fx.client.request('config.set', { path: 'exposure.max_open_positions', value: -1 }));
      expect(bad.code).toBe('config.invalid');
      expect((await fx.client.request('risk.get', {})).openPositions.limit).toBe(3);
      const hist = await fx.client.request('config.history', {});
      expect(hist.changes.map((c) => [c.path, c.old, c.new, c.applied])).toEqual([['exposure.max_open_positions', 5, 3, true]]);
      expect(hist.changes[0]!.source).toMatch(/^user:/);
    });

    it('market data: instruments, recorded bars resampled, and the quotes view', async () => {
      const inst = await fx.client.request('market.instruments', {});
      expect(inst.instruments.map((i) => [i.id, i.pricePrecision, i.minQty])).toEqual([
        ['AAA', 2, '1'],
        ['BBB', 2, '1'],
      ]);
      const snaps: PushData<'view.snapshot'>[] = [];
      const patches: PushData<'view.patch'>[] = [];
      fx.client.on('view.snapshot', (v) => snaps.push(v));
      fx.client.on('view.patch', (v) => patches.push(v));
      await fx.client.request('views.subscribe', { views: ['quotes'] });
      await eventually(() => expect(snaps).toHaveLength(1));
      await fx.advance(5);
      const base = await fx.client.request('market.bars', { instrumentId: 'AAA' });
      expect(base.baseMs).toBe(15 * 60_000);
      expect(base.bars.ts).toHaveLength(8);
      expect(base.bars.ts.every((t, i) => i === 0 || t - base.bars.ts[i - 1]! === 15 * 60_000)).toBe(true);
      const hourly = await fx.client.request('market.bars', { instrumentId: 'AAA', timeframeMs: 3_600_000, limit: 1 });
      expect(hourly.bars.ts).toHaveLength(1);
      expect(hourly.bars.ts[0]! % 3_600_000).toBe(0);
      const inHour = base.bars.ts.map((t, i) => [t, i] as const).filter(([t]) => Math.floor(t / 3_600_000) * 3_600_000 === hourly.bars.ts[0]);
      expect(hourly.bars.open[0]).toBe(base.bars.open[inHour[0]![1]]);
      expect(hourly.bars.close[0]).toBe(base.bars.close[inHour[inHour.length - 1]![1]]);
      expect(hourly.bars.high[0]).toBe(Math.max(...inHour.map(([, i]) => base.bars.high[i]!)));
      const bad = await refused(fx.client.request('market.bars', { instrumentId: 'AAA', timeframeMs: 60_000 }));
      expect(bad.code).toBe('market.bad_timeframe');
      expect((await refused(fx.client.request('market.bars', { instrumentId: 'ZZZ' }))).code).toBe('order.unknown_instrument');
      await eventually(() => {
        let data = snaps[0]!.data;
        for (const p of patches.filter((x) => x.view === 'quotes')) data = applyPatch('quotes', data, p.ops);
        const aaa = (data as Record<string, { bar: { ts: number; close: number } | null; last: string | null }>).AAA!;
        expect(aaa.bar?.ts).toBe(base.bars.ts[base.bars.ts.length - 1]);
        expect(Number(aaa.last)).toBeCloseTo(aaa.bar!.close, 2);
      });
    });

    it('backtest.run over the recorded bars sends progress and returns metrics, equity and trades', async () => {
      await fx.advance(60);
      const progress: PushData<'backtest.progress'>[] = [];
      fx.client.on('backtest.progress', (p) => progress.push(p));
      const r = await fx.client.request('backtest.run', { strategy: { name: 'ema_cross', fast: 3, slow: 8 } });
      expect(r.bars).toBe(2 * 63);
      expect(r.instruments).toEqual(['AAA', 'BBB']);
      expect(r.equity.ts.length).toBeGreaterThan(10);
      expect(r.equity.equity[0]).toBe(100_000);
      expect(typeof r.metrics.netPnl).toBe('number');
      expect(r.metrics.numTrades).toBe(r.trades.length);
      await eventually(() => expect(progress.at(-1)).toMatchObject({ runId: r.runId, done: 126, total: 126, pct: 100 }));
      const badParams = await refused(fx.client.request('backtest.run', { strategy: { name: 'ema_cross', fast: 30, slow: 8 } }));
      expect(badParams.code).toBe('config.invalid');
      const none = await refused(fx.client.request('backtest.run', { strategy: { name: 'ema_cross' }, fromTs: Date.UTC(2100, 0, 1) }));
      expect(none.code).toBe('backtest.no_data');
    });
  });
}
