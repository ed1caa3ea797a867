/**
 * Position sizers: turn an intent to enter into a quantity. Sizing is an estimate (floats are fine
 * here); the risk gate then checks the exact result against the caps.
 */
import { EngineError } from '../core/errors';
import type { Instrument } from '../core/instrument';
import { MONEY_ONE, type Money } from '../core/money';
import type { z } from 'zod';
import type { sizingConfigSchema } from '../runtime/config';

/**
 * floor(x) for a float quotient that stands for an exact rational: a relative guard of 1e-12 keeps a
 * value such as 9999.999999999998 (really 10,000) from losing a unit; rounded down to minQty multiples.
 */
export function floorUnits(x: number, inst: Instrument): number {
  if (!(x > 0)) return 0;
  const units = Math.floor(x * (1 + 1e-12));
  return Math.floor(units / inst.minQty) * inst.minQty;
}

export interface SizingContext {
  instrument: Instrument;
  /** Reference price (last close or quote), quote currency. */
  price: number;
  /** Account equity, micro-units of the account currency. */
  equity: Money;
  /** Account currency per one unit of the quote currency (1 when they are the same). */
  quoteToAccount: number;
  /** Distance from entry to the stop in price units, when the intent has a stop. */
  stopDistance: number | null;
  /** Signal confidence tier (1 = strongest), when the strategy gives one. */
  confidence: number | null;
  /** ATR of the instrument over the sizer's `atrPeriod` (price units), null while it warms up. */
  atr?: number | null;
}

export interface PositionSizer {
  readonly name: string;
  /** ATR period this sizer needs in `SizingContext.atr` (the engine keeps that ATR per instrument). */
  readonly atrPeriod?: number;
  /** Units to trade (>= 0); 0 means do not enter. */
  size(ctx: SizingContext): number;
}

/** Account currency per unit of the instrument at `price` (notional of one quantity unit). */
function perUnitAccount(ctx: SizingContext): number {
  const inst = ctx.instrument;
  return (ctx.price * inst.contractSize * ctx.quoteToAccount) / 10 ** inst.unitPrecision;
}

/** Account currency lost per quantity unit over `distance` price units. */
function perUnitLoss(ctx: SizingContext, distance: number): number {
  const inst = ctx.instrument;
  return (distance * inst.contractSize * ctx.quoteToAccount) / 10 ** inst.unitPrecision;
}

const equityAccount = (ctx: SizingContext) => ctx.equity / MONEY_ONE;

/** Notional = `fractionPct` % of equity. */
export class FixedFractionSizer implements PositionSizer {
  readonly name = 'fixed_fraction';
  constructor(private readonly params: { fractionPct: number }) {
    if (!(params.fractionPct > 0 && params.fractionPct <= 100)) {
      throw new EngineError('config.invalid', `sizing fraction_pct must be in (0, 100], got ${params.fractionPct}`);
    }
  }

  size(ctx: SizingContext): number {
    if (!(ctx.quoteToAccount > 0) || !(ctx.price > 0)) return 0;
    return floorUnits(((equityAccount(ctx) * this.params.fractionPct) / 100) / perUnitAccount(ctx), ctx.instrument);
  }
}

/** Risks `riskPct` % of equity between entry and stop; without a stop it sizes nothing. */
export class FixedRiskSizer implements PositionSizer {
  readonly name = 'fixed_risk';
  constructor(private readonly params: { riskPct: number }) {
    if (!(params.riskPct > 0 && params.riskPct <= 100)) {
      throw new EngineError('config.invalid', `sizing risk_pct must be in (0, 100], got ${params.riskPct}`);
    }
  }

  size(ctx: SizingContext): number {
    if (ctx.stopDistance === null || !(ctx.stopDistance > 0) || !(ctx.quoteToAccount > 0)) return 0;
    return floorUnits(((equityAccount(ctx) * this.params.riskPct) / 100) / perUnitLoss(ctx, ctx.stopDistance), ctx.instrument);
  }
}

/**
 * Volatility sizing: the stop distance is `atrMultiple` × ATR(`atrPeriod`) of the instrument and
 * `riskPct` % of equity is risked over it. Sizes nothing until the ATR is ready.
 */
export class VolatilitySizer implements PositionSizer {
  readonly name = 'volatility';
  readonly atrPeriod: number;
  constructor(private readonly params: { atrPeriod: number; atrMultiple: number; riskPct: number }) {
    if (!(Number.isInteger(params.atrPeriod) && params.atrPeriod >= 1)) throw new EngineError('config.invalid', `sizing atr_period must be a positive integer, got ${params.atrPeriod}`);
    if (!(params.atrMultiple > 0)) throw new EngineError('config.invalid', `sizing atr_multiple must be > 0, got ${params.atrMultiple}`);
    if (!(params.riskPct > 0 && params.riskPct <= 100)) throw new EngineError('config.invalid', `sizing risk_pct must be in (0, 100], got ${params.riskPct}`);
    this.atrPeriod = params.atrPeriod;
  }

  size(ctx: SizingContext): number {
    const atr = ctx.atr;
    if (atr == null || !(atr > 0) || !(ctx.quoteToAccount > 0)) return 0;
    const riskAccount = (equityAccount(ctx) * this.params.riskPct) / 100;
    return floorUnits(riskAccount / perUnitLoss(ctx, this.params.atrMultiple * atr), ctx.instrument);
  }
}

