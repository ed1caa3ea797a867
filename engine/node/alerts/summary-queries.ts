/**
 * What a daily / weekly summary needs from the journal (engine/node/journal), read with this module's
 * own SQL on the journal's connection (`journal.db`); the figures are computed by
 * engine/runtime/alerts/summary.ts. Times are the journal's event times (`ts_event`, the equity
 * samples' `ts`): wall time in live and practice sessions, the replay's market time in a replayed
 * paper session.
 *
 * Every read is one indexed range or a filtered scan of one event type (`events_type` index) and runs
 * outside the engine's inputs (in the scheduler's timer or a Telegram command), never on the trading path.
 */
import type Database from 'better-sqlite3';
import { computeSummary, type EquityRow, type RiskEventRow, type Summary, type SummaryData } from '../../runtime/alerts/summary';
import type { Period, SummaryKind } from '../../runtime/alerts/schedule';

interface EqRow {
  ts: number;
  equity: number;
  grossExposure: number;
  openPositions: number;
}

export function readSummaryData(db: Database.Database, period: Period, currency: string): SummaryData {
  const eq = (r: EqRow | undefined): EquityRow | null => (r === undefined ? null : { ts: r.ts, equity: r.equity, grossExposure: r.grossExposure, openPositions: r.openPositions });
  const cols = 'ts, equity, gross_exposure AS grossExposure, open_positions AS openPositions';
  const before = eq(db.prepare(`SELECT ${cols} FROM equity_samples WHERE ts <= ? ORDER BY ts DESC LIMIT 1`).get(period.from) as EqRow | undefined);
  const samples = (db.prepare(`SELECT ${cols} FROM equity_samples WHERE ts > ? AND ts <= ? ORDER BY ts`).all(period.from, period.to) as EqRow[]).map((r) => eq(r)!);
  const peak = (db.prepare('SELECT MAX(equity) AS p FROM equity_samples WHERE ts <= ?').get(period.to) as { p: number | null }).p;
  const closedTrades = (
    db
      .prepare(
        "SELECT ts_event AS ts, instrument_id AS instrumentId, json_extract(payload, '$.totalRealizedPnl') AS pnl FROM events WHERE type = 'PositionClosed' AND ts_event > ? AND ts_event <= ? ORDER BY seq",
      )
      .all(period.from, period.to) as { ts: number; instrumentId: string; pnl: number }[]
  ).map((r) => ({ ts: r.ts, instrumentId: r.instrumentId, pnl: r.pnl }));
  const fees = db
    .prepare('SELECT fee_currency AS currency, COUNT(*) AS n, COALESCE(SUM(fee), 0) AS amount FROM fills WHERE ts_event > ? AND ts_event <= ? GROUP BY fee_currency ORDER BY fee_currency')
    .all(period.from, period.to) as { currency: string; n: number; amount: number }[];
  const riskEvents = db
    .prepare('SELECT ts_event AS ts, type, COALESCE(code, \'\') AS code, reason, source FROM risk_events WHERE ts_event > ? AND ts_event <= ? ORDER BY seq')
    .all(period.from, period.to) as RiskEventRow[];
  return {
    currency,
    before,
    samples,
    peakEquity: peak,
    closedTrades,
    fills: fees.reduce((s, f) => s + f.n, 0),
    fees: fees.filter((f) => f.amount !== 0).map((f) => ({ currency: f.currency, amount: f.amount })),
    riskEvents,
  };
}

export function summaryFromJournal(db: Database.Database, kind: SummaryKind, period: Period, currency: string): Summary {
  return computeSummary(kind, period, readSummaryData(db, period, currency));
}
