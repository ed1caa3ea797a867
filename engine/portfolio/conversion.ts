/**
 * Currency conversion from the cache's latest prices, exact to the micro-unit.
 *
 * A conversion from currency X to currency Y uses one instrument quoted directly between them:
 * - base X, quote Y (`X_Y`): multiply, `y = round(x * ticks / 10^pricePrecision)`;
 * - base Y, quote X (`Y_X`): divide,   `y = round(x * 10^pricePrecision / ticks)`;
 * - X == Y: identity.
 * `ticks` is the instrument's latest cache price (bar close or quote mid) as integer ticks at its
 * precision (`priceToTicks`), so the rate is an exact rational and the only rounding is the final
 * half-to-even to the micro-unit (e.g. JPY -> USD with USD_JPY at 150.123:
 * `usdMicro = round(jpyMicro * 10^3 / 150123)`).
 *
 * No triangulation and no guessing: with no such instrument, or one that has no price yet, a
 * conversion throws `portfolio.no_conversion_rate`.
 */
import type { CacheView } from '../core/cache';
import { EngineError } from '../core/errors';
import { pow10 } from '../core/fixed';
import { priceToTicks, type Instrument } from '../core/instrument';
import type { Money } from '../core/money';
import { mulDivRoundHalfEven } from '../core/muldiv';

export const NO_CONVERSION_RATE = 'portfolio.no_conversion_rate';

/** How one currency converts into another. */
export type ConversionRoute =
  | { readonly kind: 'identity' }
  | { readonly kind: 'multiply' | 'divide'; readonly instrument: Instrument };

const IDENTITY: ConversionRoute = { kind: 'identity' };

/** Finds the direct route from `from` to `to` among the cache's instruments, or undefined. */
export function findConversionRoute(cache: CacheView, from: string, to: string): ConversionRoute | undefined {
  if (from === to) return IDENTITY;
  let divide: Instrument | undefined;
  for (const inst of cache.instruments()) {
    if (inst.baseCurrency === from && inst.quoteCurrency === to) return { kind: 'multiply', instrument: inst };
    if (divide === undefined && inst.baseCurrency === to && inst.quoteCurrency === from) divide = inst;
  }
  return divide ? { kind: 'divide', instrument: divide } : undefined;
}

/**
 * The route's current rate as integer ticks of its instrument (1 for the identity); throws
 * `portfolio.no_conversion_rate` when the instrument has no positive price.
 */
export function routeRateTicks(cache: CacheView, route: ConversionRoute, from: string, to: string): number {
  if (route.kind === 'identity') return 1;
  const inst = route.instrument;
  const price = cache.lastPrice(inst.id);
  if (!(price > 0) || !Number.isFinite(price)) {
    throw new EngineError(NO_CONVERSION_RATE, `no price for ${inst.id} to convert ${from} to ${to}`, { from, to, instrumentId: inst.id });
  }
  const ticks = priceToTicks(inst, price);
  if (ticks <= 0) {
    throw new EngineError(NO_CONVERSION_RATE, `price ${price} of ${inst.id} rounds to zero ticks`, { from, to, instrumentId: inst.id });
  }
  return ticks;
}

/** Converts `amount` along `route` at a rate of `ticks` (from `routeRateTicks`), half-even. */
export function convertAtTicks(route: ConversionRoute, ticks: number, amount: Money): Money {
  if (route.kind === 'identity') return amount;
  const scale = pow10(route.instrument.pricePrecision);
  return route.kind === 'multiply' ? mulDivRoundHalfEven(amount, ticks, scale) : mulDivRoundHalfEven(amount, scale, ticks);
}

/** Applies a route at the cache's current price. */
export function applyRoute(cache: CacheView, route: ConversionRoute, amount: Money, from: string, to: string): Money {
  if (route.kind === 'identity') return amount;
  return convertAtTicks(route, routeRateTicks(cache, route, from, to), amount);
}

/** One-shot conversion (looks the route up each call); see `CurrencyConverter` for repeated use. */
export function convertMoney(cache: CacheView, amount: Money, from: string, to: string): Money {
  const route = findConversionRoute(cache, from, to);
  if (!route) throw noRoute(from, to);
  return applyRoute(cache, route, amount, from, to);
}

function noRoute(from: string, to: string): EngineError {
  return new EngineError(NO_CONVERSION_RATE, `no instrument ${from}_${to} or ${to}_${from} to convert ${from} to ${to}`, { from, to });
}

/**
 * Converter with its routes remembered per currency pair (found once by scanning the cache's
 * instruments; instruments are never removed from a cache, so a found route stays valid). Each
 * conversion reads the current price: allocation-free after the first use of a pair.
 */
export class CurrencyConverter {
  private readonly routes = new Map<string, Map<string, ConversionRoute>>();

  constructor(private readonly cache: CacheView) {}

  /** The route from `from` to `to`; throws `portfolio.no_conversion_rate` when none exists. */
  route(from: string, to: string): ConversionRoute {
    let byTo = this.routes.get(from);
    const known = byTo?.get(to);
    if (known) return known;
    const found = findConversionRoute(this.cache, from, to);
    if (!found) throw noRoute(from, to);
    if (!byTo) {
      byTo = new Map();
      this.routes.set(from, byTo);
    }
    byTo.set(to, found);
    return found;
  }

  /** Id of the instrument whose price drives `from` -> `to`, or null for the identity. */
  rateInstrumentId(from: string, to: string): string | null {
    const r = this.route(from, to);
    return r.kind === 'identity' ? null : r.instrument.id;
  }

  /** `amount` micro-units of `from` in micro-units of `to`, rounded half-to-even. */
  convert(amount: Money, from: string, to: string): Money {
    if (from === to) return amount;
    return applyRoute(this.cache, this.route(from, to), amount, from, to);
  }
}
