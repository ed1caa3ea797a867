/**
 * Tester-report inputs from an engine's SQLite journal (engine/node/journal):
 *
 *   - a period [from, to) of live or paper trading: the closed trades are the journal's own, rebuilt
 *     with `rebuildState` (every fill replayed through a fresh Portfolio, exactly as a restarted engine
 *     sees them), kept when their exit time is in the period; the curve is the journal's equity samples
 *     in the period (equity, and cash as the balance, micro-units). The initial deposit and equity are
 *     those of the last sample before `from` (the account's starting cash when there is none), so the
 *     drawdowns and returns of a period start from where the account stood when it began.
 *     A trade counts in the period it closed (whole, even if it opened before). Positions still open at
 *     `to` are in the equity figures, not in the trade figures (the report says how many).
 *   - a backtest run stored in the journal (`recordBacktestRun`): its trades; the journal keeps no curve
 *     for it, so the balance after each closed trade stands for both curves (the report says so).
 *
 * The rebuild needs the instruments and the account (currency, starting cash) the engine ran with:
 * the host passes them (`AccountSpec`). The rebuild replays the whole journal (measured: ~0.3-0.5 s
 * for 24,000 events on a shared 2-core machine); a live engine restored from the journal already
 * holds the same trades and can pass them instead. Errors: `report.bad_period` (from >= to, or not a time),
 * `report.unknown_run`, `report.bad_run` (a stored run without a usable starting cash).
 */
import { EngineError } from '../../core/errors';
import type { Instrument } from '../../core/instrument';
import { money, type Money } from '../../core/money';
import { isoUtc, type EpochMs } from '../../core/time';
import { balanceCurveFromTrades } from '../../backtest/tester-report-input';
import type { TesterReportInput } from '../../backtest/tester-report';
import type { TradeRecord } from '../../portfolio/types';
import type { Journal } from '../journal/journal';
import { rebuildState } from '../journal/rebuild';

export const REPORT_BAD_PERIOD = 'report.bad_period';
export const REPORT_UNKNOWN_RUN = 'report.unknown_run';
export const REPORT_BAD_RUN = 'report.bad_run';

/** What the engine ran with: needed to rebuild its trades from the journal. */
export interface AccountSpec {
  instruments: readonly Instrument[];
  accountCurrency: string;
  /** Opening cash of the account, micro-units (the configuration's starting cash). */
  startingCash: Money;
}

/** A period [from, to) in epoch ms; an open end is the journal's start or end. */
export interface Period {
  from?: EpochMs | undefined;
  to?: EpochMs | undefined;
}

function checkPeriod(p: Period): { from: number; to: number } {
  const from = p.from ?? Number.NEGATIVE_INFINITY;
  const to = p.to ?? Number.POSITIVE_INFINITY;
  if (Number.isNaN(from) || Number.isNaN(to)) throw new EngineError(REPORT_BAD_PERIOD, 'the period bounds must be times (epoch ms)');
  if (!(from < to)) throw new EngineError(REPORT_BAD_PERIOD, `the period is empty: from ${isoUtc(from)} is not before to ${isoUtc(to)}`);
  return { from, to };
}

interface SampleRow {
  ts: number;
  equity: number;
  cash: number;
  openPositions: number;
}

/**
 * The report input of the live / paper period [from, to) of the journal. `allTrades`: the journal's
 * closed trades when the caller already has them (a live engine restored from this journal holds
 * them in its portfolio); else they are rebuilt from the journal.
 */
