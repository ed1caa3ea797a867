import { describe, expect, it } from 'vitest';
import type { VenueEvent } from '../../../engine/core/events';
import { VolumeParticipationFillModel } from '../../../engine/sim';
import { BAR_MS, Harness, T0, type OrderSpec } from './harness';

const DAY = 86_400_000;

describe('SimulatedVenue: validation', () => {
  const cases: { name: string; spec: OrderSpec; code: string }[] = [
    { name: 'unknown instrument', spec: { side: 'BUY', type: 'MARKET', qty: 1, instrumentId: 'NOPE' }, code: 'venue.rejected.unknown_instrument' },
    { name: 'not tradeable', spec: { side: 'BUY', type: 'MARKET', qty: 1, instrumentId: 'HALTED' }, code: 'venue.rejected.not_tradeable' },
    { name: 'zero qty', spec: { side: 'BUY', type: 'MARKET', qty: 0 }, code: 'venue.rejected.invalid_qty' },
    { name: 'negative qty', spec: { side: 'BUY', type: 'MARKET', qty: -5 }, code: 'venue.rejected.invalid_qty' },
    { name: 'fractional qty', spec: { side: 'BUY', type: 'MARKET', qty: 1.5 }, code: 'venue.rejected.invalid_qty' },
    { name: 'qty not a multiple of minQty', spec: { side: 'BUY', type: 'MARKET', qty: 15, instrumentId: 'LOTS' }, code: 'venue.rejected.invalid_qty' },
    { name: 'LIMIT without price', spec: { side: 'BUY', type: 'LIMIT', qty: 1 }, code: 'venue.rejected.missing_price' },
    { name: 'MIT without price', spec: { side: 'BUY', type: 'MARKET_IF_TOUCHED', qty: 1 }, code: 'venue.rejected.missing_price' },
    { name: 'STOP without trigger', spec: { side: 'SELL', type: 'STOP', qty: 1, price: 100 }, code: 'venue.rejected.missing_trigger_price' },
    { name: 'price off the tick grid', spec: { side: 'BUY', type: 'LIMIT', qty: 1, price: 1003, instrumentId: 'NICKEL' }, code: 'venue.rejected.invalid_price' },
    { name: 'non-positive price', spec: { side: 'BUY', type: 'LIMIT', qty: 1, price: 0 }, code: 'venue.rejected.invalid_price' },
    { name: 'trigger off the tick grid', spec: { side: 'BUY', type: 'STOP', qty: 1, triggerPrice: 1001, instrumentId: 'NICKEL' }, code: 'venue.rejected.invalid_trigger_price' },
    { name: 'GTD without expiry', spec: { side: 'BUY', type: 'MARKET', qty: 1, tif: 'GTD' }, code: 'venue.rejected.missing_expire_ts' },
    { name: 'GTD expired already', spec: { side: 'BUY', type: 'MARKET', qty: 1, tif: 'GTD', expireTs: T0 }, code: 'venue.rejected.expire_ts_passed' },
    { name: 'reduce-only while flat', spec: { side: 'SELL', type: 'MARKET', qty: 1, reduceOnly: true }, code: 'venue.rejected.reduce_only' },
  ];
  for (const c of cases) {
    it(`rejects: ${c.name}`, () => {
      const h = new Harness();
      const id = h.submit(c.spec);
      expect(h.events).toHaveLength(1);
      expect(h.events[0]).toMatchObject({ type: 'OrderRejected', clientOrderId: id, code: c.code, tsEvent: T0 });
      expect(h.order(id).status).toBe('REJECTED');
    });
  }

  it('rejects a duplicate client order id and does not spend venue ids on rejections', async () => {
    const { SimulatedVenue } = await import('../../../engine/sim');
    const h = new Harness();
    // A raw sink: the kernel cache would (rightly) refuse REJECTED after ACCEPTED for one id.
    const events: VenueEvent[] = [];
    const v = new SimulatedVenue({ instruments: h.cache, clock: h.clock });
    v.bind((e) => events.push(e));
    v.submit(h.create({ side: 'BUY', type: 'LIMIT', qty: 1 }));
    const ok = h.create({ side: 'BUY', type: 'MARKET', qty: 1 });
    v.submit(ok);
    v.submit(ok);
    expect(events.map((e) => (e.type === 'OrderRejected' ? e.code : e.type === 'OrderAccepted' ? e.venueOrderId : e.type))).toEqual([
      'venue.rejected.missing_price',
      'V-1',
      'venue.rejected.duplicate_order',
    ]);
  });

  it('accepts prices on the tick grid and lots in multiples of minQty', () => {
    const h = new Harness();
    const a = h.submit({ side: 'BUY', type: 'LIMIT', qty: 1, price: 1005, instrumentId: 'NICKEL' });
    const b = h.submit({ side: 'BUY', type: 'MARKET', qty: 30, instrumentId: 'LOTS' });
    expect(h.order(a).status).toBe('ACCEPTED');
    expect(h.order(b).status).toBe('ACCEPTED');
  });

  it('throws when used before bind', async () => {
    const { SimulatedVenue } = await import('../../../engine/sim');
    const h = new Harness();
    const v = new SimulatedVenue({ instruments: (id) => (id === 'AAPL' ? h.instrument('AAPL') : undefined), clock: h.clock });
    expect(v.venue).toBe('SIM');
    expect(() => v.submit(h.create({ side: 'BUY', type: 'MARKET', qty: 1 }))).toThrow(/bind/);
  });
});

