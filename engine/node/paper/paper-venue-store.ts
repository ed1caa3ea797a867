/**
 * The paper venue's own books in SQLite (`paper-venue.sqlite` in the engine's data dir): the
 * `PaperVenueLedger` of engine/sim/paper-venue.ts. It stands where a broker's servers stand for a real
 * venue, apart from the engine's journal, so that a restarted engine has someone to reconcile with.
 *
 * Tables (schema version in `PRAGMA user_version`):
 *   transactions  one row per venue event, numbered 1, 2, ... (the event as JSON, with its venueTxId)
 *   orders        the latest full record of every order the venue accepted (engine/sim SimOrderRecord)
 *   submissions   every submission as it arrived, accepted or refused — a client order id sent twice
 *                 shows as two rows (the venue refuses the second; the crash soak counts them)
 *   account       the paper account (balances, positions with cost basis) after the last fill
 *   meta          currency, starting cash, last market time, the instruments' specifications
 *
 * Durability: WAL with synchronous = FULL, one transaction per venue event, committed before the event
 * is handed to the engine (the venue "acknowledges" only what it has stored, as a broker does). A crash
 * keeps every event up to the last commit, whole.
 *
 * A store made for another account (currency, starting cash) is refused (`paper.store_mismatch`):
 * mixing two accounts' books would be silent corruption.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { EngineError } from '../../core/errors';
import type { VenueEvent } from '../../core/events';
import type { Instrument } from '../../core/instrument';
import type { Money } from '../../core/money';
import type { VenueOrderSnapshot, VenueTransactions } from '../../core/venue';
import type { PaperAccountState } from '../../sim/paper-account';
import { venueOrderSnapshot, type PaperLedgerEntry, type PaperVenueLedger, type PaperVenueRestore } from '../../sim/paper-venue';
import type { SimOrderRecord } from '../../sim/simulated-venue';
import { errnoCode } from '../errno';

export const PAPER_VENUE_FILE = 'paper-venue.sqlite';
const SCHEMA_VERSION = 1;

export interface PaperVenueStoreOptions {
  path: string;
  currency: string;
  startingCash: Money;
  /** The instruments the venue trades (kept in the books, so the venue can be used with no engine). */
  instruments?: readonly Instrument[];
}

/** What the store holds, for a restarting venue and for checks. */
export interface PaperVenueLoaded extends PaperVenueRestore {
  lastTxId: number;
  /** Market time of the last transaction, or null. */
  lastMarketTs: number | null;
}

export class PaperVenueStore implements PaperVenueLedger {
  readonly path: string;
  readonly db: Database.Database;
  private readonly insertTx: Database.Statement;
  private readonly upsertOrder: Database.Statement;
  private readonly insertSubmission: Database.Statement;
  private readonly upsertAccount: Database.Statement;
  private readonly setMeta: Database.Statement;
  private last: number;

