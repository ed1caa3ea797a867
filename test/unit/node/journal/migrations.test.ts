/**
 * Each migration starts from the previous version's schema with data in it and must keep that data.
 * Real SQLite files in a temp directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Journal } from '../../../../engine/node/journal/journal';
import { MIGRATIONS, SCHEMA_VERSION, migrate, schemaVersion } from '../../../../engine/node/journal/schema';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'journal-mig-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function dbAt(version: number): Database.Database {
  const db = new Database(join(dir, `v${version}.sqlite`));
  db.pragma('journal_mode = WAL');
  expect(migrate(db, version)).toBe(version);
  return db;
}

const FILL = {
  id: 7,
  type: 'OrderFilled',
  tsEvent: 1_700_000_000_000,
  tsInit: 1_700_000_000_001,
  clientOrderId: 'T-1',
  venueOrderId: 'V-1',
  tradeId: 'X-1',
  strategyId: 's',
  instrumentId: 'AAA',
  side: 'BUY',
  lastQty: 10,
  lastPx: 10_012,
  fee: 9_007_199_254_740,
  feeCurrency: 'USD',
  slippage: 0,
  liquidity: 'TAKER',
  leavesQty: 0,
};

function insertV1Event(db: Database.Database): void {
  db.prepare('INSERT INTO events (seq, type, ts_event, ts_init, client_order_id, instrument_id, payload) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    FILL.id,
    FILL.type,
    FILL.tsEvent,
    FILL.tsInit,
    FILL.clientOrderId,
    FILL.instrumentId,
    JSON.stringify(FILL),
  );
}

describe('journal migrations', () => {
  it('are numbered 1..n in order and end at SCHEMA_VERSION', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  it('v1 creates an append-only events table and records itself', () => {
    const db = dbAt(1);
    insertV1Event(db);
    expect(() => db.prepare('UPDATE events SET type = ? WHERE seq = 7').run('X')).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM events').run()).toThrow(/append-only/);
    expect(db.prepare('SELECT version, name FROM schema_migrations').all()).toEqual([{ version: 1, name: 'events' }]);
    expect(schemaVersion(db)).toBe(1);
    db.close();
  });

  it('v1 -> v2 keeps events; the fills view reads them; context and samples are new', () => {
    const db = dbAt(1);
    insertV1Event(db);
    migrate(db, 2);
    expect(schemaVersion(db)).toBe(2);
    const row = db.prepare('SELECT seq, payload, context FROM events').get() as { seq: number; payload: string; context: string | null };
    expect(row.seq).toBe(7);
    expect(JSON.parse(row.payload)).toEqual(FILL);
    expect(row.context).toBeNull();
    expect(db.prepare('SELECT client_order_id, qty, px_ticks, fee FROM fills').get()).toEqual({ client_order_id: 'T-1', qty: 10, px_ticks: 10_012, fee: 9_007_199_254_740 });
    db.prepare('INSERT INTO equity_samples VALUES (1, 2, 3, 4, 5, 6)').run();
    db.prepare('INSERT INTO last_prices VALUES (?, ?, ?)').run('AAA', 100.12, 1);
    db.close();
  });

  it('v2 -> v3 keeps events, context, equity samples and prices; adds the config audit', () => {
    const db = dbAt(2);
    db.prepare('INSERT INTO events (seq, type, ts_event, ts_init, client_order_id, instrument_id, payload, context) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
      7, 'OrderFilled', FILL.tsEvent, FILL.tsInit, 'T-1', 'AAA', JSON.stringify(FILL), '{"USD_JPY":150.1}',
    );
    db.prepare('INSERT INTO equity_samples VALUES (1000, 2, 3, 4, 5, 7)').run();
    db.prepare('INSERT INTO last_prices VALUES (?, ?, ?)').run('AAA', 100.12, 1000);
    migrate(db, 3);
    expect(schemaVersion(db)).toBe(3);
    expect(db.prepare('SELECT seq, context FROM events').all()).toEqual([{ seq: 7, context: '{"USD_JPY":150.1}' }]);
    expect(db.prepare('SELECT * FROM equity_samples').all()).toEqual([{ ts: 1000, equity: 2, cash: 3, gross_exposure: 4, open_positions: 5, last_seq: 7 }]);
    expect(db.prepare('SELECT * FROM last_prices').all()).toEqual([{ instrument_id: 'AAA', price: 100.12, ts: 1000 }]);
    db.prepare('INSERT INTO config_audit (ts, path, old_value, new_value, source) VALUES (1, ?, ?, ?, ?)').run('risk.max_leverage', '2', '3', 'desktop');
    db.close();
  });

  it('v3 -> v4 keeps the config audit and events; adds backtest runs and trades', () => {
    const db = dbAt(3);
    insertV1Event(db);
    db.prepare('INSERT INTO config_audit (ts, path, old_value, new_value, source) VALUES (5, ?, ?, ?, ?)').run('risk.max_leverage', '2', '3', 'desktop');
    migrate(db, 4);
    expect(schemaVersion(db)).toBe(4);
    expect(db.prepare('SELECT ts, path, old_value, new_value, source FROM config_audit').all()).toEqual([
      { ts: 5, path: 'risk.max_leverage', old_value: '2', new_value: '3', source: 'desktop' },
    ]);
    expect(db.prepare('SELECT COUNT(*) AS n FROM fills').get()).toEqual({ n: 1 });
    const id = db.prepare("INSERT INTO backtest_runs (name, started_at, finished_at, config, metrics, bars, trade_count) VALUES ('r', 1, 2, '{}', '{}', 3, 0)").run().lastInsertRowid;
    expect(Number(id)).toBe(1);
    db.close();
  });

  it('v4 -> v5 keeps events and drops the indexes no query uses (events_instrument, events_client_order)', () => {
    const db = dbAt(4);
    insertV1Event(db);
    const indexes = () => db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL ORDER BY name").pluck().all();
    expect(indexes()).toEqual(['events_client_order', 'events_instrument', 'events_type']);
    migrate(db, 5);
    expect(schemaVersion(db)).toBe(5);
    expect(indexes()).toEqual(['events_type']);
    expect(db.prepare('SELECT seq, instrument_id FROM events').all()).toEqual([{ seq: 7, instrument_id: 'AAA' }]);
    expect(db.prepare("SELECT COUNT(*) AS n FROM fills WHERE instrument_id = 'AAA'").get()).toEqual({ n: 1 });
    const plan = (q: string) => (db.prepare(`EXPLAIN QUERY PLAN ${q}`).all() as { detail: string }[]).map((r) => r.detail).join(' | ');
    expect(plan('SELECT * FROM fills')).toMatch(/INDEX events_type/);
    expect(plan('SELECT * FROM risk_events')).toMatch(/INDEX events_type/);
    expect(db.prepare("SELECT seq FROM events WHERE client_order_id = 'T-1' ORDER BY seq").pluck().all()).toEqual([7]);
    db.close();
  });

  it('a Journal opens an old journal, migrates it to the latest version and keeps its events', () => {
    const path = join(dir, 'old.sqlite');
    const db = new Database(path);
    migrate(db, 1);
    insertV1Event(db);
    db.close();
    const j = new Journal({ path });
    try {
      expect(schemaVersion(j.db)).toBe(SCHEMA_VERSION);
      expect(j.lastSeq()).toBe(7);
      expect([...j.records()].map((r) => r.event)).toEqual([FILL]);
      expect((j.db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all() as number[])).toEqual(MIGRATIONS.map((m) => m.version));
    } finally {
      j.close();
    }
  });

  it('refuses a journal written by a newer build', () => {
    const path = join(dir, 'new.sqlite');
    const db = new Database(path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => new Journal({ path })).toThrow(expect.objectContaining({ code: 'journal.schema_too_new' }));
  });
});
