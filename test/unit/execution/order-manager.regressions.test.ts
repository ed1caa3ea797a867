/**
 * Regression tests for engine bugs found by review (each describes the failure it guards against).
 */
import { describe, expect, it } from 'vitest';
import { makeInstrument } from '../../../engine/core/instrument';
import { VolumeParticipationFillModel } from '../../../engine/sim';
import { EngineHarness } from '../runtime/engine-harness';

describe('Regression: a stop-loss survives the position it protected when its take-profit had partly filled', () => {
  // OrderManager.onPositionClosed (since 8090f17) skips a protective order whose OCO sibling has
  // filledQty > 0, expecting the venue's OCO to cancel it. The venue cancels OCO siblings only when a
  // member fills COMPLETELY; after a PARTIAL take-profit fill it just cuts the stop to the
  // take-profit's leaves. If the rest of the position is then closed by another order (an explicit
  // exit), nobody cancels the stop: a reduce-only SELL STOP stays working with no position, and later
  // closes an unrelated new long at the old stop level.
  it('after TP fills 400 of 1,000 and an exit closes the other 600, no protective order is left working', () => {
    const h = new EngineHarness({ fillModel: new VolumeParticipationFillModel({ fraction: 0.5 }) });
    h.flat(100);
    h.submit({ instrumentId: 'AAA', side: 'BUY', qty: 1_000, type: 'MARKET', bracket: { stopLossDistance: 50, takeProfitDistance: 100 } });
    h.bar(100, 100.2, 99.8, 100); // entry fills 1,000 @ 100.00; SL 99.50 / TP 101.00
    h.bar(100.5, 101.2, 100.4, 100.6, { volume: 800 }); // TP fills 400 (volume), SL cut to 600
    expect(h.position()).toBe(600);
    expect(h.order('T-2')).toMatchObject({ role: 'STOP_LOSS', qty: 600, status: 'ACCEPTED' });
    h.submit({ instrumentId: 'AAA', side: 'SELL', qty: 600, type: 'MARKET', role: 'EXIT', reduceOnly: true, tag: 'signal' });
    h.bar(100.6, 100.8, 100.5, 100.7); // the exit closes the position
    expect(h.position()).toBe(0);
    // Expected []; today [T-2 STOP_LOSS 600 ACCEPTED].
    expect(h.working().map((o) => [o.clientOrderId, o.role, o.qty, o.status])).toEqual([]);
  });

  it('consequence: a new, unprotected 10-share long is closed by the old bracket’s stop', () => {
    const h = new EngineHarness({ fillModel: new VolumeParticipationFillModel({ fraction: 0.5 }) });
    h.flat(100);
    h.submit({ instrumentId: 'AAA', side: 'BUY', qty: 1_000, type: 'MARKET', bracket: { stopLossDistance: 50, takeProfitDistance: 100 } });
    h.bar(100, 100.2, 99.8, 100);
    h.bar(100.5, 101.2, 100.4, 100.6, { volume: 800 });
    h.submit({ instrumentId: 'AAA', side: 'SELL', qty: 600, type: 'MARKET', role: 'EXIT', reduceOnly: true, tag: 'signal' });
    h.bar(100.6, 100.8, 100.5, 100.7);
    h.submit({ instrumentId: 'AAA', side: 'BUY', qty: 10, type: 'MARKET' });
    h.bar(100.7, 100.8, 100.5, 100.7);
    expect(h.position()).toBe(10);
    h.bar(100, 100, 99, 99); // through the old 99.50 stop
    // Expected: still long 10 (it has no stop). Today: 0, trade exit_reason 'stop_loss'.
    expect(h.position()).toBe(10);
    expect(h.trades().map((t) => [t.qty, t.exitReason])).toEqual([[1_000, 'signal']]);
  });
});

describe('Regression: pre-trade validation lets through quantities off the lot size and prices off the tick grid', () => {
  // OrderManager.validate checks "positive integer units" and "positive integer ticks" only; the
  // risk gate checks qty >= minQty only. An order of 15 units on a 10-unit lot, or a limit price of
  // 99.99 on a 0.05 tick, is submitted (SubmitResult ok: true, OrderSubmitted) and only the venue
  // rejects it (venue.rejected.invalid_qty / invalid_price). Expected: OrderDenied with a code,
  // nothing sent - as for the other invalid requests.
  const NICKEL = makeInstrument({ id: 'NICKEL', assetClass: 'equity', quoteCurrency: 'USD', pricePrecision: 2, tickSize: 5 });
  const LOT10 = makeInstrument({ id: 'LOT10', assetClass: 'equity', quoteCurrency: 'USD', pricePrecision: 2, minQty: 10 });
  const setup = () => {
    const h = new EngineHarness({ instruments: [NICKEL, LOT10], startStrategies: false });
    h.step([
      { instrumentId: 'NICKEL', open: 100, close: 100 },
      { instrumentId: 'LOT10', open: 100, close: 100 },
    ]);
    return h;
  };

  it('15 units of a 10-unit lot: denied before the venue', () => {
    const h = setup();
    const r = h.submit({ instrumentId: 'LOT10', side: 'BUY', qty: 15, type: 'MARKET' });
    expect(r.ok).toBe(false);
    expect(h.venueSaw()).toEqual([]);
  });

  it('a limit at 99.99 on a 0.05 tick: denied before the venue', () => {
    const h = setup();
    const r = h.submit({ instrumentId: 'NICKEL', side: 'BUY', qty: 1, type: 'LIMIT', price: 99_99 });
    expect(r.ok).toBe(false);
    expect(h.venueSaw()).toEqual([]);
  });
});
