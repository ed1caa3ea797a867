/**
 * The journal's schema, as an ordered list of forward migrations. The database's version is
 * `PRAGMA user_version`; `schema_migrations` keeps one row per applied migration (version, name, when)
 * for people reading the file. `migrate` applies, each in its own transaction, every migration above
 * the current version (up to `target`), so a journal written by an older build opens in a newer one.
 * Migrations are never edited once released: a change is a new migration, and each has a test that
 * starts from the previous version with data in it (test/unit/node/journal/migrations.test.ts).
 * A journal newer than this build is refused (`journal.schema_too_new`): never write what we cannot read.
 */
import type Database from 'better-sqlite3';
import { EngineError } from '../../core/errors';

export interface Migration {
  version: number;
  name: string;
  up(db: Database.Database): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'events',
    up(db) {
      db.exec(`
        CREATE TABLE schema_migrations (
          version    INTEGER PRIMARY KEY,
          name       TEXT NOT NULL,
          applied_at INTEGER NOT NULL
        );
        -- Append-only: seq is the kernel's event id. payload is the whole event as JSON (money and
        -- ticks are safe integers, so JSON keeps them exact).
        CREATE TABLE events (
          seq             INTEGER PRIMARY KEY,
          type            TEXT NOT NULL,
          ts_event        INTEGER NOT NULL,
          ts_init         INTEGER NOT NULL,
          client_order_id TEXT,
          instrument_id   TEXT,
          payload         TEXT NOT NULL
        );
        CREATE INDEX events_type ON events (type, seq);
        CREATE INDEX events_client_order ON events (client_order_id, seq) WHERE client_order_id IS NOT NULL;
        CREATE INDEX events_instrument ON events (instrument_id, seq) WHERE instrument_id IS NOT NULL;
        CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'journal events are append-only'); END;
        CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'journal events are append-only'); END;
      `);
    },
  },
  {
    version: 2,
    name: 'rebuild context, equity samples, last prices, views',
    up(db) {
      db.exec(`
        -- Prices a fill's accounting used (conversion instruments), {instrumentId: price}, so a rebuild
        -- converts at the same rates as the live engine did.
        ALTER TABLE events ADD COLUMN context TEXT;
        CREATE TABLE equity_samples (
          ts             INTEGER PRIMARY KEY,
          equity         INTEGER NOT NULL,
          cash           INTEGER NOT NULL,
          gross_exposure INTEGER NOT NULL,
          open_positions INTEGER NOT NULL,
          last_seq       INTEGER NOT NULL
        );
        -- Latest price per instrument (bar close or quote mid), for marks after a rebuild.
        CREATE TABLE last_prices (
          instrument_id TEXT PRIMARY KEY,
          price         REAL NOT NULL,
          ts            INTEGER NOT NULL
        );
        CREATE VIEW fills AS
          SELECT seq, ts_event, client_order_id, instrument_id,
                 json_extract(payload, '$.tradeId') AS trade_id,
                 json_extract(payload, '$.venueOrderId') AS venue_order_id,
                 json_extract(payload, '$.strategyId') AS strategy_id,
                 json_extract(payload, '$.side') AS side,
                 json_extract(payload, '$.lastQty') AS qty,
                 json_extract(payload, '$.lastPx') AS px_ticks,
                 json_extract(payload, '$.fee') AS fee,
                 json_extract(payload, '$.feeCurrency') AS fee_currency,
                 json_extract(payload, '$.slippage') AS slippage,
                 json_extract(payload, '$.liquidity') AS liquidity,
                 json_extract(payload, '$.leavesQty') AS leaves_qty
          FROM events WHERE type = 'OrderFilled';
        CREATE VIEW position_history AS
          SELECT seq, ts_event, instrument_id, type,
                 CASE type WHEN 'PositionClosed' THEN 0 ELSE json_extract(payload, '$.qty') END AS qty,
                 CASE type WHEN 'PositionClosed' THEN NULL ELSE json_extract(payload, '$.avgPx') END AS avg_px,
                 COALESCE(json_extract(payload, '$.realizedPnl'), 0) AS realized_pnl,
                 json_extract(payload, '$.totalRealizedPnl') AS total_realized_pnl
          FROM events WHERE type IN ('PositionOpened', 'PositionChanged', 'PositionClosed');
        CREATE VIEW risk_events AS
          SELECT seq, ts_event, type, client_order_id, instrument_id,
                 CASE type
                   WHEN 'RiskLimitBreached' THEN json_extract(payload, '$.guard')
                   WHEN 'TradingStateChanged' THEN json_extract(payload, '$.from') || '->' || json_extract(payload, '$.to')
                   WHEN 'KillSwitchActivated' THEN json_extract(payload, '$.action')
                   ELSE json_extract(payload, '$.code')
                 END AS code,
                 COALESCE(json_extract(payload, '$.reason'), '') AS reason,
                 COALESCE(json_extract(payload, '$.source'), '') AS source,
                 payload
          FROM events WHERE type IN ('RiskLimitBreached', 'OrderDenied', 'OrderModifyDenied', 'TradingStateChanged', 'KillSwitchActivated');
      `);
    },
  },
  {
    version: 3,
    name: 'config audit',
    up(db) {
      db.exec(`
        CREATE TABLE config_audit (
          id        INTEGER PRIMARY KEY AUTOINCREMENT,
          ts        INTEGER NOT NULL,
          path      TEXT NOT NULL,
          old_value TEXT,
          new_value TEXT,
          source    TEXT NOT NULL
        );
        CREATE INDEX config_audit_path ON config_audit (path, id);
      `);
    },
  },
  {
    version: 4,
    name: 'backtest runs',
    up(db) {
      db.exec(`
        CREATE TABLE backtest_runs (
          id          INTEGER PRIMARY KEY AUTOINCREMENT,
          name        TEXT NOT NULL,
          started_at  INTEGER NOT NULL,
          finished_at INTEGER NOT NULL,
          config      TEXT NOT NULL,
          metrics     TEXT NOT NULL,
          bars        INTEGER NOT NULL,
          trade_count INTEGER NOT NULL
        );
        CREATE TABLE backtest_trades (
          run_id      INTEGER NOT NULL REFERENCES backtest_runs (id) ON DELETE CASCADE,
          idx         INTEGER NOT NULL,
          instrument_id TEXT NOT NULL,
          direction   TEXT NOT NULL,
          qty         INTEGER NOT NULL,
          entry_ts    INTEGER NOT NULL,
          entry_px    REAL NOT NULL,
          exit_ts     INTEGER NOT NULL,
          exit_px     REAL NOT NULL,
          pnl         INTEGER NOT NULL,
          gross_pnl   INTEGER NOT NULL,
          fees        INTEGER NOT NULL,
          exit_reason TEXT NOT NULL,
          PRIMARY KEY (run_id, idx)
        );
      `);
    },
  },
  {
    version: 5,
    name: 'drop the indexes no query uses',
    up(db) {
      // The append path paid for each of them on every event (one more b-tree insert, and more pages in
      // each commit's WAL frames: about a quarter of the CPU per event) and no query reads them: the
      // views filter on type (events_type stays), the orders replay scans in seq order, and a look-up
      // of one order's events (an audit, not a hot path) scans the table.
      db.exec('DROP INDEX IF EXISTS events_instrument; DROP INDEX IF EXISTS events_client_order;');
    },
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Applies the migrations above the current version, up to `target` (default: the latest), each in
 * its own transaction together with its `user_version` and `schema_migrations` row. Returns the new version.
 */
export function migrate(db: Database.Database, target = SCHEMA_VERSION, now: () => number = Date.now): number {
  const current = schemaVersion(db);
  if (current > SCHEMA_VERSION) {
    throw new EngineError('journal.schema_too_new', `journal schema version ${current} is newer than this build's ${SCHEMA_VERSION}`, { version: current });
  }
  for (const m of MIGRATIONS) {
    if (m.version <= current || m.version > target) continue;
    db.transaction(() => {
      m.up(db);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, now());
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return schemaVersion(db);
}
