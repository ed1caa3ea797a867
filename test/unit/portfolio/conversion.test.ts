import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CurrencyConverter, convertMoney, findConversionRoute } from '../../../engine/portfolio/conversion';
import { mulDivRoundHalfEven } from '../../../engine/core/muldiv';
import { EUR_GBP, EUR_JPY, EUR_USD, GBP_USD, T0, USD, USD_JPY, bigRoundHalfEven, codeOf, fill, makeCache, makePortfolio, setPrice } from './helpers';

describe('mulDivRoundHalfEven', () => {
  it('rounds half to even on every path', () => {
    expect(mulDivRoundHalfEven(5, 1, 2)).toBe(2);
    expect(mulDivRoundHalfEven(7, 1, 2)).toBe(4);
    expect(mulDivRoundHalfEven(-5, 1, 2)).toBe(-2);
    expect(mulDivRoundHalfEven(5, -1, 2)).toBe(-2);
    expect(mulDivRoundHalfEven(5, 1, -2)).toBe(-2);
    // decomposition path: (2^52 + 1) * 3 / 6 = 2^51 + 0.5 -> even 2^51
    expect(mulDivRoundHalfEven(2 ** 52 + 1, 3, 6)).toBe(2 ** 51);
    expect(mulDivRoundHalfEven(2 ** 52 + 3, 3, 6)).toBe(2 ** 51 + 2);
    expect(mulDivRoundHalfEven(0, 2 ** 52, 7)).toBe(0);
  });

  it('equals a BigInt reference for random safe operands', () => {
    const big = fc.integer({ min: -(2 ** 50), max: 2 ** 50 });
    fc.assert(
      fc.property(big, fc.integer({ min: -(2 ** 30), max: 2 ** 30 }), fc.integer({ min: 1, max: 2 ** 40 }), (a, b, d) => {
        const ref = bigRoundHalfEven(BigInt(a) * BigInt(b), BigInt(d));
        fc.pre(Number.isSafeInteger(ref));
        expect(mulDivRoundHalfEven(a, b, d)).toBe(ref);
      }),
      { numRuns: 2000 },
    );
  });

  it('is exact over the whole safe range', () => {
    const safe = fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
    fc.assert(
      fc.property(safe, fc.oneof(fc.integer({ min: -1000, max: 1000 }), safe), fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })), (a, b, d) => {
        const ref = bigRoundHalfEven(BigInt(a) * BigInt(b), BigInt(d));
        fc.pre(Number.isSafeInteger(ref));
        expect(mulDivRoundHalfEven(a, b, d)).toBe(ref);
      }),
      { numRuns: 3000 },
    );
    expect(mulDivRoundHalfEven(Number.MAX_SAFE_INTEGER, 3, 2 ** 40)).toBe(bigRoundHalfEven(BigInt(Number.MAX_SAFE_INTEGER) * 3n, 2n ** 40n));
  });

  it('throws when the result is not a safe integer', () => {
    expect(codeOf(() => mulDivRoundHalfEven(2 ** 52, 2 ** 20, 3))).toBe('invariant.fixed_overflow');
    expect(codeOf(() => mulDivRoundHalfEven(1, 1, 0))).toBe('invariant.division_by_zero');
  });
});

