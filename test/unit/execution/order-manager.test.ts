/**
 * The order manager inside a real engine (TradingEngine + SimulatedVenue + SimClock, bars delivered
 * as run-backtest delivers them): lifecycle events, validation denials, brackets / OCO, partial
 * entry fills, protection cleanup, cancel / cancelAll / modify.
 */
import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../engine/core/events';
import type { OrderRequest } from '../../../engine/core/order';
import { VolumeParticipationFillModel } from '../../../engine/sim';
import { EngineHarness } from '../runtime/engine-harness';

const buy = (qty: number, extra: Partial<OrderRequest> = {}): OrderRequest => ({ instrumentId: 'AAA', side: 'BUY', qty, type: 'MARKET', ...extra });
const sell = (qty: number, extra: Partial<OrderRequest> = {}): OrderRequest => ({ instrumentId: 'AAA', side: 'SELL', qty, type: 'MARKET', ...extra });

/** Events in emission order (the bus publishes nested events depth-first; ids are the emission order). */
function ordered(events: readonly EngineEvent[]): EngineEvent[] {
  return [...events].sort((a, b) => a.id - b.id);
}

function typesFor(h: EngineHarness, id: string): string[] {
  return ordered(h.events)
    .filter((e) => ('clientOrderId' in e && e.clientOrderId === id) || ('order' in e && e.order.clientOrderId === id))
    .map((e) => e.type);
}

describe('order lifecycle', () => {
  it('publishes OrderInitialized, then OrderSubmitted, and only then hands the order to the venue', () => {
    const h = new EngineHarness();
    h.flat(100);
    // What a journal subscribed to the bus would see at each step: is the order already at the venue?
    const atVenue: Record<string, boolean> = {};
    const statusSeen: Record<string, string> = {};
    const bus = h.engine.kernel.bus;
    for (const type of ['OrderInitialized', 'OrderSubmitted', 'OrderAccepted'] as const) {
      bus.on(type, (e) => {
        const id = 'order' in e ? e.order.clientOrderId : e.clientOrderId;
        atVenue[type] = h.venue.workingOrders().some((o) => o.clientOrderId === id);
        statusSeen[type] = h.order(id).status;
      });
    }
    const r = h.submit(buy(10));
    expect(r).toEqual({ ok: true, clientOrderId: 'T-1', qty: 10 });
    expect(atVenue).toEqual({ OrderInitialized: false, OrderSubmitted: false, OrderAccepted: true });
    expect(statusSeen).toEqual({ OrderInitialized: 'INITIALIZED', OrderSubmitted: 'SUBMITTED', OrderAccepted: 'ACCEPTED' });
    expect(h.trace).toEqual(['OrderInitialized:T-1', 'OrderSubmitted:T-1', 'venue.submit:T-1', 'OrderAccepted:T-1']);
    const init = h.of('OrderInitialized')[0]!;
    expect(init.order).toMatchObject({ clientOrderId: 'T-1', status: 'INITIALIZED', strategyId: 'manual', qty: 10, side: 'BUY', type: 'MARKET', tif: 'GTC', role: 'ENTRY' });
    expect(init.tsEvent).toBe(h.clock.now());

    // The market order fills at the next bar's open, stamped with that bar's time.
    const next = h.bar(101, 102, 100.5, 101.5);
    expect(typesFor(h, 'T-1')).toEqual(['OrderInitialized', 'OrderSubmitted', 'OrderAccepted', 'OrderFilled']);
    const fill = h.of('OrderFilled', 'T-1')[0]!;
    expect(fill).toMatchObject({ lastQty: 10, lastPx: 10100, leavesQty: 0, tsEvent: next.ts });
    expect(h.order('T-1')).toMatchObject({ status: 'FILLED', filledQty: 10, fillCost: 101_000 });
    expect(h.position()).toBe(10);
    expect(h.of('PositionOpened')[0]).toMatchObject({ instrumentId: 'AAA', qty: 10 });
  });

  it('an order placed on a bar never fills on that bar, even when the bar touches its price', () => {
    const h = new EngineHarness();
    h.flat(100);
    h.submit(buy(5, { type: 'LIMIT', price: 9_900 }));
    expect(h.of('OrderFilled')).toHaveLength(0);
    h.bar(100, 100.5, 99.5, 100); // low 99.50 does not reach 99.00
    expect(h.of('OrderFilled')).toHaveLength(0);
    h.bar(99.5, 99.6, 98.8, 99.2);
    expect(h.of('OrderFilled')[0]).toMatchObject({ lastPx: 9_900, lastQty: 5, liquidity: 'MAKER' });
  });
});

