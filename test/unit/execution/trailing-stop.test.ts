/**
 * TRAILING_STOP orders through the order manager of a real engine (SimulatedVenue + SimClock): the
 * initial trigger, trailing per bar after matching, OrderUpdated only on change, fills like a STOP,
 * the BUY mirror, quotes, modify, bracket stop-losses that trail, validation codes.
 */
import { describe, expect, it } from 'vitest';
import { makeInstrument } from '../../../engine/core/instrument';
import type { OrderRequest } from '../../../engine/core/order';
import { AAA, EngineHarness } from '../runtime/engine-harness';

const trail = (side: 'BUY' | 'SELL', qty: number, distance: number | null, extra: Partial<OrderRequest> = {}): OrderRequest => ({
  instrumentId: 'AAA',
  side,
  qty,
  type: 'TRAILING_STOP',
  trailingDistance: distance,
  ...extra,
});

/** An engine holding `qty` AAA (negative = short) bought/sold at 100.00, last price 100.00. */
function holding(qty: number): EngineHarness {
  const h = new EngineHarness();
  h.flat(100);
  h.submit({ instrumentId: 'AAA', side: qty > 0 ? 'BUY' : 'SELL', qty: Math.abs(qty), type: 'MARKET' });
  h.flat(100);
  expect(h.position()).toBe(qty);
  return h;
}

function triggers(h: EngineHarness, id: string): (number | null)[] {
  return h.of('OrderUpdated', id).map((e) => e.triggerPrice);
}

describe('SELL trailing stop', () => {
  it('starts one distance below the last price, trails the highest high after each bar, fills like a stop', () => {
    const h = holding(10);
    const r = h.submit(trail('SELL', 10, 100, { role: 'EXIT', reduceOnly: true }));
    expect(r.ok).toBe(true);
    expect(h.order(r.clientOrderId)).toMatchObject({ type: 'TRAILING_STOP', triggerPrice: 99_00, trailingDistance: 100, status: 'ACCEPTED' });
    expect(h.of('OrderInitialized', undefined).at(-1)!.order).toMatchObject({ triggerPrice: 99_00, trailingDistance: 100 });

    h.bar(100.5, 102, 100.2, 101.5); // high 102.00 -> trigger 101.00
    expect(triggers(h, r.clientOrderId)).toEqual([101_00]);
    expect(h.order(r.clientOrderId)).toMatchObject({ triggerPrice: 101_00, status: 'ACCEPTED' });
    expect(h.venue.workingOrders()[0]).toMatchObject({ triggerPrice: 101_00, trailingDistance: 100 });

    h.bar(101.8, 101.9, 101.5, 101.7); // lower high: no move, no event
    expect(triggers(h, r.clientOrderId)).toEqual([101_00]);

    h.bar(101.5, 101.6, 100.5, 100.8); // low crosses 101.00: fills at the trigger
    expect(h.of('OrderFilled', r.clientOrderId)[0]).toMatchObject({ lastPx: 101_00, lastQty: 10, liquidity: 'TAKER' });
    expect(h.order(r.clientOrderId).status).toBe('FILLED');
    expect(h.position()).toBe(0);
    expect(triggers(h, r.clientOrderId)).toEqual([101_00]);
  });

  it('intra-bar convention: a bar is matched against the trigger from before it, then trails (never hit by its own high)', () => {
    const h = holding(10);
    const { clientOrderId: id } = h.submit(trail('SELL', 10, 100, { reduceOnly: true, role: 'EXIT' }));
    // High 103 would put the stop at 102.00 and the low 99.50 is below that, but the order of high and
    // low inside the bar is unknown: the bar only meets the old trigger 99.00, which it does not reach.
    h.bar(100, 103, 99.5, 100);
    expect(h.of('OrderFilled', id)).toHaveLength(0);
    expect(h.order(id).triggerPrice).toBe(102_00);
    // The next bar opens below the trailed trigger: a gap, filled at the open like a STOP.
    h.bar(100, 100.2, 99.8, 100);
    expect(h.of('OrderFilled', id)[0]).toMatchObject({ lastPx: 100_00, lastQty: 10 });
  });

  it('the trigger never moves back down, and an explicit triggerPrice is the starting level', () => {
    const h = holding(10);
    const { clientOrderId: id } = h.submit(trail('SELL', 10, 200, { triggerPrice: 99_50, reduceOnly: true, role: 'EXIT' }));
    expect(h.order(id).triggerPrice).toBe(99_50);
    h.bar(100, 101, 99.8, 100); // best 101.00 -> 99.00 would be lower than 99.50: no move
    expect(triggers(h, id)).toEqual([]);
    h.bar(100, 102, 99.8, 101); // best 102.00 -> 100.00
    h.bar(101, 101.5, 100.5, 101); // lower high: stays
    expect(triggers(h, id)).toEqual([100_00]);
    h.bar(101, 101, 99, 99.5);
    expect(h.of('OrderFilled', id)[0]).toMatchObject({ lastPx: 100_00 });
  });
});

