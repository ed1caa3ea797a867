/**
 * The emergency flatten: what the desktop host does when the engine has not confirmed a kill-switch
 * flatten in time (ARCHITECTURE.md, "The kill switch must work when the engine is busy, wedged or
 * dead"). The engine process has been ended first; then the host, with no engine:
 *
 *   1. persists HALTED in the engine's trading-state file (so whatever happens next, the engine starts
 *      halted: the file is written before the venue is touched);
 *   2. asks an `EmergencyFlattener` to cancel every working order and close every position directly
 *      at the venue (the paper venue through its persisted store, OANDA through its REST API);
 *   3. journals what was done: KillSwitchActivated, FlattenCompleted (the flattener's report) and
 *      TradingStateChanged → HALTED, appended to the engine's journal after its last event (ids go
 *      on from the journal's last id; one transaction, synchronous = FULL), so the restarted engine
 *      rebuilds to HALTED and the views show the report.
 *
 * A flattener that cannot reach the venue (rejects, or overruns its time limit) still leaves a journal
 * record: a FlattenCompleted with status 'failed' and the reason as a failure with code
 * `emergency.venue_unreachable` / `emergency.timeout`. Nothing here swallows an error: every failed
 * step is in the returned outcome (`errors`), and the host shows it.
 */
import { join } from 'node:path';
import type { EngineEvent, TradingState } from '../../core/events';
import type { FlattenReport } from '../../core/flatten-report';
import { JOURNAL_FILE, Journal } from '../journal';
import { JsonTradingStateStore } from '../risk/json-trading-state-store';

/** The engine's trading-state file in its data dir (engine/node/main.ts STATE_FILE; a test checks they agree). */
export const TRADING_STATE_FILE = 'trading-state.json';

export interface EmergencyFlattenRequest {
  reason: string;
  /** Who asked: `desktop:menu`, `desktop:tray`, `desktop:shortcut`, `desktop:renderer`, ... */
  source: string;
  startedAt: number;
  /** Aborted when the host's time limit for the venue is over: stop sending and resolve with what is known. */
  signal: AbortSignal;
}

/**
 * The direct venue path, with no engine. Implementations: the paper venue's (against its persisted
 * venue store) and OANDA's (REST: cancel pending orders, close trades/positions).
 */
export interface EmergencyFlattener {
  /** Venue name for logs and reports: `paper`, `oanda`. */
  readonly venue: string;
  /**
   * Cancels every working order and closes every position at the venue. Resolves with the report
   * (status 'completed' when nothing is left open, 'failed' when something could not be closed, with
   * each failure listed); rejects only when the venue could not be used at all.
   */
  flatten(req: EmergencyFlattenRequest): Promise<FlattenReport>;
}

export const EMERGENCY_ERRORS = {
  venueUnreachable: 'emergency.venue_unreachable',
  timeout: 'emergency.timeout',
  stateFile: 'emergency.state_file_failed',
  journal: 'emergency.journal_failed',
} as const;

export interface EmergencyStepError {
  code: string;
  message: string;
}

/** A report for a flatten that could not run at all (the venue was unreachable or too slow). */
export function failedFlattenReport(req: { reason: string; source: string; startedAt: number }, code: string, message: string, now: number): FlattenReport {
  return {
    flattenId: 0,
    reason: req.reason,
    source: req.source,
    startedAt: req.startedAt,
    completedAt: now,
    status: 'failed',
    strategiesStopped: [],
    cancels: [],
    closes: [],
    failures: [{ ts: now, instrumentId: '*', clientOrderId: '', code, reason: message }],
    maxAttempts: 0,
  };
}

/** Runs the flattener with a time limit; never rejects (a failure becomes a 'failed' report). */
export async function runFlattener(
  flattener: EmergencyFlattener,
  req: { reason: string; source: string; startedAt: number },
  timeoutMs: number,
  now: () => number = Date.now,
): Promise<FlattenReport> {
  const ac = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const overrun = new Promise<FlattenReport>((resolve) => {
    timer = setTimeout(() => {
      ac.abort(new Error(`emergency flatten overran ${timeoutMs} ms`));
      resolve(failedFlattenReport(req, EMERGENCY_ERRORS.timeout, `the ${flattener.venue} venue did not finish the emergency flatten within ${timeoutMs} ms`, now()));
    }, timeoutMs);
  });
  try {
    return await Promise.race([
      flattener.flatten({ ...req, signal: ac.signal }).catch((err: unknown) =>
        failedFlattenReport(req, EMERGENCY_ERRORS.venueUnreachable, `${flattener.venue}: ${err instanceof Error ? err.message : String(err)}`, now()),
      ),
      overrun,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Persists HALTED in the engine's trading-state file (atomic write; see json-trading-state-store.ts). */
export function persistHalted(dataDir: string, reason: string, source: string, ts: number): void {
  new JsonTradingStateStore(join(dataDir, TRADING_STATE_FILE)).save({ state: 'HALTED', reason, source, ts });
}

export interface JournaledEmergency {
  /** Ids of the appended events, in order. */
  eventIds: number[];
}

/**
 * Appends the emergency flatten to the engine's journal (the engine must not be running: its process
 * has ended). Throws `journal.*` errors (the caller reports them).
 */
export function journalEmergencyFlatten(dataDir: string, report: FlattenReport, ts: number): JournaledEmergency {
  const journal = new Journal({ path: join(dataDir, JOURNAL_FILE) });
  try {
    const last = journal.db.prepare("SELECT payload FROM events WHERE type = 'TradingStateChanged' ORDER BY seq DESC LIMIT 1").get() as { payload: string } | undefined;
    const from: TradingState = last ? (JSON.parse(last.payload) as { to: TradingState }).to : 'ACTIVE';
    let id = journal.lastSeq();
    const events: EngineEvent[] = [
      { id: ++id, type: 'KillSwitchActivated', tsEvent: report.startedAt, tsInit: ts, action: 'flatten', reason: report.reason, source: report.source },
      { id: ++id, type: 'FlattenCompleted', tsEvent: report.completedAt ?? ts, tsInit: ts, report },
    ];
    if (from !== 'HALTED') {
      events.push({ id: ++id, type: 'TradingStateChanged', tsEvent: ts, tsInit: ts, from, to: 'HALTED', reason: report.reason, source: report.source });
    }
    journal.batch(() => {
      for (const e of events) journal.append(e);
    });
    return { eventIds: events.map((e) => e.id) };
  } finally {
    journal.close();
  }
}
