/**
 * Instruments and the exact conversions between market prices, integer ticks and money.
 *
 * A price is held as integer ticks of 10^-pricePrecision (EUR_USD 1.08123 -> 108123 at precision 5);
 * `tickSize` is the smallest price increment the venue accepts, in those ticks (usually 1).
 * A quantity is held as integer units of 10^-unitPrecision (shares and FX units have precision 0).
 */
import { EngineError } from './errors';
import { divRoundHalfEven, mulInt, pow10, shiftScale, toScaledInt } from './fixed';
import { MONEY_SCALE, type Money } from './money';
import { mulDivRoundHalfEven } from './muldiv';

export type AssetClass = 'fx' | 'equity' | 'crypto' | 'cfd' | 'index' | 'commodity';

/** Which trading-hours calendar an instrument follows (used for gaps and session logic). */
export type MarketCalendar = 'fx' | 'us_equity' | 'crypto';

export interface Instrument {
  /** Unique id, e.g. `EUR_USD`, `AAPL`. */
  id: string;
  symbol: string;
  assetClass: AssetClass;
  baseCurrency: string;
  /** Currency that prices and P&L are in (USD_JPY -> JPY). */
  quoteCurrency: string;
  /** Decimals of a price; one tick unit is 10^-pricePrecision. */
  pricePrecision: number;
  /** Smallest accepted price increment, in ticks (>= 1). */
  tickSize: number;
  /** Decimals of a quantity; one quantity unit is 10^-unitPrecision. */
  unitPrecision: number;
  /** Smallest order quantity, in quantity units. */
  minQty: number;
  /** Pip position as a power of ten (-4 for EUR_USD, -2 for USD_JPY); null where pips are not used. */
  pipLocation: number | null;
  /** Multiplier from quantity to underlying (1 for stocks and FX units). Integer. */
  contractSize: number;
  /** Fraction of notional required as margin, as a decimal string ("0.02" = 50:1). */
  marginRate: string;
  /** Sector or group for exposure limits (e.g. "Technology", "FX majors"). */
  sector: string;
  calendar: MarketCalendar;
  tradeable: boolean;
}

/** Fills defaults and checks an instrument; throws `instrument.invalid` with the reason. */
export function makeInstrument(spec: Partial<Instrument> & Pick<Instrument, 'id' | 'assetClass' | 'quoteCurrency' | 'pricePrecision'>): Instrument {
  const inst: Instrument = {
    symbol: spec.id,
    baseCurrency: spec.assetClass === 'fx' ? (spec.id.split(/[_/]/)[0] ?? spec.id) : spec.id,
    tickSize: 1,
    unitPrecision: 0,
    minQty: 1,
    pipLocation: spec.assetClass === 'fx' ? (spec.quoteCurrency === 'JPY' ? -2 : -4) : null,
    contractSize: 1,
    marginRate: spec.assetClass === 'fx' ? '0.02' : spec.assetClass === 'crypto' ? '0.5' : '0.25',
    sector: spec.assetClass === 'fx' ? 'FX' : spec.assetClass === 'crypto' ? 'Crypto' : 'Unclassified',
    calendar: spec.assetClass === 'fx' ? 'fx' : spec.assetClass === 'crypto' ? 'crypto' : 'us_equity',
    tradeable: true,
    ...spec,
  };
  const bad = (why: string): never => {
    throw new EngineError('instrument.invalid', `instrument ${spec.id}: ${why}`);
  };
  if (!/^[A-Za-z0-9._/-]+$/.test(inst.id)) bad('id may contain letters, digits and . _ / - only');
  if (!Number.isInteger(inst.pricePrecision) || inst.pricePrecision < 0 || inst.pricePrecision > 10) bad('pricePrecision must be an integer 0..10');
  if (!Number.isInteger(inst.unitPrecision) || inst.unitPrecision < 0 || inst.unitPrecision > 10) bad('unitPrecision must be an integer 0..10');
  if (!Number.isInteger(inst.tickSize) || inst.tickSize < 1) bad('tickSize must be a positive integer number of ticks');
  if (!Number.isInteger(inst.minQty) || inst.minQty < 1) bad('minQty must be a positive integer number of units');
  if (!Number.isInteger(inst.contractSize) || inst.contractSize < 1) bad('contractSize must be a positive integer');
  if (!/^(0|1)?\.\d+$|^1$/.test(inst.marginRate)) bad('marginRate must be a decimal in (0, 1]');
  if (!/^[A-Z]{3,5}$/.test(inst.quoteCurrency)) bad('quoteCurrency must be a 3-5 letter code');
  return inst;
}

/** Float price -> integer ticks (nearest), then to the nearest multiple of tickSize. */
export function priceToTicks(inst: Instrument, price: number): number {
  return snapToTick(inst, toScaledInt(price, inst.pricePrecision));
}

/** Integer ticks -> the nearest multiple of tickSize (half-to-even). */
export function snapToTick(inst: Instrument, ticks: number): number {
  return inst.tickSize === 1 ? ticks : divRoundHalfEven(ticks, inst.tickSize) * inst.tickSize;
}

/** Whether `ticks` is a price (or distance) the venue accepts: a positive multiple of tickSize. */
export function onTickGrid(inst: Instrument, ticks: number): boolean {
  return Number.isSafeInteger(ticks) && ticks > 0 && ticks % inst.tickSize === 0;
}

/** Integer ticks -> float price (for display, statistics and indicators). */
export function ticksToPrice(inst: Instrument, ticks: number): number {
  return ticks / pow10(inst.pricePrecision);
}

/** Integer units -> float quantity. */
export function unitsToQty(inst: Instrument, units: number): number {
  return units / pow10(inst.unitPrecision);
}

/**
 * Exact value of `qty` units at `ticks`, in micro-units of the quote currency (signed like qty).
 * The value is ticks*qty*contractSize scaled by 10^(6 - pricePrecision - unitPrecision); where that
 * exponent is negative the result is rounded half-to-even: the boundary rounding of a notional.
 */
export function notional(inst: Instrument, ticks: number, qty: number): Money {
  const shift = MONEY_SCALE - inst.pricePrecision - inst.unitPrecision;
  // Scaling down goes through mulDiv so that only the result must be a safe integer (10 BTC at
  // unitPrecision 8 is 9e15 ticks*units before it is scaled to 9e11 micro-units).
  if (shift < 0) return mulDivRoundHalfEven(mulInt(ticks, inst.contractSize), qty, pow10(-shift));
  return shiftScale(mulInt(mulInt(ticks, qty), inst.contractSize), shift);
}

/** Notional of a float price (marks, sizing). Same rounding as `notional`. */
export function notionalAt(inst: Instrument, price: number, qty: number): Money {
  return notional(inst, priceToTicks(inst, price), qty);
}

/** Units of instrument that `cash` (micro-units of quote currency) buys at `price`, rounded down to minQty multiples. */
export function unitsForNotional(inst: Instrument, cash: Money, price: number): number {
  if (!(price > 0) || cash <= 0) return 0;
  const perUnit = (price * inst.contractSize * pow10(MONEY_SCALE)) / pow10(inst.unitPrecision);
  const raw = Math.floor((cash / perUnit) * (1 + 1e-12));
  return Math.floor(raw / inst.minQty) * inst.minQty;
}

/** Margin required for a notional (micro-units), rounded half-to-even. */
export function marginFor(inst: Instrument, notionalValue: Money): Money {
  const [i = '0', f = ''] = inst.marginRate.split('.');
  const scale = f.length;
  const rate = Number(i + f);
  return divRoundHalfEven(mulInt(Math.abs(notionalValue), rate), pow10(scale));
}
