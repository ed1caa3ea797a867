/**
 * The journal on a real SQLite file with a real engine session: durability settings, every event
 * appended exactly, the client order id on disk before the venue sees the order (checked from a second
 * connection inside the venue's submit), write failures fatal, queries, CSV export, config audit and
 * backtest runs.
 */
import { readFileSync} from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SimClock } from '../../../../engine/core/clock';
import { moneyToNumber } from '../../../../engine/core/money';
import type { EngineError } from '../../../../engine/core/errors';
import type { Order } from '../../../../engine/core/order';
import { Journal, toCsv } from '../../../../engine/node/journal/journal';
import { runBacktest } from '../../../../engine/backtest/run-backtest';
import { validateConfig } from '../../../../engine/runtime/config';
import { TradingEngine } from '../../../../engine/runtime/trading-engine';
import { SimulatedVenue, type SimulatedVenueOptions } from '../../../../engine/sim';
import { AAA, BAR_MS, EngineHarness, NO_LIMITS, T0, bar } from '../../runtime/engine-harness';
import { runSession, useTempJournal } from './session';

let dir: string;
let path: string;
const open: Journal[] = [];
useTempJournal(open, (d, p) => {
  dir = d;
  path = p;
});

function journal(onFatal?: (e: EngineError) => void): Journal {
  const j = new Journal({ path, ...(onFatal ? { onFatal } : {}) });
  open.push(j);
  return j;
}

/** A second connection, as another process would read the file: it sees committed data only. */
function reader(): Database.Database {
  return new Database(path, { readonly: true, fileMustExist: true });
}

