/**
 * Pure conversions between the v20 wire format and the engine's model (no I/O here).
 *
 * Exactness: v20 prices, units and money are decimal strings; they become integer ticks (10^-display
 * precision), integer units (10^-tradeUnitsPrecision) and micro-units (engine/core/money.ts) with
 * `parseDecimal`, never through parseFloat. Order prices must be on the instrument's precision
 * (`decimal.precision` otherwise); fill prices (a VWAP may carry more decimals) are rounded
 * half-to-even at this boundary. Outgoing values are written with `formatDecimal`.
 *
 * Orders: MARKET (FOK, or IOC), LIMIT, STOP (`price` = the engine's trigger), MARKET_IF_TOUCHED
 * (`price`), with `clientExtensions.id` = our client order id and `tag` = the strategy. A reduce-only
 * order is `positionFill: REDUCE_ONLY`; others take the configured mode. Brackets become the v20
 * on-fill details: stopLossOnFill (`price` or `distance`), trailingStopLossOnFill (`distance`),
 * takeProfitOnFill (`price`; a take-profit distance is priced from the order's own price, and for a
 * MARKET order left to the engine's bracket child, which is sent once the fill price is known).
 * Every entry that can open a trade carries a stop-loss: the bracket's, or `defaultStopLossTicks`
 * from the entry price as a distance (`oanda.stop_loss_required` when there is neither). A stand-alone
 * TRAILING_STOP has no v20 equivalent (v20 trailing stops belong to a trade): `oanda.unsupported_order`.
 */
import type { Bar } from '../../core/bar';
import { EngineError } from '../../core/errors';
import { formatDecimal, parseDecimal } from '../../core/fixed';
import { makeInstrument, type AssetClass, type Instrument } from '../../core/instrument';
import type { Order, TimeInForce } from '../../core/order';
import type { EpochMs } from '../../core/time';
import type { OnFill, OrderRequestBody } from './api';
import type { V20Candle, V20Instrument } from './schemas';

export type PositionFill = 'DEFAULT' | 'REDUCE_FIRST' | 'REDUCE_ONLY' | 'OPEN_ONLY';

/** Exact price string -> ticks; throws `decimal.precision` when it has more decimals than the instrument. */
export function priceTicks(inst: Instrument, s: string): number {
  return parseDecimal(s, inst.pricePrecision);
}

/** Fill/average price string -> ticks, rounded half-to-even to the instrument's precision. */
export function fillTicks(inst: Instrument, s: string): number {
  return parseDecimal(s, inst.pricePrecision, true);
}

export function ticksStr(inst: Instrument, ticks: number): string {
  return formatDecimal(ticks, inst.pricePrecision);
}

/** Signed units string -> signed integer units. */
export function unitsInt(inst: Instrument, s: string): number {
  return parseDecimal(s, inst.unitPrecision);
}

export function unitsStr(inst: Instrument, units: number): string {
  return formatDecimal(units, inst.unitPrecision);
}

/** v20 DateTime (RFC3339 with up to 9 decimals, or UNIX seconds with decimals) -> epoch ms. */
export function v20Time(s: string): EpochMs {
  if (/^\d+(\.\d+)?$/.test(s)) {
    const [sec = '0', frac = ''] = s.split('.');
    return Number(sec) * 1000 + Number((frac + '000').slice(0, 3));
  }
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(s);
  const t = m ? Date.parse(`${m[1]}.${((m[2] ?? '') + '000').slice(0, 3)}${m[3]}`) : Date.parse(s);
  if (!Number.isFinite(t)) throw new EngineError('oanda.bad_time', `not a v20 DateTime: ${s}`);
  return t;
}

export function rfc3339(ms: EpochMs): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

const ASSET: Record<V20Instrument['type'], AssetClass> = { CURRENCY: 'fx', CFD: 'cfd', METAL: 'commodity' };

/** Normalises a v20 margin rate ("0.0333", "0.050", "1.0") to the engine's form. */
function marginRate(s: string): string {
  const [i = '0', f = ''] = s.split('.');
  const frac = f.replace(/0+$/, '');
  if (Number(i) >= 1 && frac === '') return '1';
  return `${Number(i) === 0 ? '0' : i}.${frac === '' ? '0' : frac}`;
}

