/**
 * The figures of a strategy-tester report, as traders know them from MetaTrader 5's strategy tester,
 * from closed trades and the equity and balance curve of a backtest or of a live / paper period.
 *
 * Conventions
 * - Money in and out is account-currency micro-units (integers, engine/core/money.ts): sums are exact;
 *   an average of money (expected payoff, average profit / loss trade) is rounded half-to-even to the
 *   micro-unit, once. Percentages are FRACTIONS (0.05 = 5 %); `null` = undefined for the input (no
 *   losing trade for the profit factor, no drawdown for the recovery factor, ...). JSON-safe: no NaN
 *   or Infinity.
 * - The initial deposit is the balance when the report begins (the account's starting cash for a
 *   backtest; the balance at the start of the period for a live / paper period), `initialEquity` the
 *   equity then (equal to it unless positions were open). Both must be > 0.
 * - Balance = deposit + realized P&L - fees (the portfolio's `cash`); equity = balance + unrealized P&L.
 *   The curve has one sample per timestamp in ascending time; the initial values count as a first
 *   sample before it (the first peak of a drawdown is the initial deposit / equity).
 * - Trades are closed round trips in closing order; `pnl` is net of fees. A profit trade has pnl > 0,
 *   a loss trade pnl < 0; a trade with pnl = 0 is neither and ends a streak (as in metrics.ts).
 *
 * Figures (MT5 names)
 * - Total net profit = gross profit + gross loss = sum of the trades' pnl (closed trades only, as MT5;
 *   final equity - initial equity differs by what is still open and by partial closes of trades that
 *   close later).
 * - Gross profit = sum of pnl > 0; gross loss = sum of pnl < 0 (a negative number, as MT5 shows it).
 * - Profit factor = gross profit / |gross loss|. Expected payoff = total net profit / trades.
 * - Recovery factor = total net profit / maximal equity drawdown (money).
 * - Drawdowns, for the balance curve and for the equity curve alike, with the running peak starting at
 *   the initial value:
 *     absolute  = initial value - the lowest value below it (0 if it never went below),
 *     maximal   = the largest fall from a running peak, in money, and that fall / its peak (%),
 *     relative  = the largest fall from a running peak as a fraction of the peak, and its money.
 *   Maximal and relative can come from different drawdowns (a small account's fall can be the larger
 *   percentage and the smaller amount). Equity relative drawdown = metrics.ts `maxDrawdown`.
 * - Sharpe, Sortino, Calmar, CAGR, VaR 95 % and expected shortfall 95 %: exactly metrics.ts's
 *   (`computeMetrics` on the same equity curve with the initial equity as starting cash): daily
 *   returns of end-of-UTC-day equity; Sharpe = mean / sample stdev x sqrt(252); Sortino over the
 *   downside deviation of all days; Calmar = CAGR / maximal relative equity drawdown. VaR and expected
 *   shortfall are HISTORICAL, on those DAILY RETURNS (not per trade): with k = ceil(5 % of the days),
 *   VaR = -(k-th worst daily return), ES = -(mean of the k worst); positive numbers are losses, as a
 *   fraction of the previous day's equity.
 * - Short / long trades with % won (won / trades of that side); profit / loss trades with their share
 *   of all trades; largest and average profit and loss trade (losses negative).
 * - Maximum consecutive wins ($): the longest run of profit trades (count) and its summed profit (the
 *   first such run when several are equally long); maximum consecutive losses ($) likewise.
 *   Maximal consecutive profit (count): the run of profit trades with the largest sum and its length;
 *   maximal consecutive loss (count): the run of loss trades with the most negative sum.
 *   Average consecutive wins / losses: mean length of the runs of profit / loss trades.
 * - Monthly results: equity at the end of each UTC month (its last sample) against the previous
 *   month's end (the first month against the initial equity): P&L in money and return as a fraction
 *   (null when the base is <= 0).
 */
import { EngineError } from '../core/errors';
import { divRoundHalfEven } from '../core/fixed';
import { MONEY_ONE, type Money } from '../core/money';
import { DAY_MS, type EpochMs } from '../core/time';
import { computeMetrics } from './metrics';

export const INVALID_TESTER_INPUT = 'report.invalid_input';

