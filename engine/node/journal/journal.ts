/**
 * The engine's journal: every engine event, in order, in a SQLite file (better-sqlite3). It is the
 * source of truth on this side (docs: ARCHITECTURE.md): a restarted engine rebuilds its orders,
 * positions, cash, trading state and id counters from it (`rebuild.ts`), then reconciles with the venue.
 *
 * Durability. The database runs in WAL mode with `synchronous = FULL`: every COMMIT appends its pages
 * to the write-ahead log and fsyncs the log before returning, so a transaction that has committed
 * survives a power cut (the OS crash / power-loss case, not only a process crash). With
 * `synchronous = NORMAL` WAL mode fsyncs only at checkpoints: a committed transaction survives a
 * crash of this process but the last transactions before a power cut or kernel panic can be lost
 * (the database stays consistent, it just rolls back to an earlier point). For a journal that has
 * acknowledged a fill to the trader, or recorded a client order id that is about to be sent, losing
 * the tail is exactly the failure it exists to prevent, so NORMAL was not chosen. A crash at any
 * instant (process kill, power cut) leaves the file at the last COMMIT that returned (or at the one
 * in flight, if its WAL frames and their commit record reached the disk): a transaction is all or
 * nothing, never half written (a torn WAL tail fails its checksums and is ignored on reopen).
 *
 * The price of FULL is one fsync per commit, so commits are grouped. The host wraps each engine input
 * (one bar, quote, timestamp or command) in `batch(fn)` (or `begin()` / `end()` / `commit()`). Two
 * policies, chosen by `JournalOptions.groupCommit`:
 *
 *  - per-input commit (the default, `groupCommit` absent or false): `batch` commits (fsync) when `fn`
 *    returns, so once `batch` has returned the input's events are durable and the host may acknowledge.
 *  - group commit (`groupCommit: true` or bounds): `batch` ends the input WITHOUT committing, and the
 *    transaction stays open for the following inputs. The open group is committed (fsync) when, and
 *    only when, one of these happens:
 *      (a) an `OrderSubmitted` is appended (the barrier below): before the venue is called;
 *      (b) the host calls `commit()`: before it acknowledges anything that depends on the events, i.e.
 *          before replying to a command, confirming a fill or an order state to a client or a view,
 *          or advancing a venue stream position it will not replay;
 *      (c) a bound is reached at the end of an input: `maxEvents` uncommitted events (default 1,000)
 *          or `maxDelayMs` of wall time since the first uncommitted write (default 50 ms); an idle
 *          timer commits a group that no later input closes, `maxDelayMs` after the input that left it;
 *      (d) a write outside any input (it commits on its own, and takes the open group with it), and
 *          `close()` between inputs.
 *    A single input is never split by the bounds (only by the barrier), and the bounds are checked in
 *    wall time, not engine time (a replay runs engine time far faster; what a crash can lose is wall time).
 *
 * What is durable at any instant, in group mode: every event up to the last commit; the events of the
 * inputs since then are not, and a crash loses exactly those (whole inputs, in order: the file never
 * holds a later event without the earlier ones). That is safe because nothing outside the process has
 * seen a consequence of them: no order they created has been sent (the barrier commits before the
 * venue call), and no reply, fill confirmation or stream acknowledgement has left (the host commits
 * first). A fill the venue reported in a lost input is not lost: the venue is the source of truth for
 * fills; the fill was not acknowledged anywhere before a commit; and after a crash the engine rebuilds
 * from the journal and reconciles with the venue, which reports the order's fills again and the engine
 * adopts the ones the journal lacks. What group commit gives up is only the work of the last ≤
 * `maxDelayMs` / `maxEvents` of unacknowledged inputs (recomputed from the venue and the data feed).
 *
 * One barrier inside a batch, in both policies: when the journal sees `OrderSubmitted` it commits at
 * once (with everything before it, and continues in a new transaction), because the order manager
 * calls the venue right after that event, and the order's client order id (its OrderInitialized, which
 * precedes it) must be on disk before anything is sent (a restart never sends it twice and can always
 * ask the venue what became of it). Cancels and modifies need no barrier: they refer to an order already journaled.
 *
 * What is appended: every event on the kernel bus (`bus.onAny`), i.e. all order, fill, position,
 * trading-state, risk, kill-switch and algorithm events; the engine publishes no market-data events, so
 * nothing is skipped. Market data enters only as the last price per instrument (for marks after a
 * rebuild) and, with each fill, the prices of the conversion instruments its accounting used (so that a
 * rebuild converts at the same rates). Equity samples come from `TradingEngine.onEndOfTimestamp`.
 * Configuration changes and backtest runs are recorded by their own calls.
 *
 * Failure. A write error is never swallowed: the journal records the first failure, calls `onFatal`
 * (the host ends the engine), and throws `journal.write_failed` from that append and from every later
 * call that writes, including `commit()`, so an input whose events did not reach the disk is never
 * acknowledged. Even if some caller up the stack catches the throw (a strategy wrapper), the host still
 * learns of it through `onFatal` and the failing commit. In group mode the failure rolls back the whole
 * open group (the earlier inputs in it were not acknowledged either, by the rule above).
 *
 * The append path: one prepared INSERT reused for every event, the payload stringified once, the
 * indexed columns read straight off the event; the events table keeps one secondary index,
 * `events_type`, which the views (fills, positions, risk events) read; migration 5 dropped
 * `events_instrument` and `events_client_order`, which no query used and which cost about a quarter
 * of the append CPU.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { Cache } from '../../core/cache';
import { EngineError } from '../../core/errors';
import type { EngineEvent, OrderFilled } from '../../core/events';
import type { Instrument } from '../../core/instrument';
import type { Money } from '../../core/money';
import type { Order } from '../../core/order';
import type { EpochMs } from '../../core/time';
import { findConversionRoute } from '../../portfolio/conversion';
import type { TradeRecord } from '../../portfolio/types';
import type { TradingEngine } from '../../runtime/trading-engine';
import { migrate } from './schema';

export const JOURNAL_WRITE_FAILED = 'journal.write_failed';

export interface JournalOptions {
  /** The SQLite file; its folder is created (0700) when missing. */
  path: string;
  /** Called once, with the error, when a write fails. The host must stop the engine. */
  onFatal?: (err: EngineError) => void;
  /** Wall clock for migration timestamps (default Date.now). */
  now?: () => number;
  /**
   * Group commit (see the header): `true` for the default bounds, an object for others; absent or
   * false: every input commits when it ends.
   */
  groupCommit?: boolean | GroupCommitOptions;
}

