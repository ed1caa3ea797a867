/**
 * Exact notional that does not overflow on an intermediate product.
 *
 * Same value and rounding as `notional` of `engine/core/instrument.ts` (ticks * qty * contractSize
 * scaled by 10^(6 - pricePrecision - unitPrecision), half-to-even where the exponent is negative),
 * but when the exponent is negative the scaling is done by `mulDivRoundHalfEven`, so only the RESULT
 * must be a safe integer. The core version multiplies first: 10 BTC (unitPrecision 8) at 90,000.00
 * is 10^9 * 9 * 10^6 = 9e15 > 2^53 before it is scaled down to 9e11 micro-units, and throws.
 */
import { mulInt, pow10 } from '../core/fixed';
import { notional, type Instrument } from '../core/instrument';
import { MONEY_SCALE, type Money } from '../core/money';
import { mulDivRoundHalfEven } from './muldiv';

export function exactNotional(inst: Instrument, ticks: number, qty: number): Money {
  const shift = MONEY_SCALE - inst.pricePrecision - inst.unitPrecision;
  if (shift >= 0) return notional(inst, ticks, qty);
  return mulDivRoundHalfEven(mulInt(ticks, inst.contractSize), qty, pow10(-shift));
}
