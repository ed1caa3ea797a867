import { describe, expect, it } from 'vitest';
import { moneyToNumber } from '../../../engine/core/money';
import { computeMetrics, dailyReturns, formatMetricsTable, historicalVar, monthlyReturns, type MetricsInput } from '../../../engine/portfolio/metrics';
import type { TradeRecord } from '../../../engine/portfolio/types';
import { AAPL, DAY, USD, codeOf, fill, makePortfolio, setPrice } from './helpers';

const D0 = Date.UTC(2024, 0, 1, 12, 0, 0);

function daily(values: number[], startTs = D0): { ts: number[]; equity: number[] } {
  return { ts: values.map((_, i) => startTs + i * DAY), equity: values };
}

function input(equity: { ts: number[]; equity: number[] }, extra: Partial<MetricsInput> = {}): MetricsInput {
  return { equity, trades: [], startingCash: 100, totalFees: 0, totalSlippage: 0, ...extra };
}

function trade(pnlUsd: number, entryTs = D0, exitTs = D0 + DAY): TradeRecord {
  const pnl = pnlUsd * USD;
  return { instrumentId: 'AAPL', direction: 'LONG', qty: 1, entryTs, entryPx: 100, exitTs, exitPx: 100, pnl, grossPnl: pnl, fees: 0, exitReason: 'signal' };
}

describe('metrics: drawdown', () => {
  it('finds a 20 % drawdown, its duration, recovery and the longest drawdown', () => {
    // episode 1: peak 110 (day 1) -> recovered day 6: 5 days under water, -7.27 %
    // episode 2: peak 120 (day 7) -> 96 (day 8) -> 120 (day 9): -20 %, 2 days, recovery 1 day
    const m = computeMetrics(input(daily([100, 110, 105, 104, 103, 102, 111, 120, 96, 120])));
    expect(m.maxDrawdown).toBeCloseTo(0.2, 12);
    expect(m.maxDrawdownDurationDays).toBe(2);
    expect(m.maxDrawdownRecoveryDays).toBe(1);
    expect(m.longestDrawdownDays).toBe(5);
  });

  it('runs an unrecovered drawdown to the last sample', () => {
    const m = computeMetrics(input(daily([100, 120, 108, 90, 100])));
    expect(m.maxDrawdown).toBeCloseTo(0.25, 12);
    expect(m.maxDrawdownDurationDays).toBe(3);
    expect(m.maxDrawdownRecoveryDays).toBeNull();
    expect(m.longestDrawdownDays).toBe(3);
  });

  it('uses every sample, not only end-of-day equity, and starts the peak at starting cash', () => {
    const m = computeMetrics(input({ ts: [D0, D0 + 3_600_000, D0 + 7_200_000], equity: [95, 90, 100] }));
    expect(m.maxDrawdown).toBeCloseTo(0.1, 12);
    expect(m.maxDrawdownRecoveryDays).toBeCloseTo(1 / 24, 12);
    expect(m.tradingDays).toBe(1);
  });
});

describe('metrics: returns, Sharpe, Sortino, volatility', () => {
  // daily returns +1 %, -1 %, +2 %, 0 %: mean 0.005, squared deviations sum 5e-4, sample variance 5e-4 / 3
  const eq = daily([101, 99.99, 101.9898, 101.9898]);

  it('computes them by hand', () => {
    const d = dailyReturns(eq, 100);
    expect(d.returns.map((r) => Number(r.toFixed(12)))).toEqual([0.01, -0.01, 0.02, 0]);
    const m = computeMetrics(input(eq));
    const sd = Math.sqrt(5e-4 / 3);
    expect(m.tradingDays).toBe(4);
    expect(m.sharpe).toBeCloseTo((0.005 / sd) * Math.sqrt(252), 9);
    expect(m.sharpe).toBeCloseTo(6.148170, 5);
    // downside deviation = sqrt(0.01^2 / 4) = 0.005
    expect(m.sortino).toBeCloseTo(Math.sqrt(252), 9);
    expect(m.volatility).toBeCloseTo(sd * Math.sqrt(252), 12);
    expect(m.totalReturn).toBeCloseTo(0.019898, 12);
    expect(m.var95).toBeCloseTo(0.01, 12);
    expect(m.cvar95).toBeCloseTo(0.01, 12);
  });

  it('subtracts the daily risk-free rate (1 + rf)^(1/252) - 1', () => {
    const m = computeMetrics(input(eq, { riskFreeRate: 0.05 }));
    const rfd = Math.pow(1.05, 1 / 252) - 1;
    const sd = Math.sqrt(5e-4 / 3);
    expect(m.sharpe).toBeCloseTo(((0.005 - rfd) / sd) * Math.sqrt(252), 9);
    const ex = [0.01, -0.01, 0.02, 0].map((r) => r - rfd);
    const dd = Math.sqrt(ex.reduce((s, x) => s + (x < 0 ? x * x : 0), 0) / 4);
    expect(m.sortino).toBeCloseTo(((0.005 - rfd) / dd) * Math.sqrt(252), 9);
  });

  it('takes the last sample of each UTC day', () => {
    const m = computeMetrics(
      input({ ts: [D0 - 11 * 3_600_000, D0, D0 + 11 * 3_600_000, D0 + DAY], equity: [50, 200, 101, 99.99] }),
    );
    expect(m.tradingDays).toBe(2);
    expect(m.sharpe).toBeCloseTo((0 / Math.sqrt(2e-4)) * Math.sqrt(252), 12);
  });

  it('gives null instead of NaN when a statistic is undefined', () => {
    const flat = computeMetrics(input(daily([100, 100, 100])));
    expect(flat.sharpe).toBeNull();
    expect(flat.sortino).toBeNull();
    expect(flat.volatility).toBe(0);
    const one = computeMetrics(input(daily([101])));
    expect(one.sharpe).toBeNull();
    expect(one.volatility).toBeNull();
    expect(one.cagr).toBeNull();
    const empty = computeMetrics(input({ ts: [], equity: [] }));
    expect(empty.finalEquity).toBe(100);
    expect(JSON.parse(JSON.stringify(empty))).toEqual(empty);
    for (const v of Object.values(empty)) expect(v === null || Number.isFinite(v)).toBe(true);
    for (const v of Object.values(one)) expect(v === null || Number.isFinite(v)).toBe(true);
  });
});

