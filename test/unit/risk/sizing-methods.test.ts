/**
 * Volatility (ATR), fractional Kelly and confidence-tier sizing: the formulas on exact numbers, and
 * the volatility sizer through a real engine whose ATR comes from the bars it was fed.
 */
import { describe, expect, it } from 'vitest';
import { MONEY_ONE } from '../../../engine/core/money';
import { atr as batchAtr } from '../../../engine/indicators/atr';
import { ConfidenceTierSizer, KellySizer, VolatilitySizer, type SizingContext } from '../../../engine/risk/sizing';
import { validateConfig } from '../../../engine/runtime/config';
import { AAA, EngineHarness } from '../runtime/engine-harness';

const ctx = (over: Partial<SizingContext> = {}): SizingContext => ({
  instrument: AAA,
  price: 100,
  equity: 100_000 * MONEY_ONE,
  quoteToAccount: 1,
  stopDistance: null,
  confidence: null,
  ...over,
});

describe('VolatilitySizer', () => {
  it('risks risk_pct of equity over atr_multiple x ATR; nothing while the ATR warms up', () => {
    const s = new VolatilitySizer({ atrPeriod: 14, atrMultiple: 2, riskPct: 0.5 });
    // 500 USD over 2 x 1.25 = 2.50 a share -> 200 shares
    expect(s.size(ctx({ atr: 1.25 }))).toBe(200);
    expect(s.size(ctx({ atr: null }))).toBe(0);
    expect(s.size(ctx())).toBe(0);
  });

  it('through the engine: the ATR is engine/indicators Atr over the bars fed', () => {
    const h = new EngineHarness({ config: { exposure: { max_portfolio_exposure_pct: null }, sizing: { method: 'volatility', atr_period: 3, atr_multiple: 2, risk_pct: 1 } }, startStrategies: false });
    const bars = [
      [100, 101, 99, 100],
      [100, 102, 99, 101],
      [101, 103, 100, 102],
      [102, 102.5, 100.5, 101],
    ] as const;
    const exec = () => h.engine.intents.execute('manual', { kind: 'target', instrumentId: 'AAA', direction: 'LONG', reason: 'test' });
    for (const [o, hi, lo, c] of bars.slice(0, 3)) h.bar(o, hi, lo, c);
    expect(exec()).toEqual([]); // 3 bars: ATR(3) needs 4
    const [o, hi, lo, c] = bars[3];
    h.bar(o, hi, lo, c);
    const atr = batchAtr(bars.map((b) => b[1]), bars.map((b) => b[2]), bars.map((b) => b[3]), 3)[3]!;
    expect(h.engine.history.atr('AAA', 3)).toBe(atr);
    const want = Math.floor(1_000 / (2 * atr));
    expect(exec()).toEqual([expect.objectContaining({ ok: true, qty: want })]);
  });
});

describe('KellySizer', () => {
  it('f = fraction x (W - (1 - W) / R), as notional % of equity, capped at max_pct; no edge, no trade', () => {
    // W 0.55, R 1.5: f* = 0.55 - 0.45 / 1.5 = 0.25; quarter Kelly = 6.25 % -> capped at 5 %
    expect(new KellySizer({ winRate: 0.55, payoffRatio: 1.5, kellyFraction: 0.25, maxPct: 5 }).pct).toBeCloseTo(5, 12);
    expect(new KellySizer({ winRate: 0.55, payoffRatio: 1.5, kellyFraction: 0.25, maxPct: 5 }).size(ctx())).toBe(50);
    // f* = 0.5 - 0.5 / 1.5 = 1/6; x 0.25 = 4.1667 % -> 4,166.67 USD -> 41 shares
    const k = new KellySizer({ winRate: 0.5, payoffRatio: 1.5, kellyFraction: 0.25, maxPct: 5 });
    expect(k.pct).toBeCloseTo(100 / 24, 12);
    expect(k.size(ctx())).toBe(41);
    expect(new KellySizer({ winRate: 0.4, payoffRatio: 1, kellyFraction: 0.25, maxPct: 5 }).size(ctx())).toBe(0);
  });
});

describe('ConfidenceTierSizer', () => {
  const s = new ConfidenceTierSizer({ bandsPct: [[3, 5], [1, 2], [0.5, 1]], bandPoint: 1, defaultTier: 3, maxPositionPct: 5 });

  it('a tier picks its band; with a stop the band is the risk to the stop, never above the 5 % position cap', () => {
    expect([1, 2, 3].map((t) => s.riskPct(t))).toEqual([5, 2, 1]);
    // tier 2, 2 % = 2,000 USD over a 5.00 stop = 400 shares (40,000 USD notional) -> capped at 5 % = 50 shares
    expect(s.size(ctx({ confidence: 2, stopDistance: 5 }))).toBe(50);
    // tier 3, 1 % = 1,000 USD over a 25.00 stop = 40 shares (4,000 USD): under the cap
    expect(s.size(ctx({ confidence: 3, stopDistance: 25 }))).toBe(40);
    // without a stop the band is the notional: tier 2 = 2,000 USD = 20 shares
    expect(s.size(ctx({ confidence: 2 }))).toBe(20);
    expect(s.size(ctx({ confidence: 1 }))).toBe(50);
    // no confidence: the default tier (3); a tier beyond the bands: nothing
    expect(s.size(ctx())).toBe(10);
    expect(s.size(ctx({ confidence: 4 }))).toBe(0);
  });

  it('band_point places the size inside the band', () => {
    const mid = new ConfidenceTierSizer({ bandsPct: [[3, 5], [1, 2], [0.5, 1]], bandPoint: 0.5, defaultTier: 3, maxPositionPct: 5 });
    expect([1, 2, 3].map((t) => mid.riskPct(t))).toEqual([4, 1.5, 0.75]);
  });

  it('configuration: defaults are the user bands, upper bound, 5 % cap', () => {
    const { config } = validateConfig({ sizing: { method: 'confidence' } });
    expect(config.sizing).toEqual({ method: 'confidence', bands_pct: [[3, 5], [1, 2], [0.5, 1]], band_point: 1, default_tier: 3, max_position_pct: 5 });
    expect(() => validateConfig({ sizing: { method: 'confidence', bands_pct: [[5, 3]] } })).toThrow(/bands_pct/);
  });
});
