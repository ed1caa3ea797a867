/**
 * Position sizers: exact quantities for fixed-fraction and fixed-risk sizing, rounding down to the
 * instrument's minimum, currency conversion, contract size, and coded configuration errors.
 */
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../engine/core/errors';
import { makeInstrument, type Instrument } from '../../../engine/core/instrument';
import { MONEY_ONE } from '../../../engine/core/money';
import { FixedFractionSizer, FixedRiskSizer, type SizingContext } from '../../../engine/risk/sizing';
import { validateConfig } from '../../../engine/runtime/config';
import { makeSizer } from '../../../engine/runtime/trading-engine';

const EQ = makeInstrument({ id: 'EQ', assetClass: 'equity', quoteCurrency: 'USD', pricePrecision: 2 });
const LOT10 = makeInstrument({ id: 'LOT10', assetClass: 'equity', quoteCurrency: 'USD', pricePrecision: 2, minQty: 10 });
const EUR_USD = makeInstrument({ id: 'EUR_USD', assetClass: 'fx', quoteCurrency: 'USD', pricePrecision: 5 });
const EUR_JPY = makeInstrument({ id: 'EUR_JPY', assetClass: 'fx', quoteCurrency: 'JPY', pricePrecision: 3 });
const BTC = makeInstrument({ id: 'BTC_USD', assetClass: 'crypto', quoteCurrency: 'USD', pricePrecision: 2, unitPrecision: 5 });
const FUT = makeInstrument({ id: 'FUT', assetClass: 'index', quoteCurrency: 'USD', pricePrecision: 2, contractSize: 50 });

function ctx(instrument: Instrument, price: number, over: Partial<SizingContext> = {}): SizingContext {
  return { instrument, price, equity: 100_000 * MONEY_ONE, quoteToAccount: 1, stopDistance: null, confidence: null, ...over };
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof EngineError ? e.code : `not an EngineError: ${String(e)}`;
  }
  return undefined;
}

describe('FixedFractionSizer', () => {
  const two = new FixedFractionSizer({ fractionPct: 2 });

  it('2 % of 100,000 USD at 100.00 = 20 shares', () => {
    expect(two.name).toBe('fixed_fraction');
    expect(two.size(ctx(EQ, 100))).toBe(20);
  });

  it.each([
    [EQ, 33.33, 60], // 2,000 / 33.33 = 60.006
    [EQ, 2_000, 1],
    [EQ, 2_000.01, 0], // not even one share
    [EQ, 0.07, 28_571], // 2,000 / 0.07 = 28,571.4
    [LOT10, 30, 60], // 66.7 -> 66 -> rounded down to lots of 10
    [LOT10, 201, 0], // 9.95 shares -> below one lot
    [EUR_USD, 1.08, 1_851], // 1,851.85 units
    [BTC, 50_000, 4_000], // 0.04 BTC = 4,000 units of 10^-5
    [BTC, 65_432.1, 3_056], // 0.0305660... BTC
    [FUT, 4_000, 0], // one contract is 200,000 USD
  ])('%s at %d -> %d units', (inst, price, units) => {
    expect(two.size(ctx(inst, price))).toBe(units);
  });

  it('larger fractions scale linearly; the whole account at 100 % buys 1,000 shares at 100.00', () => {
    expect(new FixedFractionSizer({ fractionPct: 10 }).size(ctx(EQ, 100))).toBe(100);
    expect(new FixedFractionSizer({ fractionPct: 100 }).size(ctx(EQ, 100))).toBe(1_000);
    expect(new FixedFractionSizer({ fractionPct: 0.5 }).size(ctx(EQ, 100))).toBe(5);
  });

  it('converts the account amount into the quote currency', () => {
    // 2,000 USD = 300,000 JPY (1 JPY = 1/150 USD) at 160.000 JPY a unit -> 1,875 units.
    expect(two.size(ctx(EUR_JPY, 160, { quoteToAccount: 1 / 150 }))).toBe(1_875);
  });

  it('sizes nothing without a usable price, equity or rate', () => {
    expect(two.size(ctx(EQ, 0))).toBe(0);
    expect(two.size(ctx(EQ, Number.NaN))).toBe(0);
    expect(two.size(ctx(EQ, 100, { equity: 0 }))).toBe(0);
    expect(two.size(ctx(EQ, 100, { equity: -5 * MONEY_ONE }))).toBe(0);
    expect(two.size(ctx(EQ, 100, { quoteToAccount: 0 }))).toBe(0);
    expect(two.size(ctx(EQ, 100, { quoteToAccount: Number.NaN }))).toBe(0);
  });

  it('ignores the stop distance', () => {
    expect(two.size(ctx(EQ, 100, { stopDistance: 0.5 }))).toBe(20);
  });
});

