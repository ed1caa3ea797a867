/**
 * Performance statistics of a run, from its equity curve and closed trades.
 *
 * Conventions
 * - Inputs: `equity` is one sample per timestamp in ascending time, float account-currency units
 *   (`Portfolio.equityCurve()` gives that); `startingCash`, `totalFees`, `totalSlippage` are float
 *   account-currency units; trades are `TradeRecord`s, whose Money fields are micro-units (converted
 *   here with `moneyToNumber`). All money outputs are float account-currency units. Every ratio is a
 *   FRACTION (0.05 = 5 %); `formatMetricsTable` shows them as percentages.
 * - JSON-safe: no NaN or Infinity in the result. A statistic that is undefined for the input is
 *   `null` (fewer than two daily returns for Sharpe/volatility, no losing trades for profit factor,
 *   zero downside deviation for Sortino, no trades for win rate and the trade averages, ...).
 * - Daily returns: the equity at the end of each UTC day is the last sample of that day; the return
 *   of a day is its end equity / the previous day's end equity - 1, the first day's base being
 *   `startingCash`. (A day whose base equity is <= 0 has no return and is skipped.)
 * - Volatility = sample standard deviation (n - 1) of daily returns x sqrt(periodsPerYear).
 * - Sharpe = mean(daily excess return) / stdev(daily excess return, n - 1) x sqrt(periodsPerYear),
 *   with the daily risk-free rate (1 + riskFreeRate)^(1/periodsPerYear) - 1 (riskFreeRate annual,
 *   default 0; periodsPerYear default 252).
 * - Sortino = mean(daily excess return) / downside deviation x sqrt(periodsPerYear), where the
 *   downside deviation is sqrt(sum(min(0, excess)^2) / N) over ALL N days.
 * - Total return = final equity / startingCash - 1 (final equity = last sample, or startingCash).
 * - CAGR = (final equity / startingCash)^(1 / years) - 1 with years = (last sample ts - first sample
 *   ts) / 365.25 days (calendar time); null when the span is zero; -1 when final equity <= 0.
 * - Max drawdown: from every sample (not daily), as a positive fraction of the running peak, the peak
 *   starting at startingCash. Its duration is from the peak before the trough to the first sample
 *   back at or above that peak, or to the last sample if it never recovers, in days (float);
 *   `maxDrawdownRecoveryDays` is trough -> recovery (null if not recovered). `longestDrawdownDays`
 *   is the longest time under a previous peak of any drawdown (peak -> recovery, or -> the end).
 * - Calmar = CAGR / max drawdown (null when either is missing or the drawdown is 0).
 * - VaR 95 % and expected shortfall (CVaR 95 %), historical, on daily returns: with the N returns
 *   sorted ascending and k = ceil(0.05 N), VaR = -(k-th worst return) and ES = -(mean of the k worst
 *   returns): positive numbers are losses (a fraction of the previous day's equity).
 * - Trades (pnl net of fees): a win is pnl > 0, a loss pnl < 0 (zero is neither and breaks streaks).
 *   Win rate = wins / trades; profit factor = sum of wins / |sum of losses| (null with no losing
 *   trade); expectancy = mean pnl; average/largest win and loss (losses as negative numbers); max
 *   consecutive wins and losses in closing order.
 * - Time in market: barsInMarket / totalBars when both are given (bars with an open position over
 *   all bars), else the union of the trades' [entryTs, exitTs] intervals within the curve's span over
 *   that span (only closed trades count).
 * - Costs: gross P&L (before costs) = (final equity - startingCash) + totalFees + totalSlippage.
 *   feeImpactOfGross = totalFees / |gross P&L| (null when gross P&L is 0), feeImpactOfCapital =
 *   totalFees / startingCash; the same two for slippage.
 */
import { EngineError } from '../core/errors';
import { moneyToNumber } from '../core/money';
import { DAY_MS } from '../core/time';
import type { TradeRecord } from './types';

export const INVALID_METRICS_INPUT = 'metrics.invalid_input';

export interface EquitySeries {
  ts: Float64Array | readonly number[];
  equity: Float64Array | readonly number[];
}

