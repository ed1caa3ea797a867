/**
 * Validation of order requests (v20.json definitions OrderRequest, MarketOrderRequest,
 * LimitOrderRequest, StopOrderRequest, MarketIfTouchedOrderRequest, TakeProfitOrderRequest,
 * StopLossOrderRequest, TrailingStopLossOrderRequest, TakeProfitDetails, StopLossDetails,
 * TrailingStopLossDetails, ClientExtensions, TransactionRejectReason; API-NOTES.md "Orders" → Create
 * and the 400 reject example under "Errors").
 *
 * A request either becomes an order record (not yet numbered) or a reject: the TransactionRejectReason,
 * a message, and the request's own fields to echo in the `…_ORDER_REJECT` transaction. Rules: units
 * non-zero with at most tradeUnitsPrecision decimals, |units| between minimumTradeSize and
 * maximumOrderUnits; prices positive with at most displayPrecision decimals; timeInForce allowed per
 * type (MARKET: FOK/IOC; LIMIT/STOP: all; MIT and dependent orders: GTC/GTD/GFD), GTD needs a future
 * gtdTime; clientExtensions.id unique among pending orders, tradeClientExtensions.id among open trades;
 * stop-loss price XOR distance; trailing distances within the instrument's limits; guaranteed stops
 * not allowed (guaranteedStopLossOrderMode DISABLED).
 */
import * as D from './decimal';
import type { Dec } from './decimal';
import type { Account } from './account';
import type { Market } from './market';
import {
  POSITION_FILL,
  TIME_IN_FORCE,
  TRIGGER_CONDITION,
  isDependentType,
  isEntryType,
  type ClientExtensions,
  type OnFillDetails,
  type OrderRec,
  type PositionFill,
  type TimeInForce,
  type TriggerCondition,
} from './model';
import { parseTime } from './time';

export type NewOrder = Omit<OrderRec, 'id' | 'createTime' | 'state'>;

export interface Reject {
  rejectReason: string;
  message: string;
  /** The request's fields, for the reject transaction. */
  echo: Record<string, unknown>;
  /** Transaction type of the reject ("LIMIT_ORDER_REJECT"). */
  type: string;
}

export type Parsed = { ok: true; order: NewOrder } | { ok: false; reject: Reject };

/** Raised inside validation; turned into a Reject. */
class RejectError extends Error {
  constructor(readonly rejectReason: string, message?: string) {
    super(message ?? messageFor(rejectReason));
  }
}

const MESSAGES: Record<string, string> = {
  UNITS_PRECISION_EXCEEDED: "The units specified contains more precision than is allowed for the Order's instrument",
  UNITS_MIMIMUM_NOT_MET: "The Order's units do not meet the instrument's minimum trade size",
  UNITS_LIMIT_EXCEEDED: "The Order's units exceed the instrument's maximum order units",
  PRICE_PRECISION_EXCEEDED: "The price specified contains more precision than is allowed for the Order's instrument",
  CLIENT_ORDER_ID_ALREADY_EXISTS: 'The client Order ID specified is already assigned to another pending Order',
  CLIENT_TRADE_ID_ALREADY_EXISTS: 'The client Trade ID specified is already assigned to another open Trade',
  TRADE_DOESNT_EXIST: 'The Trade specified does not exist',
  INSTRUMENT_UNKNOWN: 'The Order instrument is unknown',
};

export function messageFor(code: string): string {
  return MESSAGES[code] ?? `The request was rejected: ${code.toLowerCase().replace(/_/g, ' ')}`;
}

const CLIENT_ID_MAX = 128;

type Raw = Record<string, unknown>;