describe('SimulatedVenue: cancel and modify', () => {
  it('cancels a working order; a second cancel or an unknown order is refused', () => {
    const h = new Harness();
    const id = h.submit({ side: 'BUY', type: 'LIMIT', qty: 1, price: 9000 });
    h.cancel(id);
    expect(h.events.at(-1)).toMatchObject({ type: 'OrderCanceled', clientOrderId: id, reason: 'canceled' });
    expect(h.order(id).status).toBe('CANCELED');
    h.venue.cancel(h.order(id));
    expect(h.events.at(-1)).toMatchObject({ type: 'OrderCancelRejected', clientOrderId: id, code: 'venue.cancel_rejected.not_working' });
    const never = h.create({ side: 'BUY', type: 'MARKET', qty: 1 });
    h.venue.cancel(never);
    expect(h.events.at(-1)).toMatchObject({ type: 'OrderCancelRejected', clientOrderId: never.clientOrderId, code: 'venue.cancel_rejected.not_working' });
    h.bar(89, 91, 88, 90);
    expect(h.fills()).toHaveLength(0);
  });

  it('modifies price, trigger and quantity (OrderUpdated with the full new values)', () => {
    const h = new Harness();
    const lim = h.submit({ side: 'BUY', type: 'LIMIT', qty: 10, price: 9000 });
    const stop = h.submit({ side: 'SELL', type: 'STOP', qty: 10, triggerPrice: 9000 });
    h.modify(lim, { price: 9900, qty: 20 });
    expect(h.events.at(-1)).toEqual({ type: 'OrderUpdated', tsEvent: T0, clientOrderId: lim, qty: 20, price: 9900, triggerPrice: null });
    h.modify(stop, { triggerPrice: 9850, price: null });
    expect(h.events.at(-1)).toMatchObject({ type: 'OrderUpdated', clientOrderId: stop, qty: 10, price: null, triggerPrice: 9850 });
    h.bar(100, 101, 98, 99);
    expect(h.fills(lim)).toMatchObject([{ lastQty: 20, lastPx: 9900 }]);
    expect(h.fills(stop)).toMatchObject([{ lastQty: 10, lastPx: 9850 }]);
  });

  it('refuses bad modifications with OrderCancelRejected venue.modify_rejected.*', () => {
    const h = new Harness({ fillModel: new VolumeParticipationFillModel({ fraction: 0.1 }) });
    const part = h.submit({ side: 'BUY', type: 'MARKET', qty: 100 });
    h.bar(100, 101, 99, 100, { volume: 400 });
    expect(h.order(part).filledQty).toBe(40);
    const lim = h.submit({ side: 'BUY', type: 'LIMIT', qty: 10, price: 9000 });
    const lots = h.submit({ side: 'BUY', type: 'LIMIT', qty: 20, price: 9000, instrumentId: 'LOTS' });
    const refusals: [string, Parameters<Harness['modify']>[1], string][] = [
      [part, { qty: 40 }, 'invalid_qty'],
      [part, { qty: 30 }, 'invalid_qty'],
      [part, { price: 10000 }, 'invalid_price'],
      [lim, { triggerPrice: 9000 }, 'invalid_trigger_price'],
      [lim, { price: null }, 'invalid_price'],
      [lim, { price: -1 }, 'invalid_price'],
      [lim, {}, 'no_change'],
      [lots, { qty: 25 }, 'invalid_qty'],
    ];
    for (const [id, changes, reason] of refusals) {
      h.modify(id, changes);
      expect(h.events.at(-1), `${id} ${JSON.stringify(changes)}`).toMatchObject({ type: 'OrderCancelRejected', clientOrderId: id, code: `venue.modify_rejected.${reason}` });
    }
    h.modify(part, { qty: 60 });
    expect(h.events.at(-1)).toMatchObject({ type: 'OrderUpdated', clientOrderId: part, qty: 60 });
    h.cancel(lim);
    h.venue.modify(h.order(lim), { qty: 5 });
    expect(h.events.at(-1)).toMatchObject({ type: 'OrderCancelRejected', code: 'venue.modify_rejected.not_working' });
  });

  it('does not match an order modified while a bar is processed on that bar', () => {
    const h = new Harness();
    const a = h.submit({ side: 'BUY', type: 'MARKET', qty: 1 });
    const b = h.submit({ side: 'BUY', type: 'LIMIT', qty: 1, price: 9000 });
    h.onEvent = (e) => {
      if (e.type === 'OrderFilled' && e.clientOrderId === a) h.modify(b, { price: 10100 });
    };
    h.bar(100, 101, 99, 100);
    expect(h.fills(b)).toHaveLength(0);
    h.onEvent = null;
    h.bar(100.5, 101, 100, 100.5);
    expect(h.fills(b)).toMatchObject([{ lastPx: 10050, liquidity: 'TAKER' }]);
  });
});

