/**
 * Exact arithmetic for the simulation models: model parameters given as decimals become exact
 * rationals, and money derived from ticks, units and a rational is computed with BigInt and rounded
 * once, half-to-even, to the micro-unit (or to a whole tick). No floating-point money.
 */
import { EngineError } from '../core/errors';
import type { Instrument } from '../core/instrument';
import { MONEY_SCALE, type Money } from '../core/money';

/** A non-negative exact rational num/den (den > 0). */
export interface Ratio {
  readonly num: bigint;
  readonly den: bigint;
}

const PLAIN_DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/**
 * Reads a non-negative decimal (a string such as "0.1", or a number, read through its shortest
 * decimal text) as an exact ratio. Throws `sim.invalid_parameter` for anything else.
 */
export function decimalRatio(value: number | string, what: string): Ratio {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new EngineError('sim.invalid_parameter', `${what} must be a finite number >= 0, got ${value}`);
    text = String(value);
    if (/e/i.test(text)) text = value.toFixed(20).replace(/0+$/, '').replace(/\.$/, '');
  } else {
    text = value.trim();
  }
  const m = PLAIN_DECIMAL.exec(text);
  if (!m) throw new EngineError('sim.invalid_parameter', `${what} must be a plain non-negative decimal, got "${String(value)}"`);
  const frac = m[2] ?? '';
  return { num: BigInt((m[1] ?? '0') + frac), den: 10n ** BigInt(frac.length) };
}

/** round(n / d) half-to-even for bigints (d != 0). */
export function divHalfEvenBig(n: bigint, d: bigint): bigint {
  if (d === 0n) throw new EngineError('invariant.division_by_zero', 'division by zero');
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  let q = n / d;
  const r = n - q * d;
  const twice = 2n * (r < 0n ? -r : r);
  if (twice > d || (twice === d && q % 2n !== 0n)) q += r > 0n ? 1n : -1n;
  return q;
}

/** A bigint as a safe-integer number, or `invariant.fixed_overflow`. */
export function toSafeNumber(x: bigint, what: string): number {
  const n = Number(x);
  if (!Number.isSafeInteger(n)) throw new EngineError('invariant.fixed_overflow', `${what} is not a safe integer (${x})`);
  return n === 0 ? 0 : n;
}

/**
 * `ratio` times the value of `qty` units at `ticks` (ticks * qty * contractSize), in micro-units of
 * the quote currency, rounded once half-to-even. With ratio 1 it equals `notional` of instrument.ts.
 */
export function notionalTimes(inst: Instrument, ticks: number, qty: number, ratio: Ratio): Money {
  let n = BigInt(ticks) * BigInt(qty) * BigInt(inst.contractSize) * ratio.num;
  let d = ratio.den;
  const shift = MONEY_SCALE - inst.pricePrecision - inst.unitPrecision;
  if (shift >= 0) n *= 10n ** BigInt(shift);
  else d *= 10n ** BigInt(-shift);
  return toSafeNumber(divHalfEvenBig(n, d), 'money value');
}

/** `ratio` times an integer, rounded half-to-even to an integer (e.g. a fraction of a range in ticks). */
export function intTimes(x: number, ratio: Ratio): number {
  return toSafeNumber(divHalfEvenBig(BigInt(x) * ratio.num, ratio.den), 'scaled integer');
}