function isObj(x: unknown): x is Raw {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function str(x: unknown): string | undefined {
  return typeof x === 'string' ? x : typeof x === 'number' ? String(x) : undefined;
}

/** Keys of each request type the reject transaction echoes (the request's own values). */
const ECHO_KEYS = [
  'instrument', 'units', 'price', 'priceBound', 'distance', 'timeInForce', 'gtdTime', 'positionFill',
  'triggerCondition', 'clientExtensions', 'takeProfitOnFill', 'stopLossOnFill', 'trailingStopLossOnFill',
  'tradeClientExtensions', 'tradeID', 'clientTradeID', 'guaranteed',
];

/** The request's own fields, with the spec's defaults for those it left out (as a create would show them). */
export function echoOf(raw: Raw): Record<string, unknown> {
  const type = String(raw.type);
  const out: Record<string, unknown> = {};
  if (isEntryType(type)) {
    out.timeInForce = type === 'MARKET' ? 'FOK' : 'GTC';
    out.positionFill = 'DEFAULT';
    if (type !== 'MARKET') out.triggerCondition = 'DEFAULT';
  } else if (isDependentType(type)) {
    out.timeInForce = 'GTC';
    out.triggerCondition = 'DEFAULT';
  }
  for (const k of ECHO_KEYS) if (raw[k] !== undefined && raw[k] !== null) out[k] = raw[k];
  return out;
}

export interface ValidateContext {
  account: Account;
  market: Market;
  now: number;
  /** When replacing an order: its ID (its client ID does not count as taken). */
  replacing?: string;
}

export function parseClientExtensions(x: unknown, prefix: 'CLIENT_ORDER' | 'CLIENT_TRADE' | string): ClientExtensions | undefined {
  if (x === undefined || x === null) return undefined;
  if (!isObj(x)) throw new RejectError(`${prefix}_ID_INVALID`);
  const ce: ClientExtensions = {};
  for (const [k, code] of [
    ['id', 'ID'],
    ['tag', 'TAG'],
    ['comment', 'COMMENT'],
  ] as const) {
    const v = x[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string' || v.length === 0 || v.length > CLIENT_ID_MAX) throw new RejectError(`${prefix}_${code}_INVALID`);
    ce[k] = v;
  }
  return ce;
}

function parseUnits(x: unknown, ctx: ValidateContext, instrument: string): Dec {
  if (x === undefined || x === null) throw new RejectError('UNITS_MISSING');
  const s = str(x);
  const u = s === undefined ? null : D.parseDec(s);
  if (u === null || u === 0n) throw new RejectError('UNITS_INVALID');
  const def = ctx.market.def(instrument)!;
  if (!D.fitsPlaces(u, def.tradeUnitsPrecision)) throw new RejectError('UNITS_PRECISION_EXCEEDED');
  if (D.abs(u) < D.dec(def.minimumTradeSize)) throw new RejectError('UNITS_MIMIMUM_NOT_MET');
  if (D.abs(u) > D.dec(def.maximumOrderUnits)) throw new RejectError('UNITS_LIMIT_EXCEEDED');
  return u;
}

/** A positive price with at most displayPrecision decimals; `code` prefixes the reasons (PRICE, PRICE_BOUND, …). */
function parsePrice(x: unknown, ctx: ValidateContext, instrument: string, code: string, required: boolean): Dec | undefined {
  if (x === undefined || x === null) {
    if (required) throw new RejectError(`${code}_MISSING`);
    return undefined;
  }
  const s = str(x);
  const p = s === undefined ? null : D.parseDec(s);
  if (p === null || p <= 0n) throw new RejectError(`${code}_INVALID`);
  if (!D.fitsPlaces(p, ctx.market.def(instrument)!.displayPrecision)) throw new RejectError(`${code}_PRECISION_EXCEEDED`);
  return p;
}

function parseTif(x: unknown, allowed: readonly TimeInForce[], dflt: TimeInForce, code: string): TimeInForce {
  if (x === undefined || x === null) return dflt;
  if (typeof x !== 'string' || !(TIME_IN_FORCE as readonly string[]).includes(x) || !allowed.includes(x as TimeInForce)) {
    throw new RejectError(`${code}_INVALID`);
  }
  return x as TimeInForce;
}

function parseGtd(tif: TimeInForce, x: unknown, ctx: ValidateContext, code: string): number | undefined {
  if (tif !== 'GTD') return undefined;
  if (x === undefined || x === null) throw new RejectError(`${code}_MISSING`);
  const ms = typeof x === 'string' ? parseTime(x) : null;
  if (ms === null) throw new RejectError(`${code}_MISSING`);
  if (ms <= ctx.now) throw new RejectError(`${code}_IN_PAST`);
  return ms;
}

function parseOnFill(
  x: unknown,
  ctx: ValidateContext,
  instrument: string,
  kind: 'TAKE_PROFIT' | 'STOP_LOSS' | 'TRAILING_STOP_LOSS',
): OnFillDetails | undefined {
  if (x === undefined || x === null) return undefined;
  const p = `${kind}_ON_FILL`;
  if (!isObj(x)) throw new RejectError(kind === 'TRAILING_STOP_LOSS' ? `${p}_PRICE_DISTANCE_INVALID` : `${p}_PRICE_INVALID`);
  const timeInForce = parseTif(x.timeInForce, ['GTC', 'GTD', 'GFD'], 'GTC', `${p}_TIME_IN_FORCE`);
  const gtdTime = parseGtd(timeInForce, x.gtdTime, ctx, `${p}_GTD_TIMESTAMP`);
  const clientExtensions = parseClientExtensions(x.clientExtensions, `${p}_CLIENT_ORDER`);
  const out: OnFillDetails = { timeInForce, gtdTime, clientExtensions };
  const def = ctx.market.def(instrument)!;
  if (kind === 'TAKE_PROFIT') {
    out.price = parsePrice(x.price, ctx, instrument, `${p}_PRICE`, true);
  } else if (kind === 'STOP_LOSS') {
    if (x.guaranteed === true) throw new RejectError('STOP_LOSS_ON_FILL_GUARANTEED_NOT_ALLOWED');
    const hasPrice = x.price !== undefined && x.price !== null;
    const hasDistance = x.distance !== undefined && x.distance !== null;
    if (hasPrice && hasDistance) throw new RejectError(`${p}_PRICE_AND_DISTANCE_BOTH_SPECIFIED`);
    if (!hasPrice && !hasDistance) throw new RejectError(`${p}_PRICE_AND_DISTANCE_BOTH_MISSING`);
    if (hasPrice) out.price = parsePrice(x.price, ctx, instrument, `${p}_PRICE`, true);
    else {
      const s = str(x.distance);
      const d = s === undefined ? null : D.parseDec(s);
      if (d === null || d <= 0n) throw new RejectError(`${p}_DISTANCE_INVALID`);
      if (!D.fitsPlaces(d, def.displayPrecision)) throw new RejectError(`${p}_DISTANCE_PRECISION_EXCEEDED`);
      out.distance = d;
    }
  } else {
    const s = str(x.distance);
    if (s === undefined) throw new RejectError(`${p}_PRICE_DISTANCE_MISSING`);
    const d = D.parseDec(s);
    if (d === null || d <= 0n) throw new RejectError(`${p}_PRICE_DISTANCE_INVALID`);
    if (!D.fitsPlaces(d, def.displayPrecision)) throw new RejectError(`${p}_PRICE_DISTANCE_PRECISION_EXCEEDED`);
    if (d < D.dec(def.minimumTrailingStopDistance)) throw new RejectError(`${p}_PRICE_DISTANCE_MINIMUM_NOT_MET`);
    if (d > D.dec(def.maximumTrailingStopDistance)) throw new RejectError(`${p}_PRICE_DISTANCE_MAXIMUM_EXCEEDED`);
    out.distance = d;
  }
  return out;
}

function parseEnum<T extends string>(x: unknown, allowed: readonly T[], dflt: T, code: string): T {
  if (x === undefined || x === null) return dflt;
  if (typeof x !== 'string' || !(allowed as readonly string[]).includes(x)) throw new RejectError(code);
  return x as T;
}

function checkClientIds(order: NewOrder, ctx: ValidateContext): void {
  const ids = [
    order.clientExtensions?.id,
    order.takeProfitOnFill?.clientExtensions?.id,
    order.stopLossOnFill?.clientExtensions?.id,
    order.trailingStopLossOnFill?.clientExtensions?.id,
  ].filter((x): x is string => x !== undefined);
  if (new Set(ids).size !== ids.length) throw new RejectError('ORDERS_ON_FILL_DUPLICATE_CLIENT_ORDER_IDS');
  const cid = order.clientExtensions?.id;
  if (cid !== undefined && ctx.account.pendingClientIdTaken(cid, ctx.replacing)) throw new RejectError('CLIENT_ORDER_ID_ALREADY_EXISTS');
  for (const [d, code] of [
    [order.takeProfitOnFill, 'TAKE_PROFIT_ON_FILL_CLIENT_ORDER_ID_ALREADY_EXISTS'],
    [order.stopLossOnFill, 'STOP_LOSS_ON_FILL_CLIENT_ORDER_ID_ALREADY_EXISTS'],
    [order.trailingStopLossOnFill, 'TRAILING_STOP_LOSS_ON_FILL_CLIENT_ORDER_ID_ALREADY_EXISTS'],
  ] as const) {
    const id = d?.clientExtensions?.id;
    if (id !== undefined && ctx.account.pendingClientIdTaken(id, ctx.replacing)) throw new RejectError(code);
  }
  const tid = order.tradeClientExtensions?.id;
  if (tid !== undefined && ctx.account.openTradeClientIdTaken(tid)) throw new RejectError('CLIENT_TRADE_ID_ALREADY_EXISTS');
}

function parseEntry(raw: Raw, type: 'MARKET' | 'LIMIT' | 'STOP' | 'MARKET_IF_TOUCHED', ctx: ValidateContext): NewOrder {
  const instrument = str(raw.instrument);
  if (instrument === undefined) throw new RejectError('INSTRUMENT_MISSING');
  if (!ctx.market.def(instrument)) throw new RejectError('INSTRUMENT_UNKNOWN');
  const units = parseUnits(raw.units, ctx, instrument);
  const tifAllowed: readonly TimeInForce[] =
    type === 'MARKET' ? ['FOK', 'IOC'] : type === 'MARKET_IF_TOUCHED' ? ['GTC', 'GTD', 'GFD'] : TIME_IN_FORCE;
  const timeInForce = parseTif(raw.timeInForce, tifAllowed, type === 'MARKET' ? 'FOK' : 'GTC', 'TIME_IN_FORCE');
  const order: NewOrder = {
    type,
    instrument,
    units,
    timeInForce,
    gtdTime: parseGtd(timeInForce, raw.gtdTime, ctx, 'TIME_IN_FORCE_GTD_TIMESTAMP'),
    price: type === 'MARKET' ? undefined : parsePrice(raw.price, ctx, instrument, 'PRICE', true),
    priceBound: type === 'LIMIT' ? undefined : parsePrice(raw.priceBound, ctx, instrument, 'PRICE_BOUND', false),
    positionFill: parseEnum<PositionFill>(raw.positionFill, POSITION_FILL, 'DEFAULT', 'ORDER_FILL_POSITION_ACTION_INVALID'),
    triggerCondition:
      type === 'MARKET'
        ? undefined
        : parseEnum<TriggerCondition>(raw.triggerCondition, TRIGGER_CONDITION, 'DEFAULT', 'TRIGGER_CONDITION_INVALID'),
    clientExtensions: parseClientExtensions(raw.clientExtensions, 'CLIENT_ORDER'),
    tradeClientExtensions: parseClientExtensions(raw.tradeClientExtensions, 'CLIENT_TRADE'),
    takeProfitOnFill: parseOnFill(raw.takeProfitOnFill, ctx, instrument, 'TAKE_PROFIT'),
    stopLossOnFill: parseOnFill(raw.stopLossOnFill, ctx, instrument, 'STOP_LOSS'),
    trailingStopLossOnFill: parseOnFill(raw.trailingStopLossOnFill, ctx, instrument, 'TRAILING_STOP_LOSS'),
  };
  if (type === 'MARKET_IF_TOUCHED') {
    // The price its trigger watches now (DEFAULT: the ask for buys, the bid for sells).
    const q = ctx.market.quote(instrument);
    order.initialMarketPrice = units > 0n ? q.ask : q.bid;
  }
  checkClientIds(order, ctx);
  return order;
}

function parseDependent(raw: Raw, type: 'TAKE_PROFIT' | 'STOP_LOSS' | 'TRAILING_STOP_LOSS', ctx: ValidateContext): NewOrder {
  const tradeID = str(raw.tradeID);
  const clientTradeID = str(raw.clientTradeID);
  if (tradeID === undefined && clientTradeID === undefined) throw new RejectError('TRADE_ID_UNSPECIFIED');
  const byId = tradeID !== undefined ? ctx.account.tradeBySpecifier(tradeID) : undefined;
  const byClient = clientTradeID !== undefined ? ctx.account.tradeBySpecifier(`@${clientTradeID}`) : undefined;
  if (tradeID !== undefined && clientTradeID !== undefined && byId !== byClient) throw new RejectError('TRADE_IDENTIFIER_INCONSISTENCY');
  const trade = byId ?? byClient;
  if (!trade || trade.state !== 'OPEN') throw new RejectError('TRADE_DOESNT_EXIST');
  const existing =
    type === 'TAKE_PROFIT' ? trade.takeProfitOrderID : type === 'STOP_LOSS' ? trade.stopLossOrderID : trade.trailingStopLossOrderID;
  if (existing !== undefined && ctx.account.orders.get(existing)?.state === 'PENDING' && existing !== ctx.replacing) {
    throw new RejectError(`${type}_ORDER_ALREADY_EXISTS`);
  }
  const instrument = trade.instrument;
  const timeInForce = parseTif(raw.timeInForce, ['GTC', 'GTD', 'GFD'], 'GTC', 'TIME_IN_FORCE');
  const order: NewOrder = {
    type,
    instrument,
    tradeID: trade.id,
    clientTradeID: trade.clientExtensions?.id,
    timeInForce,
    gtdTime: parseGtd(timeInForce, raw.gtdTime, ctx, 'TIME_IN_FORCE_GTD_TIMESTAMP'),
    triggerCondition: parseEnum<TriggerCondition>(raw.triggerCondition, TRIGGER_CONDITION, 'DEFAULT', 'TRIGGER_CONDITION_INVALID'),
    clientExtensions: parseClientExtensions(raw.clientExtensions, 'CLIENT_ORDER'),
  };
  const def = ctx.market.def(instrument)!;
  if (type === 'TAKE_PROFIT') order.price = parsePrice(raw.price, ctx, instrument, 'PRICE', true);
  else if (type === 'STOP_LOSS') {
    if (raw.guaranteed === true) throw new RejectError('STOP_LOSS_ORDER_GUARANTEED_NOT_ALLOWED');
    const hasPrice = raw.price !== undefined && raw.price !== null;
    const hasDistance = raw.distance !== undefined && raw.distance !== null;
    if (hasPrice && hasDistance) throw new RejectError('STOP_LOSS_ORDER_PRICE_AND_DISTANCE_BOTH_SPECIFIED');
    if (!hasPrice && !hasDistance) throw new RejectError('STOP_LOSS_ORDER_PRICE_AND_DISTANCE_BOTH_MISSING');
    if (hasPrice) order.price = parsePrice(raw.price, ctx, instrument, 'PRICE', true);
    else order.distance = parseDistance(raw.distance, def.displayPrecision);
  } else {
    const d = parseDistance(raw.distance, def.displayPrecision);
    if (d < D.dec(def.minimumTrailingStopDistance)) throw new RejectError('PRICE_DISTANCE_MINIMUM_NOT_MET');
    if (d > D.dec(def.maximumTrailingStopDistance)) throw new RejectError('PRICE_DISTANCE_MAXIMUM_EXCEEDED');
    order.distance = d;
  }
  checkClientIds(order, ctx);
  return order;
}

function parseDistance(x: unknown, places: number): Dec {
  if (x === undefined || x === null) throw new RejectError('PRICE_DISTANCE_MISSING');
  const s = str(x);
  const d = s === undefined ? null : D.parseDec(s);
  if (d === null || d <= 0n) throw new RejectError('PRICE_DISTANCE_INVALID');
  if (!D.fitsPlaces(d, places)) throw new RejectError('PRICE_DISTANCE_PRECISION_EXCEEDED');
  return d;
}

export const ORDER_REQUEST_TYPES = ['MARKET', 'LIMIT', 'STOP', 'MARKET_IF_TOUCHED', 'TAKE_PROFIT', 'STOP_LOSS', 'TRAILING_STOP_LOSS'] as const;

/**
 * Validates `raw` (the body's `order`) whose `type` is one of ORDER_REQUEST_TYPES (the caller checks
 * that first, since a reject transaction is named after the type).
 */
export function parseOrderRequest(raw: Raw, ctx: ValidateContext): Parsed {
  const type = raw.type as string;
  try {
    if (isEntryType(type)) return { ok: true, order: parseEntry(raw, type, ctx) };
    if (isDependentType(type)) return { ok: true, order: parseDependent(raw, type, ctx) };
    throw new Error(`oanda-server: parseOrderRequest called with type ${type}`);
  } catch (e) {
    if (!(e instanceof RejectError)) throw e;
    return { ok: false, reject: { rejectReason: e.rejectReason, message: e.message, echo: echoOf(raw), type: `${type}_ORDER_REJECT` } };
  }
}

/** Validates dependent-order details of PUT …/trades/{id}/orders as a full request of `type`. */
export function parseTradeDependent(
  details: Raw,
  type: 'TAKE_PROFIT' | 'STOP_LOSS' | 'TRAILING_STOP_LOSS',
  tradeID: string,
  ctx: ValidateContext,
): Parsed {
  return parseOrderRequest({ ...details, type, tradeID }, ctx);
}

export { isObj, RejectError };
