/**
 * A small stand-in for the kernel around a SimulatedVenue: a real Cache (so every venue event goes
 * through the order state machine), a SimClock, an order factory and a sink that records events and
 * can react to them re-entrantly (as the order manager does).
 */
import type { Bar, Ohlc, Quote } from '../../../engine/core/bar';
import { Cache } from '../../../engine/core/cache';
import { SimClock } from '../../../engine/core/clock';
import type { EngineEvent, VenueEvent } from '../../../engine/core/events';
import { makeInstrument, type Instrument } from '../../../engine/core/instrument';
import { canTransition, type Order } from '../../../engine/core/order';
import type { OrderModification } from '../../../engine/core/venue';
import { SimulatedVenue, type SimulatedVenueOptions } from '../../../engine/sim';

/** 2024-01-02T14:30:00Z */
export const T0 = Date.UTC(2024, 0, 2, 14, 30);
export const BAR_MS = 15 * 60_000;

export const AAPL = makeInstrument({ id: 'AAPL', assetClass: 'equity', quoteCurrency: 'USD', pricePrecision: 2 });
export const EUR_USD = makeInstrument({ id: 'EUR_USD', assetClass: 'fx', quoteCurrency: 'USD', pricePrecision: 5 });
export const USD_JPY = makeInstrument({ id: 'USD_JPY', assetClass: 'fx', quoteCurrency: 'JPY', pricePrecision: 3 });
/** Prices in steps of 5 ticks (0.05). */
export const NICKEL = makeInstrument({ id: 'NICKEL', assetClass: 'equity', quoteCurrency: 'USD', pricePrecision: 2, tickSize: 5 });
/** Lots of 10 units. */
export const LOTS = makeInstrument({ id: 'LOTS', assetClass: 'equity', quoteCurrency: 'USD', pricePrecision: 2, minQty: 10 });
export const HALTED = makeInstrument({ id: 'HALTED', assetClass: 'equity', quoteCurrency: 'USD', pricePrecision: 2, tradeable: false });

export type OrderSpec = Partial<Order> & Pick<Order, 'side' | 'type' | 'qty'>;

export interface BarExtra {
  instrumentId?: string;
  volume?: number;
  bid?: Ohlc;
  ask?: Ohlc;
  /** Bar open time; default: right after the previous bar of the harness. */
  ts?: number;
}

export class Harness {
  readonly cache = new Cache();
  readonly clock: SimClock;
  readonly venue: SimulatedVenue;
  readonly events: VenueEvent[] = [];
  /** Called after each event has been applied to the cache (may call back into the venue). */
  onEvent: ((e: VenueEvent) => void) | null = null;
  /** The bar being processed, when an event arrives during onBar. */
  currentBar: Bar | null = null;
  /** Bar that was being processed for each event (null outside bar processing). */
  readonly eventBars: (Bar | null)[] = [];
  nextTs: number;
  /**
   * Where the clock stands while a bar is processed: at its close (default, as the kernel runs) or
   * at its open (a kernel that does so must still not fill orders placed on a bar on that bar).
   */
  clockAtOpen = false;
  private seq = 0;
  private orderNo = 0;

  constructor(opts: Partial<Omit<SimulatedVenueOptions, 'clock' | 'instruments'>> = {}, start = T0) {
    for (const inst of [AAPL, EUR_USD, USD_JPY, NICKEL, LOTS, HALTED]) this.cache.addInstrument(inst);
    this.clock = new SimClock(start);
    this.nextTs = start;
    this.venue = new SimulatedVenue({ instruments: this.cache, clock: this.clock, ...opts });
    this.venue.bind((e) => {
      this.events.push(e);
      this.eventBars.push(this.currentBar);
      this.cache.applyEvent({ ...e, id: ++this.seq, tsInit: this.clock.now() } as EngineEvent);
      this.onEvent?.(e);
    });
  }

  instrument(id: string): Instrument {
    return this.cache.instrument(id);
  }