describe('FixedRiskSizer', () => {
  const half = new FixedRiskSizer({ riskPct: 0.5 });

  it('0.5 % of 100,000 USD over a 0.20 stop = 2,500 shares (500 USD at risk)', () => {
    expect(half.name).toBe('fixed_risk');
    expect(half.size(ctx(EQ, 100, { stopDistance: 0.2 }))).toBe(2_500);
  });

  it.each([
    [EQ, 1, 500],
    [EQ, 0.3, 1_666], // 1,666.7
    [EQ, 3, 166],
    [LOT10, 0.3, 1_660], // rounded down to lots of 10
    [LOT10, 60, 0], // 8.3 shares -> below one lot
    [EUR_USD, 0.0025, 200_000], // 25 pips
    [BTC, 1_000, 50_000], // 0.5 BTC
    [FUT, 2, 5], // 500 / (2 * 50)
  ])('%s with a stop %d away -> %d units', (inst, stop, units) => {
    expect(half.size(ctx(inst, 100, { stopDistance: stop }))).toBe(units);
  });

  it('converts the loss per unit into the account currency', () => {
    // A 0.500 JPY stop loses 0.5/150 USD a unit: 500 USD / (1/300) = 150,000 units.
    expect(half.size(ctx(EUR_JPY, 160, { stopDistance: 0.5, quoteToAccount: 1 / 150 }))).toBe(150_000);
  });

  it('sizes nothing without a stop (or with a zero / negative stop, or no rate)', () => {
    expect(half.size(ctx(EQ, 100))).toBe(0);
    expect(half.size(ctx(EQ, 100, { stopDistance: 0 }))).toBe(0);
    expect(half.size(ctx(EQ, 100, { stopDistance: -1 }))).toBe(0);
    expect(half.size(ctx(EQ, 100, { stopDistance: 1, quoteToAccount: 0 }))).toBe(0);
  });
});

describe('invalid sizing configuration', () => {
  it.each([0, -1, 100.5, Number.NaN, Number.POSITIVE_INFINITY])('fraction %d -> config.invalid', (x) => {
    expect(codeOf(() => new FixedFractionSizer({ fractionPct: x }))).toBe('config.invalid');
  });

  it.each([0, -0.5, 101, Number.NaN])('risk %d -> config.invalid', (x) => {
    expect(codeOf(() => new FixedRiskSizer({ riskPct: x }))).toBe('config.invalid');
  });

  it('the limits themselves are valid', () => {
    expect(new FixedFractionSizer({ fractionPct: 100 }).size(ctx(EQ, 100))).toBe(1_000);
    expect(new FixedRiskSizer({ riskPct: 100 }).size(ctx(EQ, 100, { stopDistance: 100 }))).toBe(1_000);
  });

  function issues(raw: unknown): { path: string; message: string }[] {
    try {
      validateConfig(raw);
    } catch (e) {
      if (e instanceof EngineError && e.code === 'config.invalid') return e.details as { path: string; message: string }[];
      throw e;
    }
    throw new Error('configuration was accepted');
  }

  it('the configuration reports sizing problems with their paths', () => {
    expect(issues({ sizing: { method: 'fixed_fraction', fraction_pct: 0 } }).map((i) => i.path)).toEqual(['sizing.fraction_pct']);
    expect(issues({ sizing: { method: 'fixed_risk', risk_pct: 150 } }).map((i) => i.path)).toEqual(['sizing.risk_pct']);
    expect(issues({ sizing: { method: 'martingale' } }).map((i) => i.path)).toEqual(['sizing.method']);
    expect(issues({ sizing: { method: 'kelly' } }).map((i) => i.path)).toEqual(['sizing.win_rate', 'sizing.payoff_ratio']);
    expect(issues({ sizing: { method: 'fixed_risk', fraction_pct: 2 } }).map((i) => i.path)).toEqual(['sizing']);
    expect(issues({ strategy: { name: 'ema_cross', sizing: { method: 'fixed_fraction', fraction_pct: -2 } } }).map((i) => i.path)).toEqual([
      'strategy.sizing.fraction_pct',
    ]);
  });

  it('the configuration defaults to 2 % fixed fraction, and makeSizer builds what it names', () => {
    const { config } = validateConfig({});
    expect(config.sizing).toEqual({ method: 'fixed_fraction', fraction_pct: 2 });
    expect(makeSizer(config.sizing).size(ctx(EQ, 100))).toBe(20);
    const risk = validateConfig({ sizing: { method: 'fixed_risk' } }).config.sizing;
    expect(risk).toEqual({ method: 'fixed_risk', risk_pct: 0.5 });
    expect(makeSizer(risk).size(ctx(EQ, 100, { stopDistance: 0.2 }))).toBe(2_500);
  });
});
