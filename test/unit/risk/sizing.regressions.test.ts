/**
 * Regression tests for engine bugs found by review (each describes the failure it guards against).
 */
import { describe, expect, it } from 'vitest';
import { makeInstrument } from '../../../engine/core/instrument';
import { MONEY_ONE } from '../../../engine/core/money';
import { FixedFractionSizer, FixedRiskSizer } from '../../../engine/risk/sizing';
import { EngineHarness, NO_LIMITS } from '../runtime/engine-harness';

const EQ = makeInstrument({ id: 'EQ', assetClass: 'equity', quoteCurrency: 'USD', pricePrecision: 2 });
const EUR_USD = makeInstrument({ id: 'EUR_USD', assetClass: 'fx', quoteCurrency: 'USD', pricePrecision: 5 });

describe('Regression: FixedRiskSizer floors 9,999.999999999998 to 9,999', () => {
  it('0.7 % of 100,000 USD = 700 USD over a 0.07 stop = exactly 10,000 shares', () => {
    const s = new FixedRiskSizer({ riskPct: 0.7 });
    // (700 / 0.07) evaluates to 9999.999999999998 in doubles; Math.floor makes it 9,999.
    expect(s.size({ instrument: EQ, price: 100, equity: 100_000 * MONEY_ONE, quoteToAccount: 1, stopDistance: 0.07, confidence: null })).toBe(10_000);
  });

  it('0.36 % of 377,268 USD over a 27-pip stop = exactly 503,024 EUR_USD units', () => {
    // 377,268 * 0.0036 / 0.0027 = 503,024 exactly.
    const s = new FixedRiskSizer({ riskPct: 0.36 });
    expect(s.size({ instrument: EUR_USD, price: 1.08, equity: 377_268 * MONEY_ONE, quoteToAccount: 1, stopDistance: 0.0027, confidence: null })).toBe(503_024);
  });

  it('through the engine: risk_pct 0.7 with a 0.07 % stop at 100.00 (7 ticks) enters 10,000 shares', () => {
    const h = new EngineHarness({ config: { ...NO_LIMITS, sizing: { method: 'fixed_risk', risk_pct: 0.7 } }, startStrategies: false });
    h.flat(100);
    const [r] = h.engine.intents.execute('s1', { kind: 'target', instrumentId: 'AAA', direction: 'LONG', stopLossPct: 0.07, reason: 't' });
    expect(h.order(r!.clientOrderId).bracket).toEqual({ stopLossDistance: 7, takeProfitDistance: null });
    expect(r).toMatchObject({ ok: true, qty: 10_000 });
  });
});

describe('Regression: FixedFractionSizer loses a unit when the target amount lands exactly on a multiple of the price', () => {
  it('8.95 % of 181,740 USD = 16,265.73 USD = exactly 39 shares at 417.07', () => {
    // equity * 8.95 / 100 = 16265729999.999998 micro-USD; Math.floor -> ...999, then 38.99999 shares -> 38.
    const s = new FixedFractionSizer({ fractionPct: 8.95 });
    expect(s.size({ instrument: EQ, price: 417.07, equity: 181_740 * MONEY_ONE, quoteToAccount: 1, stopDistance: null, confidence: null })).toBe(39);
  });
});