/** A v20 instrument as an engine Instrument (tradeable until pricing says otherwise). */
export function toInstrument(v: V20Instrument, opts: { tradeable?: boolean; sector?: string } = {}): Instrument {
  const [base = v.name, quote = 'USD'] = v.name.split('_');
  const assetClass = ASSET[v.type];
  return makeInstrument({
    id: v.name,
    symbol: v.name,
    assetClass,
    baseCurrency: base,
    quoteCurrency: quote,
    pricePrecision: v.displayPrecision,
    tickSize: 1,
    unitPrecision: v.tradeUnitsPrecision,
    minQty: Math.max(1, parseDecimal(v.minimumTradeSize, v.tradeUnitsPrecision, true)),
    pipLocation: v.pipLocation,
    contractSize: 1,
    marginRate: marginRate(v.marginRate),
    sector: opts.sector ?? (assetClass === 'fx' ? 'FX' : assetClass === 'commodity' ? 'Metals' : 'CFD'),
    calendar: 'fx',
    tradeable: opts.tradeable ?? true,
  });
}

/** Ticks in `pips` pips of an instrument (a pip is 10^pipLocation). */
export function pipsToTicks(inst: Instrument, pips: number): number {
  const loc = inst.pipLocation ?? -inst.pricePrecision;
  return Math.round(pips * 10 ** (loc + inst.pricePrecision));
}

/** A v20 candle -> engine Bar (market data is float by design; the SQLite cache keeps the strings). */
export function candleToBar(instrument: string, durationMs: number, c: V20Candle): Bar {
  const side = c.mid ?? c.bid ?? c.ask;
  if (!side) throw new EngineError('oanda.bad_candle', `candle ${c.time} of ${instrument} has no mid, bid or ask`);
  const bar: Bar = { instrumentId: instrument, ts: v20Time(c.time), durationMs, open: Number(side.o), high: Number(side.h), low: Number(side.l), close: Number(side.c), volume: c.volume };
  if (c.bid && c.ask) {
    bar.bid = { open: Number(c.bid.o), high: Number(c.bid.h), low: Number(c.bid.l), close: Number(c.bid.c) };
    bar.ask = { open: Number(c.ask.o), high: Number(c.ask.h), low: Number(c.ask.l), close: Number(c.ask.c) };
  }
  return bar;
}

export const GRANULARITY_MS: Readonly<Record<string, number>> = {
  S5: 5_000, S10: 10_000, S15: 15_000, S30: 30_000,
  M1: 60_000, M2: 120_000, M4: 240_000, M5: 300_000, M10: 600_000, M15: 900_000, M30: 1_800_000,
  H1: 3_600_000, H2: 7_200_000, H3: 10_800_000, H4: 14_400_000, H6: 21_600_000, H8: 28_800_000, H12: 43_200_000,
  D: 86_400_000, W: 604_800_000,
};

export interface OrderMapOptions {
  positionFill: PositionFill;
  /** Venue-side stop-loss distance (ticks) for entries whose bracket has none; null = required in the bracket. */
  defaultStopLossTicks: number | null;
}

function tif(t: TimeInForce): string {
  return t === 'DAY' ? 'GFD' : t;
}

/** Client id of the on-fill dependent order of an entry (`<entry>.sl`, `.tp`, `.tsl`). */
export function dependentClientId(entryId: string, kind: 'sl' | 'tp' | 'tsl'): string {
  return `${entryId}.${kind}`;
}

/** Whether an order can open a trade (and so must carry a venue-side stop-loss). */
export function opensTrade(o: Readonly<Order>, positionFill: PositionFill): boolean {
  return !o.reduceOnly && positionFill !== 'REDUCE_ONLY' && o.role !== 'FLATTEN' && o.role !== 'STOP_LOSS' && o.role !== 'TAKE_PROFIT';
}