describe('currency conversion', () => {
  it('finds direct routes and converts with the rate in ticks', () => {
    const cache = makeCache([EUR_USD, USD_JPY, GBP_USD]);
    setPrice(cache, 'EUR_USD', 1.08123);
    setPrice(cache, 'USD_JPY', 150.123);
    expect(findConversionRoute(cache, 'USD', 'USD')).toEqual({ kind: 'identity' });
    expect(findConversionRoute(cache, 'EUR', 'USD')).toMatchObject({ kind: 'multiply', instrument: { id: 'EUR_USD' } });
    expect(findConversionRoute(cache, 'JPY', 'USD')).toMatchObject({ kind: 'divide', instrument: { id: 'USD_JPY' } });
    expect(findConversionRoute(cache, 'CHF', 'USD')).toBeUndefined();
    // 1 EUR = 1.08123 USD
    expect(convertMoney(cache, 1 * USD, 'EUR', 'USD')).toBe(1_081_230);
    // 12,300 JPY / 150.123: usdMicro = round(12,300,000,000 * 10^3 / 150,123)
    expect(convertMoney(cache, 12_300_000_000, 'JPY', 'USD')).toBe(81_932_815);
    expect(convertMoney(cache, -12_300_000_000, 'JPY', 'USD')).toBe(-81_932_815);
    // USD -> JPY multiplies by 150.123
    expect(convertMoney(cache, 1 * USD, 'USD', 'JPY')).toBe(150_123_000);
    const conv = new CurrencyConverter(cache);
    expect(conv.convert(12_300_000_000, 'JPY', 'USD')).toBe(81_932_815);
    expect(conv.rateInstrumentId('JPY', 'USD')).toBe('USD_JPY');
    expect(conv.rateInstrumentId('USD', 'USD')).toBeNull();
    // the converter reads the current price each time
    setPrice(cache, 'USD_JPY', 151);
    expect(conv.convert(100_000_000_000, 'JPY', 'USD')).toBe(662_251_656);
  });

  it('throws portfolio.no_conversion_rate without an instrument or without a price', () => {
    const cache = makeCache([EUR_GBP, GBP_USD]);
    expect(codeOf(() => convertMoney(cache, 1, 'CHF', 'USD'))).toBe('portfolio.no_conversion_rate');
    expect(codeOf(() => convertMoney(cache, 1, 'GBP', 'USD'))).toBe('portfolio.no_conversion_rate');
    setPrice(cache, 'GBP_USD', 1.25);
    expect(convertMoney(cache, 1 * USD, 'GBP', 'USD')).toBe(1_250_000);
  });
});