describe('invalid requests are denied with a code and never reach the venue', () => {
  const cases: [string, OrderRequest, string][] = [
    ['zero quantity', buy(0), 'order.invalid_qty'],
    ['negative quantity', buy(-5), 'order.invalid_qty'],
    ['fractional quantity', buy(1.5), 'order.invalid_qty'],
    ['NaN quantity', buy(Number.NaN), 'order.invalid_qty'],
    ['LIMIT without a price', buy(1, { type: 'LIMIT' }), 'order.missing_price'],
    ['LIMIT with a zero price', buy(1, { type: 'LIMIT', price: 0 }), 'order.missing_price'],
    ['LIMIT with a fractional tick price', buy(1, { type: 'LIMIT', price: 9_900.5 }), 'order.missing_price'],
    ['MARKET_IF_TOUCHED without a price', buy(1, { type: 'MARKET_IF_TOUCHED' }), 'order.missing_price'],
    ['STOP without a trigger price', sell(1, { type: 'STOP' }), 'order.missing_price'],
    ['STOP with a negative trigger price', sell(1, { type: 'STOP', triggerPrice: -1 }), 'order.missing_price'],
    ['unknown instrument', { instrumentId: 'NOPE', side: 'BUY', qty: 1, type: 'MARKET' }, 'order.unknown_instrument'],
    ['GTD without an expiry', buy(1, { type: 'LIMIT', price: 9_000, tif: 'GTD' }), 'order.missing_expiry'],
  ];
  it.each(cases)('%s -> %s', (_name, req, code) => {
    const h = new EngineHarness();
    h.flat(100);
    const r = h.submit(req);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.code).toBe(code);
    expect(typesFor(h, r.clientOrderId)).toEqual(['OrderInitialized', 'OrderDenied']);
    expect(h.denials()[0]).toMatchObject({ clientOrderId: r.clientOrderId, code, strategyId: 'manual', instrumentId: req.instrumentId });
    expect(h.order(r.clientOrderId).status).toBe('DENIED');
    expect(h.venueSaw()).toEqual([]);
    expect(h.venue.workingOrders()).toEqual([]);
    h.flat(100);
    expect(h.of('OrderFilled')).toHaveLength(0);
    expect(h.position()).toBe(0);
  });

  it('a GTD order with an expiry is accepted and expires at the venue', () => {
    const h = new EngineHarness();
    h.flat(100);
    const expire = h.clock.now() + h.barMs;
    const r = h.submit(buy(1, { type: 'LIMIT', price: 9_000, tif: 'GTD', expireTs: expire }));
    expect(r.ok).toBe(true);
    h.flat(100); // opens before the expiry
    expect(h.order(r.clientOrderId).status).toBe('ACCEPTED');
    h.flat(100); // opens at the expiry
    expect(h.order(r.clientOrderId).status).toBe('EXPIRED');
  });
});