describe('metrics: CAGR and Calmar', () => {
  it('annualises over calendar time (365.25 days)', () => {
    const twoYears = 2 * 365.25 * DAY;
    const m = computeMetrics(input({ ts: [D0, D0 + DAY, D0 + twoYears], equity: [100, 80, 121] }));
    expect(m.cagr).toBeCloseTo(0.1, 12);
    expect(m.maxDrawdown).toBeCloseTo(0.2, 12);
    expect(m.calmar).toBeCloseTo(0.5, 12);
    const noDd = computeMetrics(input({ ts: [D0, D0 + twoYears], equity: [100, 121] }));
    expect(noDd.calmar).toBeNull();
    expect(noDd.maxDrawdown).toBe(0);
  });
});

describe('metrics: VaR and expected shortfall', () => {
  it('historical method on a known list', () => {
    const r = [-0.05, -0.03, ...Array<number>(38).fill(0.01)];
    // 40 returns: k = ceil(0.05 * 40) = 2 -> VaR = 2nd worst, ES = mean of the 2 worst
    expect(historicalVar(r)).toEqual({ var: 0.03, es: 0.04 });
    // 20 returns: k = 1
    const r20 = [0.02, -0.04, ...Array<number>(18).fill(0.001)];
    expect(historicalVar(r20)).toEqual({ var: 0.04, es: 0.04 });
    // 100 returns: k = 5
    const r100 = [-0.1, -0.08, -0.06, -0.04, -0.02, -0.01, ...Array<number>(94).fill(0.005)];
    const h = historicalVar(r100);
    expect(h.var).toBeCloseTo(0.02, 12);
    expect(h.es).toBeCloseTo(0.06, 12);
    expect(historicalVar([])).toEqual({ var: null, es: null });
  });
});

describe('metrics: trades', () => {
  it('win rate, profit factor, expectancy, averages, streaks', () => {
    const trades = [100, 50, -30, -20, 0, 70, 80, 90].map((p) => trade(p));
    const m = computeMetrics(input(daily([100, 100]), { trades }));
    expect(m.numTrades).toBe(8);
    expect(m.wins).toBe(5);
    expect(m.losses).toBe(2);
    expect(m.winRate).toBe(5 / 8);
    expect(m.grossProfit).toBe(390);
    expect(m.grossLoss).toBe(-50);
    expect(m.profitFactor).toBeCloseTo(7.8, 12);
    expect(m.expectancy).toBe(42.5);
    expect(m.avgWin).toBe(78);
    expect(m.avgLoss).toBe(-25);
    expect(m.largestWin).toBe(100);
    expect(m.largestLoss).toBe(-30);
    expect(m.maxConsecutiveWins).toBe(3);
    expect(m.maxConsecutiveLosses).toBe(2);
  });

  it('profit factor is null without losing trades; trade stats null without trades', () => {
    const m = computeMetrics(input(daily([100, 130]), { trades: [trade(10), trade(20)] }));
    expect(m.profitFactor).toBeNull();
    expect(m.avgLoss).toBeNull();
    expect(m.largestLoss).toBeNull();
    expect(m.winRate).toBe(1);
    const none = computeMetrics(input(daily([100, 130])));
    expect(none.winRate).toBeNull();
    expect(none.expectancy).toBeNull();
    expect(none.profitFactor).toBeNull();
    expect(formatMetricsTable(m)).toContainEqual(['Profit factor', 'n/a']);
  });
});

