/**
 * Exact fixed-point arithmetic on JavaScript numbers that hold integers.
 *
 * Prices are integer ticks (units of 10^-pricePrecision), quantities integer units (of
 * 10^-unitPrecision) and money integer micro-units (10^-6 of a currency). Every product and sum is
 * checked to stay a safe integer (|x| < 2^53), so accounting is exact; the only rounding is explicit,
 * half-to-even, at a named boundary (a fill's notional, a fee, a currency conversion).
 */
import { EngineError } from './errors';

const POW10: number[] = [];
for (let i = 0; i <= 22; i++) POW10.push(10 ** i);

/** 10^n for 0 <= n <= 22 (exact in a double). */
export function pow10(n: number): number {
  const v = POW10[n];
  if (v === undefined) throw new EngineError('invariant.fixed_scale', `scale 10^${n} is out of range`);
  return v;
}

/** Throws unless `x` is a safe integer: the guard on every exact product and sum. */
export function assertSafeInt(x: number, what: string): number {
  if (!Number.isSafeInteger(x)) {
    throw new EngineError('invariant.fixed_overflow', `${what} is not a safe integer (${x})`);
  }
  return x;
}

/** a * b for integers, checked. */
export function mulInt(a: number, b: number): number {
  return assertSafeInt(a * b, 'product');
}

/**
 * round(num / den) half-to-even, for integers num and den (den != 0). Exact for safe integers:
 * the remainder is computed with integer operations, never from a floating quotient.
 */
export function divRoundHalfEven(num: number, den: number): number {
  if (den === 0) throw new EngineError('invariant.division_by_zero', 'division by zero');
  if (den < 0) {
    num = -num;
    den = -den;
  }
  const q = Math.trunc(num / den);
  // Math.trunc of a double quotient can be off by one for large operands: correct it exactly.
  let qi = q;
  let r = num - qi * den;
  while (r >= den) {
    qi += 1;
    r -= den;
  }
  while (r <= -den) {
    qi -= 1;
    r += den;
  }
  const twice = 2 * Math.abs(r);
  if (twice > den || (twice === den && qi % 2 !== 0)) qi += r > 0 ? 1 : -1;
  return qi === 0 ? 0 : qi; // normalise -0
}

/**
 * Scales an integer by 10^shift: multiplies when shift >= 0, else divides with half-even rounding.
 */
export function shiftScale(x: number, shift: number): number {
  if (shift >= 0) return mulInt(x, pow10(shift));
  return divRoundHalfEven(x, pow10(-shift));
}

/**
 * Rounds a floating-point market price to an integer count of 10^-scale units (half away from zero,
 * with a guard against representation error such as 1.005 * 100 = 100.49999999999999).
 */
export function toScaledInt(x: number, scale: number): number {
  if (!Number.isFinite(x)) throw new EngineError('invariant.not_finite', `value ${x} is not finite`);
  const m = x * pow10(scale);
  // +1e-7 absorbs binary representation error just below a half (the value is a count of ticks).
  const r = Math.floor(Math.abs(m) + 0.5 + 1e-7);
  return assertSafeInt(m < 0 ? -r : r, 'scaled value') || 0;
}

const DECIMAL_RE = /^([+-])?(\d+)(?:\.(\d*))?$|^([+-])?\.(\d+)$/;

/**
 * Parses a decimal string exactly into an integer of 10^-scale units. Throws `decimal.invalid` for
 * text that is not a plain decimal and `decimal.precision` when it has more decimals than `scale`
 * (unless `round` is true, in which case it rounds half-to-even).
 */
export function parseDecimal(text: string, scale: number, round = false): number {
  const m = DECIMAL_RE.exec(text.trim());
  if (!m) throw new EngineError('decimal.invalid', `"${text}" is not a decimal number`);
  const sign = (m[1] ?? m[4]) === '-' ? -1 : 1;
  const intPart = m[2] ?? '0';
  let frac = m[3] ?? m[5] ?? '';
  if (frac.length > scale) {
    const extra = frac.slice(scale);
    if (!round && /[1-9]/.test(extra)) {
      throw new EngineError('decimal.precision', `"${text}" has more than ${scale} decimals`);
    }
    const kept = Number(intPart + frac.slice(0, scale));
    const tail = Number('0.' + extra);
    let v = kept;
    if (tail > 0.5 || (tail === 0.5 && kept % 2 !== 0)) v += 1;
    return assertSafeInt(sign * v, `decimal "${text}"`) || 0;
  }
  frac = frac.padEnd(scale, '0');
  return assertSafeInt(sign * Number(intPart + frac), `decimal "${text}"`) || 0;
}

/** Formats an integer of 10^-scale units as a decimal string with exactly `scale` decimals. */
export function formatDecimal(x: number, scale: number): string {
  assertSafeInt(x, 'formatted value');
  const neg = x < 0;
  const digits = String(Math.abs(x)).padStart(scale + 1, '0');
  const s = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return neg ? `-${s}` : s;
}
