import { describe, expect, it } from 'vitest';
import type { Bar } from '../../../engine/core/bar';
import { MessageBus } from '../../../engine/core/bus';
import { SimClock } from '../../../engine/core/clock';
import type { EngineEvent, VenueEvent } from '../../../engine/core/events';
import { makeInstrument } from '../../../engine/core/instrument';
import { Kernel } from '../../../engine/core/kernel';
import type { Order } from '../../../engine/core/order';
import type { ExecutionClient, VenueEventSink } from '../../../engine/core/venue';
import { newOrder } from './fixtures';

/** A venue that records calls and lets the test answer as the venue would. */
class ScriptedVenue implements ExecutionClient {
  readonly venue = 'TEST';
  sink!: VenueEventSink;
  calls: string[] = [];
  bind(sink: VenueEventSink) {
    this.sink = sink;
  }
  submit(o: Readonly<Order>) {
    this.calls.push(`submit ${o.clientOrderId}`);
  }
  cancel(o: Readonly<Order>) {
    this.calls.push(`cancel ${o.clientOrderId}`);
  }
  modify(o: Readonly<Order>) {
    this.calls.push(`modify ${o.clientOrderId}`);
  }
  onBar(bar: Bar) {
    this.calls.push(`bar ${bar.instrumentId}@${bar.ts}`);
  }
  answer(e: VenueEvent) {
    this.sink(e);
  }
}

const aapl = makeInstrument({ id: 'AAPL', assetClass: 'equity', quoteCurrency: 'USD', pricePrecision: 2 });
const bar = (ts: number, close: number): Bar => ({ instrumentId: 'AAPL', ts, durationMs: 900_000, open: close, high: close, low: close, close, volume: 1 });

describe('message bus', () => {
  it('delivers by type then to catch-all handlers, depth-first, and unsubscribes', () => {
    const bus = new MessageBus();
    const seen: string[] = [];
    const off = bus.on('OrderSubmitted', (e) => {
      seen.push(`typed ${e.clientOrderId}`);
      if (e.clientOrderId === 'A') bus.publish({ ...e, clientOrderId: 'B' });
    });
    bus.onAny((e) => seen.push(`any ${e.type}`));
    const ev = { type: 'OrderSubmitted', id: 1, tsEvent: 0, tsInit: 0, clientOrderId: 'A', venue: 'X' } as const;
    bus.publish(ev);
    expect(seen).toEqual(['typed A', 'typed B', 'any OrderSubmitted', 'any OrderSubmitted']);
    off();
    seen.length = 0;
    bus.publish(ev);
    expect(seen).toEqual(['any OrderSubmitted']);
  });
});

describe('sim clock', () => {
  it('fires timers in time order and refuses to go back', () => {
    const c = new SimClock(100);
    const fired: [string, number][] = [];
    c.setTimer(300, () => fired.push(['b', c.now()]));
    c.setTimer(200, () => fired.push(['a', c.now()]));
    const cancel = c.setTimer(250, () => fired.push(['x', c.now()]));
    cancel();
    c.advanceTo(400);
    expect(fired).toEqual([
      ['a', 200],
      ['b', 300],
    ]);
    expect(c.now()).toBe(400);
    expect(() => c.advanceTo(399)).toThrow(expect.objectContaining({ code: 'clock.backwards' }));
  });
});