describe('SimulatedVenue: time in force', () => {
  it('expires a DAY order on the first bar of a later UTC day, before matching', () => {
    const h = new Harness();
    const id = h.submit({ side: 'BUY', type: 'LIMIT', qty: 1, price: 9000, tif: 'DAY' });
    h.bar(100, 101, 99, 100);
    const from = h.events.length;
    h.bar(89, 91, 88, 90, { ts: T0 + DAY });
    expect(h.trail(from)).toEqual([`OrderExpired:${id}`]);
    expect(h.order(id).status).toBe('EXPIRED');
  });

  it('fills a DAY order on its own day', () => {
    const h = new Harness();
    const id = h.submit({ side: 'BUY', type: 'LIMIT', qty: 1, price: 9000, tif: 'DAY' });
    h.bar(100, 101, 99, 100);
    h.bar(91, 92, 89, 90);
    expect(h.fills(id)).toMatchObject([{ lastPx: 9000 }]);
  });

  it('expires a GTD order when the bar time reaches expireTs, before matching', () => {
    const h = new Harness();
    const id = h.submit({ side: 'SELL', type: 'LIMIT', qty: 1, price: 11000, tif: 'GTD', expireTs: T0 + 2 * BAR_MS });
    h.bar(100, 101, 99, 100);
    h.bar(100, 101, 99, 100);
    expect(h.order(id).status).toBe('ACCEPTED');
    const from = h.events.length;
    h.bar(111, 112, 110, 111);
    expect(h.trail(from)).toEqual([`OrderExpired:${id}`]);
  });

  it('IOC: matched against the next bar only; the rest is canceled "ioc"', () => {
    const h = new Harness({ fillModel: new VolumeParticipationFillModel({ fraction: 0.1 }) });
    const miss = h.submit({ side: 'BUY', type: 'LIMIT', qty: 10, price: 9000, tif: 'IOC' });
    const part = h.submit({ side: 'BUY', type: 'MARKET', qty: 100, tif: 'IOC' });
    h.bar(100, 101, 99, 100, { volume: 300 });
    expect(h.trail()).toEqual([
      `OrderAccepted:${miss}`,
      `OrderAccepted:${part}`,
      `OrderFilled:${part}:30@10000`,
      `OrderCanceled:${part}:ioc`,
      `OrderCanceled:${miss}:ioc`,
    ]);
  });

  it('FOK: fills only when the whole quantity can fill, else canceled "fok" without a fill', () => {
    const h = new Harness({ fillModel: new VolumeParticipationFillModel({ fraction: 0.1 }) });
    const big = h.submit({ side: 'BUY', type: 'MARKET', qty: 100, tif: 'FOK' });
    const small = h.submit({ side: 'BUY', type: 'MARKET', qty: 20, tif: 'FOK' });
    h.bar(100, 101, 99, 100, { volume: 300 });
    expect(h.fills(big)).toHaveLength(0);
    expect(h.of('OrderCanceled', big)[0]?.reason).toBe('fok');
    expect(h.fills(small)).toMatchObject([{ lastQty: 20, leavesQty: 0 }]);
    const untouched = h.submit({ side: 'SELL', type: 'LIMIT', qty: 1, price: 12000, tif: 'FOK' });
    h.bar(100, 101, 99, 100, { volume: 300 });
    expect(h.of('OrderCanceled', untouched)[0]?.reason).toBe('fok');
  });
});

