/**
 * Orders and their state machine. Prices are integer ticks, quantities integer units.
 * Every status change happens through `transition`, which throws `order.illegal_transition` for a
 * move the table does not allow: an illegal transition is an error, never silent.
 */
import { EngineError } from './errors';
import type { EpochMs } from './time';

export type OrderSide = 'BUY' | 'SELL';
/**
 * TRAILING_STOP: a stop whose trigger follows the best price since acceptance at `trailingDistance`
 * ticks (SELL: highest high - distance; BUY: lowest low + distance); fills like a STOP when touched.
 */
export type OrderType = 'MARKET' | 'LIMIT' | 'STOP' | 'MARKET_IF_TOUCHED' | 'TRAILING_STOP';
export type TimeInForce = 'GTC' | 'GTD' | 'IOC' | 'FOK' | 'DAY';
/** Why an order exists; exits carry the reason that ends a trade (`trades.csv` exit_reason). */
export type OrderRole = 'ENTRY' | 'EXIT' | 'STOP_LOSS' | 'TAKE_PROFIT' | 'FLATTEN';

export type OrderStatus =
  | 'INITIALIZED'
  | 'DENIED'
  | 'SUBMITTED'
  | 'ACCEPTED'
  | 'PARTIALLY_FILLED'
  | 'FILLED'
  | 'PENDING_CANCEL'
  | 'PENDING_UPDATE'
  | 'CANCELED'
  | 'REJECTED'
  | 'EXPIRED';

export const TERMINAL_STATUSES: ReadonlySet<OrderStatus> = new Set(['DENIED', 'FILLED', 'CANCELED', 'REJECTED', 'EXPIRED']);

const LIVE_FILLABLE: OrderStatus[] = ['PARTIALLY_FILLED', 'FILLED'];

/** Allowed moves. PENDING_* may return to the status before it when the venue refuses the request. */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  INITIALIZED: ['SUBMITTED', 'DENIED'],
  DENIED: [],
  SUBMITTED: ['ACCEPTED', 'REJECTED', 'CANCELED', 'PENDING_CANCEL', ...LIVE_FILLABLE],
  ACCEPTED: ['PENDING_CANCEL', 'PENDING_UPDATE', 'CANCELED', 'EXPIRED', 'ACCEPTED', ...LIVE_FILLABLE],
  PARTIALLY_FILLED: ['PENDING_CANCEL', 'PENDING_UPDATE', 'CANCELED', 'EXPIRED', ...LIVE_FILLABLE],
  PENDING_CANCEL: ['CANCELED', 'ACCEPTED', 'EXPIRED', ...LIVE_FILLABLE],
  PENDING_UPDATE: ['ACCEPTED', 'PENDING_CANCEL', 'CANCELED', 'EXPIRED', ...LIVE_FILLABLE],
  FILLED: [],
  CANCELED: [],
  REJECTED: [],
  EXPIRED: [],
};

/**
 * Protection attached to an entry. Each side is either a fixed price (ticks) or a distance from the
 * entry's average fill price (ticks), like OANDA's stopLossOnFill `price` / `distance`.
 */
export interface BracketSpec {
  stopLoss?: number | null;
  takeProfit?: number | null;
  stopLossDistance?: number | null;
  takeProfitDistance?: number | null;
  /** When set (ticks), the stop-loss child is a TRAILING_STOP at this distance (stopLoss/stopLossDistance are then ignored). */
  trailingStopDistance?: number | null;
}

/** What a strategy, the UI or an algorithm asks for. The order manager turns it into an Order. */
export interface OrderRequest {
  instrumentId: string;
  side: OrderSide;
  /** Integer quantity units (> 0). */
  qty: number;
  type: OrderType;
  /** Limit price (LIMIT, MARKET_IF_TOUCHED), ticks. */
  price?: number | null;
  /** Trigger price (STOP), ticks. */
  triggerPrice?: number | null;
  /** Distance of a TRAILING_STOP's trigger from the best price since acceptance, ticks (> 0). */
  trailingDistance?: number | null;
  tif?: TimeInForce;
  expireTs?: EpochMs | null;
  reduceOnly?: boolean;
  role?: OrderRole;
  bracket?: BracketSpec | null;
  /** Free text kept with the order (e.g. the signal that caused it). */
  tag?: string;
}