/** A closed trade, as far as the figures need it (a `TradeRecord` is one). */
export interface TesterTrade {
  direction: 'LONG' | 'SHORT';
  exitTs: EpochMs;
  /** Net of fees, account-currency micro-units. */
  pnl: Money;
}

/** Parallel arrays, one element per sample, ascending `ts`; money in micro-units. */
export interface TesterCurve {
  ts: readonly number[];
  equity: readonly Money[];
  balance: readonly Money[];
}

export interface TesterInput {
  /** Balance when the report begins, micro-units, > 0. */
  initialDeposit: Money;
  /** Equity when the report begins (default: `initialDeposit`), > 0. */
  initialEquity?: Money;
  trades: readonly TesterTrade[];
  curve: TesterCurve;
  /** Annual risk-free rate for Sharpe and Sortino (fraction, default 0). */
  riskFreeRate?: number;
  /** Return periods per year (default 252). */
  periodsPerYear?: number;
}

export interface Drawdown {
  /** Initial value - lowest value below it; 0 if it never went below. */
  absolute: Money;
  /** Largest fall from a running peak, money. */
  maximal: Money;
  /** That fall / its peak (fraction). */
  maximalPct: number;
  /** Largest fall from a running peak as a fraction of the peak. */
  relativePct: number;
  /** That fall in money. */
  relative: Money;
}

export interface Streak {
  count: number;
  money: Money;
}

export interface MonthlyResult {
  year: number;
  /** 1..12 */
  month: number;
  /** Equity at the month's end, micro-units. */
  endEquity: Money;
  /** End equity - previous end (the first month: - initial equity), micro-units. */
  pnl: Money;
  /** pnl / base (fraction); null when the base is <= 0. */
  return: number | null;
}

export interface TesterFigures {
  startTs: EpochMs | null;
  endTs: EpochMs | null;
  initialDeposit: Money;
  initialEquity: Money;
  finalBalance: Money;
  finalEquity: Money;
  totalNetProfit: Money;
  grossProfit: Money;
  grossLoss: Money;
  profitFactor: number | null;
  expectedPayoff: Money | null;
  recoveryFactor: number | null;
  sharpe: number | null;
  sortino: number | null;
  calmar: number | null;
  cagr: number | null;
  /** Historical, on daily returns (fraction of the previous day's equity, positive = loss). */
  var95: number | null;
  expectedShortfall95: number | null;
  /** Number of daily returns. */
  tradingDays: number;
  balanceDrawdown: Drawdown;
  equityDrawdown: Drawdown;
  totalTrades: number;
  shortTrades: number;
  shortWon: number;
  shortWonPct: number | null;
  longTrades: number;
  longWon: number;
  longWonPct: number | null;
  profitTrades: number;
  profitTradesPct: number | null;
  lossTrades: number;
  lossTradesPct: number | null;
  largestProfitTrade: Money | null;
  largestLossTrade: Money | null;
  averageProfitTrade: Money | null;
  averageLossTrade: Money | null;
  maxConsecutiveWins: Streak;
  maxConsecutiveLosses: Streak;
  maximalConsecutiveProfit: Streak;
  maximalConsecutiveLoss: Streak;
  averageConsecutiveWins: number | null;
  averageConsecutiveLosses: number | null;
  monthly: MonthlyResult[];
}

function bad(message: string): never {
  throw new EngineError(INVALID_TESTER_INPUT, message);
}

function checkMoney(x: number, what: string): void {
  if (!Number.isSafeInteger(x)) bad(`${what} must be a safe integer of micro-units, got ${x}`);
}

function checkInput(input: TesterInput): void {
  checkMoney(input.initialDeposit, 'initialDeposit');
  if (input.initialDeposit <= 0) bad(`initialDeposit must be > 0, got ${input.initialDeposit}`);
  if (input.initialEquity !== undefined) {
    checkMoney(input.initialEquity, 'initialEquity');
    if (input.initialEquity <= 0) bad(`initialEquity must be > 0, got ${input.initialEquity}`);
  }
  const c = input.curve;
  const n = c.ts.length;
  if (c.equity.length !== n || c.balance.length !== n) bad(`curve lengths differ (ts ${n}, equity ${c.equity.length}, balance ${c.balance.length})`);
  let prev = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const t = c.ts[i]!;
    if (!Number.isFinite(t)) bad(`curve sample ${i}: time is not finite`);
    if (t <= prev) bad(`curve samples are not in ascending time order at index ${i}`);
    prev = t;
    checkMoney(c.equity[i]!, `curve equity[${i}]`);
    checkMoney(c.balance[i]!, `curve balance[${i}]`);
  }
  input.trades.forEach((t, i) => {
    checkMoney(t.pnl, `trade ${i} pnl`);
    if (t.direction !== 'LONG' && t.direction !== 'SHORT') bad(`trade ${i}: direction must be LONG or SHORT`);
  });
}

