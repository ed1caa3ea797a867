import { describe, expect, it } from 'vitest';
import { notional } from '../../../engine/core/instrument';
import { Portfolio } from '../../../engine/portfolio/portfolio';
import { AAPL, BTC_USD, EUR_USD, T0, USD, bigRoundHalfEven, codeOf, fill, makeCache, makePortfolio, setPrice } from './helpers';

describe('Portfolio: long position open / add / partial close / close', () => {
  it('accounts every step exactly in micro-units', () => {
    const { pf, cache, events } = makePortfolio([AAPL]);
    const fee = 1 * USD;

    pf.applyFill(fill({ inst: AAPL, side: 'BUY', qty: 100, px: 15000, fee, ts: T0 }));
    // 100 * 150.00 = 15,000 USD
    expect(pf.positionDetail('AAPL')?.costBasis).toBe(15_000_000_000);
    expect(pf.position('AAPL')).toMatchObject({ qty: 100, avgPx: 150, tsOpened: T0, unrealizedPnl: 0, marketValue: 15_000_000_000 });
    expect(pf.cash()).toBe(100_000 * USD - fee);

    pf.applyFill(fill({ inst: AAPL, side: 'BUY', qty: 200, px: 15001, fee, ts: T0 + 1 }));
    // + 200 * 150.01 = 30,002 USD -> 45,002 USD for 300
    expect(pf.positionDetail('AAPL')?.costBasis).toBe(45_002_000_000);
    expect(pf.position('AAPL')?.avgPx).toBeCloseTo(150.0066667, 6);

    pf.applyFill(fill({ inst: AAPL, side: 'SELL', qty: 100, px: 15100, fee, ts: T0 + 2 }));
    // closed cost = round(45,002,000,000 * 100 / 300) = round(15,000,666,666.67) = 15,000,666,667
    // realized = 15,100,000,000 - 15,000,666,667 = 99,333,333
    const d = pf.positionDetail('AAPL')!;
    expect(d.qty).toBe(200);
    expect(d.costBasis).toBe(30_001_333_333);
    expect(d.realizedPnl).toBe(99_333_333);
    expect(pf.cash()).toBe(100_000 * USD - 3 * fee + 99_333_333);
    // re-marked at the fill price 151.00: 30,200,000,000 - 30,001,333,333
    expect(pf.position('AAPL')?.unrealizedPnl).toBe(198_666_667);

    setPrice(cache, 'AAPL', 152);
    pf.mark('AAPL');
    expect(pf.position('AAPL')?.unrealizedPnl).toBe(398_666_667);
    expect(pf.equity()).toBe(100_495_000_000);
    expect(pf.grossExposure()).toBe(30_400_000_000);

    pf.applyFill(fill({ inst: AAPL, side: 'SELL', qty: 200, px: 14950, fee, ts: T0 + 3 }));
    // realized = 29,900,000,000 - 30,001,333,333 = -101,333,333; round trip: 45,000 - 45,002 = -2 USD
    expect(pf.position('AAPL')).toBeUndefined();
    expect(pf.openPositions()).toHaveLength(0);
    expect(pf.realizedPnl()).toBe(-2 * USD);
    expect(pf.cash()).toBe(100_000 * USD - 2 * USD - 4 * fee);
    expect(pf.equity()).toBe(pf.cash());
    expect(pf.unrealizedPnl()).toBe(0);
    expect(pf.grossExposure()).toBe(0);
    expect(pf.totalFees()).toBe(4 * fee);

    expect(events.map((e) => e.type)).toEqual(['PositionOpened', 'PositionChanged', 'PositionChanged', 'PositionClosed']);
    expect(events[0]).toEqual({ type: 'PositionOpened', tsEvent: T0, instrumentId: 'AAPL', qty: 100, avgPx: 150 });
    expect(events[1]).toMatchObject({ type: 'PositionChanged', tsEvent: T0 + 1, qty: 300, realizedPnl: 0 });
    expect(events[2]).toMatchObject({ type: 'PositionChanged', tsEvent: T0 + 2, qty: 200, realizedPnl: 99_333_333 });
    expect(events[3]).toEqual({ type: 'PositionClosed', tsEvent: T0 + 3, instrumentId: 'AAPL', realizedPnl: -101_333_333, totalRealizedPnl: -6 * USD });

    const [t] = pf.trades();
    expect(pf.trades()).toHaveLength(1);
    expect(t).toMatchObject({
      instrumentId: 'AAPL',
      direction: 'LONG',
      qty: 300,
      entryTs: T0,
      exitTs: T0 + 3,
      grossPnl: -2 * USD,
      fees: 4 * USD,
      pnl: -6 * USD,
      exitReason: 'signal',
    });
    expect(t!.entryPx).toBeCloseTo(4_500_200 / 300 / 100, 10);
    expect(t!.exitPx).toBeCloseTo(150, 10);
  });
});

