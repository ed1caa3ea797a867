import { EngineError } from '../core/errors';

/** Error code for a bad indicator parameter (period, multiplier, ...), thrown by constructors and batch functions. */
export const INVALID_PARAM = 'indicator.invalid_param';
/** Error code for a bad input value (NaN, ±Infinity, negative volume, mismatched series lengths). */
export const INVALID_INPUT = 'indicator.invalid_input';

/** The largest period (window length) accepted. */
export const MAX_PERIOD = 1_000_000;

/** Checks that `value` is an integer in [min, max]; returns it. Throws `indicator.invalid_param` otherwise. */
export function requireInt(indicator: string, param: string, value: number, min: number, max = MAX_PERIOD): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new EngineError(INVALID_PARAM, `${indicator}: ${param} must be an integer in [${min}, ${max}], got ${String(value)}`, {
      indicator,
      param,
      value,
    });
  }
  return value;
}

/** Checks that `value` is a finite number ≥ `min`; returns it. Throws `indicator.invalid_param` otherwise. */
export function requireNumber(indicator: string, param: string, value: number, min: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new EngineError(INVALID_PARAM, `${indicator}: ${param} must be a finite number >= ${min}, got ${String(value)}`, {
      indicator,
      param,
      value,
    });
  }
  return value;
}

/** The `indicator.invalid_input` error for a non-finite (or otherwise unusable) input. */
export function invalidInput(indicator: string, what: string, value: number): EngineError {
  return new EngineError(INVALID_INPUT, `${indicator}: ${what} must be a finite number, got ${String(value)}`, { indicator, what, value });
}

/** Throws `indicator.invalid_input` unless the batch input series all have `length` elements. */
export function requireSameLength(indicator: string, length: number, ...series: ArrayLike<number>[]): void {
  for (const s of series) {
    if (s.length !== length) {
      throw new EngineError(INVALID_INPUT, `${indicator}: input series lengths differ (${length} vs ${s.length})`, { indicator });
    }
  }
}

/**
 * A batch output of `n` elements whose first `lead` (warm-up) elements are NaN; the caller writes the
 * rest. With `out` (a caller's buffer to reuse, which saves allocating and page-faulting a new array on
 * every call) that buffer is used instead; it must have exactly `n` elements.
 */
export function outputArray(indicator: string, n: number, lead: number, out?: Float64Array): Float64Array {
  if (out === undefined) out = new Float64Array(n);
  else if (out.length !== n) {
    throw new EngineError(INVALID_INPUT, `${indicator}: output buffer has ${out.length} elements, input has ${n}`, { indicator });
  }
  return out.fill(NaN, 0, Math.min(Math.max(lead, 0), n));
}
