import { describe, expect, it } from 'vitest';
import { makeInstrument, marginFor, notional, notionalAt, priceToTicks, ticksToPrice, unitsForNotional } from '../../../engine/core/instrument';

const eurusd = makeInstrument({ id: 'EUR_USD', assetClass: 'fx', quoteCurrency: 'USD', pricePrecision: 5 });
const usdjpy = makeInstrument({ id: 'USD_JPY', assetClass: 'fx', quoteCurrency: 'JPY', pricePrecision: 3 });
const aapl = makeInstrument({ id: 'AAPL', assetClass: 'equity', quoteCurrency: 'USD', pricePrecision: 2, sector: 'Technology' });
const btc = makeInstrument({ id: 'BTCUSDT', assetClass: 'crypto', quoteCurrency: 'USD', pricePrecision: 2, unitPrecision: 5, minQty: 1 });

describe('instrument model', () => {
  it('fills FX defaults: base currency, pip location, margin', () => {
    expect(eurusd.baseCurrency).toBe('EUR');
    expect(eurusd.pipLocation).toBe(-4);
    expect(usdjpy.pipLocation).toBe(-2);
    expect(eurusd.marginRate).toBe('0.02');
    expect(aapl.calendar).toBe('us_equity');
  });

  it('refuses invalid specifications with a coded error', () => {
    expect(() => makeInstrument({ id: 'X', assetClass: 'equity', quoteCurrency: 'USD', pricePrecision: -1 })).toThrow(expect.objectContaining({ code: 'instrument.invalid' }));
    expect(() => makeInstrument({ id: 'X', assetClass: 'equity', quoteCurrency: 'usd', pricePrecision: 2 })).toThrow(expect.objectContaining({ code: 'instrument.invalid' }));
    expect(() => makeInstrument({ id: 'X', assetClass: 'equity', quoteCurrency: 'USD', pricePrecision: 2, marginRate: '2' })).toThrow(expect.objectContaining({ code: 'instrument.invalid' }));
  });

  it('converts prices to ticks and back, honouring tick size', () => {
    expect(priceToTicks(eurusd, 1.08123)).toBe(108123);
    expect(ticksToPrice(eurusd, 108123)).toBeCloseTo(1.08123, 12);
    const quarter = makeInstrument({ id: 'ES', assetClass: 'index', quoteCurrency: 'USD', pricePrecision: 2, tickSize: 25 });
    expect(priceToTicks(quarter, 4500.13)).toBe(450025);
    expect(priceToTicks(quarter, 4500.12)).toBe(450000);
  });

  it('computes notionals exactly in micro-units of the quote currency', () => {
    // 100,000 EUR at 1.08123 = 108,123 USD
    expect(notional(eurusd, 108123, 100_000)).toBe(108_123_000_000);
    // 10,000 USD at 150.123 JPY = 1,501,230 JPY
    expect(notional(usdjpy, 150123, 10_000)).toBe(1_501_230_000_000);
    // 100 AAPL at 172.35 = 17,235 USD
    expect(notional(aapl, 17235, 100)).toBe(17_235_000_000);
    // 0.00123 BTC at 43,210.57 = 53.1490011 USD -> rounded half-even to 53.149001
    expect(notional(btc, 4321057, 123)).toBe(53_149_001);
    expect(notionalAt(aapl, 172.35, -100)).toBe(-17_235_000_000);
  });

  it('sizes and margins', () => {
    expect(unitsForNotional(aapl, 17_235_000_000, 172.35)).toBe(100);
    expect(unitsForNotional(aapl, 17_234_999_999, 172.35)).toBe(99);
    expect(marginFor(eurusd, 108_123_000_000)).toBe(2_162_460_000);
  });
});
