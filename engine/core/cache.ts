/**
 * The kernel's cache: instruments, the latest market data per instrument and every order. The kernel
 * updates it before any subscriber runs, so a strategy always sees the bar it is handed, and an order
 * event's order is already in its new state when handlers see the event.
 */
import { barCloseTs, type Bar, type Quote } from './bar';
import { EngineError } from './errors';
import type { EngineEvent } from './events';
import type { Instrument } from './instrument';
import { cloneOrder, isTerminal, transition, type Order } from './order';
import type { EpochMs } from './time';
import { assertSafeInt, mulInt } from './fixed';

export interface CacheView {
  instrument(id: string): Instrument;
  hasInstrument(id: string): boolean;
  instruments(): readonly Instrument[];
  lastBar(id: string): Bar | undefined;
  lastQuote(id: string): Quote | undefined;
  /** Latest price (bar close or quote mid), or NaN when none has been seen. */
  lastPrice(id: string): number;
  /** Time of the latest price (bar close time or quote time), or NaN. */
  lastPriceTs(id: string): EpochMs;
  order(clientOrderId: string): Readonly<Order> | undefined;
  /** Orders not yet terminal, in creation order. */
  openOrders(instrumentId?: string): readonly Readonly<Order>[];
}

/** Per-instrument state; the kernel holds a reference to it so that a bar costs one map lookup. */
export interface MarketState {
  readonly instrumentId: string;
  bar: Bar | undefined;
  quote: Quote | undefined;
  price: number;
  priceTs: EpochMs;
  /** Orders of this instrument that are not terminal yet. */
  openOrders: number;
}

export class Cache implements CacheView {
  private readonly instrumentsById = new Map<string, Instrument>();
  private readonly market = new Map<string, MarketState>();
  private readonly orders = new Map<string, Order>();
  private readonly open = new Map<string, Order>();

  addInstrument(inst: Instrument): void {
    this.instrumentsById.set(inst.id, inst);
    if (!this.market.has(inst.id)) this.market.set(inst.id, { instrumentId: inst.id, bar: undefined, quote: undefined, price: NaN, priceTs: NaN, openOrders: 0 });
  }

  instrument(id: string): Instrument {
    const inst = this.instrumentsById.get(id);
    if (!inst) throw new EngineError('instrument.unknown', `unknown instrument ${id}`);
    return inst;
  }

  hasInstrument(id: string): boolean {
    return this.instrumentsById.has(id);
  }

  instruments(): readonly Instrument[] {
    return [...this.instrumentsById.values()];
  }

  /** The per-instrument state record (throws `instrument.unknown`). */
  marketState(id: string): MarketState {
    const s = this.market.get(id);
    if (!s) throw new EngineError('instrument.unknown', `market data for unknown instrument ${id}`);
    return s;
  }

  setBar(bar: Bar): void {
    Cache.applyBar(this.marketState(bar.instrumentId), bar);
  }

  setQuote(q: Quote): void {
    Cache.applyQuote(this.marketState(q.instrumentId), q);
  }

  static applyBar(s: MarketState, bar: Bar): void {
    s.bar = bar;
    s.price = bar.close;
    s.priceTs = barCloseTs(bar);
  }

  static applyQuote(s: MarketState, q: Quote): void {
    s.quote = q;
    s.price = (q.bid + q.ask) / 2;
    s.priceTs = q.ts;
  }

  lastBar(id: string): Bar | undefined {
    return this.market.get(id)?.bar;
  }

  lastQuote(id: string): Quote | undefined {
    return this.market.get(id)?.quote;
  }

  lastPrice(id: string): number {
    return this.market.get(id)?.price ?? NaN;
  }

  lastPriceTs(id: string): EpochMs {
    return this.market.get(id)?.priceTs ?? NaN;
  }

  order(clientOrderId: string): Readonly<Order> | undefined {
    return this.orders.get(clientOrderId);
  }

  /** The mutable order, for the order manager only. */
  orderMut(clientOrderId: string): Order {
    const o = this.orders.get(clientOrderId);
    if (!o) throw new EngineError('order.unknown', `unknown order ${clientOrderId}`);
    return o;
  }

  allOrders(): readonly Readonly<Order>[] {
    return [...this.orders.values()];
  }

  openOrders(instrumentId?: string): readonly Readonly<Order>[] {
    const out: Order[] = [];
    for (const o of this.open.values()) if (instrumentId === undefined || o.instrumentId === instrumentId) out.push(o);
    return out;
  }