  /** Creates an order in the cache (INITIALIZED -> SUBMITTED) and returns the cache's copy. */
  create(spec: OrderSpec): Order {
    const now = this.clock.now();
    const order: Order = {
      clientOrderId: `O-${++this.orderNo}`,
      venueOrderId: null,
      strategyId: 'strat',
      instrumentId: 'AAPL',
      price: null,
      triggerPrice: null,
      tif: 'GTC',
      expireTs: null,
      reduceOnly: false,
      role: 'ENTRY',
      parentId: null,
      ocoGroup: null,
      bracket: null,
      tag: '',
      status: 'INITIALIZED',
      statusBeforePending: null,
      filledQty: 0,
      fillCost: 0,
      tsInit: now,
      tsLast: now,
      ...spec,
    };
    this.cache.applyEvent({ type: 'OrderInitialized', id: ++this.seq, tsEvent: now, tsInit: now, order });
    this.cache.applyEvent({ type: 'OrderSubmitted', id: ++this.seq, tsEvent: now, tsInit: now, clientOrderId: order.clientOrderId, venue: 'SIM' });
    return this.cache.orderMut(order.clientOrderId);
  }

  /** Creates and submits an order; returns its client order id. */
  submit(spec: OrderSpec): string {
    const o = this.create(spec);
    this.venue.submit(o);
    return o.clientOrderId;
  }

  /** Cancels as the order manager does (pending-cancel first when the state machine allows it). */
  cancel(id: string): void {
    const o = this.cache.orderMut(id);
    if (canTransition(o.status, 'PENDING_CANCEL')) {
      this.cache.applyEvent({ type: 'OrderPendingCancel', id: ++this.seq, tsEvent: this.clock.now(), tsInit: this.clock.now(), clientOrderId: id });
    }
    this.venue.cancel(o);
  }

  modify(id: string, changes: OrderModification): void {
    const o = this.cache.orderMut(id);
    if (canTransition(o.status, 'PENDING_UPDATE')) {
      this.cache.applyEvent({ type: 'OrderPendingUpdate', id: ++this.seq, tsEvent: this.clock.now(), tsInit: this.clock.now(), clientOrderId: id });
    }
    this.venue.modify(o, changes);
  }

  /** Delivers a bar with the clock at the bar's close (as the kernel does), then advances nextTs. */
  bar(open: number, high: number, low: number, close: number, extra: BarExtra = {}): Bar {
    const ts = extra.ts ?? this.nextTs;
    const bar: Bar = {
      instrumentId: extra.instrumentId ?? 'AAPL',
      ts,
      durationMs: BAR_MS,
      open,
      high,
      low,
      close,
      volume: extra.volume ?? 1_000_000,
      ...(extra.bid ? { bid: extra.bid } : {}),
      ...(extra.ask ? { ask: extra.ask } : {}),
    };
    this.feed(bar);
    return bar;
  }

  feed(bar: Bar): void {
    this.clock.advanceTo(Math.max(this.clock.now(), this.clockAtOpen ? bar.ts : bar.ts + bar.durationMs));
    this.nextTs = Math.max(this.nextTs, bar.ts + bar.durationMs);
    this.currentBar = bar;
    try {
      this.venue.onBar(bar);
    } finally {
      this.currentBar = null;
    }
  }

  quote(bid: number, ask: number, ts?: number, instrumentId = 'EUR_USD'): Quote {
    const t = ts ?? this.clock.now();
    this.clock.advanceTo(Math.max(this.clock.now(), t));
    const q: Quote = { instrumentId, ts: t, bid, ask };
    this.venue.onQuote(q);
    return q;
  }

  of<T extends VenueEvent['type']>(type: T, id?: string): Extract<VenueEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<VenueEvent, { type: T }> => e.type === type && (id === undefined || e.clientOrderId === id));
  }

  fills(id?: string) {
    return this.of('OrderFilled', id);
  }

  order(id: string): Readonly<Order> {
    const o = this.cache.order(id);
    if (!o) throw new Error(`no order ${id}`);
    return o;
  }

  /** Event types (with the order id) since index `from`, for compact assertions on sequences. */
  trail(from = 0): string[] {
    return this.events.slice(from).map((e) => {
      switch (e.type) {
        case 'OrderCanceled':
          return `${e.type}:${e.clientOrderId}:${e.reason}`;
        case 'OrderFilled':
          return `${e.type}:${e.clientOrderId}:${e.lastQty}@${e.lastPx}`;
        case 'OrderRejected':
        case 'OrderCancelRejected':
          return `${e.type}:${e.clientOrderId}:${e.code}`;
        case 'OrderUpdated':
          return `${e.type}:${e.clientOrderId}:${e.qty}`;
        default:
          return `${e.type}:${e.clientOrderId}`;
      }
    });
  }
}
