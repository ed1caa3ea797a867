/**
 * Fee models: the commission of one fill, as Money (integer micro-units) of the instrument's quote
 * currency, computed exactly from integer ticks and units and rounded once, half-to-even, to the
 * micro-unit. Parameters are decimal strings (or numbers read through their decimal text), never
 * float money.
 */
import { EngineError } from '../core/errors';
import type { Instrument } from '../core/instrument';
import { money, MONEY_ONE, type Money } from '../core/money';
import { decimalRatio, divHalfEvenBig, notionalTimes, toSafeNumber, type Ratio } from './exact';
import type { Liquidity, SimOrderView } from './types';

export interface FeeRequest {
  readonly instrument: Instrument;
  readonly order: SimOrderView;
  /** Fill price, ticks (after slippage). */
  readonly ticks: number;
  /** Units of this fill. */
  readonly qty: number;
  readonly liquidity: Liquidity;
}

export interface FeeModel {
  /** Fee of one fill in micro-units of the instrument's quote currency (>= 0 is a cost). */
  fee(req: FeeRequest): Money;
}

export class ZeroFeeModel implements FeeModel {
  readonly name = 'ZeroFeeModel';

  fee(): Money {
    return 0;
  }
}

export interface PerUnitFeeModelOptions {
  /** Fee per unit of quantity (per share, per contract), a decimal string in the quote currency, e.g. "0.005". */
  perUnit: string;
  /** Smallest fee of one fill, a decimal string in the quote currency, e.g. "1.00". */
  minimum?: string;
}

/**
 * perUnit * quantity (quantity = units / 10^unitPrecision), rounded half-to-even to the micro-unit,
 * and at least `minimum` per fill.
 */
export class PerUnitFeeModel implements FeeModel {
  readonly name = 'PerUnitFeeModel';
  private readonly perUnit: Ratio;
  private readonly minimum: Money;

  constructor(opts: PerUnitFeeModelOptions) {
    this.perUnit = decimalRatio(opts.perUnit, 'PerUnitFeeModel: perUnit');
    this.minimum = opts.minimum === undefined ? 0 : money(opts.minimum);
    if (this.minimum < 0) throw new EngineError('sim.invalid_parameter', `PerUnitFeeModel: minimum must be >= 0, got ${opts.minimum}`);
  }

  fee(req: FeeRequest): Money {
    const n = BigInt(req.qty) * this.perUnit.num * BigInt(MONEY_ONE);
    const d = this.perUnit.den * 10n ** BigInt(req.instrument.unitPrecision);
    const fee = toSafeNumber(divHalfEvenBig(n, d), 'fee');
    return Math.max(fee, this.minimum);
  }
}

export interface PercentFeeModelOptions {
  /** Percent of the fill's notional: 0.1 means 0.1 %. Decimal string or number. */
  pct: number | string;
}

/** pct / 100 of ticks * qty * contractSize, exactly, rounded once to the micro-unit. */
export class PercentFeeModel implements FeeModel {
  readonly name = 'PercentFeeModel';
  private readonly ratio: Ratio;

  constructor(opts: PercentFeeModelOptions) {
    const r = decimalRatio(opts.pct, 'PercentFeeModel: pct');
    this.ratio = { num: r.num, den: r.den * 100n };
  }

  fee(req: FeeRequest): Money {
    return Math.abs(notionalTimes(req.instrument, req.ticks, req.qty, this.ratio));
  }
}

export interface SpreadFeeModelOptions {
  /** The bid-ask spread in price ticks (a non-negative integer); each fill pays half of it. */
  spreadTicks: number;
}

/**
 * Half the spread per fill, for venues quoted on mid prices: the value of spreadTicks / 2 ticks on the
 * fill's quantity, rounded half-to-even to the micro-unit.
 */
export class SpreadFeeModel implements FeeModel {
  readonly name = 'SpreadFeeModel';
  readonly spreadTicks: number;

  constructor(opts: SpreadFeeModelOptions) {
    if (!Number.isSafeInteger(opts.spreadTicks) || opts.spreadTicks < 0) {
      throw new EngineError('sim.invalid_parameter', `SpreadFeeModel: spreadTicks must be an integer >= 0, got ${opts.spreadTicks}`);
    }
    this.spreadTicks = opts.spreadTicks;
  }

  fee(req: FeeRequest): Money {
    return notionalTimes(req.instrument, this.spreadTicks, req.qty, { num: 1n, den: 2n });
  }
}

/** The sum of several fee models (each rounded on its own). */
export class CompositeFeeModel implements FeeModel {
  readonly name = 'CompositeFeeModel';
  readonly models: readonly FeeModel[];

  constructor(models: readonly FeeModel[]) {
    this.models = [...models];
  }

  fee(req: FeeRequest): Money {
    let sum = 0;
    for (const m of this.models) sum += m.fee(req);
    if (!Number.isSafeInteger(sum)) throw new EngineError('invariant.fixed_overflow', `fee sum ${sum} is not a safe integer`);
    return sum;
  }
}