export interface MetricsInput {
  equity: EquitySeries;
  trades: readonly TradeRecord[];
  /** Float account-currency units, > 0. */
  startingCash: number;
  totalFees: number;
  totalSlippage: number;
  /** Annual risk-free rate (fraction), default 0. */
  riskFreeRate?: number;
  /** Return periods per year for annualising daily statistics, default 252. */
  periodsPerYear?: number;
  /** Bars (samples) with an open position, for time in market. */
  barsInMarket?: number;
  /** All bars (samples), for time in market. */
  totalBars?: number;
}

export interface Metrics {
  startTs: number | null;
  endTs: number | null;
  startingCash: number;
  finalEquity: number;
  netPnl: number;
  totalReturn: number;
  cagr: number | null;
  volatility: number | null;
  sharpe: number | null;
  sortino: number | null;
  calmar: number | null;
  maxDrawdown: number;
  maxDrawdownDurationDays: number | null;
  maxDrawdownRecoveryDays: number | null;
  longestDrawdownDays: number | null;
  var95: number | null;
  cvar95: number | null;
  /** Number of daily returns. */
  tradingDays: number;
  numTrades: number;
  wins: number;
  losses: number;
  winRate: number | null;
  grossProfit: number;
  grossLoss: number;
  profitFactor: number | null;
  expectancy: number | null;
  avgWin: number | null;
  avgLoss: number | null;
  largestWin: number | null;
  largestLoss: number | null;
  maxConsecutiveWins: number;
  maxConsecutiveLosses: number;
  timeInMarket: number | null;
  totalFees: number;
  totalSlippage: number;
  grossPnlBeforeCosts: number;
  feeImpactOfGross: number | null;
  feeImpactOfCapital: number;
  slippageImpactOfGross: number | null;
  slippageImpactOfCapital: number;
  riskFreeRate: number;
  periodsPerYear: number;
}

export interface DailyEquity {
  /** Start of each UTC day with samples. */
  dayTs: number[];
  /** Equity at the end of that day (its last sample). */
  dayEquity: number[];
  /** Daily returns (see the conventions); the first day's base is `startingCash`. */
  returns: number[];
}

export interface MonthlyReturn {
  year: number;
  /** 1..12 */
  month: number;
  /** Fraction; null when the base equity is <= 0. */
  return: number | null;
}

const YEAR_MS = 365.25 * DAY_MS;

function bad(message: string): never {
  throw new EngineError(INVALID_METRICS_INPUT, message);
}

function checkSeries(s: EquitySeries): number {
  const n = s.ts.length;
  if (s.equity.length !== n) bad(`equity series lengths differ (ts ${n}, equity ${s.equity.length})`);
  let prev = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const t = s.ts[i]!;
    const e = s.equity[i]!;
    if (!Number.isFinite(t) || !Number.isFinite(e)) bad(`equity sample ${i} is not finite`);
    if (t < prev) bad(`equity samples are not in time order at index ${i}`);
    prev = t;
  }
  return n;
}

/** End-of-UTC-day equity and daily returns. */
export function dailyReturns(equity: EquitySeries, startingCash: number): DailyEquity {
  const n = checkSeries(equity);
  const dayTs: number[] = [];
  const dayEquity: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = equity.ts[i]!;
    const day = Math.floor(t / DAY_MS) * DAY_MS;
    const last = dayTs.length - 1;
    if (last >= 0 && dayTs[last] === day) dayEquity[last] = equity.equity[i]!;
    else {
      dayTs.push(day);
      dayEquity.push(equity.equity[i]!);
    }
  }
  const returns: number[] = [];
  let base = startingCash;
  for (const e of dayEquity) {
    if (base > 0) returns.push(e / base - 1);
    base = e;
  }
  return { dayTs, dayEquity, returns };
}

/**
 * Monthly returns from end-of-UTC-month equity (last sample of the month); the first month's base is
 * `startingCash` when given, else the first sample.
 */
export function monthlyReturns(equity: EquitySeries, startingCash?: number): MonthlyReturn[] {
  const n = checkSeries(equity);
  const out: MonthlyReturn[] = [];
  if (n === 0) return out;
  let base = startingCash ?? equity.equity[0]!;
  let curKey = -1;
  let curYear = 0;
  let curMonth = 0;
  let curEnd = 0;
  let lastDay = Number.NaN;
  const flush = (): void => {
    out.push({ year: curYear, month: curMonth, return: base > 0 ? curEnd / base - 1 : null });
    base = curEnd;
  };
  for (let i = 0; i < n; i++) {
    const t = equity.ts[i]!;
    const day = Math.floor(t / DAY_MS);
    if (day !== lastDay) {
      lastDay = day;
      const d = new Date(day * DAY_MS);
      const y = d.getUTCFullYear();
      const m = d.getUTCMonth() + 1;
      const key = y * 12 + m;
      if (key !== curKey) {
        if (curKey !== -1) flush();
        curKey = key;
        curYear = y;
        curMonth = m;
      }
    }
    curEnd = equity.equity[i]!;
  }
  flush();
  return out;
}

