/**
 * The port between the kernel and a venue. A venue client (simulated, paper, OANDA) receives orders
 * from the order manager and reports what became of them through the sink as past-tense events.
 * Simulated venues also receive market data, before strategies see it, so that an order placed on one
 * bar can fill on the next.
 */
import type { Bar, Quote } from './bar';
import type { VenueEvent } from './events';
import type { Money } from './money';
import type { Order, OrderSide, OrderType, TimeInForce } from './order';
import type { EpochMs } from './time';

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

// ------------------------------------------------------------------ reconciliation

/** A working order as the venue sees it. Prices in ticks, quantities in units. */
export interface VenueOrderSnapshot {
  clientOrderId: string;
  venueOrderId: string;
  /** The strategy named when it was sent (paper venue, OANDA client extensions), or null (placed outside the app). */
  strategyId: string | null;
  instrumentId: string;
  side: OrderSide;
  type: OrderType;
  qty: number;
  filledQty: number;
  price: number | null;
  triggerPrice: number | null;
  trailingDistance: number | null;
  tif: TimeInForce;
  expireTs: EpochMs | null;
  reduceOnly: boolean;
  ocoGroup: string | null;
  /** Working, or how it ended. */
  state: 'WORKING' | 'FILLED' | 'CANCELED' | 'EXPIRED' | 'REJECTED';
}

/** A net position at the venue: signed units, average open price in ticks (may be fractional). */
export interface VenuePositionSnapshot {
  instrumentId: string;
  qty: number;
  avgPx: number;
}

/** The venue's account as of transaction `lastTxId`. */
export interface VenueAccountSnapshot {
  venue: string;
  /** Id of the last transaction reflected in this snapshot (0 = none yet). */
  lastTxId: number;
  /** Orders still working. */
  orders: VenueOrderSnapshot[];
  /** Open positions (flat instruments are absent). */
  positions: VenuePositionSnapshot[];
  /** Cash by currency, micro-units; the account currency first. */
  balances: { currency: string; amount: Money }[];
}

/** What happened at the venue after a transaction id: the events, and every order they mention. */
export interface VenueTransactions {
  /** In transaction order, each with `venueTxId` set. */
  events: VenueEvent[];
  /** Snapshot of each order named by `events` (so an order the engine never sent can be adopted). */
  orders: VenueOrderSnapshot[];
}

/**
 * A venue the engine can reconcile with on start (engine/runtime/reconcile.ts). Both calls fail with
 * a coded EngineError when the venue cannot answer (`venue.unavailable`, ...): missing data never
 * counts as flat, the engine stays RECONCILING.
 */
export interface ReconcilableVenue {
  readonly venue: string;
  accountSnapshot(): Promise<VenueAccountSnapshot>;
  /** Every transaction with id > `txId`; throws `venue.transactions_unavailable` when the venue no longer has them. */
  transactionsSince(txId: number): Promise<VenueTransactions>;
}