describe('Portfolio in a USD account with non-USD quote currencies', () => {
  it('USD_JPY: P&L in JPY converted to USD at the fill, fees converted at their fill', () => {
    const { pf, cache, events } = makePortfolio([USD_JPY]);
    setPrice(cache, 'USD_JPY', 150);
    pf.applyFill(fill({ inst: USD_JPY, side: 'BUY', qty: 100_000, px: 150_000, fee: 150_000_000, ts: T0 }));
    // 150 JPY at 150.000 = 1 USD
    expect(pf.cash()).toBe(100_000 * USD - 1 * USD);
    expect(pf.positionDetail('USD_JPY')).toMatchObject({ costBasis: 15_000_000_000_000, quoteCurrency: 'JPY', marketValue: 100_000 * USD });

    // mark at 151.000: unrealized 100,000 JPY -> round(10^11 * 10^3 / 151,000) micro-USD
    setPrice(cache, 'USD_JPY', 151);
    pf.mark('USD_JPY');
    expect(pf.position('USD_JPY')?.unrealizedPnl).toBe(662_251_656);
    // market value: 15,100,000 JPY -> round(1.51e13 * 10^3 / 151,000) = 100,000 USD
    expect(pf.position('USD_JPY')?.marketValue).toBe(100_000 * USD);
    expect(pf.equity()).toBe(100_000 * USD - 1 * USD + 662_251_656);

    setPrice(cache, 'USD_JPY', 150.123);
    pf.applyFill(fill({ inst: USD_JPY, side: 'SELL', qty: 100_000, px: 150_123, fee: 150_000_000, ts: T0 + 1 }));
    // realized 12,300 JPY -> 81.932815 USD; fee 150 JPY -> round(1.5e11 / 150,123) = 999,181
    expect(events.at(-1)).toMatchObject({ type: 'PositionClosed', realizedPnl: 81_932_815, totalRealizedPnl: 81_932_815 - 1 * USD - 999_181 });
    expect(pf.cash()).toBe(100_000 * USD - 1 * USD + 81_932_815 - 999_181);
    expect(pf.totalFees()).toBe(1 * USD + 999_181);
    expect(pf.equity()).toBe(pf.cash());
    expect(pf.trades()[0]).toMatchObject({ grossPnl: 81_932_815, fees: 1_999_181, pnl: 79_933_634 });
  });

  it('EUR_GBP in a USD account converts through GBP_USD and follows its rate', () => {
    const { pf, cache } = makePortfolio([EUR_GBP, GBP_USD]);
    setPrice(cache, 'GBP_USD', 1.25);
    setPrice(cache, 'EUR_GBP', 0.85);
    pf.applyFill(fill({ inst: EUR_GBP, side: 'BUY', qty: 10_000, px: 85_000, fee: 2 * USD, feeCurrency: 'GBP' }));
    // 2 GBP fee at 1.25 = 2.5 USD; position 8,500 GBP = 10,625 USD
    expect(pf.cash()).toBe(100_000 * USD - 2_500_000);
    expect(pf.position('EUR_GBP')?.marketValue).toBe(10_625 * USD);

    // GBP_USD moves: marking GBP_USD re-marks the GBP-quoted position
    setPrice(cache, 'GBP_USD', 1.3);
    pf.mark('GBP_USD');
    expect(pf.position('EUR_GBP')?.marketValue).toBe(11_050 * USD);
    expect(pf.grossExposure()).toBe(11_050 * USD);

    setPrice(cache, 'EUR_GBP', 0.855);
    pf.mark('EUR_GBP');
    // unrealized 50 GBP at 1.30
    expect(pf.position('EUR_GBP')?.unrealizedPnl).toBe(65 * USD);

    setPrice(cache, 'GBP_USD', 1.26);
    pf.applyFill(fill({ inst: EUR_GBP, side: 'SELL', qty: 10_000, px: 85_500 }));
    // realized 50 GBP at 1.26 = 63 USD
    expect(pf.realizedPnl()).toBe(63 * USD);
    expect(pf.cash()).toBe(100_000 * USD - 2_500_000 + 63 * USD);
  });

  it('EUR_JPY positions follow USD_JPY marks', () => {
    const { pf, cache } = makePortfolio([EUR_JPY, USD_JPY]);
    setPrice(cache, 'USD_JPY', 150);
    setPrice(cache, 'EUR_JPY', 160);
    pf.applyFill(fill({ inst: EUR_JPY, side: 'SELL', qty: 1_000, px: 160_000 }));
    expect(pf.position('EUR_JPY')?.marketValue).toBe(-Math.round((160_000 * USD) / 150));
    setPrice(cache, 'USD_JPY', 160);
    pf.mark('USD_JPY');
    expect(pf.position('EUR_JPY')?.marketValue).toBe(-1_000 * USD);
    expect(pf.netExposure()).toBe(-1_000 * USD);
  });

  it('a missing conversion rate is a coded error and leaves the portfolio unchanged', () => {
    const noRate = makePortfolio([EUR_GBP]);
    setPrice(noRate.cache, 'EUR_GBP', 0.85);
    expect(codeOf(() => noRate.pf.applyFill(fill({ inst: EUR_GBP, side: 'BUY', qty: 10_000, px: 85_000 })))).toBe('portfolio.no_conversion_rate');
    expect(noRate.pf.openPositions()).toHaveLength(0);
    expect(noRate.events).toHaveLength(0);
    expect(noRate.pf.cash()).toBe(100_000 * USD);

    const noPrice = makePortfolio([EUR_GBP, GBP_USD]);
    expect(codeOf(() => noPrice.pf.applyFill(fill({ inst: EUR_GBP, side: 'BUY', qty: 10_000, px: 85_000 })))).toBe('portfolio.no_conversion_rate');
    // a fee in a currency that cannot be converted
    const usd = makePortfolio([EUR_USD]);
    expect(codeOf(() => usd.pf.applyFill(fill({ inst: EUR_USD, side: 'BUY', qty: 1, px: 100_000, fee: 1, feeCurrency: 'CHF' })))).toBe(
      'portfolio.no_conversion_rate',
    );
    expect(usd.pf.openPositions()).toHaveLength(0);
  });
});
