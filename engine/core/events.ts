/**
 * Engine events: named in the past tense, one interface per event, one union. Every event has a
 * kernel-assigned sequence `id`, `tsEvent` (when it happened, venue or market time) and `tsInit`
 * (when the engine created the record, by the injected clock).
 */
import type { Money } from './money';
import type { Order, OrderSide } from './order';
import type { EpochMs } from './time';

interface EventBase {
  id: number;
  tsEvent: EpochMs;
  tsInit: EpochMs;
}

export interface OrderInitialized extends EventBase {
  type: 'OrderInitialized';
  /** A copy of the order as created (status INITIALIZED). */
  order: Order;
}

export interface OrderDenied extends EventBase {
  type: 'OrderDenied';
  clientOrderId: string;
  strategyId: string;
  instrumentId: string;
  /** Stable reason code, e.g. `risk.exposure_cap`. */
  code: string;
  reason: string;
}

export interface OrderSubmitted extends EventBase {
  type: 'OrderSubmitted';
  clientOrderId: string;
  venue: string;
}

export interface OrderAccepted extends EventBase {
  type: 'OrderAccepted';
  clientOrderId: string;
  venueOrderId: string;
}

export interface OrderRejected extends EventBase {
  type: 'OrderRejected';
  clientOrderId: string;
  code: string;
  reason: string;
}

export interface OrderPendingCancel extends EventBase {
  type: 'OrderPendingCancel';
  clientOrderId: string;
}

export interface OrderCanceled extends EventBase {
  type: 'OrderCanceled';
  clientOrderId: string;
  reason: string;
}

export interface OrderCancelRejected extends EventBase {
  type: 'OrderCancelRejected';
  clientOrderId: string;
  code: string;
  reason: string;
}

export interface OrderPendingUpdate extends EventBase {
  type: 'OrderPendingUpdate';
  clientOrderId: string;
}

export interface OrderUpdated extends EventBase {
  type: 'OrderUpdated';
  clientOrderId: string;
  qty: number;
  price: number | null;
  triggerPrice: number | null;
}

/** A modification refused by the engine (risk gate) before it reached the venue; the order is unchanged. */
export interface OrderModifyDenied extends EventBase {
  type: 'OrderModifyDenied';
  clientOrderId: string;
  code: string;
  reason: string;
}

export interface OrderExpired extends EventBase {
  type: 'OrderExpired';
  clientOrderId: string;
}

export interface OrderFilled extends EventBase {
  type: 'OrderFilled';
  clientOrderId: string;
  venueOrderId: string;
  /** Venue trade / execution id, unique per fill. */
  tradeId: string;
  strategyId: string;
  instrumentId: string;
  side: OrderSide;
  /** Units filled by this execution (> 0). */
  lastQty: number;
  /** Fill price, ticks. */
  lastPx: number;
  /** Fee in micro-units of `feeCurrency` (>= 0 is a cost). */
  fee: Money;
  feeCurrency: string;
  /** Slippage cost against the reference price, micro-units of the quote currency (>= 0 is a cost). */
  slippage: Money;
  liquidity: 'MAKER' | 'TAKER';
  /** Units still open on the order after this fill. */
  leavesQty: number;
}

export interface PositionOpened extends EventBase {
  type: 'PositionOpened';
  instrumentId: string;
  qty: number;
  avgPx: number;
}

export interface PositionChanged extends EventBase {
  type: 'PositionChanged';
  instrumentId: string;
  qty: number;
  avgPx: number;
  /** Realized P&L of this change, account currency micro-units. */
  realizedPnl: Money;
}

export interface PositionClosed extends EventBase {
  type: 'PositionClosed';
  instrumentId: string;
  /** Realized P&L of this change, account currency micro-units. */
  realizedPnl: Money;
  /** Realized P&L of the whole position since it opened, net of fees, account currency. */
  totalRealizedPnl: Money;
}

export type TradingState = 'ACTIVE' | 'REDUCING' | 'HALTED' | 'RECONCILING';

export interface TradingStateChanged extends EventBase {
  type: 'TradingStateChanged';
  from: TradingState;
  to: TradingState;
  reason: string;
  /** Who asked: `risk.daily_loss`, `user:desktop`, `kill_switch`, ... */
  source: string;
}

export interface StrategyStateChanged extends EventBase {
  type: 'StrategyStateChanged';
  strategyId: string;
  state: 'RUNNING' | 'STOPPED' | 'FAULTED';
  reason: string;
}

export type EngineEvent =
  | OrderInitialized
  | OrderDenied
  | OrderSubmitted
  | OrderAccepted
  | OrderRejected
  | OrderPendingCancel
  | OrderCanceled
  | OrderCancelRejected
  | OrderPendingUpdate
  | OrderUpdated
  | OrderModifyDenied
  | OrderExpired
  | OrderFilled
  | PositionOpened
  | PositionChanged
  | PositionClosed
  | TradingStateChanged
  | StrategyStateChanged;

export type EngineEventType = EngineEvent['type'];
export type EventOf<T extends EngineEventType> = Extract<EngineEvent, { type: T }>;

/** An event before the kernel stamps it with `id` and `tsInit`. */
export type EventInput<E extends EngineEvent = EngineEvent> = E extends EngineEvent ? Omit<E, 'id' | 'tsInit'> : never;

/** Order events that a venue reports. */
export type VenueEvent = EventInput<
  OrderAccepted | OrderRejected | OrderCanceled | OrderCancelRejected | OrderUpdated | OrderExpired | OrderFilled
>;
