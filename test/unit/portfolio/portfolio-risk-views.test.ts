import { describe, expect, it } from 'vitest';
import type { OrderRole } from '../../../engine/core/order';
import { AAPL, DAY, EUR_USD, MSFT, T0, USD, USD_JPY, XOM, addOrder, codeOf, fill, makePortfolio, setPrice } from './helpers';

describe('Portfolio: margin, leverage and exposure', () => {
  it('computes margin per instrument rate, leverage and exposure by symbol and sector', () => {
    const { pf, cache } = makePortfolio([AAPL, MSFT, XOM, EUR_USD, USD_JPY]);
    setPrice(cache, 'USD_JPY', 150);
    pf.applyFill(fill({ inst: AAPL, side: 'BUY', qty: 100, px: 15_000 })); // 15,000 USD, margin 25 %
    pf.applyFill(fill({ inst: MSFT, side: 'SELL', qty: 10, px: 40_000 })); // -4,000 USD
    pf.applyFill(fill({ inst: XOM, side: 'BUY', qty: 20, px: 10_000 })); // 2,000 USD
    pf.applyFill(fill({ inst: EUR_USD, side: 'BUY', qty: 10_000, px: 110_000 })); // 11,000 USD, margin 2 %
    pf.applyFill(fill({ inst: USD_JPY, side: 'SELL', qty: 10_000, px: 150_000 })); // -1,500,000 JPY = -10,000 USD

    expect(pf.grossExposure()).toBe(42_000 * USD);
    expect(pf.netExposure()).toBe(14_000 * USD);
    expect(pf.exposureBySymbol()).toEqual(
      new Map([
        ['AAPL', 15_000 * USD],
        ['EUR_USD', 11_000 * USD],
        ['MSFT', 4_000 * USD],
        ['USD_JPY', 10_000 * USD],
        ['XOM', 2_000 * USD],
      ]),
    );
    expect(pf.exposureBySector()).toEqual(
      new Map([
        ['Technology', 19_000 * USD],
        ['FX', 21_000 * USD],
        ['Energy', 2_000 * USD],
      ]),
    );
    // 3,750 + 1,000 + 500 + 220 + 30,000 JPY (=200 USD)
    expect(pf.marginUsed()).toBe(5_670 * USD);
    expect(pf.leverage()).toBeCloseTo(0.42, 12);
    expect(pf.openPositionCount()).toBe(5);
    expect(pf.openPositions().map((p) => p.instrumentId)).toEqual(['AAPL', 'EUR_USD', 'MSFT', 'USD_JPY', 'XOM']);

    // JPY weakens: the JPY margin and value follow the rate when USD_JPY is marked
    setPrice(cache, 'USD_JPY', 160);
    pf.mark('USD_JPY');
    expect(pf.position('USD_JPY')?.marketValue).toBe(-10_000 * USD);
    // short 10,000 USD_JPY from 150 to 160: -100,000 JPY = -625 USD
    expect(pf.position('USD_JPY')?.unrealizedPnl).toBe(-625 * USD);
    expect(pf.marginUsed()).toBe(5_470 * USD + 200 * USD);
  });

  it('leverage is 0 flat and +Infinity when equity is gone', () => {
    const { pf, cache } = makePortfolio([AAPL], 1_000 * USD);
    expect(pf.leverage()).toBe(0);
    pf.applyFill(fill({ inst: AAPL, side: 'BUY', qty: 100, px: 10_000 }));
    expect(pf.leverage()).toBeCloseTo(10, 12);
    setPrice(cache, 'AAPL', 89);
    pf.mark('AAPL');
    expect(pf.equity()).toBe(-100 * USD);
    expect(pf.leverage()).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('Portfolio: start-of-day equity and peak', () => {
  it('rolls at the first onTime of a new UTC day to the last equity of the previous day', () => {
    const { pf, cache } = makePortfolio([AAPL]);
    const day1 = Date.UTC(2024, 0, 2);
    expect(pf.startOfDayEquity()).toBe(100_000 * USD);
    expect(pf.peakEquity()).toBe(100_000 * USD);

    pf.onTime(day1 + 10 * 3_600_000);
    pf.applyFill(fill({ inst: AAPL, side: 'BUY', qty: 100, px: 10_000, ts: day1 + 10 * 3_600_000 }));
    setPrice(cache, 'AAPL', 105);
    pf.mark('AAPL');
    pf.onTime(day1 + 12 * 3_600_000);
    expect(pf.peakEquity()).toBe(100_500 * USD);
    expect(pf.startOfDayEquity()).toBe(100_000 * USD);

    setPrice(cache, 'AAPL', 102);
    pf.mark('AAPL');
    pf.onTime(day1 + 23 * 3_600_000);
    expect(pf.equity()).toBe(100_200 * USD);

    // the first bar of day 2 moves the price before onTime: start of day is still day 1's last equity
    setPrice(cache, 'AAPL', 103);
    pf.mark('AAPL');
    pf.onTime(day1 + DAY);
    expect(pf.startOfDayEquity()).toBe(100_200 * USD);
    expect(pf.peakEquity()).toBe(100_500 * USD);

    setPrice(cache, 'AAPL', 110);
    pf.mark('AAPL');
    pf.onTime(day1 + DAY + 3_600_000);
    expect(pf.startOfDayEquity()).toBe(100_200 * USD);
    expect(pf.peakEquity()).toBe(101_000 * USD);

    // a gap of several days: start of day = the last equity seen
    pf.onTime(day1 + 5 * DAY);
    expect(pf.startOfDayEquity()).toBe(101_000 * USD);
  });
});

describe('Portfolio: equity curve', () => {
  it('samples into growing typed arrays', () => {
    const { pf, cache } = makePortfolio([AAPL]);
    pf.applyFill(fill({ inst: AAPL, side: 'BUY', qty: 10, px: 10_000 }));
    const n = 3_000;
    for (let i = 0; i < n; i++) {
      setPrice(cache, 'AAPL', 100 + (i % 10) / 100);
      pf.mark('AAPL');
      pf.sampleEquity(T0 + i * 60_000);
    }
    const c = pf.equityCurve();
    expect(c.length).toBe(n);
    expect(c.ts).toBeInstanceOf(Float64Array);
    expect(c.ts.length).toBe(n);
    expect(c.ts[0]).toBe(T0);
    expect(c.ts[n - 1]).toBe(T0 + (n - 1) * 60_000);
    expect(c.equity[1]).toBeCloseTo(100_000.1, 9);
    expect(c.equity[n - 1]).toBeCloseTo(100_000 + 0.9, 9);
    expect(c.cash[5]).toBe(100_000);
    expect(c.grossExposure[3]).toBeCloseTo(1_000.3, 9);
    expect(c.openPositions[7]).toBe(1);

    // same timestamp replaces the last sample; an earlier one is refused
    pf.applyFill(fill({ inst: AAPL, side: 'SELL', qty: 10, px: 10_009 }));
    pf.sampleEquity(T0 + (n - 1) * 60_000);
    const c2 = pf.equityCurve();
    expect(c2.length).toBe(n);
    expect(c2.openPositions[n - 1]).toBe(0);
    expect(c2.equity[n - 1]).toBeCloseTo(100_000.9, 9);
    expect(codeOf(() => pf.sampleEquity(T0))).toBe('portfolio.invalid_sample');
  });
});

describe('Portfolio: trade ledger exit reasons', () => {
  it('maps the closing order role and tag', () => {
    const { pf, cache } = makePortfolio([AAPL]);
    const cases: [string, OrderRole | null, string, string][] = [
      ['SL', 'STOP_LOSS', '', 'stop_loss'],
      ['TP', 'TAKE_PROFIT', '', 'take_profit'],
      ['FL', 'FLATTEN', 'kill_switch', 'flatten'],
      ['EOD', 'EXIT', 'end_of_data', 'end_of_data'],
      ['REV', 'EXIT', 'reverse', 'reverse'],
      ['SIG', 'EXIT', 'signal', 'signal'],
      ['OTHER', 'EXIT', 'ema cross', 'signal'],
      ['ENT', 'ENTRY', 'reverse', 'signal'],
      ['NONE', null, '', 'signal'],
    ];
    let ts = T0;
    for (const [id, role, tag] of cases) {
      if (role !== null) addOrder(cache, id, AAPL, role, tag);
      pf.applyFill(fill({ inst: AAPL, side: 'BUY', qty: 5, px: 10_000, ts: (ts += 1000) }));
      pf.applyFill(fill({ inst: AAPL, side: 'SELL', qty: 5, px: 10_100, ts: (ts += 1000), clientOrderId: id }));
    }
    expect(pf.trades().map((t) => t.exitReason)).toEqual(cases.map((c) => c[3]));
    expect(pf.trades().every((t) => t.pnl === 5 * USD && t.direction === 'LONG' && t.exitTs - t.entryTs === 1000)).toBe(true);
  });

  it('records a flip as two trades with the flipping order as the first one\'s exit', () => {
    const { pf, cache } = makePortfolio([AAPL]);
    addOrder(cache, 'R1', AAPL, 'EXIT', 'reverse');
    pf.applyFill(fill({ inst: AAPL, side: 'SELL', qty: 5, px: 10_000, ts: T0 }));
    pf.applyFill(fill({ inst: AAPL, side: 'BUY', qty: 15, px: 9_900, ts: T0 + 1, clientOrderId: 'R1' }));
    pf.applyFill(fill({ inst: AAPL, side: 'SELL', qty: 4, px: 9_950, ts: T0 + 2 }));
    pf.applyFill(fill({ inst: AAPL, side: 'SELL', qty: 6, px: 10_000, ts: T0 + 3 }));
    const [a, b] = pf.trades();
    expect(a).toMatchObject({ direction: 'SHORT', qty: 5, entryTs: T0, exitTs: T0 + 1, exitReason: 'reverse', pnl: 5 * USD, entryPx: 100, exitPx: 99 });
    expect(b).toMatchObject({ direction: 'LONG', qty: 10, entryTs: T0 + 1, exitTs: T0 + 3, exitReason: 'signal', entryPx: 99, pnl: 2 * USD + 6 * USD });
    expect(b!.exitPx).toBeCloseTo(99.8, 12);
  });
});