describe('SimulatedVenue: volume participation and OCO quantity follow', () => {
  it('fills at most a fraction of bar volume per bar; the rest carries over with leavesQty', () => {
    const h = new Harness({ fillModel: new VolumeParticipationFillModel({ fraction: 0.1 }) });
    const id = h.submit({ side: 'BUY', type: 'MARKET', qty: 120 });
    h.bar(100, 101, 99, 100, { volume: 500 });
    expect(h.order(id).status).toBe('PARTIALLY_FILLED');
    h.bar(101, 102, 100, 101, { volume: 500 });
    h.bar(102, 103, 101, 102, { volume: 500 });
    expect(h.fills(id).map((f) => [f.lastQty, f.lastPx, f.leavesQty])).toEqual([
      [50, 10000, 70],
      [50, 10100, 20],
      [20, 10200, 0],
    ]);
    expect(h.order(id).status).toBe('FILLED');
  });

  it('shares the bar capacity between orders, in matching order; no volume, no fill', () => {
    const h = new Harness({ fillModel: new VolumeParticipationFillModel({ fraction: 0.1 }) });
    const a = h.submit({ side: 'BUY', type: 'MARKET', qty: 40 });
    const b = h.submit({ side: 'SELL', type: 'MARKET', qty: 40 });
    h.bar(100, 101, 99, 100, { volume: 0 });
    expect(h.fills()).toHaveLength(0);
    h.bar(100, 101, 99, 100, { volume: 500 });
    expect(h.fills(a).map((f) => f.lastQty)).toEqual([40]);
    expect(h.fills(b).map((f) => f.lastQty)).toEqual([10]);
  });

  it('cuts the other OCO members to the partially filled member\'s remainder, then cancels them on its full fill', () => {
    const h = new Harness({ fillModel: new VolumeParticipationFillModel({ fraction: 0.1 }) });
    h.submit({ side: 'BUY', type: 'MARKET', qty: 100 });
    h.bar(100, 100, 100, 100, { volume: 10_000 });
    const sl = h.submit({ side: 'SELL', type: 'STOP', qty: 100, triggerPrice: 9800, ocoGroup: 'g', reduceOnly: true });
    const tp = h.submit({ side: 'SELL', type: 'LIMIT', qty: 100, price: 10200, ocoGroup: 'g', reduceOnly: true });
    let from = h.events.length;
    h.bar(100, 101, 97, 98, { volume: 500 });
    expect(h.trail(from)).toEqual([`OrderFilled:${sl}:50@9800`, `OrderUpdated:${tp}:50`]);
    from = h.events.length;
    // The triggered stop now trades at the open, first in priority; the take-profit level is reached
    // but the bar's capacity is used up.
    h.bar(99.5, 103, 99, 102, { volume: 300 });
    expect(h.trail(from)).toEqual([`OrderFilled:${sl}:30@9950`, `OrderUpdated:${tp}:20`]);
    from = h.events.length;
    h.bar(101, 101, 101, 101, { volume: 10_000 });
    expect(h.trail(from)).toEqual([`OrderFilled:${sl}:20@10100`, `OrderCanceled:${tp}:oco`]);
    expect(h.venue.position('AAPL')).toBe(0);
  });
});

