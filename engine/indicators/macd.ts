import { EngineError } from '../core/errors';
import { emaAlpha } from './ema';
import type { StreamingIndicator } from './types';
import { INVALID_PARAM, invalidInput, outputArray, requireInt } from './validate';

/**
 * MACD (fast EMA − slow EMA), its signal line (EMA of MACD) and histogram (MACD − signal), started
 * exactly as TA-Lib starts them, so the values match TA-Lib from the first one:
 * - both EMAs start at index `slow - 1`: the slow one seeded with the average of the first `slow`
 *   values, the fast one with the average of the `fast` values ending there (not of the first `fast`);
 * - the signal EMA is seeded with the average of the first `signal` MACD values, at index
 *   `slow + signal - 2`, which is where all three outputs start (index 33 for 12/26/9).
 * A textbook MACD (fast EMA seeded at index `fast - 1`) differs by up to ~0.03 early on and converges
 * after a few hundred bars.
 */
export class Macd implements StreamingIndicator {
  readonly fastPeriod: number;
  readonly slowPeriod: number;
  readonly signalPeriod: number;
  readonly warmup: number;
  private readonly fastAlpha: number;
  private readonly slowAlpha: number;
  private readonly signalAlpha: number;
  /** The input being applied: a field, not a `step` argument (V8 boxes doubles passed to calls it does not inline). */
  private input = 0;
  private n = 0;
  /** Sums during warm-up, then the EMAs. */
  private fast = 0;
  private slow = 0;
  private sig = 0;
  private fastBefore = 0;
  private slowBefore = 0;
  private sigBefore = 0;
  private macdOut = NaN;
  private signalOut = NaN;

  constructor(fastPeriod = 12, slowPeriod = 26, signalPeriod = 9) {
    const p = validateMacd(fastPeriod, slowPeriod, signalPeriod);
    this.fastPeriod = p.fast;
    this.slowPeriod = p.slow;
    this.signalPeriod = p.signal;
    this.warmup = p.slow + p.signal - 1;
    this.fastAlpha = emaAlpha(p.fast);
    this.slowAlpha = emaAlpha(p.slow);
    this.signalAlpha = emaAlpha(p.signal);
  }

  get count(): number {
    return this.n;
  }
  get isReady(): boolean {
    return this.n >= this.warmup;
  }
  /** The MACD line. */
  get value(): number {
    return this.macdOut;
  }
  get macd(): number {
    return this.macdOut;
  }
  get signal(): number {
    return this.signalOut;
  }
  get histogram(): number {
    return this.macdOut - this.signalOut;
  }

  add(x: number): void {
    if (x - x !== 0) throw invalidInput('MACD', 'value', x);
    this.fastBefore = this.fast;
    this.slowBefore = this.slow;
    this.sigBefore = this.sig;
    this.n++;
    this.input = x;
    this.step();
  }

  replace(x: number): void {
    if (this.n === 0) return this.add(x);
    if (x - x !== 0) throw invalidInput('MACD', 'value', x);
    this.fast = this.fastBefore;
    this.slow = this.slowBefore;
    this.sig = this.sigBefore;
    this.input = x;
    this.step();
  }

  reset(): void {
    this.n = 0;
    this.fast = 0;
    this.slow = 0;
    this.sig = 0;
    this.fastBefore = 0;
    this.slowBefore = 0;
    this.sigBefore = 0;
    this.macdOut = NaN;
    this.signalOut = NaN;
  }

  private step(): void {
    const x = this.input;
    const n = this.n;
    const sp = this.slowPeriod;
    let m: number;
    if (n > sp) {
      const f = (x - this.fast) * this.fastAlpha + this.fast;
      const s = (x - this.slow) * this.slowAlpha + this.slow;
      this.fast = f;
      this.slow = s;
      m = f - s;
    } else {
      this.slow += x;
      if (n > sp - this.fastPeriod) this.fast += x;
      if (n < sp) return;
      const f = this.fast / this.fastPeriod;
      const s = this.slow / sp;
      this.fast = f;
      this.slow = s;
      m = f - s;
    }
    const w = this.warmup;
    if (n > w) {
      const g = (m - this.sig) * this.signalAlpha + this.sig;
      this.sig = g;
      this.macdOut = m;
      this.signalOut = g;
    } else if (n === w) {
      const g = (this.sig + m) / this.signalPeriod;
      this.sig = g;
      this.macdOut = m;
      this.signalOut = g;
    } else {
      this.sig += m;
    }
  }
}

function validateMacd(fast: number, slow: number, signal: number): { fast: number; slow: number; signal: number } {
  requireInt('MACD', 'fastPeriod', fast, 1);
  requireInt('MACD', 'slowPeriod', slow, 2);
  requireInt('MACD', 'signalPeriod', signal, 1);
  if (fast >= slow) {
    throw new EngineError(INVALID_PARAM, `MACD: fastPeriod (${fast}) must be less than slowPeriod (${slow})`, {
      indicator: 'MACD',
      param: 'fastPeriod',
      value: fast,
    });
  }
  return { fast, slow, signal };
}

export interface MacdSeries {
  macd: Float64Array;
  signal: Float64Array;
  histogram: Float64Array;
}

/**
 * Batch MACD: three Float64Arrays aligned to `values`, NaN before index `slow + signal - 2`.
 * `out`: optional buffers (length = input length) to write into instead of allocating.
 */
export function macd(values: ArrayLike<number>, fastPeriod = 12, slowPeriod = 26, signalPeriod = 9, out?: MacdSeries): MacdSeries {
  const p = validateMacd(fastPeriod, slowPeriod, signalPeriod);
  const n = values.length;
  const first = p.slow + p.signal - 2;
  const macdOut = outputArray('MACD', n, first, out?.macd);
  const signalOut = outputArray('MACD', n, first, out?.signal);
  const histOut = outputArray('MACD', n, first, out?.histogram);
  const result = { macd: macdOut, signal: signalOut, histogram: histOut };
  let s = 0;
  let f = 0;
  const fastFrom = p.slow - p.fast;
  const lead = Math.min(p.slow, n);
  for (let i = 0; i < lead; i++) {
    const x = values[i]!;
    if (x - x !== 0) throw invalidInput('MACD', 'value', x);
    s += x;
    if (i >= fastFrom) f += x;
  }
  if (n < p.slow) return result;
  f /= p.fast;
  s /= p.slow;
  const fa = emaAlpha(p.fast);
  const sa = emaAlpha(p.slow);
  const ga = emaAlpha(p.signal);
  // Signal seed: the sum of the first `signal` MACD values, from index slow - 1.
  let g = f - s;
  const seedEnd = Math.min(first, n - 1);
  for (let i = p.slow; i <= seedEnd; i++) {
    const x = values[i]!;
    if (x - x !== 0) throw invalidInput('MACD', 'value', x);
    f = (x - f) * fa + f;
    s = (x - s) * sa + s;
    g += f - s;
  }
  if (n <= first) return result;
  g /= p.signal;
  let m = f - s;
  macdOut[first] = m;
  signalOut[first] = g;
  histOut[first] = m - g;
  for (let i = first + 1; i < n; i++) {
    const x = values[i]!;
    if (x - x !== 0) throw invalidInput('MACD', 'value', x);
    f = (x - f) * fa + f;
    s = (x - s) * sa + s;
    m = f - s;
    g = (m - g) * ga + g;
    macdOut[i] = m;
    signalOut[i] = g;
    histOut[i] = m - g;
  }
  return result;
}
