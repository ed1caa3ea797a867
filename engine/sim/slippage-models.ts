/**
 * Slippage models: how many ticks a MARKET, STOP or MARKET_IF_TOUCHED fill moves against the order
 * from its reference price (LIMIT fills never slip). A model returns a non-negative integer number
 * of price ticks (units of 10^-pricePrecision); the venue rounds it half-to-even to a multiple of the
 * instrument's tickSize, applies it against the order (BUY up, SELL down) and, on bars, clamps the
 * result to the high/low of the side the order trades on.
 */
import { EngineError } from '../core/errors';
import type { Instrument } from '../core/instrument';
import { decimalRatio, intTimes, type Ratio } from './exact';
import type { OhlcTicks, SimOrderView } from './types';

export interface SlippageRequest {
  readonly instrument: Instrument;
  readonly order: SimOrderView;
  /** Reference price before slippage, ticks. */
  readonly refTicks: number;
  /** The side of the bar the order trades against; for a quote, all four are the quote's price. */
  readonly ticks: OhlcTicks;
  /** Units of this fill. */
  readonly qty: number;
}

export interface SlippageModel {
  /** Adverse move in ticks (>= 0, integer). */
  slippageTicks(req: SlippageRequest): number;
}

export class ZeroSlippageModel implements SlippageModel {
  readonly name = 'ZeroSlippageModel';

  slippageTicks(): number {
    return 0;
  }
}

export interface FixedSlippageModelOptions {
  /** Adverse move per fill, in price ticks (10^-pricePrecision), a non-negative integer. */
  ticks: number;
}

export class FixedSlippageModel implements SlippageModel {
  readonly name = 'FixedSlippageModel';
  readonly ticks: number;

  constructor(opts: FixedSlippageModelOptions) {
    if (!Number.isSafeInteger(opts.ticks) || opts.ticks < 0) {
      throw new EngineError('sim.invalid_parameter', `FixedSlippageModel: ticks must be an integer >= 0, got ${opts.ticks}`);
    }
    this.ticks = opts.ticks;
  }

  slippageTicks(): number {
    return this.ticks;
  }
}

export interface PercentSlippageModelOptions {
  /** Adverse move as a percent of the reference price (0.05 = 0.05 %), decimal string or number. */
  pct: number | string;
}

/** round(|ref| * pct / 100) ticks, half-to-even, computed exactly. */
export class PercentSlippageModel implements SlippageModel {
  readonly name = 'PercentSlippageModel';
  private readonly ratio: Ratio;

  constructor(opts: PercentSlippageModelOptions) {
    const r = decimalRatio(opts.pct, 'PercentSlippageModel: pct');
    this.ratio = { num: r.num, den: r.den * 100n };
  }

  slippageTicks(req: SlippageRequest): number {
    return intTimes(Math.abs(req.refTicks), this.ratio);
  }
}

export interface VolatilitySlippageModelOptions {
  /** Adverse move as a fraction of the bar's high-low range (of the traded side), e.g. 0.1. */
  fractionOfRange: number | string;
}

/**
 * round(fractionOfRange * (high - low)) ticks, half-to-even. On a quote (no range) this is 0.
 */
export class VolatilitySlippageModel implements SlippageModel {
  readonly name = 'VolatilitySlippageModel';
  private readonly ratio: Ratio;

  constructor(opts: VolatilitySlippageModelOptions) {
    this.ratio = decimalRatio(opts.fractionOfRange, 'VolatilitySlippageModel: fractionOfRange');
  }

  slippageTicks(req: SlippageRequest): number {
    return intTimes(Math.max(0, req.ticks.high - req.ticks.low), this.ratio);
  }
}