describe('bracket entries', () => {
  const bracket = { stopLossDistance: 50, takeProfitDistance: 100 };

  it('creates SL (STOP) and TP (LIMIT) only after the entry fills, priced from the fill, reduce-only, one OCO group', () => {
    const h = new EngineHarness();
    h.flat(100);
    const r = h.submit(buy(10, { bracket }));
    expect(r.ok).toBe(true);
    expect(h.orders()).toHaveLength(1); // no children before the fill
    // The entry bar opens at 101.00 (not the 100.00 the order was placed at) and spans both levels.
    h.bar(101, 103, 99, 101);
    const [entry, sl, tp] = h.orders();
    expect(entry).toMatchObject({ clientOrderId: 'T-1', status: 'FILLED', fillCost: 101_00 * 10 });
    expect(sl).toMatchObject({
      role: 'STOP_LOSS',
      type: 'STOP',
      side: 'SELL',
      qty: 10,
      triggerPrice: 100_50,
      price: null,
      reduceOnly: true,
      parentId: 'T-1',
      ocoGroup: 'oco-T-1',
      status: 'ACCEPTED',
      strategyId: 'manual',
    });
    expect(tp).toMatchObject({
      role: 'TAKE_PROFIT',
      type: 'LIMIT',
      side: 'SELL',
      qty: 10,
      price: 102_00,
      reduceOnly: true,
      parentId: 'T-1',
      ocoGroup: 'oco-T-1',
      status: 'ACCEPTED',
    });
    // Children were created inside the entry's fill, after it.
    const fillId = h.of('OrderFilled', 'T-1')[0]!.id;
    expect(h.of('OrderInitialized').slice(1).every((e) => e.id > fillId)).toBe(true);
    // Not matched on the entry bar although its low (99) and high (103) pass both levels.
    expect(h.of('OrderFilled')).toHaveLength(1);
    expect(h.venueSaw()).toEqual(['T-1', 'T-2', 'T-3']);
  });

  it('stop-loss hit: position closed at the stop, take-profit canceled, trade exit_reason stop_loss', () => {
    const h = new EngineHarness();
    h.flat(100);
    h.submit(buy(10, { bracket }));
    h.bar(100, 100.2, 99.8, 100);
    const exitBar = h.bar(100, 100.3, 99.2, 99.4);
    expect(h.of('OrderFilled', 'T-2')[0]).toMatchObject({ lastPx: 99_50, lastQty: 10, tsEvent: exitBar.ts });
    expect(h.order('T-2').status).toBe('FILLED');
    expect(h.order('T-3').status).toBe('CANCELED');
    expect(h.of('OrderFilled', 'T-3')).toHaveLength(0);
    // The venue's OCO cancels the sibling; the engine sends no cancel request of its own.
    expect(h.of('OrderCanceled', 'T-3').map((e) => e.reason)).toEqual(['oco']);
    expect(h.of('OrderPendingCancel')).toEqual([]);
    expect(h.trace.filter((t) => t.startsWith('venue.cancel'))).toEqual([]);
    expect(h.position()).toBe(0);
    expect(h.working()).toEqual([]);
    expect(h.venue.workingOrders()).toEqual([]);
    const trades = h.trades();
    expect(trades).toHaveLength(1);
    expect(trades[0]).toMatchObject({ direction: 'LONG', qty: 10, entryPx: 100, exitPx: 99.5, exitReason: 'stop_loss', pnl: -5_000_000 });
  });

  it('take-profit hit: exit_reason take_profit, stop-loss canceled', () => {
    const h = new EngineHarness();
    h.flat(100);
    h.submit(buy(10, { bracket }));
    h.bar(100, 100.2, 99.8, 100);
    h.bar(100.2, 101.4, 100.1, 101.2);
    expect(h.of('OrderFilled', 'T-3')[0]).toMatchObject({ lastPx: 101_00, lastQty: 10, liquidity: 'MAKER' });
    expect(h.order('T-2').status).toBe('CANCELED');
    expect(h.of('OrderCanceled', 'T-2').map((e) => e.reason)).toEqual(['oco']);
    expect(h.of('OrderPendingCancel')).toEqual([]);
    expect(h.trades()[0]).toMatchObject({ exitPx: 101, exitReason: 'take_profit', pnl: 10_000_000 });
    expect(h.working()).toEqual([]);
  });

  it('both levels inside one bar: the stop wins', () => {
    const h = new EngineHarness();
    h.flat(100);
    h.submit(buy(10, { bracket }));
    h.bar(100, 100.2, 99.8, 100);
    h.bar(100, 101.5, 99, 100);
    expect(h.order('T-2').status).toBe('FILLED');
    expect(h.order('T-3').status).toBe('CANCELED');
    expect(h.of('OrderCanceled', 'T-3').map((e) => e.reason)).toEqual(['oco']);
    expect(h.trades()[0]).toMatchObject({ exitPx: 99.5, exitReason: 'stop_loss' });
  });

  it('a gap through the stop fills at the open', () => {
    const h = new EngineHarness();
    h.flat(100);
    h.submit(buy(10, { bracket }));
    h.bar(100, 100.2, 99.8, 100);
    h.bar(98, 98.5, 97.5, 98.2);
    expect(h.trades()[0]).toMatchObject({ exitPx: 98, exitReason: 'stop_loss', pnl: -20_000_000 });
  });

  it('a short entry gets its stop above and its target below the fill', () => {
    const h = new EngineHarness();
    h.flat(100);
    h.submit(sell(10, { bracket }));
    h.bar(100, 100.2, 99.8, 100);
    const [, sl, tp] = h.orders();
    expect(sl).toMatchObject({ role: 'STOP_LOSS', side: 'BUY', triggerPrice: 100_50, reduceOnly: true });
    expect(tp).toMatchObject({ role: 'TAKE_PROFIT', side: 'BUY', price: 99_00, reduceOnly: true });
    h.bar(99.8, 99.9, 98.9, 99);
    expect(h.trades()[0]).toMatchObject({ direction: 'SHORT', exitPx: 99, exitReason: 'take_profit', pnl: 10_000_000 });
    expect(h.order('T-2').status).toBe('CANCELED');
  });

  it('fixed-price brackets are used as given', () => {
    const h = new EngineHarness();
    h.flat(100);
    h.submit(buy(10, { bracket: { stopLoss: 97_00, takeProfit: 104_00 } }));
    h.bar(101, 101, 101, 101);
    const [, sl, tp] = h.orders();
    expect(sl).toMatchObject({ triggerPrice: 97_00 });
    expect(tp).toMatchObject({ price: 104_00 });
  });

  it('partial entry fills: children are created at the first fill and follow the filled quantity', () => {
    // 50 % of 800 shares per bar = 400 shares a bar.
    const h = new EngineHarness({ fillModel: new VolumeParticipationFillModel({ fraction: 0.5 }) });
    h.flat(100);
    h.submit(buy(1_000, { bracket }));
    const qtys = () => h.orders().slice(1).map((o) => [o.role, o.qty, o.status]);

    h.bar(100, 100.2, 99.8, 100, { volume: 800 });
    expect(h.order('T-1')).toMatchObject({ filledQty: 400, status: 'PARTIALLY_FILLED' });
    expect(qtys()).toEqual([
      ['STOP_LOSS', 400, 'ACCEPTED'],
      ['TAKE_PROFIT', 400, 'ACCEPTED'],
    ]);
    expect(h.orders()[1]!.triggerPrice).toBe(99_50);
    expect(h.orders()[2]!.price).toBe(101_00);

    h.bar(100.1, 100.2, 99.9, 100, { volume: 800 });
    expect(h.order('T-1')).toMatchObject({ filledQty: 800, status: 'PARTIALLY_FILLED' });
    expect(qtys()).toEqual([
      ['STOP_LOSS', 800, 'ACCEPTED'],
      ['TAKE_PROFIT', 800, 'ACCEPTED'],
    ]);
    expect(h.of('OrderPendingUpdate').map((e) => e.clientOrderId)).toEqual(['T-2', 'T-3']);
    expect(h.of('OrderUpdated').map((e) => [e.clientOrderId, e.qty])).toEqual([
      ['T-2', 800],
      ['T-3', 800],
    ]);

    h.bar(100, 100.1, 99.9, 100, { volume: 800 });
    expect(h.order('T-1')).toMatchObject({ filledQty: 1_000, status: 'FILLED' });
    expect(qtys()).toEqual([
      ['STOP_LOSS', 1_000, 'ACCEPTED'],
      ['TAKE_PROFIT', 1_000, 'ACCEPTED'],
    ]);
    // Only one pair of children was ever created.
    expect(h.orders()).toHaveLength(3);
    expect(h.position()).toBe(1_000);

    // The stop then closes the whole position (given volume enough).
    h.bar(99.8, 99.9, 99.3, 99.4, { volume: 10_000 });
    expect(h.position()).toBe(0);
    expect(h.trades()[0]).toMatchObject({ qty: 1_000, exitPx: 99.5, exitReason: 'stop_loss' });
    expect(h.working()).toEqual([]);
  });

  it('a bracket whose stop fills while its entry is still partly working cancels the rest of the entry', () => {
    // LIMIT 1,000 @ 100.00, 400 shares of volume a bar. Bar 1: 400 fill, SL 400 @ 99.50 / TP 400 @
    // 101.00. Bar 2: the stop (matched before limits) takes the bar's volume and closes the 400.
    const h = new EngineHarness({ fillModel: new VolumeParticipationFillModel({ fraction: 0.5 }) });
    h.flat(100);
    h.submit(buy(1_000, { type: 'LIMIT', price: 100_00, bracket }));
    h.bar(100, 100, 100, 100, { volume: 800 });
    expect(h.position()).toBe(400);
    h.bar(99.9, 99.9, 99.4, 99.5, { volume: 800 });
    expect(h.position()).toBe(0);
    expect(h.order('T-2')).toMatchObject({ role: 'STOP_LOSS', status: 'FILLED', filledQty: 400 });
    expect(h.order('T-1')).toMatchObject({ status: 'CANCELED', filledQty: 400 });
    expect(h.order('T-3').status).toBe('CANCELED');
    h.bar(99.5, 99.6, 99.4, 99.5, { volume: 800 });
    expect(h.position()).toBe(0);
    expect(h.working()).toEqual([]);
    expect(h.trades()).toEqual([expect.objectContaining({ qty: 400, exitReason: 'stop_loss' })]);
  });

  it('a later fill of an entry whose protection was canceled gets a bracket of its own', () => {
    const h = new EngineHarness({ fillModel: new VolumeParticipationFillModel({ fraction: 0.5 }) });
    h.flat(100);
    h.submit(buy(1_000, { type: 'LIMIT', price: 100_00, bracket }));
    h.bar(100, 100, 100, 100, { volume: 800 });
    expect(h.position()).toBe(400);
    // An explicit exit closes the 400: the children are canceled, the entry keeps working.
    h.submit(sell(400, { role: 'EXIT', reduceOnly: true }));
    h.bar(100.2, 100.3, 100.1, 100.2, { volume: 2_000 });
    expect(h.position()).toBe(0);
    expect(h.order('T-1').status).toBe('PARTIALLY_FILLED');
    expect(h.working().map((o) => o.clientOrderId)).toEqual(['T-1']);
    // The entry fills 400 more at 99.80: a new SL/TP pair for those 400, priced from the entry's average.
    h.bar(99.8, 99.9, 99.7, 99.8, { volume: 800 });
    expect(h.position()).toBe(400);
    const prot = h.working().filter((o) => o.role !== 'ENTRY');
    expect(prot.map((o) => [o.role, o.qty, o.reduceOnly, o.parentId])).toEqual([
      ['STOP_LOSS', 400, true, 'T-1'],
      ['TAKE_PROFIT', 400, true, 'T-1'],
    ]);
    expect(new Set(prot.map((o) => o.ocoGroup)).size).toBe(1);
    expect(prot[0]!.ocoGroup).not.toBe('oco-T-1');
  });

  it('a position closed by an explicit exit order leaves no protective order working', () => {
    const h = new EngineHarness();
    h.flat(100);
    h.submit(buy(10, { bracket }));
    h.bar(100, 100.2, 99.8, 100);
    expect(h.working().map((o) => o.role)).toEqual(['STOP_LOSS', 'TAKE_PROFIT']);
    h.submit(sell(10, { role: 'EXIT', reduceOnly: true, tag: 'signal' }));
    h.bar(100.2, 100.4, 100.1, 100.3);
    expect(h.position()).toBe(0);
    expect(h.trades()[0]).toMatchObject({ exitPx: 100.2, exitReason: 'signal' });
    expect(h.order('T-2').status).toBe('CANCELED');
    expect(h.order('T-3').status).toBe('CANCELED');
    expect(h.working()).toEqual([]);
    expect(h.venue.workingOrders()).toEqual([]);
    // A later bar through the old stop level opens nothing.
    h.bar(100, 100, 98, 98);
    expect(h.position()).toBe(0);
    expect(h.of('OrderFilled')).toHaveLength(2);
  });

  it('a position closed by a FLAT target intent leaves no protective order working', () => {
    const h = new EngineHarness();
    h.flat(100);
    h.engine.intents.execute('s1', { kind: 'target', instrumentId: 'AAA', direction: 'LONG', stopLossPct: 1, takeProfitPct: 2, reason: 'test' });
    h.bar(100, 100.2, 99.8, 100);
    expect(h.working().map((o) => o.role)).toEqual(['STOP_LOSS', 'TAKE_PROFIT']);
    h.engine.intents.execute('s1', { kind: 'target', instrumentId: 'AAA', direction: 'FLAT', reason: 'test' });
    h.bar(100, 100, 97, 97);
    expect(h.position()).toBe(0);
    expect(h.trades()).toHaveLength(1);
    expect(h.trades()[0]!.exitReason).toBe('signal');
    expect(h.working()).toEqual([]);
    expect(h.venue.workingOrders()).toEqual([]);
  });
});

