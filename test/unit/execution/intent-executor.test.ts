/**
 * Target intents -> orders, through a real engine: sizing, no duplicate entries, exits tagged
 * 'signal' / 'reverse', SL/TP percent -> tick distances, and what the fills make of them.
 */
import { describe, expect, it } from 'vitest';
import { makeInstrument } from '../../../engine/core/instrument';
import type { Direction, TargetIntent } from '../../../engine/strategies/strategy';
import { AAA, EngineHarness, NO_LIMITS } from '../runtime/engine-harness';

const target = (direction: Direction, extra: Partial<TargetIntent> = {}): TargetIntent => ({
  kind: 'target',
  instrumentId: 'AAA',
  direction,
  reason: `go ${direction.toLowerCase()}`,
  ...extra,
});

/** An engine with the default account (100,000 USD, fixed fraction 2 %) and every limit off, one bar at 100.00 seen. */
function engineAt100(config: unknown = NO_LIMITS): EngineHarness {
  const h = new EngineHarness({ config, startStrategies: false });
  h.flat(100);
  return h;
}

describe('IntentExecutor', () => {
  it('LONG from flat: a market entry of 2 % of 100,000 USD at 100.00 = 20 shares', () => {
    const h = engineAt100();
    const out = h.engine.intents.execute('s1', target('LONG'));
    expect(out).toEqual([{ ok: true, clientOrderId: 'T-1', qty: 20 }]);
    expect(h.order('T-1')).toMatchObject({
      strategyId: 's1',
      instrumentId: 'AAA',
      side: 'BUY',
      type: 'MARKET',
      qty: 20,
      role: 'ENTRY',
      reduceOnly: false,
      tag: 'go long',
      bracket: null,
    });
    h.bar(100.5, 101, 100, 100.8);
    expect(h.position()).toBe(20);
    expect(h.engine.portfolio.position('AAA')).toMatchObject({ qty: 20, avgPx: 100.5 });
  });

  it('SHORT from flat: a market sell entry of the same size', () => {
    const h = engineAt100();
    expect(h.engine.intents.execute('s1', target('SHORT'))).toEqual([{ ok: true, clientOrderId: 'T-1', qty: 20 }]);
    expect(h.order('T-1')).toMatchObject({ side: 'SELL', role: 'ENTRY' });
    h.flat(100);
    expect(h.position()).toBe(-20);
  });

  it('sizes with the strategy’s own sizing when the configuration gives one', () => {
    const h = engineAt100({
      ...NO_LIMITS,
      strategy: { name: 'ema_cross', id: 'x1', sizing: { method: 'fixed_fraction', fraction_pct: 5 } },
    });
    expect(h.engine.intents.execute('x1', target('LONG'))[0]).toMatchObject({ ok: true, qty: 50 });
    // Another strategy id falls back to the account sizing (2 %).
    h.engine.intents.execute('other', target('LONG', { instrumentId: 'BBB' }));
    expect(h.working('BBB')).toEqual([]); // BBB has no price yet: nothing is sent
    h.step({ instrumentId: 'BBB', open: 50, close: 50 });
    expect(h.engine.intents.execute('other', target('LONG', { instrumentId: 'BBB' }))[0]).toMatchObject({ ok: true, qty: 40 });
  });

  it('fixed-risk sizing uses the stop distance: 0.5 % of 100,000 USD over a 1.00 stop = 500 shares; no stop -> no entry', () => {
    const h = engineAt100({ ...NO_LIMITS, sizing: { method: 'fixed_risk', risk_pct: 0.5 } });
    expect(h.engine.intents.execute('s1', target('LONG'))).toEqual([]);
    expect(h.orders()).toEqual([]);
    const out = h.engine.intents.execute('s1', target('LONG', { stopLossPct: 1 }));
    expect(out[0]).toMatchObject({ ok: true, qty: 500 });
    expect(h.order(out[0]!.clientOrderId).bracket).toEqual({ stopLossDistance: 100, takeProfitDistance: null });
  });

  it('LONG when already long: nothing', () => {
    const h = engineAt100();
    h.engine.intents.execute('s1', target('LONG'));
    h.flat(100);
    expect(h.position()).toBe(20);
    const n = h.events.length;
    expect(h.engine.intents.execute('s1', target('LONG'))).toEqual([]);
    expect(h.engine.intents.execute('s2', target('LONG'))).toEqual([]);
    expect(h.events.length).toBe(n);
    h.flat(100);
    expect(h.position()).toBe(20);
  });

  it('LONG again while the entry is still working: no second order', () => {
    const h = engineAt100();
    expect(h.engine.intents.execute('s1', target('LONG'))).toHaveLength(1);
    expect(h.engine.intents.execute('s1', target('LONG'))).toEqual([]);
    expect(h.engine.intents.execute('s1', target('LONG', { stopLossPct: 1 }))).toEqual([]);
    expect(h.orders()).toHaveLength(1);
    h.flat(100);
    expect(h.position()).toBe(20);
  });

  it('FLAT: a reduce-only market exit of the whole position tagged "signal"', () => {
    const h = engineAt100();
    h.engine.intents.execute('s1', target('LONG'));
    h.flat(100);
    const out = h.engine.intents.execute('s1', target('FLAT'));
    expect(out).toEqual([{ ok: true, clientOrderId: 'T-2', qty: 20 }]);
    expect(h.order('T-2')).toMatchObject({ side: 'SELL', type: 'MARKET', qty: 20, role: 'EXIT', reduceOnly: true, tag: 'signal' });
    // A second FLAT while the exit works sends nothing more.
    expect(h.engine.intents.execute('s1', target('FLAT'))).toEqual([]);
    h.bar(101, 101, 101, 101);
    expect(h.position()).toBe(0);
    expect(h.trades()).toEqual([
      expect.objectContaining({ direction: 'LONG', qty: 20, entryPx: 100, exitPx: 101, exitReason: 'signal', pnl: 20_000_000 }),
    ]);
    // FLAT when flat: nothing.
    expect(h.engine.intents.execute('s1', target('FLAT'))).toEqual([]);
  });

  it('FLAT while an entry is still working cancels the entry (and sends no exit)', () => {
    const h = engineAt100();
    const [entry] = h.engine.intents.execute('s1', target('LONG'));
    expect(h.engine.intents.execute('s1', target('FLAT'))).toEqual([]);
    expect(h.order(entry!.clientOrderId).status).toBe('CANCELED');
    h.flat(100);
    expect(h.position()).toBe(0);
    expect(h.of('OrderFilled')).toEqual([]);
  });

  it('SHORT while long (allow_short): exit tagged "reverse", then a sell entry; ends short', () => {
    const h = engineAt100();
    h.engine.intents.execute('s1', target('LONG'));
    h.flat(100);
    const out = h.engine.intents.execute('s1', target('SHORT'));
    expect(out.map((r) => r.ok && r.qty)).toEqual([20, 20]);
    const [exit, entry] = out.map((r) => h.order(r.clientOrderId));
    expect(exit).toMatchObject({ side: 'SELL', role: 'EXIT', reduceOnly: true, tag: 'reverse', qty: 20 });
    expect(entry).toMatchObject({ side: 'SELL', role: 'ENTRY', reduceOnly: false, tag: 'go short', qty: 20 });
    h.bar(99, 99, 99, 99);
    expect(h.position()).toBe(-20);
    expect(h.trades()).toEqual([expect.objectContaining({ direction: 'LONG', exitPx: 99, exitReason: 'reverse', pnl: -20_000_000 })]);
    // And back: LONG while short.
    const back = h.engine.intents.execute('s1', target('LONG'));
    expect(back.map((r) => h.order(r.clientOrderId).tag)).toEqual(['reverse', 'go long']);
    h.flat(98);
    expect(h.position()).toBe(20);
    expect(h.trades()[1]).toMatchObject({ direction: 'SHORT', entryPx: 99, exitPx: 98, exitReason: 'reverse', pnl: 20_000_000 });
  });

  it('a reversal cancels the protection of the position it closes', () => {
    const h = engineAt100();
    h.engine.intents.execute('s1', target('LONG', { stopLossPct: 1, takeProfitPct: 1 }));
    h.flat(100);
    const [sl, tp] = h.working();
    h.engine.intents.execute('s1', target('SHORT', { stopLossPct: 1, takeProfitPct: 1 }));
    expect(h.order(sl!.clientOrderId).status).toBe('CANCELED');
    expect(h.order(tp!.clientOrderId).status).toBe('CANCELED');
    h.flat(100);
    expect(h.position()).toBe(-20);
    // The short has its own protection: stop above, target below.
    expect(h.working().map((o) => [o.role, o.side, o.triggerPrice ?? o.price, o.qty])).toEqual([
      ['STOP_LOSS', 'BUY', 101_00, 20],
      ['TAKE_PROFIT', 'BUY', 99_00, 20],
    ]);
  });

  it('SL/TP percent become tick distances from the reference price: 0.2 % and 0.3 % of 100.00 = 20 and 30 ticks', () => {
    const h = engineAt100();
    const [r] = h.engine.intents.execute('s1', target('LONG', { stopLossPct: 0.2, takeProfitPct: 0.3 }));
    expect(h.order(r!.clientOrderId).bracket).toEqual({ stopLossDistance: 20, takeProfitDistance: 30 });
    // The children are placed at those distances from the FILL (101.00), not from the reference.
    h.bar(101, 101, 101, 101);
    expect(h.working().map((o) => [o.role, o.triggerPrice ?? o.price])).toEqual([
      ['STOP_LOSS', 100_80],
      ['TAKE_PROFIT', 101_30],
    ]);
  });

  it('only one side given: only that child exists', () => {
    const h = engineAt100();
    const [r] = h.engine.intents.execute('s1', target('LONG', { takeProfitPct: 0.5 }));
    expect(h.order(r!.clientOrderId).bracket).toEqual({ stopLossDistance: null, takeProfitDistance: 50 });
    h.flat(100);
    expect(h.working().map((o) => o.role)).toEqual(['TAKE_PROFIT']);
  });

  it('distances at FX precision, and never below one tick', () => {
    const EUR_USD = makeInstrument({ id: 'EUR_USD', assetClass: 'fx', quoteCurrency: 'USD', pricePrecision: 5 });
    const h = new EngineHarness({ instruments: [AAA, EUR_USD], startStrategies: false });
    h.step({ instrumentId: 'EUR_USD', open: 1.08, close: 1.08 });
    const [r] = h.engine.intents.execute('s1', target('LONG', { instrumentId: 'EUR_USD', stopLossPct: 0.2, takeProfitPct: 0.0001 }));
    // 0.2 % of 1.08000 = 0.00216 = 216 ticks; 0.0001 % is 0.1 tick -> one tick. 2,000 USD / 1.08 = 1,851 units.
    expect(r).toMatchObject({ ok: true, qty: 1_851 });
    expect(h.order(r!.clientOrderId).bracket).toEqual({ stopLossDistance: 216, takeProfitDistance: 1 });
  });

  it('no price yet for the instrument: nothing is sent', () => {
    const h = engineAt100();
    expect(h.engine.intents.execute('s1', target('LONG', { instrumentId: 'BBB' }))).toEqual([]);
    expect(h.orders()).toEqual([]);
  });

  it('entries still pass the risk gate: a halted engine denies them with a code', () => {
    const h = engineAt100();
    h.engine.state.set('HALTED', 'test', 'test');
    const out = h.engine.intents.execute('s1', target('LONG'));
    expect(out).toEqual([expect.objectContaining({ ok: false, code: 'risk.halted' })]);
    expect(h.venueSaw()).toEqual([]);
  });

  it('explicit order intents go to the order manager as they are', () => {
    const h = engineAt100();
    const out = h.engine.intents.execute('s1', { kind: 'order', request: { instrumentId: 'AAA', side: 'BUY', qty: 7, type: 'LIMIT', price: 99_00 } });
    expect(out).toEqual([{ ok: true, clientOrderId: 'T-1', qty: 7 }]);
    expect(h.order('T-1')).toMatchObject({ strategyId: 's1', qty: 7, price: 99_00, type: 'LIMIT' });
  });
});