export interface GroupCommitOptions {
  /** Commit at the end of the input that brings the uncommitted events to this many (default 1,000; equity samples and prices ride along uncounted). */
  maxEvents?: number;
  /** Commit once the first uncommitted write is this old, in ms of wall time (default 50). */
  maxDelayMs?: number;
  /** Monotonic clock in ms for `maxDelayMs` (default `performance.now`). */
  clock?: () => number;
}

export const GROUP_COMMIT_DEFAULTS = { maxEvents: 1_000, maxDelayMs: 50 } as const;

/** One row of the equity curve, account-currency micro-units. */
export interface EquitySample {
  ts: EpochMs;
  equity: Money;
  cash: Money;
  grossExposure: Money;
  openPositions: number;
}

export interface ConfigChange {
  /** Dotted path of the setting, e.g. `risk.max_leverage`. */
  path: string;
  old: unknown;
  new: unknown;
  /** Which face changed it: `desktop`, `remote`, `cli`, `file`, ... */
  source: string;
  ts: EpochMs;
}

export interface ConfigChangeRow extends ConfigChange {
  id: number;
}

export interface BacktestRunInput {
  name: string;
  startedAt: EpochMs;
  finishedAt: EpochMs;
  /** The run's configuration (JSON-safe). */
  config: unknown;
  /** The run's metrics (JSON-safe). */
  metrics: unknown;
  bars: number;
  trades: readonly TradeRecord[];
}

export interface BacktestRunRow {
  id: number;
  name: string;
  startedAt: EpochMs;
  finishedAt: EpochMs;
  config: unknown;
  metrics: unknown;
  bars: number;
  tradeCount: number;
}

/** A stored event and the context recorded with it. */
export interface JournalRecord {
  event: EngineEvent;
  /** Prices of the conversion instruments a fill used ({instrumentId: price}), or null. */
  context: Record<string, number> | null;
}

export type CsvCell = string | number | boolean | null;
/** A flat table: what a view shows and what `exportCsv` writes. */
export interface QueryResult {
  columns: string[];
  rows: CsvCell[][];
}

