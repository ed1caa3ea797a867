/**
 * The MetaTrader-style tester figures on hand-computed cases: trade figures, streaks, balance and
 * equity drawdowns (absolute / maximal / relative, from different episodes), monthly results,
 * daily VaR / expected shortfall, and the ratios shared with metrics.ts.
 */
import { describe, expect, it } from 'vitest';
import { money } from '../../../engine/core/money';
import { computeMetrics } from '../../../engine/portfolio/metrics';
import { computeTesterFigures, drawdownOf, INVALID_TESTER_INPUT, type TesterInput, type TesterTrade } from '../../../engine/portfolio/tester-metrics';

const M = (x: number | string) => money(String(x));
const day = (iso: string) => Date.parse(`${iso}T21:00:00Z`);
const tr = (direction: 'LONG' | 'SHORT', pnl: number, exit = day('2024-01-30')): TesterTrade => ({ direction, pnl: M(pnl), exitTs: exit });

// Closing order: +100 +50 | -30 | 0 | -20 -40 | +200
const TRADES = [tr('LONG', 100), tr('LONG', 50), tr('SHORT', -30), tr('SHORT', 0), tr('LONG', -20), tr('SHORT', -40), tr('LONG', 200)];
const TS = ['2024-01-30', '2024-01-31', '2024-02-01', '2024-02-29', '2024-03-01', '2024-03-02'].map(day);
const EQUITY = [1050, 1100, 980, 1200, 900, 1260].map(M);
const BALANCE = [900, 2000, 1850, 2100, 2100, 2100].map(M);

function input(over: Partial<TesterInput> = {}): TesterInput {
  return { initialDeposit: M(1000), trades: TRADES, curve: { ts: TS, equity: EQUITY, balance: BALANCE }, ...over };
}

