/**
 * Tester-report inputs (engine/portfolio/tester-metrics.ts `TesterInput`) from what a run leaves:
 *   - `testerCurveFromEquityCurve`: a portfolio equity curve (float account units, the exact
 *     micro-units / 10^6) back to micro-units, equity and balance (`cash`). The conversion is checked
 *     sample by sample to give back the same float (exact for any balance below ~2 x 10^9 units);
 *     a sample that does not is `report.inexact_curve`, never a silently rounded figure.
 *   - `testerInputFromBacktest`: a finished backtest (run-backtest.ts) with its starting cash.
 *   - `balanceCurveFromTrades`: for a run stored without its curve (the journal keeps a backtest's
 *     trades and metrics only), the balance after each closed trade: deposit + the running sum of the
 *     trades' net P&L, one sample per exit time. Equity is then taken equal to it (the report says so).
 * Pure.
 */
import { EngineError } from '../core/errors';
import { MONEY_ONE, type Money } from '../core/money';
import type { TesterCurve, TesterInput, TesterTrade } from '../portfolio/tester-metrics';
import type { EquityCurve } from '../portfolio/types';
import type { BacktestResult } from './run-backtest';

export const INEXACT_CURVE = 'report.inexact_curve';

function micro(x: number, what: string, i: number): Money {
  const m = Math.round(x * MONEY_ONE);
  if (!Number.isSafeInteger(m) || m / MONEY_ONE !== x) throw new EngineError(INEXACT_CURVE, `${what} sample ${i} (${x}) is not an exact number of micro-units`);
  return m;
}

/** The curve in micro-units (equity, and cash as the balance). */
export function testerCurveFromEquityCurve(c: Pick<EquityCurve, 'length' | 'ts' | 'equity' | 'cash'>): TesterCurve {
  const n = c.length;
  const ts = new Array<number>(n);
  const equity = new Array<Money>(n);
  const balance = new Array<Money>(n);
  for (let i = 0; i < n; i++) {
    ts[i] = c.ts[i]!;
    equity[i] = micro(c.equity[i]!, 'equity', i);
    balance[i] = micro(c.cash[i]!, 'cash', i);
  }
  return { ts, equity, balance };
}

/** A finished backtest: its trades and its equity curve, from `startingCash` (micro-units). */
export function testerInputFromBacktest(result: Pick<BacktestResult, 'trades' | 'equity'>, startingCash: Money): TesterInput {
  return { initialDeposit: startingCash, trades: result.trades, curve: testerCurveFromEquityCurve(result.equity) };
}

/** Balance after each closed trade (one sample per exit time; trades sorted by exit time, stable). */
export function balanceCurveFromTrades(initialDeposit: Money, trades: readonly TesterTrade[]): TesterCurve {
  const sorted = trades.map((t, i) => [t, i] as const).sort((a, b) => a[0].exitTs - b[0].exitTs || a[1] - b[1]);
  const ts: number[] = [];
  const balance: Money[] = [];
  let bal = initialDeposit;
  for (const [t] of sorted) {
    bal += t.pnl;
    if (!Number.isSafeInteger(bal)) throw new EngineError('report.invalid_input', 'the running balance is not a safe integer of micro-units');
    if (ts.length > 0 && ts[ts.length - 1] === t.exitTs) balance[balance.length - 1] = bal;
    else {
      ts.push(t.exitTs);
      balance.push(bal);
    }
  }
  return { ts, equity: balance.slice(), balance };
}