export type QueryName = 'orders' | 'fills' | 'positions' | 'equity' | 'risk_events' | 'config_history' | 'backtest_runs' | 'backtest_trades' | 'events';

export interface QueryArgs {
  instrumentId?: string;
  /** backtest_trades: the run. */
  runId?: number;
  /** events: first seq (inclusive). */
  fromSeq?: number;
  /** equity: time range [from, to]. */
  from?: EpochMs;
  to?: EpochMs;
}

const ORDER_COLUMNS: (keyof Order)[] = [
  'clientOrderId',
  'venueOrderId',
  'strategyId',
  'instrumentId',
  'side',
  'type',
  'qty',
  'price',
  'triggerPrice',
  'trailingDistance',
  'tif',
  'expireTs',
  'reduceOnly',
  'role',
  'parentId',
  'ocoGroup',
  'bracket',
  'tag',
  'status',
  'statusBeforePending',
  'filledQty',
  'fillCost',
  'tsInit',
  'tsLast',
];

type Stmt = Database.Statement<unknown[], unknown>;

export class Journal {
  readonly path: string;
  readonly db: Database.Database;
  private readonly onFatal: ((err: EngineError) => void) | undefined;
  private failure: EngineError | null = null;
  private readonly insertEvent: Stmt;
  private readonly beginStmt: Stmt;
  private readonly commitStmt: Stmt;
  private readonly upsertSample: Stmt;
  private readonly upsertPrice: Stmt;
  /** Group commit bounds, or null for per-input commit. */
  private readonly group: { maxEvents: number; maxDelayMs: number; clock: () => number } | null;
  /** Between `begin()` and `end()` / `commit()`. */
  private inInput = false;
  /** Events appended in the open transaction. */
  private pendingEvents = 0;
  /** When the first write of the open transaction happened (group clock), or -1 for none. */
  private pendingSince = -1;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(opts: JournalOptions) {
    this.path = opts.path;
    this.onFatal = opts.onFatal;
    const g = opts.groupCommit;
    if (g === undefined || g === false) this.group = null;
    else {
      const o: GroupCommitOptions = g === true ? {} : g;
      const maxEvents = o.maxEvents ?? GROUP_COMMIT_DEFAULTS.maxEvents;
      const maxDelayMs = o.maxDelayMs ?? GROUP_COMMIT_DEFAULTS.maxDelayMs;
      if (!(maxEvents >= 1) || !(maxDelayMs >= 0)) throw new EngineError('journal.bad_options', `journal group commit bounds must be maxEvents >= 1, maxDelayMs >= 0`);
      this.group = { maxEvents, maxDelayMs, clock: o.clock ?? (() => performance.now()) };
    }
    mkdirSync(dirname(opts.path), { recursive: true, mode: 0o700 });
    const db = new Database(opts.path);
    this.db = db;
    try {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (String(mode).toLowerCase() !== 'wal') throw new EngineError('journal.open_failed', `journal ${opts.path}: cannot use WAL mode (got ${String(mode)})`);
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      migrate(db, undefined, opts.now);
    } catch (e) {
      db.close();
      throw e;
    }
    this.insertEvent = db.prepare(
      'INSERT INTO events (seq, type, ts_event, ts_init, client_order_id, instrument_id, payload, context) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.beginStmt = db.prepare('BEGIN IMMEDIATE');
    this.commitStmt = db.prepare('COMMIT');
    this.upsertSample = db.prepare(
      'INSERT OR REPLACE INTO equity_samples (ts, equity, cash, gross_exposure, open_positions, last_seq) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.upsertPrice = db.prepare('INSERT OR REPLACE INTO last_prices (instrument_id, price, ts) VALUES (?, ?, ?)');
  }

  // ------------------------------------------------------------------ writing

  /** The first write failure, or null. */
  get failed(): EngineError | null {
    return this.failure;
  }

  /** True between `begin()` and `end()` / `commit()` (inside one engine input). */
  get inBatch(): boolean {
    return this.inInput;
  }

  /** Whether inputs end without committing (group commit). */
  get groupCommit(): boolean {
    return this.group !== null;
  }

  /** Events appended but not yet committed (not durable): 0 after every commit. */
  get uncommitted(): number {
    return this.pendingEvents;
  }

  /** Appends one event (with the conversion prices of a fill, if any). Throws `journal.write_failed`. */
  append(e: EngineEvent, context: Record<string, number> | null = null): void {
    if (this.failure !== null) throw this.failure;
    let coid: string | null = null;
    let inst: string | null = null;
    if (e.type === 'OrderInitialized') {
      coid = e.order.clientOrderId;
      inst = e.order.instrumentId;
    } else {
      if ('clientOrderId' in e) coid = e.clientOrderId;
      if ('instrumentId' in e) inst = e.instrumentId;
    }
    try {
      this.insertEvent.run(e.id, e.type, e.tsEvent, e.tsInit, coid, inst, JSON.stringify(e), context === null ? null : JSON.stringify(context));
    } catch (err) {
      throw this.fail(err, `append of event ${e.id} (${e.type})`);
    }
    if (this.db.inTransaction) {
      this.pendingEvents++;
      this.wrote();
    }
  }

  /**
   * Opens one engine input. Per-input commit: a new transaction. Group commit: the open group's
   * transaction if there is one, else a new one.
   */
  begin(): void {
    if (this.failure !== null) throw this.failure;
    if (this.inInput) throw new EngineError('journal.nested_batch', 'journal.begin() inside an open batch');
    if (!this.db.inTransaction) {
      try {
        this.beginStmt.run();
      } catch (err) {
        throw this.fail(err, 'begin');
      }
    }
    this.inInput = true;
  }

  /**
   * Commits (fsync of the WAL) everything appended so far, the open input (which it ends) and, in group
   * mode, the inputs before it. Throws `journal.write_failed`; only after it returns may the host
   * acknowledge anything that depends on those events.
   */
  commit(): void {
    if (this.failure !== null) throw this.failure;
    this.inInput = false;
    this.clearTimer();
    if (!this.db.inTransaction) return;
    try {
      this.commitStmt.run();
    } catch (err) {
      throw this.fail(err, 'commit');
    }
    this.pendingEvents = 0;
    this.pendingSince = -1;
  }

  /**
   * Ends the open input. Per-input commit: commits it. Group commit: commits only when a bound is
   * reached (`maxEvents` uncommitted events, or `maxDelayMs` since the first uncommitted write), else
   * leaves the group open for the next input (and the idle timer commits it if none comes).
   */
  end(): void {
    if (this.failure !== null) throw this.failure;
    const g = this.group;
    if (g === null || this.pendingSince < 0 || this.pendingEvents >= g.maxEvents || g.clock() - this.pendingSince >= g.maxDelayMs) {
      this.commit();
      return;
    }
    this.inInput = false;
    this.armTimer(g.maxDelayMs - (g.clock() - this.pendingSince));
  }

  /**
   * Runs `fn` as one engine input, ended when `fn` returns or throws (what was emitted did happen):
   * committed then (per-input commit), or left to the group commit (see `end()`).
   */
  batch<T>(fn: () => T): T {
    this.begin();
    try {
      return fn();
    } finally {
      if (this.failure !== null) this.rollbackQuietly();
      else this.end();
    }
  }

  /** Makes everything appended so far durable now; inside a batch the batch goes on in a new transaction. */
  flush(): void {
    if (!this.db.inTransaction) {
      if (this.failure !== null) throw this.failure;
      return;
    }
    const input = this.inInput;
    this.commit();
    if (input) this.begin();
  }

  /** After a write inside the open transaction: note its time; outside an input, commit it at once. */
  private wrote(): void {
    if (this.pendingSince < 0) this.pendingSince = this.group === null ? 0 : this.group.clock();
    if (!this.inInput) this.commit();
  }

  private armTimer(ms: number): void {
    if (this.timer !== null) return;
    this.timer = setTimeout(() => this.onTimer(), Math.max(0, Math.ceil(ms)));
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  /** The time bound when no input came to close the group: commit it (between inputs only). */
  private onTimer(): void {
    this.timer = null;
    if (this.failure !== null || !this.db.open || !this.db.inTransaction || this.group === null) return;
    if (this.inInput) {
      // an input spans an await: never split it here, look again later
      this.armTimer(this.group.maxDelayMs);
      return;
    }
    try {
      this.commit();
    } catch {
      // recorded and reported through onFatal by fail(); every later write throws it
    }
  }

  private fail(err: unknown, what: string): EngineError {
    if (this.failure === null) {
      const msg = err instanceof Error ? err.message : String(err);
      this.failure = new EngineError(JOURNAL_WRITE_FAILED, `journal ${this.path}: ${what} failed: ${msg}`, { cause: msg });
      this.rollbackQuietly();
      this.onFatal?.(this.failure);
    }
    return this.failure;
  }

  private rollbackQuietly(): void {
    // Only after a failure, which is already recorded and reported: nothing here may hide it.
    this.inInput = false;
    this.pendingEvents = 0;
    this.pendingSince = -1;
    this.clearTimer();
    if (this.db.inTransaction) {
      try {
        this.db.exec('ROLLBACK');
      } catch {
        // the failure that led here is the one reported
      }
    }
  }

  /**
   * Subscribes to `engine`'s bus (every event is appended) and to its end-of-timestamp samples (equity
   * and last prices). Returns the function that detaches it.
   */
  attach(engine: TradingEngine): () => void {
    const cache = engine.kernel.cache;
    const account = engine.portfolio.accountCurrency;
    const instruments = cache.instruments();
    const routeIds = new Map<string, string | null>();
    const routeFor = (ccy: string): string | null => {
      let id = routeIds.get(ccy);
      if (id === undefined) {
        const r = findConversionRoute(cache, ccy, account);
        id = r === undefined || r.kind === 'identity' ? null : r.instrument.id;
        routeIds.set(ccy, id);
      }
      return id;
    };
    const fillContext = (e: OrderFilled): Record<string, number> | null => {
      let ctx: Record<string, number> | null = null;
      const q = cache.hasInstrument(e.instrumentId) ? routeFor(cache.instrument(e.instrumentId).quoteCurrency) : null;
      const f = routeFor(e.feeCurrency);
      for (const id of [q, f]) {
        if (id === null) continue;
        const px = cache.lastPrice(id);
        if (Number.isFinite(px)) (ctx ??= {})[id] = px;
      }
      return ctx;
    };
    const offBus = engine.kernel.bus.onAny((e) => {
      this.append(e, e.type === 'OrderFilled' ? fillContext(e) : null);
      if (e.type === 'OrderSubmitted') this.flush();
    });
    const written = new Map<string, number>();
    const offEnd = engine.onEndOfTimestamp((ts) => {
      const p = engine.portfolio;
      this.recordEquitySample({ ts, equity: p.equity(), cash: p.cash(), grossExposure: p.grossExposure(), openPositions: p.openPositionCount() }, engine.kernel.lastEventId);
      for (const inst of instruments) {
        const pts = cache.lastPriceTs(inst.id);
        if (!Number.isFinite(pts) || written.get(inst.id) === pts) continue;
        written.set(inst.id, pts);
        this.recordPrice(inst.id, cache.lastPrice(inst.id), pts);
      }
    });
    return () => {
      offBus();
      offEnd();
    };
  }

  recordEquitySample(s: EquitySample, lastSeq: number): void {
    this.write('equity sample', () => this.upsertSample.run(s.ts, s.equity, s.cash, s.grossExposure, s.openPositions, lastSeq));
  }

  /** The latest price of an instrument (price units, bar close or quote mid) and its time. */
  recordPrice(instrumentId: string, price: number, ts: EpochMs): void {
    this.write('price', () => this.upsertPrice.run(instrumentId, price, ts));
  }

  /** Audit row: what setting changed, old -> new, when and from which face. Durable on return outside a batch. */
  recordConfigChange(c: ConfigChange): number {
    const info = this.write('config change', () =>
      this.db.prepare('INSERT INTO config_audit (ts, path, old_value, new_value, source) VALUES (?, ?, ?, ?, ?)').run(c.ts, c.path, jsonOrNull(c.old), jsonOrNull(c.new), c.source),
    );
    return Number(info.lastInsertRowid);
  }

  /** Stores a backtest run: its configuration, metrics and trades, in one transaction. Returns its id. */
  recordBacktestRun(r: BacktestRunInput): number {
    const run = () => {
      const info = this.db
        .prepare('INSERT INTO backtest_runs (name, started_at, finished_at, config, metrics, bars, trade_count) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(r.name, r.startedAt, r.finishedAt, JSON.stringify(r.config), JSON.stringify(r.metrics), r.bars, r.trades.length);
      const id = Number(info.lastInsertRowid);
      const ins = this.db.prepare(
        'INSERT INTO backtest_trades (run_id, idx, instrument_id, direction, qty, entry_ts, entry_px, exit_ts, exit_px, pnl, gross_pnl, fees, exit_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      );
      r.trades.forEach((t, i) => ins.run(id, i, t.instrumentId, t.direction, t.qty, t.entryTs, t.entryPx, t.exitTs, t.exitPx, t.pnl, t.grossPnl, t.fees, t.exitReason));
      return id;
    };
    return this.write('backtest run', () => (this.db.inTransaction ? run() : this.db.transaction(run)()));
  }

  private write<T>(what: string, fn: () => T): T {
    if (this.failure !== null) throw this.failure;
    let out: T;
    try {
      out = fn();
    } catch (err) {
      throw this.fail(err, what);
    }
    if (this.db.inTransaction) this.wrote();
    return out;
  }

  // ------------------------------------------------------------------ reading

  /** Id of the last stored event (0 when empty). */
  lastSeq(): number {
    const r = this.db.prepare('SELECT MAX(seq) AS s FROM events').get() as { s: number | null };
    return r.s ?? 0;
  }

  eventCount(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n;
  }

  /** Stored events from `fromSeq` on, in sequence order, streamed (constant memory). */
  *records(fromSeq = 0, types?: readonly string[]): Generator<JournalRecord> {
    const where = types && types.length > 0 ? ` AND type IN (${types.map(() => '?').join(', ')})` : '';
    const stmt = this.db.prepare(`SELECT payload, context FROM events WHERE seq >= ?${where} ORDER BY seq`).raw(true);
    for (const row of stmt.iterate(fromSeq, ...(types ?? []))) {
      const [payload, context] = row as [string, string | null];
      yield { event: JSON.parse(payload) as EngineEvent, context: context === null ? null : (JSON.parse(context) as Record<string, number>) };
    }
  }

  /** Every order in its current state, in creation order (order events replayed through a fresh Cache). */
  orders(instruments: readonly Instrument[] = []): readonly Readonly<Order>[] {
    const cache = new Cache();
    for (const i of instruments) cache.addInstrument(i);
    const stmt = this.db.prepare('SELECT payload FROM events WHERE client_order_id IS NOT NULL ORDER BY seq').pluck(true);
    for (const payload of stmt.iterate()) cache.applyEvent(JSON.parse(payload as string) as EngineEvent);
    return cache.allOrders();
  }

  equityCurve(from: EpochMs = -Infinity, to: EpochMs = Infinity): EquitySample[] {
    return (
      this.db
        .prepare('SELECT ts, equity, cash, gross_exposure AS grossExposure, open_positions AS openPositions FROM equity_samples WHERE ts >= ? AND ts <= ? ORDER BY ts')
        .all(from, to) as EquitySample[]
    ).map((r) => ({ ...r }));
  }

  lastPrices(): { instrumentId: string; price: number; ts: EpochMs }[] {
    return this.db.prepare('SELECT instrument_id AS instrumentId, price, ts FROM last_prices ORDER BY instrument_id').all() as { instrumentId: string; price: number; ts: EpochMs }[];
  }

  configHistory(path?: string): ConfigChangeRow[] {
    const rows = (
      path === undefined
        ? this.db.prepare('SELECT id, ts, path, old_value, new_value, source FROM config_audit ORDER BY id').all()
        : this.db.prepare('SELECT id, ts, path, old_value, new_value, source FROM config_audit WHERE path = ? ORDER BY id').all(path)
    ) as { id: number; ts: number; path: string; old_value: string | null; new_value: string | null; source: string }[];
    return rows.map((r) => ({ id: r.id, ts: r.ts, path: r.path, old: parseOrNull(r.old_value), new: parseOrNull(r.new_value), source: r.source }));
  }

  backtestRuns(): BacktestRunRow[] {
    const rows = this.db.prepare('SELECT id, name, started_at, finished_at, config, metrics, bars, trade_count FROM backtest_runs ORDER BY id').all() as {
      id: number;
      name: string;
      started_at: number;
      finished_at: number;
      config: string;
      metrics: string;
      bars: number;
      trade_count: number;
    }[];
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      config: JSON.parse(r.config) as unknown,
      metrics: JSON.parse(r.metrics) as unknown,
      bars: r.bars,
      tradeCount: r.trade_count,
    }));
  }

  backtestTrades(runId: number): TradeRecord[] {
    return this.db
      .prepare(
        'SELECT instrument_id AS instrumentId, direction, qty, entry_ts AS entryTs, entry_px AS entryPx, exit_ts AS exitTs, exit_px AS exitPx, pnl, gross_pnl AS grossPnl, fees, exit_reason AS exitReason FROM backtest_trades WHERE run_id = ? ORDER BY idx',
      )
      .all(runId) as TradeRecord[];
  }

  /** A view's table by name: what the UI shows and `exportCsv` writes. */
  query(name: QueryName, args: QueryArgs = {}): QueryResult {
    switch (name) {
      case 'orders': {
        const orders = this.orders().filter((o) => args.instrumentId === undefined || o.instrumentId === args.instrumentId);
        return { columns: ORDER_COLUMNS, rows: orders.map((o) => ORDER_COLUMNS.map((c) => cell(o[c]))) };
      }
      case 'fills':
        return this.sql('SELECT * FROM fills WHERE (? IS NULL OR instrument_id = ?) ORDER BY seq', [args.instrumentId ?? null, args.instrumentId ?? null]);
      case 'positions':
        return this.sql('SELECT * FROM position_history WHERE (? IS NULL OR instrument_id = ?) ORDER BY seq', [args.instrumentId ?? null, args.instrumentId ?? null]);
      case 'equity':
        return this.sql('SELECT ts, equity, cash, gross_exposure, open_positions FROM equity_samples WHERE ts >= ? AND ts <= ? ORDER BY ts', [
          args.from ?? Number.MIN_SAFE_INTEGER,
          args.to ?? Number.MAX_SAFE_INTEGER,
        ]);
      case 'risk_events':
        return this.sql('SELECT seq, ts_event, type, client_order_id, instrument_id, code, reason, source FROM risk_events ORDER BY seq', []);
      case 'config_history':
        return this.sql('SELECT id, ts, path, old_value, new_value, source FROM config_audit ORDER BY id', []);
      case 'backtest_runs':
        return this.sql('SELECT id, name, started_at, finished_at, bars, trade_count, config, metrics FROM backtest_runs ORDER BY id', []);
      case 'backtest_trades':
        return this.sql('SELECT * FROM backtest_trades WHERE run_id = ? ORDER BY idx', [args.runId ?? -1]);
      case 'events':
        return this.sql('SELECT seq, type, ts_event, ts_init, client_order_id, instrument_id, payload FROM events WHERE seq >= ? ORDER BY seq', [args.fromSeq ?? 0]);
    }
  }

  private sql(text: string, params: unknown[]): QueryResult {
    const stmt = this.db.prepare(text).raw(true);
    const columns = stmt.columns().map((c) => c.name);
    return { columns, rows: stmt.all(...params) as CsvCell[][] };
  }

  /** Writes a query's table as CSV (RFC 4180 quoting, header row, `\n` line ends). Returns the row count. */
  exportCsv(name: QueryName, path: string, args: QueryArgs = {}): number {
    const q = this.query(name, args);
    writeFileSync(path, toCsv(q));
    return q.rows.length;
  }

  /**
   * Closes the database. An open input is rolled back (it was never acknowledged; in group mode with
   * the inputs before it in its group); between inputs, an open group is committed first.
   */
  close(): void {
    this.clearTimer();
    if (!this.db.open) return;
    let err: EngineError | null = null;
    if (this.failure === null && !this.inInput && this.db.inTransaction) {
      try {
        this.commit();
      } catch (e) {
        err = e as EngineError;
      }
    }
    this.inInput = false;
    this.db.close();
    if (err !== null) throw err;
  }
}

function cell(v: unknown): CsvCell {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return JSON.stringify(v);
}

function jsonOrNull(v: unknown): string | null {
  return v === undefined ? null : JSON.stringify(v);
}

function parseOrNull(s: string | null): unknown {
  return s === null ? undefined : (JSON.parse(s) as unknown);
}

export function csvField(v: CsvCell): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(q: QueryResult): string {
  const lines = [q.columns.map(csvField).join(',')];
  for (const r of q.rows) lines.push(r.map(csvField).join(','));
  return lines.join('\n') + '\n';
}
