/**
 * The records the v20 test server keeps for an account's orders, trades and positions, named after
 * the spec's fields (v20.json definitions Order and its subtypes, OrderState, TimeInForce,
 * OrderPositionFill, OrderTriggerCondition, ClientExtensions, TakeProfitDetails, StopLossDetails,
 * TrailingStopLossDetails, Trade, TradeState, Position). Prices and units are exact Decs; times
 * are epoch ms; IDs are the strings of the transaction that created the object.
 */
import type { Dec } from './decimal';

export type EntryOrderType = 'MARKET' | 'LIMIT' | 'STOP' | 'MARKET_IF_TOUCHED';
export type DependentOrderType = 'TAKE_PROFIT' | 'STOP_LOSS' | 'TRAILING_STOP_LOSS';
export type OrderType = EntryOrderType | DependentOrderType;
export type OrderState = 'PENDING' | 'FILLED' | 'TRIGGERED' | 'CANCELLED';
export type TimeInForce = 'GTC' | 'GTD' | 'GFD' | 'FOK' | 'IOC';
export type PositionFill = 'OPEN_ONLY' | 'REDUCE_FIRST' | 'REDUCE_ONLY' | 'DEFAULT';
export type TriggerCondition = 'DEFAULT' | 'INVERSE' | 'BID' | 'ASK' | 'MID';

export const TIME_IN_FORCE: readonly TimeInForce[] = ['GTC', 'GTD', 'GFD', 'FOK', 'IOC'];
export const POSITION_FILL: readonly PositionFill[] = ['OPEN_ONLY', 'REDUCE_FIRST', 'REDUCE_ONLY', 'DEFAULT'];
export const TRIGGER_CONDITION: readonly TriggerCondition[] = ['DEFAULT', 'INVERSE', 'BID', 'ASK', 'MID'];

export interface ClientExtensions {
  id?: string;
  tag?: string;
  comment?: string;
}

/** TakeProfitDetails / StopLossDetails / TrailingStopLossDetails of an entry order. */
export interface OnFillDetails {
  price?: Dec;
  distance?: Dec;
  timeInForce: TimeInForce;
  gtdTime?: number;
  clientExtensions?: ClientExtensions;
}

export interface OrderRec {
  id: string;
  type: OrderType;
  createTime: number;
  state: OrderState;
  instrument: string;
  /** Entry orders: signed units. */
  units?: Dec;
  /** Entry LIMIT/STOP/MIT, TAKE_PROFIT and STOP_LOSS: the threshold price. */
  price?: Dec;
  /** STOP_LOSS given by distance, TRAILING_STOP_LOSS. */
  distance?: Dec;
  priceBound?: Dec;
  timeInForce: TimeInForce;
  gtdTime?: number;
  positionFill?: PositionFill;
  triggerCondition?: TriggerCondition;
  clientExtensions?: ClientExtensions;
  tradeClientExtensions?: ClientExtensions;
  takeProfitOnFill?: OnFillDetails;
  stopLossOnFill?: OnFillDetails;
  trailingStopLossOnFill?: OnFillDetails;
  /** MARKET_IF_TOUCHED: the price when it was created (decides the trigger direction). */
  initialMarketPrice?: Dec;
  /** Dependent orders. */
  tradeID?: string;
  clientTradeID?: string;
  trailingStopValue?: Dec;
  /** Market orders made by the close endpoints. */
  reason?: string;
  tradeClose?: { tradeID: string; clientTradeID?: string; units: string };
  longPositionCloseout?: { instrument: string; units: string };
  shortPositionCloseout?: { instrument: string; units: string };
  // Outcome
  fillingTransactionID?: string;
  filledTime?: number;
  tradeOpenedID?: string;
  tradeReducedID?: string;
  tradeClosedIDs?: string[];
  cancellingTransactionID?: string;
  cancelledTime?: number;
  replacesOrderID?: string;
  replacedByOrderID?: string;
  /** Dependent orders made on fill: the fill that created them. */
  orderFillTransactionID?: string;
}

export interface TradeRec {
  id: string;
  instrument: string;
  price: Dec;
  openTime: number;
  state: 'OPEN' | 'CLOSED';
  initialUnits: Dec;
  initialMarginRequired: Dec;
  currentUnits: Dec;
  realizedPL: Dec;
  closingTransactionIDs: string[];
  /** Σ |closed units| × close price, for averageClosePrice. */
  closedNotional: Dec;
  closedUnits: Dec;
  closeTime?: number;
  clientExtensions?: ClientExtensions;
  takeProfitOrderID?: string;
  stopLossOrderID?: string;
  trailingStopLossOrderID?: string;
}

export interface PositionRec {
  instrument: string;
  longPL: Dec;
  shortPL: Dec;
}

export function isEntryType(t: string): t is EntryOrderType {
  return t === 'MARKET' || t === 'LIMIT' || t === 'STOP' || t === 'MARKET_IF_TOUCHED';
}

export function isDependentType(t: string): t is DependentOrderType {
  return t === 'TAKE_PROFIT' || t === 'STOP_LOSS' || t === 'TRAILING_STOP_LOSS';
}

/** The transaction type that creates an order of this type ("LIMIT" → "LIMIT_ORDER"). */
export function createTxnType(type: OrderType): string {
  return `${type}_ORDER`;
}