/** Drawdowns of `values` with the running peak starting at `initial` (see the header). */
export function drawdownOf(initial: Money, values: readonly Money[]): Drawdown {
  let peak = initial;
  let low = initial;
  let maximal = 0;
  let maximalPct = 0;
  let relative = 0;
  let relativePct = 0;
  for (const v of values) {
    if (v < low) low = v;
    if (v > peak) {
      peak = v;
      continue;
    }
    const fall = peak - v;
    if (fall <= 0) continue;
    const pct = peak > 0 ? fall / peak : 1;
    if (fall > maximal) {
      maximal = fall;
      maximalPct = pct;
    }
    if (pct > relativePct) {
      relativePct = pct;
      relative = fall;
    }
  }
  return { absolute: initial - low, maximal, maximalPct, relativePct, relative };
}

interface TradeStats {
  grossProfit: Money;
  grossLoss: Money;
  profitTrades: number;
  lossTrades: number;
  shortTrades: number;
  shortWon: number;
  longTrades: number;
  longWon: number;
  largestProfit: Money | null;
  largestLoss: Money | null;
  maxWins: Streak;
  maxLosses: Streak;
  maxProfitRun: Streak;
  maxLossRun: Streak;
  winRuns: number;
  lossRuns: number;
}

function tradeStats(trades: readonly TesterTrade[]): TradeStats {
  const s: TradeStats = {
    grossProfit: 0,
    grossLoss: 0,
    profitTrades: 0,
    lossTrades: 0,
    shortTrades: 0,
    shortWon: 0,
    longTrades: 0,
    longWon: 0,
    largestProfit: null,
    largestLoss: null,
    maxWins: { count: 0, money: 0 },
    maxLosses: { count: 0, money: 0 },
    maxProfitRun: { count: 0, money: 0 },
    maxLossRun: { count: 0, money: 0 },
    winRuns: 0,
    lossRuns: 0,
  };
  // The current run: +1 wins, -1 losses, 0 none.
  let sign = 0;
  let count = 0;
  let sum = 0;
  const closeRun = () => {
    if (sign > 0) {
      s.winRuns++;
      if (count > s.maxWins.count) s.maxWins = { count, money: sum };
      if (sum > s.maxProfitRun.money) s.maxProfitRun = { count, money: sum };
    } else if (sign < 0) {
      s.lossRuns++;
      if (count > s.maxLosses.count) s.maxLosses = { count, money: sum };
      if (sum < s.maxLossRun.money) s.maxLossRun = { count, money: sum };
    }
    sign = 0;
    count = 0;
    sum = 0;
  };
  for (const t of trades) {
    const p = t.pnl;
    const won = p > 0;
    if (t.direction === 'LONG') {
      s.longTrades++;
      if (won) s.longWon++;
    } else {
      s.shortTrades++;
      if (won) s.shortWon++;
    }
    const sg = p > 0 ? 1 : p < 0 ? -1 : 0;
    if (sg !== sign) closeRun();
    if (sg === 0) continue;
    sign = sg;
    count++;
    sum += p;
    if (sg > 0) {
      s.profitTrades++;
      s.grossProfit += p;
      if (s.largestProfit === null || p > s.largestProfit) s.largestProfit = p;
    } else {
      s.lossTrades++;
      s.grossLoss += p;
      if (s.largestLoss === null || p < s.largestLoss) s.largestLoss = p;
    }
  }
  closeRun();
  return s;
}