export interface Order {
  clientOrderId: string;
  venueOrderId: string | null;
  strategyId: string;
  instrumentId: string;
  side: OrderSide;
  type: OrderType;
  qty: number;
  price: number | null;
  triggerPrice: number | null;
  /**
   * TRAILING_STOP distance in ticks (null for other types). Optional in the type so that code building
   * orders for other types need not name it; the order manager and `cloneOrder` always set it.
   */
  trailingDistance?: number | null;
  tif: TimeInForce;
  expireTs: EpochMs | null;
  reduceOnly: boolean;
  role: OrderRole;
  /** Entry order of a bracket child, or null. */
  parentId: string | null;
  /** Orders sharing an OCO group cancel each other when one fills. */
  ocoGroup: string | null;
  bracket: BracketSpec | null;
  tag: string;
  status: OrderStatus;
  /** Status before a PENDING_* state, to return to when the venue refuses the request. */
  statusBeforePending: OrderStatus | null;
  filledQty: number;
  /** Sum of fill ticks * fill qty (exact), so the average fill price is fillCost / filledQty. */
  fillCost: number;
  tsInit: EpochMs;
  tsLast: EpochMs;
}

export function isTerminal(o: Order): boolean {
  return TERMINAL_STATUSES.has(o.status);
}

export function leavesQty(o: Order): number {
  return o.qty - o.filledQty;
}

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return ORDER_TRANSITIONS[from].includes(to);
}

/** Moves `o` to `to` or throws `order.illegal_transition`. */
export function transition(o: Order, to: OrderStatus, ts: EpochMs): void {
  if (!canTransition(o.status, to)) {
    throw new EngineError('order.illegal_transition', `order ${o.clientOrderId}: ${o.status} -> ${to} is not allowed`);
  }
  // A cancel asked while an update is pending keeps the status from before both requests.
  if (to === 'PENDING_CANCEL' || to === 'PENDING_UPDATE') {
    if (o.status !== 'PENDING_CANCEL' && o.status !== 'PENDING_UPDATE') o.statusBeforePending = o.status;
  } else o.statusBeforePending = null;
  o.status = to;
  o.tsLast = ts;
}

/** Average fill price in (fractional) ticks, NaN before the first fill. */
export function avgFillTicks(o: Order): number {
  return o.filledQty === 0 ? NaN : o.fillCost / o.filledQty;
}

export function oppositeSide(side: OrderSide): OrderSide {
  return side === 'BUY' ? 'SELL' : 'BUY';
}

/** +1 for BUY, -1 for SELL. */
export function sideSign(side: OrderSide): 1 | -1 {
  return side === 'BUY' ? 1 : -1;
}

/**
 * A new order (status INITIALIZED, nothing filled) from a request, with the same field order as every
 * other order: what the order manager sends, and what a reconciliation adopts from the venue.
 */
export function newOrder(clientOrderId: string, strategyId: string, req: OrderRequest, now: EpochMs, parentId: string | null = null, ocoGroup: string | null = null): Order {
  return {
    clientOrderId,
    venueOrderId: null,
    strategyId,
    instrumentId: req.instrumentId,
    side: req.side,
    type: req.type,
    qty: req.qty,
    price: req.price ?? null,
    triggerPrice: req.triggerPrice ?? null,
    trailingDistance: req.type === 'TRAILING_STOP' ? (req.trailingDistance ?? null) : null,
    tif: req.tif ?? 'GTC',
    expireTs: req.expireTs ?? null,
    reduceOnly: req.reduceOnly ?? false,
    role: req.role ?? 'ENTRY',
    parentId,
    ocoGroup,
    bracket: req.bracket ?? null,
    tag: req.tag ?? '',
    status: 'INITIALIZED',
    statusBeforePending: null,
    filledQty: 0,
    fillCost: 0,
    tsInit: now,
    tsLast: now,
  };
}

/** A copy of an order with the same field order (so every order shares one hidden class). */
export function cloneOrder(o: Readonly<Order>): Order {
  return {
    clientOrderId: o.clientOrderId,
    venueOrderId: o.venueOrderId,
    strategyId: o.strategyId,
    instrumentId: o.instrumentId,
    side: o.side,
    type: o.type,
    qty: o.qty,
    price: o.price,
    triggerPrice: o.triggerPrice,
    trailingDistance: o.trailingDistance ?? null,
    tif: o.tif,
    expireTs: o.expireTs,
    reduceOnly: o.reduceOnly,
    role: o.role,
    parentId: o.parentId,
    ocoGroup: o.ocoGroup,
    bracket: o.bracket,
    tag: o.tag,
    status: o.status,
    statusBeforePending: o.statusBeforePending,
    filledQty: o.filledQty,
    fillCost: o.fillCost,
    tsInit: o.tsInit,
    tsLast: o.tsLast,
  };
}
