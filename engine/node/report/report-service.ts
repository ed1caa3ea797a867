/**
 * The report service the engine host hands to the protocol (`createEngineProtocol({reports})`), which
 * answers `report.tester`:
 *
 *   {source: 'period', from?, to?}   the live / paper period [from, to) of the engine's journal
 *   {source: 'backtest', runId}      a backtest: one remembered by this process (`rememberBacktest`,
 *                                    e.g. a `backtest.run` result, with its full equity curve), else a
 *                                    run stored in the journal (`runId` = its integer id)
 *
 * The journal is the engine's open `Journal` (reads share its connection, so they see every event the
 * engine has appended) or a path, opened for each request and closed after it. The account the
 * journal's trades are rebuilt with (instruments, currency, starting cash) is a value or a function
 * asked at each request. The work is synchronous on the caller's thread (SQLite reads and, unless the
 * host passes `trades`, one rebuild of the journal); the promise is for hosts that move it elsewhere.
 *
 * Errors keep their codes: `report.bad_period`, `report.unknown_run`, `report.bad_run`,
 * `report.no_journal` (a path with no journal file), `report.invalid_input`.
 */
import { existsSync } from 'node:fs';
import { EngineError } from '../../core/errors';
import type { Money } from '../../core/money';
import type { BacktestResult } from '../../backtest/run-backtest';
import { testerInputFromBacktest } from '../../backtest/tester-report-input';
import { buildTesterReport, type TesterReportInput } from '../../backtest/tester-report';
import type { TradeRecord } from '../../portfolio/types';
import { Journal } from '../journal/journal';
import { periodInput, storedRunInput, REPORT_UNKNOWN_RUN, type AccountSpec } from './journal-reports';

export const REPORT_NO_JOURNAL = 'report.no_journal';

export type TesterArgs = { source: 'period'; from?: number | undefined; to?: number | undefined } | { source: 'backtest'; runId: string };

export interface ReportServiceOptions {
  journal: Journal | string;
  account: AccountSpec | (() => AccountSpec);
  /** Wall clock for the "generated" line (default Date.now). */
  now?: () => number;
  /** Backtests remembered by `rememberBacktest` (default 20; the oldest is dropped). */
  maxBacktests?: number;
  /**
   * The journal's closed trades, when the host holds them: a live engine whose portfolio was restored
   * from this journal (engine/node/paper/restore-session.ts) has exactly them in `portfolio.trades()`.
   * Saves replaying the whole journal on the engine's thread for each period report. Absent: rebuilt.
   */
  trades?: () => readonly TradeRecord[];
}

export interface BacktestRunInfo {
  /** e.g. the strategy id; used in the title. */
  name: string;
  accountCurrency: string;
  /** Extra header rows. */
  info?: readonly (readonly [string, string])[];
}

export interface ReportService {
  tester(args: TesterArgs): Promise<{ title: string; html: string }>;
  /** Keeps a finished backtest (its trades and full equity curve) for `{source: 'backtest', runId}`. */
  rememberBacktest(runId: string, result: Pick<BacktestResult, 'trades' | 'equity'>, startingCash: Money, info: BacktestRunInfo): void;
}

/** Opens the journal at `path` for one read, or `report.no_journal`. */
export function withJournal<T>(journal: Journal | string, fn: (j: Journal) => T): T {
  if (typeof journal !== 'string') return fn(journal);
  if (!existsSync(journal)) throw new EngineError(REPORT_NO_JOURNAL, `${journal}: no journal (journal.sqlite) there`);
  const j = new Journal({ path: journal });
  try {
    return fn(j);
  } finally {
    j.close();
  }
}

export function createReportService(opts: ReportServiceOptions): ReportService {
  const now = opts.now ?? Date.now;
  const account = () => (typeof opts.account === 'function' ? opts.account() : opts.account);
  const maxBacktests = opts.maxBacktests ?? 20;
  const backtests = new Map<string, TesterReportInput>();

  const inputFor = (args: TesterArgs): TesterReportInput => {
    if (args.source === 'period') return withJournal(opts.journal, (j) => periodInput(j, account(), { from: args.from, to: args.to }, opts.trades?.()));
    const kept = backtests.get(args.runId);
    if (kept) return kept;
    if (!/^\d{1,15}$/.test(args.runId)) throw new EngineError(REPORT_UNKNOWN_RUN, `no backtest run "${args.runId}" (not one of this session's, and not a stored run id)`);
    return withJournal(opts.journal, (j) => storedRunInput(j, Number(args.runId)));
  };

  return {
    tester: (args) => {
      try {
        const r = buildTesterReport({ ...inputFor(args), generatedAt: now() });
        return Promise.resolve({ title: r.title, html: r.html });
      } catch (e) {
        return Promise.reject(e instanceof Error ? e : new Error(String(e)));
      }
    },
    rememberBacktest: (runId, result, startingCash, info) => {
      const input: TesterReportInput = {
        title: `Tester report: ${info.name} (${runId})`,
        source: 'backtest',
        accountCurrency: info.accountCurrency,
        info: [['Run', runId], ...(info.info ?? [])],
        tester: testerInputFromBacktest(result, startingCash),
      };
      backtests.delete(runId);
      backtests.set(runId, input);
      while (backtests.size > maxBacktests) backtests.delete(backtests.keys().next().value as string);
    },
  };
}
