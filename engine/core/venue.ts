/**
 * The port between the kernel and a venue. A venue client (simulated, paper, OANDA) receives orders
 * from the order manager and reports what became of them through the sink as past-tense events.
 * Simulated venues also receive market data, before strategies see it, so that an order placed on one
 * bar can fill on the next.
 */
import type { Bar, Quote } from './bar';
import type { VenueEvent } from './events';
import type { Order } from './order';

export type VenueEventSink = (event: VenueEvent) => void;

export interface OrderModification {
  qty?: number;
  price?: number | null;
  triggerPrice?: number | null;
}

export interface ExecutionClient {
  readonly venue: string;
  /** Called once by the kernel before any order is sent. */
  bind(sink: VenueEventSink): void;
  submit(order: Readonly<Order>): void;
  cancel(order: Readonly<Order>): void;
  modify(order: Readonly<Order>, changes: OrderModification): void;
  /**
   * Market data for simulated venues. The kernel calls these before updating the cache, and only for
   * instruments that have orders not yet terminal (a venue with nothing working has nothing to match).
   */
  onBar?(bar: Bar): void;
  onQuote?(quote: Quote): void;
}