describe('cancel, cancelAll, modify', () => {
  it('cancel: PendingCancel then Canceled; a second cancel and a cancel of an unknown id do nothing', () => {
    const h = new EngineHarness();
    h.flat(100);
    const { clientOrderId: id } = h.submit(buy(10, { type: 'LIMIT', price: 95_00 }));
    const before = h.events.length;
    expect(h.engine.orders.cancel(id)).toBe(true);
    expect(typesFor(h, id).slice(-2)).toEqual(['OrderPendingCancel', 'OrderCanceled']);
    expect(h.of('OrderCanceled', id)[0]!.reason).toBe('canceled');
    expect(h.order(id).status).toBe('CANCELED');
    expect(h.events.length).toBe(before + 2);
    expect(h.engine.orders.cancel(id)).toBe(false);
    expect(h.engine.orders.cancel('T-999')).toBe(false);
    expect(h.events.length).toBe(before + 2);
    h.bar(94, 94, 94, 94);
    expect(h.of('OrderFilled')).toHaveLength(0);
  });

  it('a filled order cannot be canceled', () => {
    const h = new EngineHarness();
    h.flat(100);
    const { clientOrderId: id } = h.submit(buy(10));
    h.flat(100);
    const n = h.events.length;
    expect(h.engine.orders.cancel(id)).toBe(false);
    expect(h.events.length).toBe(n);
    expect(h.order(id).status).toBe('FILLED');
  });

  it('cancelAll(instrument) cancels that instrument only; cancelAll() the rest', () => {
    const h = new EngineHarness();
    h.step([
      { instrumentId: 'AAA', open: 100, close: 100 },
      { instrumentId: 'BBB', open: 50, close: 50 },
    ]);
    const a1 = h.submit(buy(1, { type: 'LIMIT', price: 90_00 })).clientOrderId;
    const b1 = h.submit({ instrumentId: 'BBB', side: 'BUY', qty: 1, type: 'LIMIT', price: 40_00 }).clientOrderId;
    const a2 = h.submit(sell(1, { type: 'LIMIT', price: 110_00 })).clientOrderId;
    expect(h.engine.orders.cancelAll('AAA')).toEqual([a1, a2]);
    expect(h.working().map((o) => o.clientOrderId)).toEqual([b1]);
    expect(h.engine.orders.cancelAll()).toEqual([b1]);
    expect(h.working()).toEqual([]);
    expect(h.venue.workingOrders()).toEqual([]);
    expect(h.engine.orders.cancelAll()).toEqual([]);
  });

  it('modify: price and quantity change at the venue and the order fills on the new terms', () => {
    const h = new EngineHarness();
    h.flat(100);
    const { clientOrderId: id } = h.submit(buy(10, { type: 'LIMIT', price: 95_00 }));
    expect(h.engine.orders.modify(id, { price: 99_00, qty: 20 })).toEqual({ ok: true });
    expect(typesFor(h, id).slice(-2)).toEqual(['OrderPendingUpdate', 'OrderUpdated']);
    expect(h.order(id)).toMatchObject({ status: 'ACCEPTED', price: 99_00, qty: 20 });
    expect(h.venue.workingOrders()[0]).toMatchObject({ price: 99_00, qty: 20 });
    h.bar(99.5, 99.6, 98.5, 99);
    expect(h.of('OrderFilled', id)[0]).toMatchObject({ lastPx: 99_00, lastQty: 20 });
    expect(h.position()).toBe(20);
  });

  it('modify refused by the venue: the order returns to ACCEPTED on its old terms', () => {
    const h = new EngineHarness();
    h.flat(100);
    const { clientOrderId: id } = h.submit(buy(10, { type: 'LIMIT', price: 95_00 }));
    expect(h.engine.orders.modify(id, { price: 0 })).toEqual({ ok: true });
    const rej = h.of('OrderCancelRejected', id);
    expect(rej.map((e) => e.code)).toEqual(['venue.modify_rejected.invalid_price']);
    expect(h.order(id)).toMatchObject({ status: 'ACCEPTED', price: 95_00, qty: 10, statusBeforePending: null });
    h.bar(95, 95, 95, 95);
    expect(h.of('OrderFilled', id)[0]).toMatchObject({ lastPx: 95_00, lastQty: 10 });
  });

  it('modify of a stop-loss trigger moves the protection', () => {
    const h = new EngineHarness();
    h.flat(100);
    h.submit(buy(10, { bracket: { stopLossDistance: 100 } }));
    h.bar(100, 100, 100, 100);
    const sl = h.working()[0]!;
    expect(sl).toMatchObject({ role: 'STOP_LOSS', triggerPrice: 99_00 });
    expect(h.engine.orders.modify(sl.clientOrderId, { triggerPrice: 99_80 })).toEqual({ ok: true });
    h.bar(100, 100, 99.7, 99.9);
    expect(h.trades()[0]).toMatchObject({ exitPx: 99.8, exitReason: 'stop_loss' });
  });

  it('modify of a terminal or unknown order does nothing', () => {
    const h = new EngineHarness();
    h.flat(100);
    const { clientOrderId: id } = h.submit(buy(10));
    h.flat(100);
    const n = h.events.length;
    expect(h.engine.orders.modify(id, { qty: 5 })).toMatchObject({ ok: false, code: 'order.not_working' });
    expect(h.engine.orders.modify('T-999', { qty: 5 })).toMatchObject({ ok: false, code: 'order.not_working' });
    expect(h.events.length).toBe(n);
  });
});