  /**
   * Opens the books of an existing store, whatever its account (the emergency path, with no engine and
   * no configuration): throws `paper.store_missing` when there is none.
   */
  static openExisting(path: string): PaperVenueStore {
    if (!existsSync(path)) throw new EngineError('paper.store_missing', `no paper venue books at ${path}`);
    const db = new Database(path, { readonly: true });
    try {
      const meta = new Map((db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[]).map((r) => [r.key, r.value]));
      return new PaperVenueStore({ path, currency: meta.get('currency') ?? '', startingCash: Number(meta.get('starting_cash')) });
    } catch (e) {
      if (e instanceof EngineError) throw e;
      throw new EngineError('paper.store_open_failed', `paper venue store ${path}: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      db.close();
    }
  }

  /** Opens (or creates) the store; throws `paper.store_open_failed` or `paper.store_mismatch`. */
  constructor(opts: PaperVenueStoreOptions) {
    this.path = opts.path;
    mkdirSync(dirname(opts.path), { recursive: true, mode: 0o700 });
    let db: Database.Database;
    try {
      db = new Database(opts.path);
    } catch (e) {
      throw new EngineError('paper.store_open_failed', `paper venue store ${opts.path}: ${e instanceof Error ? e.message : String(e)}`, { errno: errnoCode(e) });
    }
    this.db = db;
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('busy_timeout = 5000');
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) throw new EngineError('paper.store_too_new', `paper venue store ${opts.path} has schema ${version}, newer than this build's ${SCHEMA_VERSION}`);
      if (version === 0) {
        db.transaction(() => {
          db.exec(`
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE transactions (
              id              INTEGER PRIMARY KEY,
              ts              INTEGER NOT NULL,
              type            TEXT NOT NULL,
              client_order_id TEXT NOT NULL,
              event           TEXT NOT NULL
            );
            CREATE TABLE orders (
              client_order_id TEXT PRIMARY KEY,
              venue_order_id  TEXT NOT NULL,
              state           TEXT NOT NULL,
              record          TEXT NOT NULL,
              last_tx         INTEGER NOT NULL
            );
            CREATE INDEX orders_working ON orders (state) WHERE state = 'WORKING';
            CREATE TABLE submissions (
              seq             INTEGER PRIMARY KEY,
              client_order_id TEXT NOT NULL,
              tx              INTEGER NOT NULL,
              accepted        INTEGER NOT NULL,
              spec            TEXT NOT NULL
            );
            CREATE INDEX submissions_client ON submissions (client_order_id);
            CREATE TABLE account (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL, last_tx INTEGER NOT NULL);
          `);
          const put = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
          put.run('currency', opts.currency);
          put.run('starting_cash', String(opts.startingCash));
          const initial: PaperAccountState = { balances: [{ currency: opts.currency, amount: opts.startingCash }], positions: [] };
          db.prepare('INSERT INTO account (id, state, last_tx) VALUES (1, ?, 0)').run(JSON.stringify(initial));
          db.pragma(`user_version = ${SCHEMA_VERSION}`);
        })();
      }
      const meta = new Map((db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[]).map((r) => [r.key, r.value]));
      if (meta.get('currency') !== opts.currency || meta.get('starting_cash') !== String(opts.startingCash)) {
        throw new EngineError(
          'paper.store_mismatch',
          `paper venue store ${opts.path} belongs to an account in ${meta.get('currency')} starting at ${meta.get('starting_cash')} micro-units, not ${opts.currency} ${opts.startingCash}`,
        );
      }
    } catch (e) {
      db.close();
      if (e instanceof EngineError) throw e;
      throw new EngineError('paper.store_open_failed', `paper venue store ${opts.path}: ${e instanceof Error ? e.message : String(e)}`, { errno: errnoCode(e) });
    }
    this.insertTx = db.prepare('INSERT INTO transactions (id, ts, type, client_order_id, event) VALUES (?, ?, ?, ?, ?)');
    this.upsertOrder = db.prepare(
      'INSERT INTO orders (client_order_id, venue_order_id, state, record, last_tx) VALUES (?, ?, ?, ?, ?) ON CONFLICT (client_order_id) DO UPDATE SET state = excluded.state, record = excluded.record, last_tx = excluded.last_tx',
    );
    this.insertSubmission = db.prepare('INSERT INTO submissions (client_order_id, tx, accepted, spec) VALUES (?, ?, ?, ?)');
    this.upsertAccount = db.prepare('UPDATE account SET state = ?, last_tx = ? WHERE id = 1');
    this.setMeta = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
    this.last = (db.prepare('SELECT COALESCE(MAX(id), 0) AS n FROM transactions').get() as { n: number }).n;
    this.currency = opts.currency;
    this.startingCash = opts.startingCash;
    if (opts.instruments && opts.instruments.length > 0) {
      const known = new Map(this.instruments().map((i) => [i.id, i]));
      for (const i of opts.instruments) known.set(i.id, i);
      this.setMeta.run('instruments', JSON.stringify([...known.values()]));
    }
  }

  readonly currency: string;
  readonly startingCash: Money;

  /** The instruments the venue has been told of (their specifications as the engine had them). */
  instruments(): Instrument[] {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'instruments'").get() as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as Instrument[]) : [];
  }

  // ------------------------------------------------------------------ the ledger

  append(entry: PaperLedgerEntry): number {
    const id = this.last + 1;
    const e = entry.event;
    try {
      this.db.transaction(() => {
        this.insertTx.run(id, entry.ts, e.type, e.clientOrderId, JSON.stringify({ ...e, venueTxId: id }));
        if (entry.order !== null) this.upsertOrder.run(entry.order.clientOrderId, entry.order.venueOrderId, entry.order.state, JSON.stringify(entry.order), id);
        if (entry.submission !== null) this.insertSubmission.run(e.clientOrderId, id, e.type === 'OrderAccepted' ? 1 : 0, JSON.stringify(entry.submission));
        if (entry.account !== null) this.upsertAccount.run(JSON.stringify(entry.account), id);
        this.setMeta.run('last_market_ts', String(entry.ts));
      })();
    } catch (err) {
      throw new EngineError('paper.store_write_failed', `paper venue store ${this.path}: transaction ${id} (${e.type} ${e.clientOrderId}) not stored: ${err instanceof Error ? err.message : String(err)}`, {
        errno: errnoCode(err),
      });
    }
    this.last = id;
    return id;
  }

  lastTxId(): number {
    return this.last;
  }

  transactionsSince(txId: number): VenueTransactions {
    if (!Number.isSafeInteger(txId) || txId < 0) throw new EngineError('venue.bad_request', `transactions since ${txId}: not a transaction id`);
    if (txId > this.last) {
      throw new EngineError('venue.transactions_unavailable', `the paper venue's last transaction is ${this.last}, the engine has seen ${txId}: the venue's books are behind the journal`);
    }
    const events = (this.db.prepare('SELECT event FROM transactions WHERE id > ? ORDER BY id').all(txId) as { event: string }[]).map((r) => JSON.parse(r.event) as VenueEvent);
    const ids = [...new Set(events.map((e) => e.clientOrderId))];
    const orders: VenueOrderSnapshot[] = [];
    const get = this.db.prepare('SELECT record FROM orders WHERE client_order_id = ?');
    for (const id of ids) {
      const row = get.get(id) as { record: string } | undefined;
      if (row) {
        const rec = JSON.parse(row.record) as SimOrderRecord;
        orders.push(venueOrderSnapshot(rec, rec.state));
      }
    }
    return { events, orders };
  }

  // ------------------------------------------------------------------ reading

  /** Everything a restarting paper venue continues from. */
  load(): PaperVenueLoaded {
    const working = (this.db.prepare("SELECT record FROM orders WHERE state = 'WORKING'").all() as { record: string }[]).map((r) => JSON.parse(r.record) as SimOrderRecord);
    const account = JSON.parse((this.db.prepare('SELECT state FROM account WHERE id = 1').get() as { state: string }).state) as PaperAccountState;
    const seen = (this.db.prepare('SELECT DISTINCT client_order_id AS id FROM submissions').all() as { id: string }[]).map((r) => r.id);
    // Venue ids are `V-n` and `T-n` (engine/sim/simulated-venue.ts): numbering continues after the highest.
    const orderNo = (this.db.prepare('SELECT MAX(CAST(SUBSTR(venue_order_id, 3) AS INTEGER)) AS n FROM orders').get() as { n: number | null }).n ?? 0;
    const tradeNo = (this.db.prepare("SELECT MAX(CAST(SUBSTR(json_extract(event, '$.tradeId'), 3) AS INTEGER)) AS n FROM transactions WHERE type = 'OrderFilled'").get() as { n: number | null }).n ?? 0;
    const ts = this.db.prepare("SELECT value FROM meta WHERE key = 'last_market_ts'").get() as { value: string } | undefined;
    return {
      venue: { orders: working, positions: account.positions.map((p) => [p.instrumentId, p.qty] as const), seen, orderNo, tradeNo },
      account,
      lastTxId: this.last,
      lastMarketTs: ts ? Number(ts.value) : null,
    };
  }

  /** Client order ids submitted more than once (the venue refused the repeats): must stay empty. */
  duplicateSubmissions(): { clientOrderId: string; count: number }[] {
    return this.db.prepare('SELECT client_order_id AS clientOrderId, COUNT(*) AS count FROM submissions GROUP BY client_order_id HAVING COUNT(*) > 1 ORDER BY 1').all() as {
      clientOrderId: string;
      count: number;
    }[];
  }

  /** Every fill the venue made, in transaction order. */
  fills(): Extract<VenueEvent, { type: 'OrderFilled' }>[] {
    return (this.db.prepare("SELECT event FROM transactions WHERE type = 'OrderFilled' ORDER BY id").all() as { event: string }[]).map(
      (r) => JSON.parse(r.event) as Extract<VenueEvent, { type: 'OrderFilled' }>,
    );
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