  /**
   * Applies an order event to the order it names (state machine checked). Unknown orders in an order
   * event are an invariant error: `order.unknown`.
   */
  applyEvent(e: EngineEvent): void {
    switch (e.type) {
      case 'OrderInitialized': {
        if (this.orders.has(e.order.clientOrderId)) {
          throw new EngineError('order.duplicate_id', `client order id ${e.order.clientOrderId} is already used`);
        }
        const o = cloneOrder(e.order);
        this.orders.set(o.clientOrderId, o);
        this.open.set(o.clientOrderId, o);
        // An order for an unknown instrument is still recorded (it is about to be denied or rejected).
        const st = this.market.get(o.instrumentId);
        if (st) st.openOrders++;
        return;
      }
      case 'OrderDenied':
        return this.move(this.orderMut(e.clientOrderId), 'DENIED', e.tsEvent);
      case 'OrderSubmitted':
        return this.move(this.orderMut(e.clientOrderId), 'SUBMITTED', e.tsEvent);
      case 'OrderAccepted': {
        const o = this.orderMut(e.clientOrderId);
        o.venueOrderId = e.venueOrderId;
        return this.move(this.orderMut(e.clientOrderId), 'ACCEPTED', e.tsEvent);
      }
      case 'OrderRejected':
        return this.move(this.orderMut(e.clientOrderId), 'REJECTED', e.tsEvent);
      case 'OrderPendingCancel':
        return this.move(this.orderMut(e.clientOrderId), 'PENDING_CANCEL', e.tsEvent);
      case 'OrderPendingUpdate':
        return this.move(this.orderMut(e.clientOrderId), 'PENDING_UPDATE', e.tsEvent);
      case 'OrderCanceled':
        return this.move(this.orderMut(e.clientOrderId), 'CANCELED', e.tsEvent);
      case 'OrderCancelRejected': {
        // A refused cancel or modify returns the order to where it was before the request.
        const o = this.orderMut(e.clientOrderId);
        if ((o.status === 'PENDING_CANCEL' || o.status === 'PENDING_UPDATE') && o.statusBeforePending) {
          this.move(o, o.statusBeforePending === 'SUBMITTED' ? 'ACCEPTED' : o.statusBeforePending, e.tsEvent);
        }
        return;
      }
      case 'OrderUpdated': {
        const o = this.orderMut(e.clientOrderId);
        if (!Number.isSafeInteger(e.qty) || e.qty < o.filledQty) throw new EngineError('order.invalid_update', `order ${o.clientOrderId}: qty ${e.qty} below filled ${o.filledQty}`);
        o.qty = e.qty;
        o.price = e.price;
        o.triggerPrice = e.triggerPrice;
        return this.move(o, o.filledQty > 0 ? 'PARTIALLY_FILLED' : 'ACCEPTED', e.tsEvent);
      }
      case 'OrderExpired':
        return this.move(this.orderMut(e.clientOrderId), 'EXPIRED', e.tsEvent);
      case 'OrderFilled': {
        const o = this.orderMut(e.clientOrderId);
        if (!Number.isSafeInteger(e.lastQty) || e.lastQty <= 0 || !Number.isSafeInteger(e.lastPx) || e.lastPx <= 0) {
          throw new EngineError('order.invalid_fill', `order ${o.clientOrderId}: fill of ${e.lastQty} units at ${e.lastPx} ticks`);
        }
        if (o.filledQty + e.lastQty > o.qty) {
          throw new EngineError('order.overfill', `order ${o.clientOrderId}: fill of ${e.lastQty} exceeds leaves ${o.qty - o.filledQty}`);
        }
        o.filledQty += e.lastQty;
        o.fillCost = assertSafeInt(o.fillCost + mulInt(e.lastQty, e.lastPx), 'fill cost');
        if (o.venueOrderId === null) o.venueOrderId = e.venueOrderId;
        return this.move(o, o.filledQty === o.qty ? 'FILLED' : 'PARTIALLY_FILLED', e.tsEvent);
      }
      default:
        return;
    }
  }

  private move(o: Order, to: Order['status'], ts: EpochMs): void {
    transition(o, to, ts);
    if (isTerminal(o) && this.open.delete(o.clientOrderId)) {
      const st = this.market.get(o.instrumentId);
      if (st) st.openOrders--;
    }
  }

}