describe('kernel', () => {
  it('hands a bar to the venue, then the cache, then instrument handlers, then global handlers', () => {
    const venue = new ScriptedVenue();
    const k = new Kernel({ clock: new SimClock(0), venue, instruments: [aapl] });
    const order: string[] = [];
    k.addDataHandler({ onBar: (b) => order.push(`global sees close ${k.cache.lastPrice(b.instrumentId)}`) });
    k.addInstrumentHandler('AAPL', { onBar: () => order.push('aapl 1') });
    k.addInstrumentHandler('AAPL', { onBar: () => order.push('aapl 2') });
    // With nothing working the venue has nothing to match and is not called.
    k.onBar(bar(0, 101));
    expect(venue.calls).toEqual([]);
    k.emit({ type: 'OrderInitialized', tsEvent: 0, order: newOrder() });
    k.onBar(bar(900_000, 101.5));
    expect(venue.calls).toEqual(['bar AAPL@900000']);
    expect(order).toEqual(['aapl 1', 'aapl 2', 'global sees close 101', 'aapl 1', 'aapl 2', 'global sees close 101.5']);
    expect(k.cache.lastPriceTs('AAPL')).toBe(1_800_000);
    expect(() => k.onBar({ ...bar(0, 1), instrumentId: 'NOPE' })).toThrow(expect.objectContaining({ code: 'instrument.unknown' }));
  });

  it('stamps events with ids and clock time, applying them to the cache before subscribers', () => {
    const venue = new ScriptedVenue();
    const clock = new SimClock(5_000);
    const k = new Kernel({ clock, venue, instruments: [aapl], lastEventId: 41 });
    const log: EngineEvent[] = [];
    k.bus.onAny((e) => {
      log.push(e);
      if (e.type === 'OrderAccepted') expect(k.cache.order('C-1')?.status).toBe('ACCEPTED');
    });
    k.emit({ type: 'OrderInitialized', tsEvent: 5_000, order: newOrder() });
    k.emit({ type: 'OrderSubmitted', tsEvent: 5_000, clientOrderId: 'C-1', venue: 'TEST' });
    venue.answer({ type: 'OrderAccepted', tsEvent: 5_001, clientOrderId: 'C-1', venueOrderId: 'V1' });
    venue.answer({ type: 'OrderFilled', tsEvent: 5_002, clientOrderId: 'C-1', venueOrderId: 'V1', tradeId: 'T1', strategyId: 's', instrumentId: 'AAPL', side: 'BUY', lastQty: 40, lastPx: 10_000, fee: 0, feeCurrency: 'USD', slippage: 0, liquidity: 'TAKER', leavesQty: 60 });
    expect(log.map((e) => e.id)).toEqual([42, 43, 44, 45]);
    expect(log.every((e) => e.tsInit === 5_000)).toBe(true);
    const o = k.cache.order('C-1')!;
    expect(o.status).toBe('PARTIALLY_FILLED');
    expect(o.filledQty).toBe(40);
    expect(k.cache.openOrders()).toHaveLength(1);
  });

  it('refuses an overfill and a duplicate client order id with codes', () => {
    const venue = new ScriptedVenue();
    const k = new Kernel({ clock: new SimClock(0), venue, instruments: [aapl] });
    k.emit({ type: 'OrderInitialized', tsEvent: 0, order: newOrder() });
    expect(() => k.emit({ type: 'OrderInitialized', tsEvent: 0, order: newOrder() })).toThrow(expect.objectContaining({ code: 'order.duplicate_id' }));
    k.emit({ type: 'OrderSubmitted', tsEvent: 0, clientOrderId: 'C-1', venue: 'TEST' });
    const fill = { type: 'OrderFilled', tsEvent: 0, clientOrderId: 'C-1', venueOrderId: 'V1', tradeId: 'T1', strategyId: 's', instrumentId: 'AAPL', side: 'BUY', lastQty: 101, lastPx: 1, fee: 0, feeCurrency: 'USD', slippage: 0, liquidity: 'TAKER', leavesQty: 0 } as const;
    expect(() => venue.answer(fill)).toThrow(expect.objectContaining({ code: 'order.overfill' }));
  });

  it('refuses a fill with a non-integer quantity or price before it touches the order', () => {
    const venue = new ScriptedVenue();
    const k = new Kernel({ clock: new SimClock(0), venue, instruments: [aapl] });
    k.emit({ type: 'OrderInitialized', tsEvent: 0, order: newOrder() });
    k.emit({ type: 'OrderSubmitted', tsEvent: 0, clientOrderId: 'C-1', venue: 'TEST' });
    const fill = { type: 'OrderFilled', tsEvent: 0, clientOrderId: 'C-1', venueOrderId: 'V1', tradeId: 'T1', strategyId: 's', instrumentId: 'AAPL', side: 'BUY', lastQty: 10, lastPx: 100, fee: 0, feeCurrency: 'USD', slippage: 0, liquidity: 'TAKER', leavesQty: 90 } as const;
    expect(() => venue.answer({ ...fill, lastQty: Number.NaN })).toThrow(expect.objectContaining({ code: 'order.invalid_fill' }));
    expect(() => venue.answer({ ...fill, lastPx: 100.5 })).toThrow(expect.objectContaining({ code: 'order.invalid_fill' }));
    expect(k.cache.order('C-1')).toMatchObject({ status: 'SUBMITTED', filledQty: 0, fillCost: 0 });
  });
});
