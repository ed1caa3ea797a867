/**
 * Exact `round(a * b / d)` for safe integers, half-to-even, for products that may exceed 2^53.
 *
 * Used where a Money amount meets a second factor: the cost of a partly closed
 * position (`costBasis * closedQty / |qty|`) and a currency conversion (`amount * ticks / 10^p` or
 * `amount * 10^p / ticks`). Both products overflow 2^53 for ordinary FX sizes (1,000,000 EUR of cost
 * is 1.08e12 micro-USD; times 1e6 units is 1e18), so `divRoundHalfEven(mulInt(a, b), d)` would throw.
 *
 * Three exact paths, cheapest first:
 * 1. the double product is a safe integer -> `divRoundHalfEven` (no rounding happened in the product);
 * 2. decomposition: with A the larger factor, A = qa*D + ra (remainder computed exactly), so
 *    A*B/D = qa*B + ra*B/D where ra*B < D*B: exact whenever D*B and the result are safe integers
 *    (always the case for cost splits and conversions of realistic amounts), allocation-free;
 * 3. BigInt, for anything else (result must still be a safe integer).
 */
import { EngineError } from './errors';
import { assertSafeInt, divRoundHalfEven } from './fixed';

/** round(a * b / d), half-to-even, exact. a, b, d safe integers, d != 0; throws if the result is not a safe integer. */
export function mulDivRoundHalfEven(a: number, b: number, d: number): number {
  assertSafeInt(a, 'mulDiv factor');
  assertSafeInt(b, 'mulDiv factor');
  assertSafeInt(d, 'mulDiv divisor');
  if (d === 0) throw new EngineError('invariant.division_by_zero', 'division by zero');
  const p = a * b;
  // If the exact product is a safe integer the double product is exact; if it is not, the rounded
  // double product is >= 2^53 in magnitude (rounding is monotonic), so this test never accepts a
  // rounded product.
  if (Number.isSafeInteger(p)) return divRoundHalfEven(p, d);
  if (a === 0 || b === 0) return 0;
  const negative = a < 0 !== b < 0 !== d < 0;
  let x = Math.abs(a);
  let y = Math.abs(b);
  const den = Math.abs(d);
  if (y > x) {
    const t = x;
    x = y;
    y = t;
  }
  const ra = remainder(x, den);
  const qa = (x - ra) / den;
  const rb = ra * y;
  const qay = qa * y;
  if (Number.isSafeInteger(rb) && Number.isSafeInteger(qay)) {
    const r2 = remainder(rb, den);
    const q2 = (rb - r2) / den;
    let q = qay + q2;
    if (Number.isSafeInteger(q)) {
      // r2 < den < 2^53, so 2*r2 is exact (an exponent change).
      const twice = 2 * r2;
      if (twice > den || (twice === den && q % 2 !== 0)) q += 1;
      return assertSafeInt(negative ? -q : q, 'mulDiv result') || 0;
    }
  }
  return bigMulDiv(x, y, den, negative);
}

/**
 * x mod d for safe integers x >= 0, d > 0, exact. Uses a floating quotient with an exact correction
 * (several times faster than `%` on values beyond 32 bits); falls back to `%` (also exact on integral
 * doubles) where q*d could leave the safe range.
 */
function remainder(x: number, d: number): number {
  if (x + d > Number.MAX_SAFE_INTEGER) return x % d;
  let r = x - Math.floor(x / d) * d;
  while (r < 0) r += d;
  while (r >= d) r -= d;
  return r;
}

function bigMulDiv(x: number, y: number, den: number, negative: boolean): number {
  const n = BigInt(x) * BigInt(y);
  const dd = BigInt(den);
  let q = n / dd;
  const r = n % dd;
  const twice = r * 2n;
  if (twice > dd || (twice === dd && (q & 1n) === 1n)) q += 1n;
  const v = Number(negative ? -q : q);
  return assertSafeInt(v, 'mulDiv result') || 0;
}