describe('Journal: durability and appends', () => {
  it('runs in WAL mode with synchronous = FULL, in the data directory it creates', () => {
    const j = journal();
    expect(j.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(j.db.pragma('synchronous', { simple: true })).toBe(2); // FULL
  });

  it('appends every event of a session, in sequence, with its exact JSON (integers stay integers)', () => {
    const j = journal();
    const h = runSession(j);
    const stored = [...j.records()].map((r) => r.event);
    // the bus publishes nested events depth-first (PositionOpened before the OrderFilled that caused
    // it finishes publishing): the journal's order is the kernel's id order
    const byId = [...h.events].sort((a, b) => a.id - b.id);
    expect(stored).toEqual(JSON.parse(JSON.stringify(byId)));
    expect(stored.map((e) => e.id)).toEqual(h.events.map((_, i) => i + 1));
    for (const f of j.query('fills').rows) {
      for (const v of f) if (typeof v === 'number') expect(Number.isSafeInteger(v)).toBe(true);
    }
    // everything is committed: a second connection sees all of it
    const db = reader();
    expect(db.prepare('SELECT COUNT(*) AS n FROM events').get()).toEqual({ n: h.events.length });
    const row = db.prepare("SELECT client_order_id, instrument_id FROM events WHERE type = 'OrderInitialized' ORDER BY seq LIMIT 1").get();
    expect(row).toEqual({ client_order_id: 'T-1', instrument_id: 'AAA' });
    db.close();
  });

  it('keeps a batch invisible to other connections until commit', () => {
    const j = journal();
    const h = new EngineHarness({ startStrategies: false });
    j.attach(h.engine);
    j.begin();
    h.engine.killSwitch.halt('x', 'user:test');
    const db = reader();
    expect(db.prepare('SELECT COUNT(*) AS n FROM events').get()).toEqual({ n: 0 });
    j.commit();
    expect(db.prepare('SELECT COUNT(*) AS n FROM events').get()).toEqual({ n: h.events.length });
    db.close();
    expect(() => {
      j.begin();
      j.begin();
    }).toThrow(expect.objectContaining({ code: 'journal.nested_batch' }));
  });

  it('commits OrderInitialized to disk before the venue submit is called, even inside a batch', () => {
    const j = journal();
    const seen: { id: string; onDisk: string[] }[] = [];
    class CheckingVenue extends SimulatedVenue {
      override submit(order: Readonly<Order>): void {
        const db = reader();
        const types = db.prepare('SELECT type FROM events WHERE client_order_id = ? ORDER BY seq').pluck().all(order.clientOrderId) as string[];
        db.close();
        seen.push({ id: order.clientOrderId, onDisk: types });
        super.submit(order);
      }
    }
    const { config, strategies } = validateConfig(NO_LIMITS);
    const clock = new SimClock(T0);
    const opts: SimulatedVenueOptions = { instruments: (id) => (id === 'AAA' ? AAA : undefined), clock };
    const engine = new TradingEngine({ clock, venue: new CheckingVenue(opts), instruments: [AAA], config, strategies, idPrefix: 'S' });
    j.attach(engine);
    const step = (px: number, ts: number) =>
      j.batch(() => {
        clock.advanceTo(ts + BAR_MS);
        engine.onBar(bar('AAA', ts, BAR_MS, px, px, px, px));
        engine.endOfTimestamp(ts + BAR_MS);
      });
    step(100, T0);
    j.batch(() => engine.orders.submit('manual', { instrumentId: 'AAA', side: 'BUY', qty: 10, type: 'MARKET', bracket: { stopLossDistance: 100, takeProfitDistance: 100 } }));
    step(100, T0 + BAR_MS); // fills; the bracket children are submitted inside this batch, from the fill handler
    expect(seen.map((s) => s.id)).toEqual(['S-1', 'S-2', 'S-3']);
    for (const s of seen) expect(s.onDisk).toEqual(['OrderInitialized', 'OrderSubmitted']);
  });

  it('treats a write error as fatal: journal.write_failed, onFatal once, the batch rolled back, every later write refused', () => {
    const fatal: EngineError[] = [];
    const j = journal((e) => fatal.push(e));
    const h = new EngineHarness({ startStrategies: false });
    j.attach(h.engine);
    j.batch(() => h.flat(100));
    j.batch(() => h.submit({ instrumentId: 'AAA', side: 'BUY', qty: 10, type: 'MARKET' }));
    const before = j.eventCount();
    // a real SQLite error on the next fill row (as a full disk or an I/O error would raise one)
    const db = new Database(path);
    db.exec("CREATE TRIGGER boom BEFORE INSERT ON events WHEN NEW.type = 'OrderFilled' BEGIN SELECT RAISE(ABORT, 'simulated I/O error'); END");
    db.close();
    expect(() => j.batch(() => h.flat(100))).toThrow(expect.objectContaining({ code: 'journal.write_failed' }));
    expect(fatal).toHaveLength(1);
    expect(fatal[0]!.message).toMatch(/simulated I\/O error/);
    expect(j.failed).toBe(fatal[0]);
    expect(j.inBatch).toBe(false);
    expect(j.eventCount()).toBe(before);
    expect(() => j.begin()).toThrow(expect.objectContaining({ code: 'journal.write_failed' }));
    expect(() => j.commit()).toThrow(expect.objectContaining({ code: 'journal.write_failed' }));
    expect(() => j.recordConfigChange({ path: 'a', old: 1, new: 2, source: 'desktop', ts: 1 })).toThrow(expect.objectContaining({ code: 'journal.write_failed' }));
    expect(() => h.engine.killSwitch.halt('after', 'user:test')).toThrow(expect.objectContaining({ code: 'journal.write_failed' }));
    expect(fatal).toHaveLength(1);
  });
});

describe('Journal: queries and exports', () => {
  it('answers the views: orders, fills, positions, equity, risk events', () => {
    const j = journal();
    const h = runSession(j);
    expect(j.orders()).toEqual(h.orders());
    const orders = j.query('orders');
    expect(orders.rows).toHaveLength(h.orders().length);
    expect(orders.rows[0]![orders.columns.indexOf('clientOrderId')]).toBe('T-1');

    const fills = j.query('fills');
    expect(fills.rows).toHaveLength(h.of('OrderFilled').length);
    const f0 = h.of('OrderFilled')[0]!;
    const r0 = Object.fromEntries(fills.columns.map((c, i) => [c, fills.rows[0]![i]]));
    expect(r0).toMatchObject({ seq: f0.id, client_order_id: f0.clientOrderId, qty: f0.lastQty, px_ticks: f0.lastPx, fee: f0.fee, side: f0.side });
    expect(j.query('fills', { instrumentId: 'BBB' }).rows.length).toBe(h.of('OrderFilled').filter((e) => e.instrumentId === 'BBB').length);

    const pos = j.query('positions');
    expect(pos.rows).toHaveLength(h.events.filter((e) => e.type.startsWith('Position')).length);

    const curve = h.engine.portfolio.equityCurve();
    const samples = j.equityCurve();
    expect(samples.map((s) => s.ts)).toEqual(Array.from(curve.ts));
    // the journal keeps micro-units (integers); the in-memory curve holds account-currency floats
    expect(samples.map((s) => moneyToNumber(s.equity))).toEqual(Array.from(curve.equity));
    expect(samples.map((s) => moneyToNumber(s.cash))).toEqual(Array.from(curve.cash));
    for (const s of samples) expect(Number.isSafeInteger(s.equity)).toBe(true);

    const risk = j.query('risk_events');
    const types = risk.rows.map((r) => r[risk.columns.indexOf('type')]);
    expect(types).toEqual(['KillSwitchActivated', 'TradingStateChanged', 'OrderDenied']);
    expect(risk.rows[1]![risk.columns.indexOf('code')]).toBe('ACTIVE->HALTED');
    expect(j.lastPrices().map((p) => p.instrumentId)).toEqual(['AAA', 'BBB', 'CCC']);
  });

  it('exports any query as CSV with quoting', () => {
    const j = journal();
    runSession(j);
    j.recordConfigChange({ path: 'strategy.note', old: 'a,b', new: 'say "hi"', source: 'desktop', ts: 5 });
    for (const name of ['orders', 'fills', 'positions', 'equity', 'risk_events', 'config_history', 'backtest_runs', 'events'] as const) {
      const file = join(dir, `${name}.csv`);
      const n = j.exportCsv(name, file);
      const text = readFileSync(file, 'utf8');
      expect(text).toBe(toCsv(j.query(name)));
      expect(text.split('\n').length).toBeGreaterThanOrEqual(n + 2);
    }
    expect(readFileSync(join(dir, 'config_history.csv'), 'utf8')).toBe('id,ts,path,old_value,new_value,source\n1,5,strategy.note,"""a,b""","""say \\""hi\\""""",desktop\n');
  });

  it('records configuration changes: what, old -> new, when, from which face', () => {
    const j = journal();
    j.recordConfigChange({ path: 'risk.max_leverage', old: 2, new: 3, source: 'desktop', ts: 1_000 });
    j.recordConfigChange({ path: 'risk.guards.daily_loss.limit_pct', old: 3, new: null, source: 'remote', ts: 2_000 });
    j.recordConfigChange({ path: 'risk.max_leverage', old: 3, new: 1.5, source: 'file', ts: 3_000 });
    expect(j.configHistory('risk.max_leverage')).toEqual([
      { id: 1, ts: 1_000, path: 'risk.max_leverage', old: 2, new: 3, source: 'desktop' },
      { id: 3, ts: 3_000, path: 'risk.max_leverage', old: 3, new: 1.5, source: 'file' },
    ]);
    expect(j.configHistory()).toHaveLength(3);
    expect(j.configHistory()[1]).toMatchObject({ old: 3, new: null, source: 'remote' });
  });

  it('stores backtest runs with their configuration, metrics and trades', () => {
    const j = journal();
    const { config, strategies } = validateConfig({ ...NO_LIMITS, strategy: { name: 'ema_cross', fast: 3, slow: 8 } });
    const bars = Array.from({ length: 400 }, (_, i) => {
      const px = 100 + 5 * Math.sin(i / 9);
      return bar('AAA', T0 + i * BAR_MS, BAR_MS, px, px + 0.2, px - 0.2, px);
    });
    const res = runBacktest({ bars, instruments: [AAA], config, strategies });
    expect(res.trades.length).toBeGreaterThan(2);
    const id = j.recordBacktestRun({ name: 'ema 3/8', startedAt: 1, finishedAt: 2, config, metrics: res.metrics, bars: res.barsProcessed, trades: res.trades });
    const runs = j.backtestRuns();
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ id, name: 'ema 3/8', bars: 400, tradeCount: res.trades.length });
    expect(runs[0]!.metrics).toEqual(JSON.parse(JSON.stringify(res.metrics)));
    expect(runs[0]!.config).toEqual(JSON.parse(JSON.stringify(config)));
    expect(j.backtestTrades(id)).toEqual(res.trades);
    expect(j.query('backtest_trades', { runId: id }).rows).toHaveLength(res.trades.length);
  });
});