/** End-of-UTC-month equity against the previous month's end (see the header). */
export function monthlyResults(initialEquity: Money, curve: Pick<TesterCurve, 'ts' | 'equity'>): MonthlyResult[] {
  const out: MonthlyResult[] = [];
  const n = curve.ts.length;
  let base = initialEquity;
  let key = -1;
  let year = 0;
  let month = 0;
  let end = 0;
  const flush = () => {
    const pnl = end - base;
    out.push({ year, month, endEquity: end, pnl, return: base > 0 ? pnl / base : null });
    base = end;
  };
  for (let i = 0; i < n; i++) {
    const d = new Date(Math.floor(curve.ts[i]! / DAY_MS) * DAY_MS);
    const y = d.getUTCFullYear();
    const m = d.getUTCMonth() + 1;
    const k = y * 12 + m;
    if (k !== key) {
      if (key !== -1) flush();
      key = k;
      year = y;
      month = m;
    }
    end = curve.equity[i]!;
  }
  if (key !== -1) flush();
  return out;
}

const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

/** The tester figures; see the header for every definition. Throws `report.invalid_input`. */
export function computeTesterFigures(input: TesterInput): TesterFigures {
  checkInput(input);
  const deposit = input.initialDeposit;
  const initialEquity = input.initialEquity ?? deposit;
  const { curve, trades } = input;
  const n = curve.ts.length;

  const eqFloat = new Float64Array(n);
  for (let i = 0; i < n; i++) eqFloat[i] = curve.equity[i]! / MONEY_ONE;
  const m = computeMetrics({
    equity: { ts: curve.ts, equity: eqFloat },
    trades: [],
    startingCash: initialEquity / MONEY_ONE,
    totalFees: 0,
    totalSlippage: 0,
    ...(input.riskFreeRate !== undefined ? { riskFreeRate: input.riskFreeRate } : {}),
    ...(input.periodsPerYear !== undefined ? { periodsPerYear: input.periodsPerYear } : {}),
  });

  const s = tradeStats(trades);
  const total = trades.length;
  const net = s.grossProfit + s.grossLoss;
  const equityDrawdown = drawdownOf(initialEquity, curve.equity);
  const balanceDrawdown = drawdownOf(deposit, curve.balance);

  return {
    startTs: n > 0 ? curve.ts[0]! : null,
    endTs: n > 0 ? curve.ts[n - 1]! : null,
    initialDeposit: deposit,
    initialEquity,
    finalBalance: n > 0 ? curve.balance[n - 1]! : deposit,
    finalEquity: n > 0 ? curve.equity[n - 1]! : initialEquity,
    totalNetProfit: net,
    grossProfit: s.grossProfit,
    grossLoss: s.grossLoss,
    profitFactor: s.lossTrades > 0 ? s.grossProfit / -s.grossLoss : null,
    expectedPayoff: total > 0 ? divRoundHalfEven(net, total) : null,
    recoveryFactor: equityDrawdown.maximal > 0 ? net / equityDrawdown.maximal : null,
    sharpe: m.sharpe,
    sortino: m.sortino,
    calmar: m.calmar,
    cagr: m.cagr,
    var95: m.var95,
    expectedShortfall95: m.cvar95,
    tradingDays: m.tradingDays,
    balanceDrawdown,
    equityDrawdown,
    totalTrades: total,
    shortTrades: s.shortTrades,
    shortWon: s.shortWon,
    shortWonPct: ratio(s.shortWon, s.shortTrades),
    longTrades: s.longTrades,
    longWon: s.longWon,
    longWonPct: ratio(s.longWon, s.longTrades),
    profitTrades: s.profitTrades,
    profitTradesPct: ratio(s.profitTrades, total),
    lossTrades: s.lossTrades,
    lossTradesPct: ratio(s.lossTrades, total),
    largestProfitTrade: s.largestProfit,
    largestLossTrade: s.largestLoss,
    averageProfitTrade: s.profitTrades > 0 ? divRoundHalfEven(s.grossProfit, s.profitTrades) : null,
    averageLossTrade: s.lossTrades > 0 ? divRoundHalfEven(s.grossLoss, s.lossTrades) : null,
    maxConsecutiveWins: s.maxWins,
    maxConsecutiveLosses: s.maxLosses,
    maximalConsecutiveProfit: s.maxProfitRun,
    maximalConsecutiveLoss: s.maxLossRun,
    averageConsecutiveWins: s.winRuns > 0 ? s.profitTrades / s.winRuns : null,
    averageConsecutiveLosses: s.lossRuns > 0 ? s.lossTrades / s.lossRuns : null,
    monthly: monthlyResults(initialEquity, curve),
  };
}