describe('SimulatedVenue: reduce-only', () => {
  it('trims a reduce-only order that would flip the position, then fills it', () => {
    const h = new Harness();
    h.submit({ side: 'BUY', type: 'MARKET', qty: 100 });
    h.bar(100, 101, 99, 100);
    const rejected = h.submit({ side: 'BUY', type: 'MARKET', qty: 10, reduceOnly: true });
    expect(h.events.at(-1)).toMatchObject({ type: 'OrderRejected', clientOrderId: rejected, code: 'venue.rejected.reduce_only' });
    const id = h.submit({ side: 'SELL', type: 'MARKET', qty: 150, reduceOnly: true });
    const from = h.events.length;
    h.bar(101, 102, 100, 101);
    expect(h.trail(from)).toEqual([`OrderUpdated:${id}:100`, `OrderFilled:${id}:100@10100`]);
    expect(h.fills(id)[0]?.leavesQty).toBe(0);
    expect(h.order(id).status).toBe('FILLED');
    expect(h.venue.position('AAPL')).toBe(0);
  });

  it('cancels a reduce-only order reached after the position is gone', () => {
    const h = new Harness();
    h.submit({ side: 'BUY', type: 'MARKET', qty: 100 });
    h.bar(100, 101, 99, 100);
    const stop = h.submit({ side: 'SELL', type: 'STOP', qty: 100, triggerPrice: 9900, reduceOnly: true });
    const limit = h.submit({ side: 'SELL', type: 'LIMIT', qty: 100, price: 10100, reduceOnly: true });
    const from = h.events.length;
    h.bar(100, 102, 98, 100);
    expect(h.trail(from)).toEqual([`OrderFilled:${stop}:100@9900`, `OrderCanceled:${limit}:reduce_only`]);
    expect(h.venue.position('AAPL')).toBe(0);
  });

  it('applies FOK to the trimmed quantity of a reduce-only order', () => {
    const h = new Harness({ fillModel: new VolumeParticipationFillModel({ fraction: 0.1 }) });
    h.submit({ side: 'BUY', type: 'MARKET', qty: 100 });
    h.bar(100, 101, 99, 100, { volume: 10_000 });
    // Trimmed to 100, but only 50 can trade on this bar: nothing fills, canceled 'fok', no trim event.
    const a = h.submit({ side: 'SELL', type: 'MARKET', qty: 150, reduceOnly: true, tif: 'FOK' });
    let from = h.events.length;
    h.bar(100, 101, 99, 100, { volume: 500 });
    expect(h.trail(from)).toEqual([`OrderCanceled:${a}:fok`]);
    const b = h.submit({ side: 'SELL', type: 'MARKET', qty: 150, reduceOnly: true, tif: 'FOK' });
    from = h.events.length;
    h.bar(100, 101, 99, 100, { volume: 1000 });
    expect(h.trail(from)).toEqual([`OrderUpdated:${b}:100`, `OrderFilled:${b}:100@10000`]);
    expect(h.order(b).status).toBe('FILLED');
  });

  it('lets a reduce-only order reduce a short position', () => {
    const h = new Harness();
    h.submit({ side: 'SELL', type: 'MARKET', qty: 30 });
    h.bar(100, 101, 99, 100);
    expect(h.venue.position('AAPL')).toBe(-30);
    const id = h.submit({ side: 'BUY', type: 'LIMIT', qty: 20, price: 9950, reduceOnly: true });
    h.bar(100, 100.5, 99, 99.5);
    expect(h.fills(id)).toMatchObject([{ lastQty: 20, lastPx: 9950, leavesQty: 0 }]);
    expect(h.venue.position('AAPL')).toBe(-10);
    expect(h.venue.workingOrders()).toEqual([]);
  });
});