describe('Portfolio: short position', () => {
  it('realizes cost - buy notional', () => {
    const { pf, events } = makePortfolio([EUR_USD]);
    pf.applyFill(fill({ inst: EUR_USD, side: 'SELL', qty: 10_000, px: 110_000 }));
    expect(pf.positionDetail('EUR_USD')).toMatchObject({ qty: -10_000, costBasis: -11_000_000_000 });
    expect(pf.position('EUR_USD')).toMatchObject({ qty: -10_000, avgPx: 1.1, marketValue: -11_000_000_000 });
    expect(pf.netExposure()).toBe(-11_000_000_000);
    expect(pf.grossExposure()).toBe(11_000_000_000);

    pf.applyFill(fill({ inst: EUR_USD, side: 'BUY', qty: 3_000, px: 109_000 }));
    expect(pf.positionDetail('EUR_USD')).toMatchObject({ qty: -7_000, costBasis: -7_700_000_000, realizedPnl: 30 * USD });

    pf.applyFill(fill({ inst: EUR_USD, side: 'BUY', qty: 7_000, px: 110_500 }));
    expect(pf.position('EUR_USD')).toBeUndefined();
    expect(events.at(-1)).toMatchObject({ type: 'PositionClosed', realizedPnl: -35 * USD, totalRealizedPnl: -5 * USD });
    expect(pf.cash()).toBe(100_000 * USD - 5 * USD);
    const [t] = pf.trades();
    expect(t).toMatchObject({ direction: 'SHORT', qty: 10_000, pnl: -5 * USD, grossPnl: -5 * USD, fees: 0 });
    expect(t!.entryPx).toBeCloseTo(1.1, 12);
    expect(t!.exitPx).toBeCloseTo(1.1005, 12);
  });
});

describe('Portfolio: flip in one fill', () => {
  it('closes the old position and opens the new one with the remainder, fee split pro rata', () => {
    const { pf, events } = makePortfolio([EUR_USD]);
    pf.applyFill(fill({ inst: EUR_USD, side: 'BUY', qty: 1_000, px: 110_000, fee: 1 * USD, ts: T0 }));
    pf.applyFill(fill({ inst: EUR_USD, side: 'SELL', qty: 3_000, px: 110_200, fee: 3 * USD, ts: T0 + 60_000 }));

    expect(events.map((e) => e.type)).toEqual(['PositionOpened', 'PositionClosed', 'PositionOpened']);
    // closing 1,000: +0.002 * 1,000 = 2 USD; trade fees: 1 (entry) + 1 (1/3 of 3)
    expect(events[1]).toMatchObject({ realizedPnl: 2 * USD, totalRealizedPnl: 0 });
    expect(events[2]).toEqual({ type: 'PositionOpened', tsEvent: T0 + 60_000, instrumentId: 'EUR_USD', qty: -2_000, avgPx: 1.102 });
    expect(pf.positionDetail('EUR_USD')).toMatchObject({ qty: -2_000, costBasis: -2_204_000_000, fees: 2 * USD, realizedPnl: 0, tsOpened: T0 + 60_000 });
    expect(pf.trades()[0]).toMatchObject({ direction: 'LONG', qty: 1_000, grossPnl: 2 * USD, fees: 2 * USD, pnl: 0 });

    pf.applyFill(fill({ inst: EUR_USD, side: 'BUY', qty: 2_000, px: 110_100, fee: 2 * USD, ts: T0 + 120_000 }));
    expect(pf.trades()[1]).toMatchObject({ direction: 'SHORT', qty: 2_000, entryTs: T0 + 60_000, grossPnl: 2 * USD, fees: 4 * USD, pnl: -2 * USD });
    // 6 USD fees, +4 USD realized
    expect(pf.cash()).toBe(100_000 * USD - 2 * USD);
    expect(pf.trades().reduce((s, t) => s + t.pnl, 0)).toBe(pf.cash() - 100_000 * USD);
  });

  it('keeps Σ realized = Σ sells - Σ buys when a flip fill notional rounds (fractional units)', () => {
    const { pf } = makePortfolio([BTC_USD]);
    // 0.33333333 BTC at 65,000.01: raw 6,500,001 * 33,333,333 scaled by 10^-4 -> rounding
    const buys = [
      { qty: 33_333_333, px: 6_500_001 },
      { qty: 11_111_111, px: 6_512_345 },
    ];
    const sell = { qty: 77_777_777, px: 6_499_999 };
    const close = { qty: 33_333_333, px: 6_400_017 };
    // each fill's notional as the venue would state it: round(qty * ticks / 10^4) half-even
    const n = (q: number, p: number) => notional(BTC_USD, p, q);
    expect(n(33_333_333, 6_500_001)).toBe(bigRoundHalfEven(33_333_333n * 6_500_001n, 10_000n));
    for (const b of buys) pf.applyFill(fill({ inst: BTC_USD, side: 'BUY', qty: b.qty, px: b.px }));
    pf.applyFill(fill({ inst: BTC_USD, side: 'SELL', qty: sell.qty, px: sell.px }));
    expect(pf.position('BTC_USD')?.qty).toBe(-33_333_333);
    pf.applyFill(fill({ inst: BTC_USD, side: 'BUY', qty: close.qty, px: close.px }));
    const expected = n(sell.qty, sell.px) - n(buys[0]!.qty, buys[0]!.px) - n(buys[1]!.qty, buys[1]!.px) - n(close.qty, close.px);
    expect(pf.realizedPnl()).toBe(expected);
    expect(pf.cash()).toBe(100_000 * USD + expected);
  });
});