describe('BUY trailing stop (mirror)', () => {
  it('starts one distance above the last price, follows the lowest low, fills when the high reaches it', () => {
    const h = holding(-10);
    const { clientOrderId: id } = h.submit(trail('BUY', 10, 100, { role: 'EXIT', reduceOnly: true }));
    expect(h.order(id).triggerPrice).toBe(101_00);
    h.bar(99.5, 99.8, 98, 98.5); // low 98.00 -> 99.00
    h.bar(98.5, 98.9, 98.2, 98.6); // higher low: stays
    expect(triggers(h, id)).toEqual([99_00]);
    h.bar(98.6, 99.4, 98.5, 99.2);
    expect(h.of('OrderFilled', id)[0]).toMatchObject({ side: 'BUY', lastPx: 99_00, lastQty: 10 });
    expect(h.position()).toBe(0);
  });
});

describe('trailing stop on quotes (paper path)', () => {
  it('SELL trails the bid after each quote and fills at the bid once it is at or below the trigger', () => {
    const fx = makeInstrument({ id: 'EUR_USD', assetClass: 'fx', quoteCurrency: 'USD', pricePrecision: 5 });
    const h = new EngineHarness({ instruments: [fx] });
    const q = (bid: number, ask: number) => {
      h.clock.advanceTo(h.clock.now() + 1_000);
      h.engine.onQuote({ instrumentId: 'EUR_USD', ts: h.clock.now(), bid, ask });
    };
    q(1.1, 1.1001);
    h.submit({ instrumentId: 'EUR_USD', side: 'BUY', qty: 1_000, type: 'MARKET' });
    q(1.1, 1.1001);
    expect(h.position('EUR_USD')).toBe(1_000);
    // Last price = mid 1.10005 -> trigger 1.10005 - 0.00020.
    const { clientOrderId: id } = h.submit({ instrumentId: 'EUR_USD', side: 'SELL', qty: 1_000, type: 'TRAILING_STOP', trailingDistance: 20, reduceOnly: true, role: 'EXIT' });
    expect(h.order(id).triggerPrice).toBe(109_985);
    q(1.1003, 1.1004); // bid 1.10030 -> 1.10010
    q(1.1002, 1.1003); // lower bid: stays
    expect(triggers(h, id)).toEqual([110_010]);
    q(1.1001, 1.1002); // bid at the trigger: fills at the bid
    expect(h.of('OrderFilled', id)[0]).toMatchObject({ lastPx: 110_010, lastQty: 1_000 });
  });
});

describe('modify and cancel', () => {
  it('modify of the trigger restarts the trail from the new level', () => {
    const h = holding(10);
    const { clientOrderId: id } = h.submit(trail('SELL', 10, 100, { reduceOnly: true, role: 'EXIT' }));
    h.bar(100, 101, 100, 100.5); // -> 100.00
    expect(h.engine.orders.modify(id, { triggerPrice: 99_00 })).toEqual({ ok: true });
    expect(h.order(id)).toMatchObject({ triggerPrice: 99_00, status: 'ACCEPTED' });
    h.bar(100.5, 100.5, 99.9, 100.2); // best restarts at 100.00: 100.50 -> 99.50
    expect(h.order(id).triggerPrice).toBe(99_50);
    expect(h.engine.orders.cancel(id)).toBe(true);
    expect(h.order(id).status).toBe('CANCELED');
    h.bar(100, 105, 90, 95);
    expect(h.of('OrderFilled', id)).toHaveLength(0);
    expect(h.order(id).triggerPrice).toBe(99_50);
  });
});

