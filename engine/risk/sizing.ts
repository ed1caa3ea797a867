/**
 * Position sizers: turn an intent to enter into a quantity. Sizing is an estimate (floats are fine
 * here); the risk gate then checks the exact result against the caps.
 */
import { EngineError } from '../core/errors';
import { unitsForNotional, type Instrument } from '../core/instrument';
import { MONEY_ONE, type Money } from '../core/money';

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
    if (!(ctx.quoteToAccount > 0)) return 0;
    const targetAccount = (ctx.equity * this.params.fractionPct) / 100;
    const targetQuote = Math.floor(targetAccount / ctx.quoteToAccount);
    return unitsForNotional(ctx.instrument, targetQuote, ctx.price);
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
    const perUnitLoss = ctx.stopDistance * ctx.instrument.contractSize * ctx.quoteToAccount;
    const units = Math.floor((riskAccount / perUnitLoss) * 10 ** ctx.instrument.unitPrecision);
    return Math.floor(units / ctx.instrument.minQty) * ctx.instrument.minQty;
  }
}