describe('Portfolio: large FX sizes (products beyond 2^53)', () => {
  it('splits cost exactly for 25M EUR_USD', () => {
    const { pf } = makePortfolio([EUR_USD], 10_000_000 * USD);
    pf.applyFill(fill({ inst: EUR_USD, side: 'BUY', qty: 25_000_000, px: 108_123 }));
    pf.applyFill(fill({ inst: EUR_USD, side: 'BUY', qty: 7_000_001, px: 108_127 }));
    const cost = 108_123 * 25_000_000 * 10 + 108_127 * 7_000_001 * 10;
    expect(pf.positionDetail('EUR_USD')?.costBasis).toBe(cost);
    pf.applyFill(fill({ inst: EUR_USD, side: 'SELL', qty: 13_333_333, px: 108_200 }));
    const closed = bigRoundHalfEven(BigInt(cost) * 13_333_333n, 32_000_001n);
    expect(pf.positionDetail('EUR_USD')?.costBasis).toBe(cost - closed);
    expect(pf.realizedPnl()).toBe(108_200 * 13_333_333 * 10 - closed);
    pf.applyFill(fill({ inst: EUR_USD, side: 'SELL', qty: 32_000_001 - 13_333_333, px: 108_050 }));
    expect(pf.realizedPnl()).toBe(108_200 * 13_333_333 * 10 + 108_050 * (32_000_001 - 13_333_333) * 10 - cost);
  });
});

describe('Portfolio: invalid input', () => {
  it('throws coded errors and changes nothing', () => {
    const { pf, events } = makePortfolio([AAPL]);
    expect(codeOf(() => pf.applyFill(fill({ inst: { ...AAPL, id: 'NOPE' }, side: 'BUY', qty: 1, px: 100 })))).toBe('portfolio.unknown_instrument');
    expect(codeOf(() => pf.applyFill(fill({ inst: AAPL, side: 'BUY', qty: 0, px: 100 })))).toBe('portfolio.invalid_fill');
    expect(codeOf(() => pf.applyFill(fill({ inst: AAPL, side: 'BUY', qty: -5, px: 100 })))).toBe('portfolio.invalid_fill');
    expect(codeOf(() => pf.applyFill(fill({ inst: AAPL, side: 'BUY', qty: 1.5, px: 100 })))).toBe('portfolio.invalid_fill');
    expect(codeOf(() => pf.applyFill(fill({ inst: AAPL, side: 'BUY', qty: 1, px: 100.5 })))).toBe('portfolio.invalid_fill');
    expect(codeOf(() => pf.applyFill(fill({ inst: AAPL, side: 'BUY', qty: 1, px: 100, fee: 0.5 })))).toBe('portfolio.invalid_fill');
    expect(codeOf(() => pf.applyFill({ ...fill({ inst: AAPL, side: 'BUY', qty: 1, px: 100 }), side: 'HOLD' as 'BUY' }))).toBe('portfolio.invalid_fill');
    expect(events).toHaveLength(0);
    expect(pf.cash()).toBe(100_000 * USD);
    expect(pf.openPositions()).toHaveLength(0);
  });

  it('rejects a bad configuration', () => {
    const cache = makeCache([AAPL]);
    expect(codeOf(() => new Portfolio({ accountCurrency: 'usd', startingCash: 0, cache, emit: () => {} }))).toBe('portfolio.invalid_config');
    expect(codeOf(() => new Portfolio({ accountCurrency: 'USD', startingCash: 0.5, cache, emit: () => {} }))).toBe('portfolio.invalid_config');
  });
});

describe('Portfolio: slippage and fees', () => {
  it('totals slippage and fees in account currency', () => {
    const { pf } = makePortfolio([AAPL]);
    pf.applyFill(fill({ inst: AAPL, side: 'BUY', qty: 10, px: 10_000, fee: 250_000, slippage: 100_000 }));
    pf.applyFill(fill({ inst: AAPL, side: 'SELL', qty: 10, px: 10_000, fee: 250_000, slippage: 50_000 }));
    expect(pf.totalFees()).toBe(500_000);
    expect(pf.totalSlippage()).toBe(150_000);
    // slippage is already inside the fill price: it does not move cash again
    expect(pf.cash()).toBe(100_000 * USD - 500_000);
  });
});
