/**
 * Regression tests for engine bugs found by review (each describes the failure it guards against).
 */
import { describe, expect, it } from 'vitest';
import { MONEY_ONE } from '../../../engine/core/money';
import { EngineHarness } from '../runtime/engine-harness';

describe('Regression: pending-exit relief lets gross exposure exceed the cap', () => {
  it('cap 10 % (10,000 USD): hold 100 AAA, FLAT AAA + LONG BBB; BBB fills first -> 20,000 USD held', () => {
    const h = new EngineHarness({
      config: { exposure: { max_portfolio_exposure_pct: 10, max_open_positions: null, scale_to_cap: false }, sizing: { method: 'fixed_fraction', fraction_pct: 10 } },
      startStrategies: false,
    });
    const both = (px: number) => h.step(['AAA', 'BBB'].map((instrumentId) => ({ instrumentId, open: px, close: px })));
    both(100);
    h.engine.intents.execute('s1', { kind: 'target', instrumentId: 'AAA', direction: 'LONG', reason: 'in' });
    both(100);
    expect(h.position('AAA')).toBe(100);
    const cap = 10_000 * MONEY_ONE;
    expect(h.engine.portfolio.grossExposure()).toBe(cap);

    // One timestamp: exit AAA, enter BBB: the AAA exit is not counted as room, so BBB is refused.
    h.engine.intents.execute('s1', { kind: 'target', instrumentId: 'AAA', direction: 'FLAT', reason: 'out' });
    const [bbb] = h.engine.intents.execute('s1', { kind: 'target', instrumentId: 'BBB', direction: 'LONG', reason: 'in' });
    expect(bbb).toMatchObject({ ok: false, code: 'risk.exposure_cap' });

    let worst = 0;
    h.engine.kernel.bus.on('OrderFilled', () => {
      worst = Math.max(worst, h.engine.portfolio.grossExposure());
    });
    // Next timestamps: BBB trades, AAA has no bar yet (e.g. its session has not opened).
    h.step({ instrumentId: 'BBB', open: 100, close: 100 });
    h.step({ instrumentId: 'BBB', open: 100, close: 100 });
    expect(h.position('AAA')).toBe(100);
    expect(h.position('BBB')).toBe(0);
    // Never above the cap (prices did not move at all), even while AAA's exit waits for its bar.
    expect(worst).toBeLessThanOrEqual(cap);
    expect(h.engine.portfolio.grossExposure()).toBeLessThanOrEqual(cap);
  });
});

describe('Regression: OrderManager.modify bypasses the risk gate', () => {
  // modify() emits OrderPendingUpdate and calls venue.modify directly; RiskEngine.check never sees
  // the new quantity. A working entry can be grown past every limit, in any trading state.
  const setup = () => {
    const h = new EngineHarness({ config: { exposure: { max_portfolio_exposure_pct: 10, max_open_positions: 5, scale_to_cap: false } }, startStrategies: false });
    h.flat(100);
    const r = h.submit({ instrumentId: 'AAA', side: 'BUY', qty: 100, type: 'LIMIT', price: 100_00, role: 'ENTRY' });
    expect(r).toMatchObject({ ok: true, qty: 100 }); // exactly the 10 % cap
    return { h, id: r.clientOrderId };
  };

  it('growing a working entry 10x past the 10 % exposure cap is refused', () => {
    const { h, id } = setup();
    h.engine.orders.modify(id, { qty: 1_000 });
    h.flat(100);
    // Expected: still 100 shares (10,000 USD). Today: 1,000 shares = 100,000 USD, 100 % of equity.
    expect(h.position()).toBe(100);
    expect(h.engine.portfolio.grossExposure()).toBeLessThanOrEqual(10_000 * MONEY_ONE);
  });

  it('while HALTED (no new exposure allowed) a working entry cannot be grown', () => {
    const { h, id } = setup();
    h.engine.state.set('HALTED', 'kill switch', 'test');
    h.engine.orders.modify(id, { qty: 1_000 });
    h.flat(100);
    expect(h.position()).toBeLessThanOrEqual(100);
  });
});
