/**
 * Exact decimals for the v20 test server. v20 "DecimalNumber", "PriceValue" and "AccountUnits" values
 * travel as decimal strings (v20.json definitions DecimalNumber, PriceValue, AccountUnits; API-NOTES.md
 * "Value conventions"); here they are BigInts scaled by 10^12, so sums are exact and products/quotients
 * round once, half to even, back to 12 places. Formatting to the wire rounds half to even to the
 * places the spec gives the field (prices: the instrument's displayPrecision; money: 4; units: the
 * instrument's tradeUnitsPrecision).
 */

export type Dec = bigint;

export const SCALE_DIGITS = 12;
const SCALE = 10n ** BigInt(SCALE_DIGITS);
export const ZERO: Dec = 0n;
export const ONE: Dec = SCALE;

const DECIMAL_RE = /^([+-]?)(\d+)(?:\.(\d+))?$/;

/** Parses a decimal string ("1.09972", "-1000", "0.5"); null when it is not one or has > 12 places. */
export function parseDec(s: string): Dec | null {
  const m = DECIMAL_RE.exec(s.trim());
  if (!m) return null;
  const frac = m[3] ?? '';
  if (frac.replace(/0+$/, '').length > SCALE_DIGITS) return null;
  const v = BigInt(m[2]!) * SCALE + BigInt(frac.slice(0, SCALE_DIGITS).padEnd(SCALE_DIGITS, '0'));
  return m[1] === '-' ? -v : v;
}

/** parseDec for values the server itself wrote; throws on a bad one (a bug, not bad input). */
export function dec(s: string): Dec {
  const v = parseDec(s);
  if (v === null) throw new Error(`oanda-server: not a decimal: ${JSON.stringify(s)}`);
  return v;
}

/** Integer units → Dec. */
export function fromInt(n: number | bigint): Dec {
  return BigInt(n) * SCALE;
}

/** Number of decimal places actually used by `s` ("1.10" → 2, "5" → 0). Null when not a decimal. */
export function placesOf(s: string): number | null {
  const m = DECIMAL_RE.exec(s.trim());
  if (!m) return null;
  return (m[3] ?? '').length;
}

/** round(num / den) half to even, for BigInts (den ≠ 0). */
export function divRoundHalfEven(num: bigint, den: bigint): bigint {
  if (den < 0n) {
    num = -num;
    den = -den;
  }
  let q = num / den; // truncates toward zero
  const r = num - q * den;
  const twice = 2n * (r < 0n ? -r : r);
  if (twice > den || (twice === den && q % 2n !== 0n)) q += r > 0n ? 1n : -1n;
  return q;
}

export function mul(a: Dec, b: Dec): Dec {
  return divRoundHalfEven(a * b, SCALE);
}

/** a × b rounded once, half to even, to `places` decimals. */
export function mulRound(a: Dec, b: Dec, places: number): Dec {
  const unit = 10n ** BigInt(SCALE_DIGITS - places);
  return divRoundHalfEven(a * b, SCALE * unit) * unit;
}

export function div(a: Dec, b: Dec): Dec {
  if (b === 0n) throw new Error('oanda-server: division by zero');
  return divRoundHalfEven(a * SCALE, b);
}

export function abs(a: Dec): Dec {
  return a < 0n ? -a : a;
}

export function neg(a: Dec): Dec {
  return -a;
}

export function min(a: Dec, b: Dec): Dec {
  return a < b ? a : b;
}

export function max(a: Dec, b: Dec): Dec {
  return a > b ? a : b;
}

export function sign(a: Dec): -1 | 0 | 1 {
  return a > 0n ? 1 : a < 0n ? -1 : 0;
}

/** Rounds to `places` decimals (half to even), staying a Dec. */
export function round(a: Dec, places: number): Dec {
  const unit = 10n ** BigInt(SCALE_DIGITS - places);
  return divRoundHalfEven(a, unit) * unit;
}

/** Rounds toward zero to `places` decimals. */
export function truncate(a: Dec, places: number): Dec {
  const unit = 10n ** BigInt(SCALE_DIGITS - places);
  return (a / unit) * unit;
}

/** True when `a` has no digits beyond `places`. */
export function fitsPlaces(a: Dec, places: number): boolean {
  return truncate(a, places) === a;
}

/** Formats with exactly `places` decimals (half to even): fmt(dec("1.5"), 4) = "1.5000". */
export function fmt(a: Dec, places: number): string {
  const r = divRoundHalfEven(a, 10n ** BigInt(SCALE_DIGITS - places));
  const neg = r < 0n;
  const digits = (neg ? -r : r).toString().padStart(places + 1, '0');
  const int = places === 0 ? digits : digits.slice(0, digits.length - places);
  const frac = places === 0 ? '' : '.' + digits.slice(digits.length - places);
  return (neg ? '-' : '') + int + frac;
}

/** Money in the account's home currency: 4 decimals (API-NOTES.md "Value conventions"). */
export function money(a: Dec): string {
  return fmt(a, 4);
}

/** A JS number, for tests and for candle generation only (never for accounting). */
export function toNumber(a: Dec): number {
  return Number(a) / Number(SCALE);
}

/** The nearest Dec with `places` decimals to a JS number (candle generation only). */
export function fromNumber(x: number, places: number): Dec {
  const unit = 10n ** BigInt(SCALE_DIGITS - places);
  return BigInt(Math.round(x * 10 ** places)) * unit;
}
