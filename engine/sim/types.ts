/**
 * Shapes shared by the simulated venue and its swappable models.
 */
import type { OrderSide, OrderType, TimeInForce } from '../core/order';
import type { EpochMs } from '../core/time';

/** Open/high/low/close of one side of a bar (or a quote, all four equal), in integer ticks. */
export interface OhlcTicks {
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
}

export type Liquidity = 'MAKER' | 'TAKER';

/**
 * The venue's own record of a working order, as the models see it. It is the venue's copy (taken at
 * submit and changed only by venue events), not the kernel's order object.
 */
export interface SimOrderView {
  readonly clientOrderId: string;
  readonly venueOrderId: string;
  readonly strategyId: string;
  readonly instrumentId: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  /** Order quantity, integer units (after any modification). */
  readonly qty: number;
  /** Units filled so far. */
  readonly filledQty: number;
  /** Limit price (LIMIT, MARKET_IF_TOUCHED), ticks. */
  readonly price: number | null;
  /** Trigger price (STOP; TRAILING_STOP: the current, trailed trigger), ticks. */
  readonly triggerPrice: number | null;
  /** TRAILING_STOP distance from the best price since acceptance, ticks (absent or null for other types). */
  readonly trailingDistance?: number | null;
  readonly tif: TimeInForce;
  readonly expireTs: EpochMs | null;
  readonly reduceOnly: boolean;
  readonly ocoGroup: string | null;
  /**
   * A STOP, TRAILING_STOP or MARKET_IF_TOUCHED whose level has been reached: what it has not filled yet trades as a
   * market order from then on (fills at the next bar's open).
   */
  readonly triggered: boolean;
  /** Clock time at which the venue accepted the order. */
  readonly acceptTs: EpochMs;
}

/** Units still open on a venue order. */
export function simLeaves(o: SimOrderView): number {
  return o.qty - o.filledQty;
}
