/**
 * Money is an integer number of micro-units (10^-6) of a currency, held in a JS number and kept a
 * safe integer (±9,007,199,254 whole units). Sums are exact; rounding happens only where a value is
 * created from a product or a conversion, half-to-even, in the functions of `fixed.ts`.
 */
import { divRoundHalfEven, formatDecimal, parseDecimal, pow10 } from './fixed';

export type Money = number;

/** Decimals of the micro-unit. */
export const MONEY_SCALE = 6;
export const MONEY_ONE: Money = 1_000_000;

/** Money from a decimal string, exactly ("100000" -> 100000 units). */
export function money(text: string): Money {
  return parseDecimal(text, MONEY_SCALE, true);
}

/** Decimal string with `decimals` places (default 2), rounded half-to-even. */
export function formatMoney(m: Money, decimals = 2): string {
  const v = decimals >= MONEY_SCALE ? m : divRoundHalfEven(m, pow10(MONEY_SCALE - decimals));
  return formatDecimal(v, Math.min(decimals, MONEY_SCALE));
}

/** Approximate value as a float, for statistics and display only (never fed back into accounting). */
export function moneyToNumber(m: Money): number {
  return m / MONEY_ONE;
}