describe('tester figures', () => {
  it('trade figures: net, gross, profit factor, expected payoff, sides, averages (money exact, averages half-even)', () => {
    const f = computeTesterFigures(input());
    expect(f.totalTrades).toBe(7);
    expect(f.grossProfit).toBe(M(350));
    expect(f.grossLoss).toBe(M(-90));
    expect(f.totalNetProfit).toBe(M(260));
    expect(f.profitFactor).toBe(350 / 90);
    expect(f.expectedPayoff).toBe(37_142_857); // 260 / 7 = 37.142857142..., half-even to the micro-unit
    expect(f.longTrades).toBe(4);
    expect(f.longWon).toBe(3);
    expect(f.longWonPct).toBe(0.75);
    expect(f.shortTrades).toBe(3);
    expect(f.shortWon).toBe(0);
    expect(f.shortWonPct).toBe(0);
    expect(f.profitTrades).toBe(3);
    expect(f.lossTrades).toBe(3);
    expect(f.profitTradesPct).toBe(3 / 7);
    expect(f.lossTradesPct).toBe(3 / 7);
    expect(f.largestProfitTrade).toBe(M(200));
    expect(f.largestLossTrade).toBe(M(-40));
    expect(f.averageProfitTrade).toBe(116_666_667); // 350 / 3 = 116.6666666...
    expect(f.averageLossTrade).toBe(M(-30));
  });

  it('streaks: a zero trade ends a run; longest run vs run with the largest sum', () => {
    const f = computeTesterFigures(input());
    expect(f.maxConsecutiveWins).toEqual({ count: 2, money: M(150) });
    expect(f.maxConsecutiveLosses).toEqual({ count: 2, money: M(-60) });
    expect(f.maximalConsecutiveProfit).toEqual({ count: 1, money: M(200) });
    expect(f.maximalConsecutiveLoss).toEqual({ count: 2, money: M(-60) });
    // Win runs [2, 1], loss runs [1, 2].
    expect(f.averageConsecutiveWins).toBe(1.5);
    expect(f.averageConsecutiveLosses).toBe(1.5);
  });

  it('drawdowns: absolute below the deposit, maximal in money and relative in % from different episodes', () => {
    const f = computeTesterFigures(input());
    // Equity 1000 -> 1050 -> 1100 -> 980 (-120, 10.9 %) -> 1200 -> 900 (-300, 25 %) -> 1260.
    expect(f.equityDrawdown).toEqual({ absolute: M(100), maximal: M(300), maximalPct: 0.25, relativePct: 0.25, relative: M(300) });
    // Balance 1000 -> 900 (-100, 10 %) -> 2000 -> 1850 (-150, 7.5 %) -> 2100.
    expect(f.balanceDrawdown).toEqual({ absolute: M(100), maximal: M(150), maximalPct: 0.075, relativePct: 0.1, relative: M(100) });
    expect(f.recoveryFactor).toBe(260 / 300);
    expect(f.finalBalance).toBe(M(2100));
    expect(f.finalEquity).toBe(M(1260));
    // Never below the start: absolute 0.
    expect(drawdownOf(M(100), [M(120), M(110), M(130)])).toEqual({ absolute: 0, maximal: M(10), maximalPct: 10 / 120, relativePct: 10 / 120, relative: M(10) });
  });

  it('monthly results: end-of-month equity against the previous end, the first against the initial equity', () => {
    const f = computeTesterFigures(input());
    expect(f.monthly).toEqual([
      { year: 2024, month: 1, endEquity: M(1100), pnl: M(100), return: 0.1 },
      { year: 2024, month: 2, endEquity: M(1200), pnl: M(100), return: M(100) / M(1100) },
      { year: 2024, month: 3, endEquity: M(1260), pnl: M(60), return: M(60) / M(1200) },
    ]);
  });

  it('VaR and expected shortfall 95 % on daily returns; Sharpe, Sortino, Calmar, CAGR exactly metrics.ts', () => {
    const f = computeTesterFigures(input());
    // Daily returns 0.05, 1100/1050-1, 980/1100-1, 1200/980-1, -0.25, 0.4: k = ceil(0.05 * 6) = 1.
    expect(f.tradingDays).toBe(6);
    expect(f.var95).toBeCloseTo(0.25, 15);
    expect(f.expectedShortfall95).toBeCloseTo(0.25, 15);
    const m = computeMetrics({ equity: { ts: TS, equity: EQUITY.map((e) => e / 1e6) }, trades: [], startingCash: 1000, totalFees: 0, totalSlippage: 0 });
    expect(f.sharpe).toBe(m.sharpe);
    expect(f.sortino).toBe(m.sortino);
    expect(f.calmar).toBe(m.calmar);
    expect(f.cagr).toBe(m.cagr);
    expect(f.sharpe).not.toBeNull();
    expect(f.equityDrawdown.relativePct).toBeCloseTo(m.maxDrawdown, 15);
    // With 40 days, k = 2: VaR is the 2nd worst, ES the mean of the two worst.
    const ts = Array.from({ length: 40 }, (_, i) => day('2024-01-01') + i * 86_400_000);
    let e = 1000;
    const eq = ts.map((_, i) => M((e = i === 10 ? e * 0.9 : i === 20 ? e * 0.8 : e * 1.01).toFixed(6)));
    const g = computeTesterFigures({ initialDeposit: M(1000), trades: [], curve: { ts, equity: eq, balance: eq } });
    expect(g.var95).toBeCloseTo(0.1, 9);
    expect(g.expectedShortfall95).toBeCloseTo(0.15, 9);
  });

  it('a period that starts with positions open: drawdowns and returns from the initial equity, deposit from the balance', () => {
    const f = computeTesterFigures({ initialDeposit: M(1000), initialEquity: M(1200), trades: [], curve: { ts: TS.slice(0, 1), equity: [M(1080)], balance: [M(1000)] } });
    expect(f.initialEquity).toBe(M(1200));
    expect(f.equityDrawdown).toEqual({ absolute: M(120), maximal: M(120), maximalPct: 0.1, relativePct: 0.1, relative: M(120) });
    expect(f.monthly[0]).toEqual({ year: 2024, month: 1, endEquity: M(1080), pnl: M(-120), return: -0.1 });
  });

  it('no trades and no samples: counts zero, undefined figures null, JSON-safe', () => {
    const f = computeTesterFigures({ initialDeposit: M(5000), trades: [], curve: { ts: [], equity: [], balance: [] } });
    expect(f.totalTrades).toBe(0);
    expect(f.totalNetProfit).toBe(0);
    for (const k of ['profitFactor', 'expectedPayoff', 'recoveryFactor', 'sharpe', 'sortino', 'calmar', 'var95', 'expectedShortfall95', 'largestProfitTrade', 'averageLossTrade', 'longWonPct', 'averageConsecutiveWins'] as const) {
      expect(f[k], k).toBeNull();
    }
    expect(f.finalEquity).toBe(M(5000));
    expect(f.monthly).toEqual([]);
    expect(JSON.parse(JSON.stringify(f))).toEqual(f);
    // Only winners: profit factor undefined (no loss), never Infinity.
    expect(computeTesterFigures({ initialDeposit: M(1), trades: [tr('LONG', 1)], curve: { ts: [], equity: [], balance: [] } }).profitFactor).toBeNull();
  });

  it('bad input is refused with report.invalid_input', () => {
    const bad = (over: Partial<TesterInput>) => () => computeTesterFigures(input(over));
    expect(bad({ initialDeposit: 0 })).toThrow(expect.objectContaining({ code: INVALID_TESTER_INPUT }));
    expect(bad({ initialDeposit: 1.5 })).toThrow(expect.objectContaining({ code: INVALID_TESTER_INPUT }));
    expect(bad({ initialEquity: -1 })).toThrow(expect.objectContaining({ code: INVALID_TESTER_INPUT }));
    expect(bad({ curve: { ts: TS, equity: EQUITY.slice(1), balance: BALANCE } })).toThrow(/lengths differ/);
    expect(bad({ curve: { ts: [...TS].reverse(), equity: EQUITY, balance: BALANCE } })).toThrow(/ascending/);
    expect(bad({ curve: { ts: TS, equity: [...EQUITY.slice(1), 0.5], balance: BALANCE } })).toThrow(/micro-units/);
    expect(bad({ trades: [{ direction: 'FLAT' as 'LONG', pnl: 1, exitTs: 0 }] })).toThrow(/direction/);
  });
});