function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample standard deviation (n - 1); NaN for fewer than two values. */
function sampleStdev(xs: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return Number.NaN;
  const m = mean(xs);
  let ss = 0;
  for (const x of xs) ss += (x - m) * (x - m);
  return Math.sqrt(ss / (n - 1));
}

/** Finite number or null. */
function fin(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

interface DrawdownStats {
  maxDrawdown: number;
  durationDays: number | null;
  recoveryDays: number | null;
  longestDays: number | null;
}

function drawdowns(equity: EquitySeries, startingCash: number): DrawdownStats {
  const n = equity.ts.length;
  if (n === 0) return { maxDrawdown: 0, durationDays: null, recoveryDays: null, longestDays: null };
  let peak = startingCash;
  let peakTs = equity.ts[0]!;
  let under = false;
  let episode = 0;
  let maxEpisode = -1;
  let maxDd = 0;
  let maxPeakTs = peakTs;
  let troughTs = peakTs;
  let duration = 0;
  let recovery: number | null = 0;
  let longest = 0;
  for (let i = 0; i < n; i++) {
    const t = equity.ts[i]!;
    const e = equity.equity[i]!;
    if (e >= peak) {
      if (under) {
        const len = t - peakTs;
        if (len > longest) longest = len;
        if (episode === maxEpisode) {
          duration = t - maxPeakTs;
          recovery = t - troughTs;
        }
        under = false;
        episode += 1;
      }
      peak = e;
      peakTs = t;
    } else {
      under = true;
      const dd = (peak - e) / peak;
      if (dd > maxDd) {
        maxDd = dd;
        maxEpisode = episode;
        maxPeakTs = peakTs;
        troughTs = t;
      }
    }
  }
  if (under) {
    const end = equity.ts[n - 1]!;
    const len = end - peakTs;
    if (len > longest) longest = len;
    if (episode === maxEpisode) {
      duration = end - maxPeakTs;
      recovery = null;
    }
  }
  return {
    maxDrawdown: maxDd,
    durationDays: duration / DAY_MS,
    recoveryDays: recovery === null ? null : recovery / DAY_MS,
    longestDays: longest / DAY_MS,
  };
}

/** Historical VaR and expected shortfall at 95 % of `returns`, as positive loss fractions. */
export function historicalVar(returns: readonly number[], level = 0.95): { var: number | null; es: number | null } {
  const n = returns.length;
  if (n === 0) return { var: null, es: null };
  const sorted = [...returns].sort((a, b) => a - b);
  const k = Math.max(1, Math.ceil((1 - level) * n - 1e-9));
  let s = 0;
  for (let i = 0; i < k; i++) s += sorted[i]!;
  return { var: fin(-sorted[k - 1]!), es: fin(-(s / k)) };
}

function timeInMarketFromTrades(trades: readonly TradeRecord[], start: number, end: number): number | null {
  const span = end - start;
  if (!(span > 0)) return null;
  const iv = trades
    .map((t) => [Math.max(t.entryTs, start), Math.min(t.exitTs, end)] as const)
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let covered = 0;
  let curA = Number.NaN;
  let curB = Number.NaN;
  for (const [a, b] of iv) {
    if (Number.isNaN(curA) || a > curB) {
      if (!Number.isNaN(curA)) covered += curB - curA;
      curA = a;
      curB = b;
    } else if (b > curB) curB = b;
  }
  if (!Number.isNaN(curA)) covered += curB - curA;
  return Math.min(1, covered / span);
}

/** Computes the statistics of a run; see the conventions at the top of this file. */
export function computeMetrics(input: MetricsInput): Metrics {
  const start = input.startingCash;
  if (!Number.isFinite(start) || start <= 0) bad(`startingCash must be > 0, got ${start}`);
  const ppy = input.periodsPerYear ?? 252;
  if (!Number.isFinite(ppy) || ppy <= 0) bad(`periodsPerYear must be > 0, got ${ppy}`);
  const rf = input.riskFreeRate ?? 0;
  if (!Number.isFinite(rf) || rf <= -1) bad(`riskFreeRate must be > -1, got ${rf}`);
  const totalFees = input.totalFees;
  const totalSlippage = input.totalSlippage;
  if (!Number.isFinite(totalFees) || !Number.isFinite(totalSlippage)) bad('totalFees and totalSlippage must be finite');

  const eq = input.equity;
  const daily = dailyReturns(eq, start); // also validates the series
  const n = eq.ts.length;
  const startTs = n > 0 ? eq.ts[0]! : null;
  const endTs = n > 0 ? eq.ts[n - 1]! : null;
  const finalEquity = n > 0 ? eq.equity[n - 1]! : start;
  const netPnl = finalEquity - start;
  const totalReturn = finalEquity / start - 1;

  let cagr: number | null = null;
  if (startTs !== null && endTs !== null && endTs > startTs) {
    const years = (endTs - startTs) / YEAR_MS;
    cagr = finalEquity > 0 ? fin(Math.pow(finalEquity / start, 1 / years) - 1) : -1;
  }

  const rets = daily.returns;
  const nr = rets.length;
  const rfDaily = Math.pow(1 + rf, 1 / ppy) - 1;
  const excess = rets.map((r) => r - rfDaily);
  const ann = Math.sqrt(ppy);
  const sd = sampleStdev(rets);
  const sdEx = sampleStdev(excess);
  const meanEx = nr > 0 ? mean(excess) : Number.NaN;
  const volatility = nr >= 2 ? fin(sd * ann) : null;
  const sharpe = nr >= 2 && sdEx > 0 ? fin((meanEx / sdEx) * ann) : null;
  let downSq = 0;
  for (const x of excess) if (x < 0) downSq += x * x;
  const downDev = nr > 0 ? Math.sqrt(downSq / nr) : 0;
  const sortino = downDev > 0 ? fin((meanEx / downDev) * ann) : null;

  const dd = drawdowns(eq, start);
  const calmar = cagr !== null && dd.maxDrawdown > 0 ? fin(cagr / dd.maxDrawdown) : null;
  const risk = historicalVar(rets, 0.95);

  // Trades.
  const trades = input.trades;
  let wins = 0;
  let losses = 0;
  let grossProfit = 0;
  let grossLoss = 0;
  let sumPnl = 0;
  let largestWin = Number.NEGATIVE_INFINITY;
  let largestLoss = Number.POSITIVE_INFINITY;
  let streakW = 0;
  let streakL = 0;
  let maxW = 0;
  let maxL = 0;
  for (const t of trades) {
    const p = moneyToNumber(t.pnl);
    sumPnl += p;
    if (p > 0) {
      wins += 1;
      grossProfit += p;
      if (p > largestWin) largestWin = p;
      streakW += 1;
      streakL = 0;
    } else if (p < 0) {
      losses += 1;
      grossLoss += p;
      if (p < largestLoss) largestLoss = p;
      streakL += 1;
      streakW = 0;
    } else {
      streakW = 0;
      streakL = 0;
    }
    if (streakW > maxW) maxW = streakW;
    if (streakL > maxL) maxL = streakL;
  }
  const numTrades = trades.length;

  let timeInMarket: number | null;
  if (input.barsInMarket !== undefined && input.totalBars !== undefined && input.totalBars > 0) {
    timeInMarket = fin(Math.min(1, Math.max(0, input.barsInMarket / input.totalBars)));
  } else {
    timeInMarket = startTs !== null && endTs !== null ? timeInMarketFromTrades(trades, startTs, endTs) : null;
  }

  const grossBeforeCosts = netPnl + totalFees + totalSlippage;
  const absGross = Math.abs(grossBeforeCosts);

  return {
    startTs,
    endTs,
    startingCash: start,
    finalEquity,
    netPnl,
    totalReturn,
    cagr,
    volatility,
    sharpe,
    sortino,
    calmar,
    maxDrawdown: dd.maxDrawdown,
    maxDrawdownDurationDays: dd.durationDays,
    maxDrawdownRecoveryDays: dd.recoveryDays,
    longestDrawdownDays: dd.longestDays,
    var95: risk.var,
    cvar95: risk.es,
    tradingDays: nr,
    numTrades,
    wins,
    losses,
    winRate: numTrades > 0 ? wins / numTrades : null,
    grossProfit,
    grossLoss,
    profitFactor: losses > 0 ? fin(grossProfit / -grossLoss) : null,
    expectancy: numTrades > 0 ? sumPnl / numTrades : null,
    avgWin: wins > 0 ? grossProfit / wins : null,
    avgLoss: losses > 0 ? grossLoss / losses : null,
    largestWin: wins > 0 ? largestWin : null,
    largestLoss: losses > 0 ? largestLoss : null,
    maxConsecutiveWins: maxW,
    maxConsecutiveLosses: maxL,
    timeInMarket,
    totalFees,
    totalSlippage,
    grossPnlBeforeCosts: grossBeforeCosts,
    feeImpactOfGross: absGross > 0 ? totalFees / absGross : null,
    feeImpactOfCapital: totalFees / start,
    slippageImpactOfGross: absGross > 0 ? totalSlippage / absGross : null,
    slippageImpactOfCapital: totalSlippage / start,
    riskFreeRate: rf,
    periodsPerYear: ppy,
  };
}

type Kind = 'money' | 'pct' | 'ratio' | 'days' | 'count' | 'date';

const TABLE: ReadonlyArray<readonly [keyof Metrics, string, Kind]> = [
  ['startTs', 'Start', 'date'],
  ['endTs', 'End', 'date'],
  ['startingCash', 'Starting cash', 'money'],
  ['finalEquity', 'Final equity', 'money'],
  ['netPnl', 'Net P&L', 'money'],
  ['totalReturn', 'Total return', 'pct'],
  ['cagr', 'CAGR', 'pct'],
  ['volatility', 'Volatility (ann.)', 'pct'],
  ['sharpe', 'Sharpe', 'ratio'],
  ['sortino', 'Sortino', 'ratio'],
  ['calmar', 'Calmar', 'ratio'],
  ['maxDrawdown', 'Max drawdown', 'pct'],
  ['maxDrawdownDurationDays', 'Max drawdown duration (days)', 'days'],
  ['maxDrawdownRecoveryDays', 'Max drawdown recovery (days)', 'days'],
  ['longestDrawdownDays', 'Longest drawdown (days)', 'days'],
  ['var95', 'Daily VaR 95%', 'pct'],
  ['cvar95', 'Daily CVaR 95%', 'pct'],
  ['tradingDays', 'Days', 'count'],
  ['numTrades', 'Trades', 'count'],
  ['winRate', 'Win rate', 'pct'],
  ['profitFactor', 'Profit factor', 'ratio'],
  ['expectancy', 'Expectancy', 'money'],
  ['avgWin', 'Average win', 'money'],
  ['avgLoss', 'Average loss', 'money'],
  ['largestWin', 'Largest win', 'money'],
  ['largestLoss', 'Largest loss', 'money'],
  ['maxConsecutiveWins', 'Max consecutive wins', 'count'],
  ['maxConsecutiveLosses', 'Max consecutive losses', 'count'],
  ['timeInMarket', 'Time in market', 'pct'],
  ['totalFees', 'Fees', 'money'],
  ['feeImpactOfGross', 'Fees / gross P&L', 'pct'],
  ['feeImpactOfCapital', 'Fees / starting cash', 'pct'],
  ['totalSlippage', 'Slippage', 'money'],
  ['slippageImpactOfGross', 'Slippage / gross P&L', 'pct'],
  ['slippageImpactOfCapital', 'Slippage / starting cash', 'pct'],
];

function formatValue(v: number | null, kind: Kind): string {
  if (v === null || !Number.isFinite(v)) return 'n/a';
  switch (kind) {
    case 'money':
      return v.toFixed(2);
    case 'pct':
      return `${(v * 100).toFixed(2)}%`;
    case 'ratio':
      return v.toFixed(2);
    case 'days':
      return v.toFixed(1);
    case 'count':
      return String(v);
    case 'date':
      return new Date(v).toISOString().slice(0, 19) + 'Z';
  }
}

/** [label, value] rows for a CLI table; null values print as `n/a`, fractions as percentages. */
export function formatMetricsTable(m: Metrics): [string, string][] {
  return TABLE.map(([key, label, kind]) => [label, formatValue(m[key], kind)]);
}
