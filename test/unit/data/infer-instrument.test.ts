import { describe, expect, it } from 'vitest';
import { decimalsOf, inferInstrumentSpec } from '../../../engine/data/infer-instrument';

describe('inferInstrumentSpec', () => {
  it.each([
    ['EUR_USD', 'fx', 'EUR', 'USD', 5, 'fx'],
    ['EURUSD', 'fx', 'EUR', 'USD', 5, 'fx'],
    ['USD_JPY', 'fx', 'USD', 'JPY', 3, 'fx'],
    ['gbp/jpy', 'fx', 'GBP', 'JPY', 3, 'fx'],
    ['XAU_USD', 'fx', 'XAU', 'USD', 3, 'fx'],
    ['BTCUSDT', 'crypto', 'BTC', 'USDT', 2, 'crypto'],
    ['BTC_USD', 'crypto', 'BTC', 'USD', 2, 'crypto'],
    ['ETH-BTC', 'crypto', 'ETH', 'BTC', 2, 'crypto'],
    ['AAPL', 'equity', 'AAPL', 'USD', 2, 'us_equity'],
    ['BRK.B', 'equity', 'BRK.B', 'USD', 2, 'us_equity'],
    ['USDCADX', 'equity', 'USDCADX', 'USD', 2, 'us_equity'],
  ] as const)('%s → %s %s/%s, %i decimals', (symbol, assetClass, baseCurrency, quoteCurrency, pricePrecision, calendar) => {
    expect(inferInstrumentSpec(symbol)).toEqual({ symbol, assetClass, baseCurrency, quoteCurrency, pricePrecision, calendar });
  });

  it('takes equity and crypto precision from the data, clamped to [2, 8]', () => {
    expect(inferInstrumentSpec('AAPL', [172.36, 173.2788, 171.77]).pricePrecision).toBe(4);
    expect(inferInstrumentSpec('AAPL', [80, 81.5]).pricePrecision).toBe(2);
    expect(inferInstrumentSpec('BTCUSDT', [42283.58, 0.000012345678912]).pricePrecision).toBe(8);
    expect(inferInstrumentSpec('EUR_USD', [1.1, 1.12]).pricePrecision).toBe(5);
  });

  it('counts decimals of any printed number', () => {
    expect([0, 1, 1.5, 172.8701, 1.5e-7, 1e21, -2.25].map(decimalsOf)).toEqual([0, 0, 1, 4, 8, 0, 2]);
  });
});
