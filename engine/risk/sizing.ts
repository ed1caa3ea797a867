/**
 * Position sizers: turn an intent to enter into a quantity. Sizing is an estimate (floats are fine
 * here); the risk gate then checks the exact result against the caps.
 */
import { EngineError } from '../core/errors';
import type { Instrument } from '../core/instrument';
import { MONEY_ONE, type Money } from '../core/money';

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
}

export interface PositionSizer {
  readonly name: string;
  /** Units to trade (>= 0); 0 means do not enter. */
  size(ctx: SizingContext): number;
}

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
    const inst = ctx.instrument;
    const targetAccount = ((ctx.equity / MONEY_ONE) * this.params.fractionPct) / 100;
    const perUnitAccount = (ctx.price * inst.contractSize * ctx.quoteToAccount) / 10 ** inst.unitPrecision;
    return floorUnits(targetAccount / perUnitAccount, inst);
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
    const riskAccount = ((ctx.equity / MONEY_ONE) * this.params.riskPct) / 100;
    const perUnitLoss = (ctx.stopDistance * ctx.instrument.contractSize * ctx.quoteToAccount) / 10 ** ctx.instrument.unitPrecision;
    return floorUnits(riskAccount / perUnitLoss, ctx.instrument);
  }
}