describe('bracket with a trailing stop-loss', () => {
  it('the stop-loss child is a TRAILING_STOP one distance from the fill, trails, and its fill cancels the take-profit', () => {
    const h = new EngineHarness();
    h.flat(100);
    h.submit({ instrumentId: 'AAA', side: 'BUY', qty: 10, type: 'MARKET', bracket: { trailingStopDistance: 50, takeProfitDistance: 500, stopLossDistance: 300 } });
    h.bar(101, 101, 101, 101);
    const [, sl, tp] = h.orders();
    expect(sl).toMatchObject({ role: 'STOP_LOSS', type: 'TRAILING_STOP', side: 'SELL', trailingDistance: 50, triggerPrice: 100_50, reduceOnly: true, qty: 10 });
    expect(tp).toMatchObject({ role: 'TAKE_PROFIT', type: 'LIMIT', price: 106_00 });
    expect(sl!.ocoGroup).toBe(tp!.ocoGroup);
    h.bar(101, 102.4, 101, 102); // -> 101.90
    expect(h.order(sl!.clientOrderId).triggerPrice).toBe(101_90);
    h.bar(102, 102.2, 101.5, 101.6);
    expect(h.of('OrderFilled', sl!.clientOrderId)[0]).toMatchObject({ lastPx: 101_90 });
    expect(h.order(tp!.clientOrderId)).toMatchObject({ status: 'CANCELED' });
    expect(h.trades()[0]).toMatchObject({ exitPx: 101.9, exitReason: 'stop_loss' });
    expect(h.working()).toEqual([]);
  });

  it('a short bracket trails above', () => {
    const h = new EngineHarness();
    h.flat(100);
    h.submit({ instrumentId: 'AAA', side: 'SELL', qty: 10, type: 'MARKET', bracket: { trailingStopDistance: 100 } });
    h.flat(100);
    const sl = h.working()[0]!;
    expect(sl).toMatchObject({ type: 'TRAILING_STOP', side: 'BUY', triggerPrice: 101_00 });
    h.bar(100, 100, 99, 99); // -> 100.00
    h.bar(99, 100.1, 99, 100);
    expect(h.of('OrderFilled', sl.clientOrderId)[0]).toMatchObject({ lastPx: 100_00 });
    expect(h.position()).toBe(0);
  });
});

describe('validation', () => {
  const cases: [string, OrderRequest, string][] = [
    ['no distance', trail('SELL', 1, null), 'order.missing_trailing_distance'],
    ['zero distance', trail('SELL', 1, 0), 'order.invalid_trailing_distance'],
    ['negative distance', trail('SELL', 1, -5), 'order.invalid_trailing_distance'],
    ['fractional distance', trail('SELL', 1, 2.5), 'order.invalid_trailing_distance'],
    ['distance beyond the price', trail('SELL', 1, 20_000), 'order.invalid_trailing_distance'],
    ['negative trigger', trail('SELL', 1, 10, { triggerPrice: -1 }), 'order.missing_price'],
    ['bracket with a zero trailing distance', { instrumentId: 'AAA', side: 'BUY', qty: 1, type: 'MARKET', bracket: { trailingStopDistance: 0 } }, 'order.invalid_trailing_distance'],
  ];
  it.each(cases)('%s -> %s, never at the venue', (_n, req, code) => {
    const h = new EngineHarness();
    h.flat(100);
    const r = h.submit(req);
    expect(r).toMatchObject({ ok: false, code });
    expect(h.order(r.clientOrderId).status).toBe('DENIED');
    expect(h.venueSaw()).toEqual([]);
  });

  it('no last price and no trigger: order.missing_price', () => {
    const h = new EngineHarness();
    const r = h.submit(trail('BUY', 1, 10));
    expect(r).toMatchObject({ ok: false, code: 'order.missing_price' });
  });

  it('a distance off the tick grid is denied', () => {
    const nickel = makeInstrument({ id: 'NICKEL', assetClass: 'equity', quoteCurrency: 'USD', pricePrecision: 2, tickSize: 5 });
    const h = new EngineHarness({ instruments: [AAA, nickel] });
    h.flat(100, 'NICKEL');
    expect(h.submit({ ...trail('SELL', 1, 7), instrumentId: 'NICKEL' })).toMatchObject({ ok: false, code: 'order.invalid_trailing_distance' });
    expect(h.submit({ ...trail('SELL', 1, 10), instrumentId: 'NICKEL' })).toMatchObject({ ok: true });
  });
});
