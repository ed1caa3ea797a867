/**
 * Engine events: named in the past tense, one interface per event, one union. Every event has a
 * kernel-assigned sequence `id`, `tsEvent` (when it happened, venue or market time) and `tsInit`
 * (when the engine created the record, by the injected clock).
 */
import type { FlattenReport } from './flatten-report';
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

/** The kill switch was used: `halt` (no new entries) or `flatten` (cancel everything, close everything, halt). */
export interface KillSwitchActivated extends EventBase {
  type: 'KillSwitchActivated';
  action: 'halt' | 'flatten';
  reason: string;
  /** Who asked: `user:desktop`, `cli:sigint`, `risk.daily_loss`, ... */
  source: string;
}

/** A flatten ended: every order canceled and every position closed (or a close ran out of attempts). */
export interface FlattenCompleted extends EventBase {
  type: 'FlattenCompleted';
  report: FlattenReport;
}

/**
 * A portfolio guard tripped (daily / weekly / monthly / quarterly loss, drawdown from the peak): an
 * alert. The state change it causes follows as TradingStateChanged with source `risk.<guard>`.
 */
export interface RiskLimitBreached extends EventBase {
  type: 'RiskLimitBreached';
  /** `daily_loss`, `weekly_loss`, `monthly_loss`, `quarterly_loss`, `drawdown`. */
  guard: string;
  /** The configured limit, % (of the period's starting equity, or of the peak for `drawdown`). */
  limit: number;
  /** The loss reached, same unit. */
  value: number;
  /** The state the guard asked for. */
  action: 'REDUCING' | 'HALTED';
}

/** Common fields of the execution-algorithm events (TWAP / VWAP, engine/execution/algos). */
interface AlgoEventBase extends EventBase {
  /** Deterministic parent id of the algorithm run (`{idPrefix}-ALGO-{n}`). */
  algoId: string;
  strategyId: string;
  instrumentId: string;
  side: OrderSide;
  /** Parent quantity, integer units. */
  qty: number;
}

/** An execution algorithm was started: it will slice `qty` into `slices` child orders over [startTs, endTs). */
export interface AlgoStarted extends AlgoEventBase {
  type: 'AlgoStarted';
  kind: 'TWAP' | 'VWAP';
  startTs: EpochMs;
  endTs: EpochMs;
  slices: number;
}

/** A slice of an algorithm was sent, denied, or a child filled. */
export interface AlgoProgressed extends AlgoEventBase {
  type: 'AlgoProgressed';
  filledQty: number;
  /** Parent quantity not filled yet. */
  remainingQty: number;
  /** Slices whose time has come (sent, denied or skipped as empty). */
  slicesDone: number;
  slices: number;
  /** Child client order id concerned, or null (named apart from `clientOrderId`: this is not an order event). */
  childOrderId: string | null;
  /** `sent` a child, a child was `denied`, a child `filled`, or a slice was `skipped` (nothing left to send). */
  what: 'sent' | 'denied' | 'filled' | 'skipped';
  /** Denial code of the child (what = denied), else null. */
  code: string | null;
}

/** An algorithm ended: every slice done (completed), `cancel` was called (cancelled), or a child was denied with onDenied 'stop' (stopped). */
export interface AlgoFinished extends AlgoEventBase {
  type: 'AlgoFinished';
  reason: 'completed' | 'cancelled' | 'stopped';
  filledQty: number;
  remainingQty: number;
  slicesDone: number;
  /** Why it stopped (a denial code) or ''. */
  detail: string;
}

/**
 * One difference found by the start-up reconciliation between the journal and the venue, and what
 * the engine did about it (the venue is the source of truth for money, so it adopts the venue's side).
 *   missed_event      a venue transaction the journal lacked (a fill while the engine was down, a
 *                     cancel, an expiry): applied as the venue reported it
 *   external_order    an order the venue has that the engine never sent (placed outside the app):
 *                     adopted (strategy `external`)
 *   unknown_at_venue  an order the journal has as working that the venue does not know: closed
 *                     (canceled, or rejected if it never reached the venue); never sent again
 *   order_mismatch    an order both know whose quantity, prices or fills differ: the venue's adopted
 *   position_mismatch a position that still differs after every transaction was applied: the
 *                     difference adopted as a reconciliation fill at the venue's average price
 *   balance_mismatch  cash differs from the venue's balance: reported, not adjusted
 */
export interface ReconciliationDifference extends EventBase {
  type: 'ReconciliationDifference';
  kind: 'missed_event' | 'external_order' | 'unknown_at_venue' | 'order_mismatch' | 'position_mismatch' | 'balance_mismatch';
  /** Instrument concerned, or null (named apart from `instrumentId`: this is not an order or position event). */
  instrument: string | null;
  /** Client order id concerned, or null. */
  orderId: string | null;
  /** What the journal said and what the venue said, in words (units, ticks, micro-units). */
  journal: string;
  venue: string;
  detail: string;
}

/**
 * The start-up reconciliation ended. `ok`: journal and venue agree (after adopting the differences)
 * and the engine leaves RECONCILING. `failed`: the venue's data was missing or inconsistent (never
 * read as flat); the engine stays RECONCILING and sends nothing.
 */
export interface ReconciliationCompleted extends EventBase {
  type: 'ReconciliationCompleted';
  status: 'ok' | 'failed';
  venue: string;
  differences: number;
  /** The venue's last transaction id the engine has now seen (0 = none). */
  lastVenueTxId: number;
  /** `failed`: a stable code (`reconcile.venue_unavailable`, `reconcile.venue_behind_journal`, ...) and why. */
  code: string | null;
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
  | AlgoStarted
  | AlgoProgressed
  | AlgoFinished
  | PositionOpened
  | PositionChanged
  | PositionClosed
  | TradingStateChanged
  | StrategyStateChanged
  | RiskLimitBreached
  | KillSwitchActivated
  | FlattenCompleted
  | ReconciliationDifference
  | ReconciliationCompleted;

export type EngineEventType = EngineEvent['type'];
export type EventOf<T extends EngineEventType> = Extract<EngineEvent, { type: T }>;

/** An event before the kernel stamps it with `id` and `tsInit`. */
export type EventInput<E extends EngineEvent = EngineEvent> = E extends EngineEvent ? Omit<E, 'id' | 'tsInit'> : never;

/**
 * Order events that a venue reports. A venue that numbers its transactions (the paper venue, OANDA)
 * stamps each event with the id of the transaction that caused it (`venueTxId`, increasing); the
 * journal keeps it, and a restarted engine asks the venue for what came after the last one it saw.
 */
export type VenueEvent = EventInput<
  OrderAccepted | OrderRejected | OrderCanceled | OrderCancelRejected | OrderUpdated | OrderExpired | OrderFilled
> & { venueTxId?: number };
