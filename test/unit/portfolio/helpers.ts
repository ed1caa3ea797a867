/** Shared fixtures for the portfolio tests: a real Cache, instruments, hand-written fills and orders. */
import { Cache } from '../../../engine/core/cache';
import type { EventInput, OrderFilled } from '../../../engine/core/events';
import { makeInstrument, type Instrument } from '../../../engine/core/instrument';
import type { Order, OrderRole } from '../../../engine/core/order';
import { Portfolio, type PositionEvent } from '../../../engine/portfolio/portfolio';

export const USD = 1_000_000;
export const DAY = 86_400_000;
export const T0 = Date.UTC(2024, 0, 2, 10, 0, 0);

export const AAPL = makeInstrument({ id: 'AAPL', assetClass: 'equity', quoteCurrency: 'USD', pricePrecision: 2, sector: 'Technology' });
export const MSFT = makeInstrument({ id: 'MSFT', assetClass: 'equity', quoteCurrency: 'USD', pricePrecision: 2, sector: 'Technology' });
export const XOM = makeInstrument({ id: 'XOM', assetClass: 'equity', quoteCurrency: 'USD', pricePrecision: 2, sector: 'Energy' });
export const EUR_USD = makeInstrument({ id: 'EUR_USD', assetClass: 'fx', quoteCurrency: 'USD', pricePrecision: 5 });
export const USD_JPY = makeInstrument({ id: 'USD_JPY', assetClass: 'fx', quoteCurrency: 'JPY', pricePrecision: 3 });
export const EUR_JPY = makeInstrument({ id: 'EUR_JPY', assetClass: 'fx', quoteCurrency: 'JPY', pricePrecision: 3 });
export const EUR_GBP = makeInstrument({ id: 'EUR_GBP', assetClass: 'fx', quoteCurrency: 'GBP', pricePrecision: 5 });
export const GBP_USD = makeInstrument({ id: 'GBP_USD', assetClass: 'fx', quoteCurrency: 'USD', pricePrecision: 5 });
/** Fractional units and a notional that rounds (6 - 2 - 8 < 0). */
export const BTC_USD = makeInstrument({ id: 'BTC_USD', assetClass: 'crypto', quoteCurrency: 'USD', pricePrecision: 2, unitPrecision: 8 });

export function makeCache(instruments: Instrument[]): Cache {
  const cache = new Cache();
  for (const i of instruments) cache.addInstrument(i);
  return cache;
}

export function setPrice(cache: Cache, instrumentId: string, close: number, ts = T0): void {
  cache.setBar({ instrumentId, ts, durationMs: 60_000, open: close, high: close, low: close, close, volume: 0 });
}

export interface Harness {
  cache: Cache;
  pf: Portfolio;
  events: PositionEvent[];
}

export function makePortfolio(instruments: Instrument[], startingCash = 100_000 * USD, accountCurrency = 'USD'): Harness {
  const cache = makeCache(instruments);
  const events: PositionEvent[] = [];
  const pf = new Portfolio({ accountCurrency, startingCash, cache, emit: (e) => events.push(e) });
  return { cache, pf, events };
}

let tradeSeq = 0;

export interface FillSpec {
  inst: Instrument;
  side: 'BUY' | 'SELL';
  qty: number;
  /** Price in ticks. */
  px: number;
  ts?: number;
  fee?: number;
  feeCurrency?: string;
  slippage?: number;
  clientOrderId?: string;
}

export function fill(s: FillSpec): EventInput<OrderFilled> {
  tradeSeq += 1;
  return {
    type: 'OrderFilled',
    tsEvent: s.ts ?? T0,
    clientOrderId: s.clientOrderId ?? `O-${tradeSeq}`,
    venueOrderId: `V-${tradeSeq}`,
    tradeId: `T-${tradeSeq}`,
    strategyId: 'S1',
    instrumentId: s.inst.id,
    side: s.side,
    lastQty: s.qty,
    lastPx: s.px,
    fee: s.fee ?? 0,
    feeCurrency: s.feeCurrency ?? s.inst.quoteCurrency,
    slippage: s.slippage ?? 0,
    liquidity: 'TAKER',
    leavesQty: 0,
  };
}

/** Puts an order with `role` and `tag` into the cache (only role and tag matter to the portfolio). */
export function addOrder(cache: Cache, clientOrderId: string, inst: Instrument, role: OrderRole, tag = ''): void {
  const order: Order = {
    clientOrderId,
    venueOrderId: null,
    strategyId: 'S1',
    instrumentId: inst.id,
    side: 'SELL',
    type: 'MARKET',
    qty: 1_000_000,
    price: null,
    triggerPrice: null,
    tif: 'GTC',
    expireTs: null,
    reduceOnly: false,
    role,
    parentId: null,
    ocoGroup: null,
    bracket: null,
    tag,
    status: 'INITIALIZED',
    statusBeforePending: null,
    filledQty: 0,
    fillCost: 0,
    tsInit: T0,
    tsLast: T0,
  };
  cache.applyEvent({ type: 'OrderInitialized', id: 0, tsEvent: T0, tsInit: T0, order });
}

export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

/** Reference rounding for tests: round(num / den) half-to-even with BigInt, den > 0, as a number. */
export function bigRoundHalfEven(num: bigint, den: bigint): number {
  const neg = num < 0n;
  const a = neg ? -num : num;
  let q = a / den;
  const r = a % den;
  if (2n * r > den || (2n * r === den && q % 2n === 1n)) q += 1n;
  return Number(neg ? -q : q);
}