export function periodInput(journal: Journal, account: AccountSpec, period: Period = {}, allTrades?: readonly TradeRecord[]): TesterReportInput {
  const { from, to } = checkPeriod(period);
  const db = journal.db;
  // ±Infinity cannot be bound in SQLite: the safe-integer range covers every epoch-ms time.
  const lo = Number.isFinite(from) ? from : Number.MIN_SAFE_INTEGER;
  const hi = Number.isFinite(to) ? to : Number.MAX_SAFE_INTEGER;
  const before = db.prepare('SELECT ts, equity, cash, open_positions AS openPositions FROM equity_samples WHERE ts < ? ORDER BY ts DESC LIMIT 1').get(lo) as SampleRow | undefined;
  const rows = db.prepare('SELECT ts, equity, cash, open_positions AS openPositions FROM equity_samples WHERE ts >= ? AND ts < ? ORDER BY ts').all(lo, hi) as SampleRow[];
  const rebuilt = allTrades === undefined ? rebuildState(journal, account) : null;
  const trades = (rebuilt?.trades ?? allTrades ?? []).filter((t) => t.exitTs >= from && t.exitTs < to);

  const initialDeposit = before?.cash ?? account.startingCash;
  const initialEquity = before?.equity ?? account.startingCash;
  if (initialDeposit <= 0 || initialEquity <= 0) {
    throw new EngineError('report.invalid_input', `the account's balance (${initialDeposit}) or equity (${initialEquity}) micro-units at the start of the period is not above zero: no returns or drawdowns can be measured from it`);
  }
  const fmt = (t: number) => (Number.isFinite(t) ? isoUtc(t) : null);
  const notes: string[] = [
    'A live / paper period from the journal: trades are counted in the period they closed in (whole, even if they opened before it); the curve is the journal’s equity samples in the period.',
  ];
  if (before === undefined) notes.push('No equity sample before the period: it starts from the configured starting cash.');
  if (rows.length === 0) notes.push('The journal holds no equity sample in this period.');
  const last = rows[rows.length - 1];
  if (last !== undefined && last.openPositions > 0) notes.push(`${last.openPositions} position(s) were open at the end of the period: their P&L is in the equity figures, not in the trade figures.`);
  return {
    title: 'Tester report: trading period',
    source: 'period',
    accountCurrency: account.accountCurrency,
    info: [
      ['Source', `journal ${journal.path}`],
      ['Requested period', `${fmt(from) ?? 'start of the journal'} to ${fmt(to) ?? 'end of the journal'} (end exclusive)`],
      ...(rebuilt !== null ? [['Events replayed', String(rebuilt.eventsReplayed)] as [string, string]] : []),
    ],
    tester: {
      initialDeposit,
      initialEquity,
      trades,
      curve: { ts: rows.map((r) => r.ts), equity: rows.map((r) => r.equity), balance: rows.map((r) => r.cash) },
    },
    notes,
  };
}

function at(obj: unknown, ...path: string[]): unknown {
  let cur = obj;
  for (const p of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

/** The report input of the backtest run `runId` stored in the journal. */
export function storedRunInput(journal: Journal, runId: number): TesterReportInput {
  if (!Number.isSafeInteger(runId)) throw new EngineError(REPORT_UNKNOWN_RUN, `backtest run id must be an integer, got ${runId}`);
  const run = journal.backtestRuns().find((r) => r.id === runId);
  if (run === undefined) throw new EngineError(REPORT_UNKNOWN_RUN, `the journal holds no backtest run ${runId}`);
  const cashCfg = at(run.config, 'account', 'starting_cash');
  const cashMetric = at(run.metrics, 'startingCash');
  let initialDeposit: Money;
  try {
    if (typeof cashCfg === 'string' || typeof cashCfg === 'number') initialDeposit = money(String(cashCfg));
    else if (typeof cashMetric === 'number' && Number.isFinite(cashMetric)) initialDeposit = money(cashMetric.toFixed(6));
    else throw new Error('neither config.account.starting_cash nor metrics.startingCash is recorded');
  } catch (e) {
    throw new EngineError(REPORT_BAD_RUN, `backtest run ${runId}: no usable starting cash (${e instanceof Error ? e.message : String(e)})`);
  }
  if (initialDeposit <= 0) throw new EngineError(REPORT_BAD_RUN, `backtest run ${runId}: starting cash must be > 0`);
  const trades = journal.backtestTrades(runId);
  const currency = at(run.config, 'account', 'currency');
  const strategy = at(run.config, 'strategy', 'name');
  const info: [string, string][] = [
    ['Source', `backtest run ${runId} in journal ${journal.path}`],
    ['Run', run.name],
    ['Bars', String(run.bars)],
  ];
  if (typeof strategy === 'string') info.push(['Strategy', strategy]);
  return {
    title: `Tester report: ${run.name}`,
    source: 'backtest',
    accountCurrency: typeof currency === 'string' ? currency : 'USD',
    info,
    tester: { initialDeposit, trades, curve: balanceCurveFromTrades(initialDeposit, trades) },
    notes: [
      'The journal stores a backtest’s trades and metrics, not its equity curve: the balance after each closed trade stands for the equity and balance curves, so equity drawdowns, daily ratios, VaR and expected shortfall are those of the closed-trade balance. A report made when the run finishes (or from its output folder) has the full curve.',
    ],
  };
}