describe('metrics: time in market and costs', () => {
  it('uses bars when given, else the union of trade intervals over the span', () => {
    const eq = daily(Array<number>(11).fill(100));
    expect(computeMetrics(input(eq, { barsInMarket: 30, totalBars: 120 })).timeInMarket).toBe(0.25);
    const trades = [trade(1, D0 + DAY, D0 + 3 * DAY), trade(1, D0 + 2 * DAY, D0 + 4 * DAY), trade(-1, D0 + 6 * DAY, D0 + 7 * DAY)];
    expect(computeMetrics(input(eq, { trades })).timeInMarket).toBeCloseTo(0.4, 12);
  });

  it('fee and slippage impact against gross P&L before costs and starting cash', () => {
    const m = computeMetrics({ equity: daily([100_000, 101_000]), trades: [], startingCash: 100_000, totalFees: 150, totalSlippage: 50 });
    expect(m.grossPnlBeforeCosts).toBe(1_200);
    expect(m.feeImpactOfGross).toBe(0.125);
    expect(m.feeImpactOfCapital).toBeCloseTo(0.0015, 15);
    expect(m.slippageImpactOfGross).toBeCloseTo(1 / 24, 15);
    expect(m.slippageImpactOfCapital).toBeCloseTo(0.0005, 15);
  });
});

describe('metrics: monthly returns, table, validation', () => {
  it('monthly returns from end-of-month equity', () => {
    const eq = {
      ts: [Date.UTC(2024, 0, 15), Date.UTC(2024, 0, 31, 23), Date.UTC(2024, 1, 10), Date.UTC(2024, 1, 29, 12), Date.UTC(2024, 2, 3)],
      equity: [105, 110, 99, 121, 121],
    };
    const withStart = monthlyReturns(eq, 100).map((r) => ({ ...r, return: Number(r.return!.toFixed(12)) }));
    expect(withStart).toEqual([
      { year: 2024, month: 1, return: 0.1 },
      { year: 2024, month: 2, return: 0.1 },
      { year: 2024, month: 3, return: 0 },
    ]);
    expect(monthlyReturns(eq)[0]!.return).toBeCloseTo(110 / 105 - 1, 12);
    expect(monthlyReturns({ ts: [], equity: [] })).toEqual([]);
  });

  it('formats a table', () => {
    const m = computeMetrics(input(daily([100, 110, 105, 104, 103, 102, 111, 120, 96, 120])));
    const rows = formatMetricsTable(m);
    expect(rows).toContainEqual(['Max drawdown', '20.00%']);
    expect(rows).toContainEqual(['Final equity', '120.00']);
    expect(rows).toContainEqual(['Start', '2024-01-01T12:00:00Z']);
    expect(rows.every(([l, v]) => typeof l === 'string' && typeof v === 'string' && v.length > 0)).toBe(true);
  });

  it('rejects bad input with metrics.invalid_input', () => {
    expect(codeOf(() => computeMetrics(input({ ts: [1, 2], equity: [1] })))).toBe('metrics.invalid_input');
    expect(codeOf(() => computeMetrics(input({ ts: [2, 1], equity: [1, 1] })))).toBe('metrics.invalid_input');
    expect(codeOf(() => computeMetrics(input({ ts: [1], equity: [Number.NaN] })))).toBe('metrics.invalid_input');
    expect(codeOf(() => computeMetrics(input(daily([1]), { startingCash: 0 })))).toBe('metrics.invalid_input');
  });
});

describe('metrics from a Portfolio run', () => {
  it('feeds the equity curve and the trade ledger', () => {
    const { pf, cache } = makePortfolio([AAPL], 10_000 * USD);
    const prices = [100, 101, 99, 102, 104, 103];
    prices.forEach((p, i) => {
      const ts = D0 + i * DAY;
      setPrice(cache, 'AAPL', p, ts);
      if (i === 0) pf.applyFill(fill({ inst: AAPL, side: 'BUY', qty: 10, px: 10_000, ts, fee: 1 * USD }));
      if (i === 4) pf.applyFill(fill({ inst: AAPL, side: 'SELL', qty: 10, px: 10_400, ts, fee: 1 * USD }));
      pf.mark('AAPL');
      pf.onTime(ts);
      pf.sampleEquity(ts);
    });
    const c = pf.equityCurve();
    const m = computeMetrics({
      equity: c,
      trades: [...pf.trades()],
      startingCash: moneyToNumber(pf.startingCash()),
      totalFees: moneyToNumber(pf.totalFees()),
      totalSlippage: moneyToNumber(pf.totalSlippage()),
    });
    expect(m.finalEquity).toBe(10_038);
    expect(m.numTrades).toBe(1);
    expect(m.expectancy).toBe(38);
    expect(m.tradingDays).toBe(6);
    // peak 10,009 (day 1) -> 9,989 (day 2)
    expect(m.maxDrawdown).toBeCloseTo(20 / 10_009, 12);
    expect(m.timeInMarket).toBeCloseTo(0.8, 12);
    expect(moneyToNumber(pf.peakEquity())).toBe(10_038);
  });
});