/** The v20 order request of an engine order. */
export function toV20Order(inst: Instrument, o: Readonly<Order>, opts: OrderMapOptions): OrderRequestBody {
  const sign = o.side === 'BUY' ? 1 : -1;
  const units = unitsStr(inst, sign * o.qty);
  const positionFill: PositionFill = o.reduceOnly ? 'REDUCE_ONLY' : opts.positionFill;
  const body: OrderRequestBody = { type: 'MARKET', instrument: inst.id, units, positionFill };
  let entryPx: number | null = null;
  switch (o.type) {
    case 'MARKET':
      body.timeInForce = o.tif === 'IOC' ? 'IOC' : 'FOK';
      break;
    case 'LIMIT':
      body.type = 'LIMIT';
      entryPx = need(o.price, o, 'price');
      break;
    case 'STOP':
      body.type = 'STOP';
      entryPx = need(o.triggerPrice, o, 'trigger price');
      break;
    case 'MARKET_IF_TOUCHED':
      body.type = 'MARKET_IF_TOUCHED';
      entryPx = need(o.price ?? o.triggerPrice, o, 'price');
      break;
    case 'TRAILING_STOP':
      throw new EngineError('oanda.unsupported_order', `order ${o.clientOrderId}: a stand-alone TRAILING_STOP has no v20 equivalent (v20 trailing stops belong to a trade)`);
  }
  if (entryPx !== null) {
    body.price = ticksStr(inst, entryPx);
    if (o.type === 'MARKET_IF_TOUCHED' && (o.tif === 'IOC' || o.tif === 'FOK')) {
      throw new EngineError('oanda.unsupported_order', `order ${o.clientOrderId}: MARKET_IF_TOUCHED takes GTC, GTD or DAY, not ${o.tif}`);
    }
    body.timeInForce = tif(o.tif);
    if (o.tif === 'GTD') {
      if (o.expireTs === null) throw new EngineError('order.missing_expiry', `order ${o.clientOrderId}: GTD needs an expiry time`);
      body.gtdTime = rfc3339(o.expireTs);
    }
  }
  body.clientExtensions = ext(o.clientOrderId, o.strategyId, o.tag);
  if (!opensTrade(o, positionFill)) return body;
  body.tradeClientExtensions = ext(o.clientOrderId, o.strategyId, '');
  const b = o.bracket ?? {};
  const dist = (t: number) => ticksStr(inst, t);
  let hasStop = false;
  if (b.trailingStopDistance != null) {
    body.trailingStopLossOnFill = onFill({ distance: dist(b.trailingStopDistance) }, dependentClientId(o.clientOrderId, 'tsl'), o.strategyId);
    hasStop = true;
  } else if (b.stopLoss != null) {
    body.stopLossOnFill = onFill({ price: ticksStr(inst, b.stopLoss) }, dependentClientId(o.clientOrderId, 'sl'), o.strategyId);
    hasStop = true;
  } else if (b.stopLossDistance != null) {
    body.stopLossOnFill = onFill({ distance: dist(b.stopLossDistance) }, dependentClientId(o.clientOrderId, 'sl'), o.strategyId);
    hasStop = true;
  }
  if (!hasStop) {
    if (opts.defaultStopLossTicks === null) {
      throw new EngineError('oanda.stop_loss_required', `order ${o.clientOrderId}: every entry needs a venue-side stop-loss and none is configured`);
    }
    body.stopLossOnFill = onFill({ distance: dist(opts.defaultStopLossTicks) }, dependentClientId(o.clientOrderId, 'sl'), o.strategyId);
  }
  if (b.takeProfit != null) {
    body.takeProfitOnFill = onFill({ price: ticksStr(inst, b.takeProfit) }, dependentClientId(o.clientOrderId, 'tp'), o.strategyId);
  } else if (b.takeProfitDistance != null && entryPx !== null) {
    body.takeProfitOnFill = onFill({ price: ticksStr(inst, entryPx + sign * b.takeProfitDistance) }, dependentClientId(o.clientOrderId, 'tp'), o.strategyId);
  }
  return body;
}

function need(v: number | null, o: Readonly<Order>, what: string): number {
  if (v === null || !Number.isSafeInteger(v) || v <= 0) throw new EngineError('order.missing_price', `order ${o.clientOrderId}: ${o.type} needs a positive ${what} in ticks`);
  return v;
}

function ext(id: string, tag: string, comment: string): { id: string; tag?: string; comment?: string } {
  const e: { id: string; tag?: string; comment?: string } = { id };
  if (tag) e.tag = tag.slice(0, 128);
  if (comment) e.comment = comment.slice(0, 128);
  return e;
}

function onFill(details: OnFill, clientId: string, tag: string): OnFill {
  return { ...details, timeInForce: 'GTC', clientExtensions: ext(clientId, tag, '') };
}