/**
 * Fractional Kelly: f* = W − (1 − W) / R for win rate W and payoff ratio R (average win / average
 * loss); the position's notional is `kellyFraction` × f* of equity, capped at `maxPct` %. A negative
 * edge (f* <= 0) sizes nothing.
 */
export class KellySizer implements PositionSizer {
  readonly name = 'kelly';
  /** Notional as % of equity after the fraction and the cap. */
  readonly pct: number;
  constructor(params: { winRate: number; payoffRatio: number; kellyFraction: number; maxPct: number }) {
    if (!(params.winRate > 0 && params.winRate < 1)) throw new EngineError('config.invalid', `sizing win_rate must be in (0, 1), got ${params.winRate}`);
    if (!(params.payoffRatio > 0)) throw new EngineError('config.invalid', `sizing payoff_ratio must be > 0, got ${params.payoffRatio}`);
    if (!(params.kellyFraction > 0 && params.kellyFraction <= 1)) throw new EngineError('config.invalid', `sizing kelly_fraction must be in (0, 1], got ${params.kellyFraction}`);
    if (!(params.maxPct > 0 && params.maxPct <= 100)) throw new EngineError('config.invalid', `sizing max_pct must be in (0, 100], got ${params.maxPct}`);
    const full = params.winRate - (1 - params.winRate) / params.payoffRatio;
    this.pct = full > 0 ? Math.min(params.kellyFraction * full * 100, params.maxPct) : 0;
  }

  size(ctx: SizingContext): number {
    if (this.pct === 0 || !(ctx.quoteToAccount > 0) || !(ctx.price > 0)) return 0;
    return floorUnits(((equityAccount(ctx) * this.pct) / 100) / perUnitAccount(ctx), ctx.instrument);
  }
}

/**
 * Confidence tiers: a signal's tier (1 = strongest) picks a band of % of equity to risk
 * (`bandsPct[tier − 1]`, e.g. tier 1 = 3–5 %, tier 2 = 1–2 %, tier 3 = 0.5–1 %); `bandPoint` places the
 * size in the band (1 = its upper bound). With a stop the risk is the loss to the stop; without one it
 * is the notional. Either way the notional never exceeds `maxPositionPct` % of equity (the
 * single-position cap). A signal without a confidence sizes as `defaultTier`; a tier beyond the bands
 * sizes nothing.
 */
export class ConfidenceTierSizer implements PositionSizer {
  readonly name = 'confidence';
  constructor(private readonly params: { bandsPct: readonly (readonly [number, number])[]; bandPoint: number; defaultTier: number; maxPositionPct: number }) {
    if (params.bandsPct.length === 0) throw new EngineError('config.invalid', 'sizing bands_pct needs at least one band');
    for (const [lo, hi] of params.bandsPct) {
      if (!(lo > 0 && lo <= hi && hi <= 100)) throw new EngineError('config.invalid', `sizing band [${lo}, ${hi}] must satisfy 0 < low <= high <= 100`);
    }
    if (!(params.bandPoint >= 0 && params.bandPoint <= 1)) throw new EngineError('config.invalid', `sizing band_point must be in [0, 1], got ${params.bandPoint}`);
    if (!(params.maxPositionPct > 0 && params.maxPositionPct <= 100)) throw new EngineError('config.invalid', `sizing max_position_pct must be in (0, 100], got ${params.maxPositionPct}`);
  }

  /** % of equity risked by a signal of `tier` (null: beyond the bands). */
  riskPct(tier: number | null): number | null {
    const t = tier ?? this.params.defaultTier;
    const band = Number.isInteger(t) && t >= 1 ? this.params.bandsPct[t - 1] : undefined;
    if (!band) return null;
    return band[0] + (band[1] - band[0]) * this.params.bandPoint;
  }

  size(ctx: SizingContext): number {
    const pct = this.riskPct(ctx.confidence);
    if (pct === null || !(ctx.quoteToAccount > 0) || !(ctx.price > 0)) return 0;
    const riskAccount = (equityAccount(ctx) * pct) / 100;
    const byRisk = ctx.stopDistance !== null && ctx.stopDistance > 0 ? riskAccount / perUnitLoss(ctx, ctx.stopDistance) : riskAccount / perUnitAccount(ctx);
    const byCap = ((equityAccount(ctx) * this.params.maxPositionPct) / 100) / perUnitAccount(ctx);
    return floorUnits(Math.min(byRisk, byCap), ctx.instrument);
  }
}

/** The sizing section of the configuration: the type of its schema (one definition, in config.ts). */
export type SizingSpec = z.output<typeof sizingConfigSchema>;

export function sizerFromSpec(s: SizingSpec): PositionSizer {
  switch (s.method) {
    case 'fixed_fraction':
      return new FixedFractionSizer({ fractionPct: s.fraction_pct });
    case 'fixed_risk':
      return new FixedRiskSizer({ riskPct: s.risk_pct });
    case 'volatility':
      return new VolatilitySizer({ atrPeriod: s.atr_period, atrMultiple: s.atr_multiple, riskPct: s.risk_pct });
    case 'kelly':
      return new KellySizer({ winRate: s.win_rate, payoffRatio: s.payoff_ratio, kellyFraction: s.kelly_fraction, maxPct: s.max_pct });
    case 'confidence':
      return new ConfidenceTierSizer({ bandsPct: s.bands_pct, bandPoint: s.band_point, defaultTier: s.default_tier, maxPositionPct: s.max_position_pct });
  }
}
