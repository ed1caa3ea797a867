/**
 * The engine process's OANDA v20 session (practice by default, live only with `--live` and the typed
 * confirmation): the same TradingEngine as the paper session, with the OandaVenue as its venue, live
 * prices from the pricing stream, and the same restart sequence as engine/node/paper/restore-session.ts.
 *
 *   const s = await OandaSession.open({ dataDir, journal, config, strategies, stateStore, env, ... });
 *   const rec = await s.reconcile();  // RECONCILING until the journal and the account agree
 *   s.start();                        // strategies (and, when the reconciliation failed, its retries)
 *   ...
 *   await s.stop('keep' | 'flatten', timeoutMs); await s.close();
 *
 * Open: the OANDA settings come from the environment (engine/venues/oanda/config.ts); the account is
 * connected (REST, shared connection gate) and, when live, confirmed (`ensureLiveConfirmed`, typed on
 * the first start). The data dir is bound to ONE account (`oanda-account.json`: environment, account,
 * currency, the balance and last transaction id at the first start); a data dir whose journal belongs
 * to another account or to the paper venue is refused (`config.data_dir_in_use`). The engine's
 * starting cash is that first balance, its account currency the account's. Instruments: the traded
 * ones plus the instruments that convert their quote currencies to the account currency (their
 * prices are needed to book P&L); strategies without an instrument list trade the traded ones only.
 * The engine is restored from the journal exactly as the paper session (rebuildState into the live
 * engine, restoreEngine, journal attached) and starts RECONCILING. The pricing stream starts at once
 * (marks, and the last price a reconciliation may need).
 *
 * Reconcile: engine/runtime/reconcile.ts from the journal's last venue transaction (on the first
 * start: the account's last transaction then — the account is adopted as it is, its positions as
 * reconciliation fills at their average prices, its orders as external orders). Then the venue client
 * tracks the restored open orders (trackOpenOrders) and its transaction stream starts after the
 * reconciled transaction id. A failed reconciliation (OANDA unreachable, missing data) leaves the
 * engine RECONCILING, trading nothing; `start` retries it every `reconcileRetryMs`.
 *
 * External activity (OandaVenue `onExternal`: trades opened or closed on OANDA's platform, margin
 * closeouts, an entry's default stop-loss filling): a reconciliation pass over the transactions from
 * the first external one. The engine is RECONCILING during the pass (entries wait), live venue events
 * are held back and applied after it, and the pass applies only the transactions the engine has not
 * had (`include`), so nothing is applied twice; differences are journaled as ReconciliationDifference.
 * A halt that arrives during a pass is kept. A pass that fails leaves the engine RECONCILING and is
 * retried (fail closed).
 *
 * Inputs: every quote (and the bar it closes), every venue event and the strategies' start run in
 * `runInput` (the host's journal batch). Bars for bar strategies are built from the quotes
 * (quote-bars.ts, `barMs`, default one minute).
 *
 * Freshness: the risk engine's `risk.stale_price` check reads the cache's last price time, which is
 * the time OANDA gave each price (a stream that sends only heartbeats moves nothing, so the price
 * ages and entries are denied). The quote limit (`risk.stale_price.quote_seconds`) is required here:
 * when the configuration turns it off it is set to 30 s. A monitor checks each instrument every
 * `freshnessCheckMs` and raises host alerts (price stale / restored); stream disconnects and
 * reconnects raise venue alerts. The risk view (`risk.freshness` in the contract) shows the ages.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Logger } from 'pino';
import type { Bar, Quote } from '../../core/bar';
import { WallClock, type Clock } from '../../core/clock';
import { EngineError } from '../../core/errors';
import type { TradingState, VenueEvent } from '../../core/events';
import type { Instrument } from '../../core/instrument';
import { money } from '../../core/money';
import type { TradingStateStore } from '../../risk/kill-switch-store';
import type { AlertInput } from '../../runtime/alerts/alert';
import { hostAlerts } from '../../runtime/alerts/from-events';
import type { EngineConfig, ResolvedStrategy } from '../../runtime/config';
import { reconcile, type ReconcileResult } from '../../runtime/reconcile';
import { TradingEngine } from '../../runtime/trading-engine';
import { connectOanda, type OandaClientOptions, type OandaConnection } from '../../venues/oanda/client';
import { ensureLiveConfirmed, resolveOandaConfig, type OandaConfig } from '../../venues/oanda/config';
import { OandaError } from '../../venues/oanda/errors';
import { fillTicks, v20Time } from '../../venues/oanda/mapping';
import { loadInstruments } from '../../venues/oanda/market-data';
import { OandaVenue, type OandaVenueOptions } from '../../venues/oanda/oanda-venue';
import type { Backoff } from '../../venues/oanda/retry';
import type { V20Price, V20Transaction } from '../../venues/oanda/schemas';
import { PricingStream, type StreamStatus } from '../../venues/oanda/stream';
import type { Journal, RebuiltState } from '../journal';
import { restoreFromJournal } from '../journal/restore-from-journal';
import { QuoteBarBuilder } from './quote-bars';

export const OANDA_ACCOUNT_FILE = 'oanda-account.json';
const DEFAULT_QUOTE_STALE_S = 30;

/** What binds a data dir to one OANDA account (written once, on the first start). */
export interface OandaAccountRecord {
  environment: 'practice' | 'live';
  accountId: string;
  currency: string;
  /** The account balance at the first start (decimal string): the engine's starting cash. */
  startingBalance: string;
  /** The account's last transaction id at the first start: the first reconciliation starts after it. */
  startTxId: number;
  createdAt: string;
}

export interface OandaSessionOptions {
  dataDir: string;
  journal: Journal;
  config: EngineConfig;
  strategies: readonly ResolvedStrategy[];
  stateStore: TradingStateStore;
  idPrefix: string;
  /** Where OANDA_TOKEN, OANDA_ACCOUNT_ID, OANDA_ENV, OANDA_REST_URL, OANDA_STREAM_URL are read. */
  env: Readonly<Record<string, string | undefined>>;
  /** `--live`: trade the live environment (with the typed confirmation on the first start). */
  live?: boolean;
  /** Asks the user for the live confirmation (a terminal); without it an unconfirmed live account is refused. */
  ask?: (prompt: string) => Promise<string>;
  /** Instruments to trade (v20 names, EUR_USD). */
  instruments: readonly string[];
  /** Bar length for bar strategies, ms (default 60 000; null: quotes only). */
  barMs?: number | null;
  /** Wraps each engine input (the host's journal batch and its failure handling). */
  runInput?: (fn: () => void) => void;
  client?: OandaClientOptions;
  venue?: Partial<Pick<OandaVenueOptions, 'positionFill' | 'defaultStopLossPips' | 'lostReply' | 'stream' | 'changesPollMs'>>;
  pricing?: { restartAfterMs?: number; silenceMs?: number; checkMs?: number; connectTimeoutMs?: number; backoff?: Backoff };
  /** Freshness monitor period (ms, default 1000). */
  freshnessCheckMs?: number;
  /** Delay before a failed reconciliation is tried again (ms, default 5000). */
  reconcileRetryMs?: number;
  /** External transactions arriving within this window share one pass (ms, default 25). */
  externalDebounceMs?: number;
  log?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Host alerts (price stale/restored, venue disconnected/reconnected); settable later with `setAlertSink`. */
  onAlert?: (a: AlertInput) => void;
  /** Engine clock (default WallClock). */
  clock?: Clock;
}

export interface InstrumentFreshness {
  instrumentId: string;
  ageMs: number;
  limitMs: number;
  stale: boolean;
}

const NO_LOG: Pick<Logger, 'info' | 'warn' | 'error'> = { info: () => {}, warn: () => {}, error: () => {} } as never;

export class OandaSession {
  readonly engine: TradingEngine;
  readonly venue: OandaVenue;
  readonly conn: OandaConnection;
  readonly pricing: PricingStream;
  readonly oanda: OandaConfig;
  readonly account: OandaAccountRecord;
  readonly instruments: readonly Instrument[];
  /** The instruments strategies trade (without the conversion ones). */
  readonly traded: readonly string[];
  readonly rebuilt: RebuiltState;
  readonly resumeState: Exclude<TradingState, 'RECONCILING'>;
  /** Every reconciliation pass for external activity, in order (the tests and the log read them). */
  readonly passes: ReconcileResult[] = [];
  /** Errors the OANDA client reported (also logged). */
  readonly errors: OandaError[] = [];
  private readonly o: OandaSessionOptions;
  private readonly log: Pick<Logger, 'info' | 'warn' | 'error'>;
  private readonly strategies: readonly ResolvedStrategy[];
  private readonly byId: Map<string, Instrument>;
  private readonly bars: QuoteBarBuilder | null;
  private readonly quoteLimitMs: number;
  private readonly detach: () => void;
  private alertSink: ((a: AlertInput) => void) | null;
  /** Venue transaction ids whose events the engine has had. */
  private readonly applied = new Set<number>();
  private lastAppliedTx = 0;
  private readonly external = new Set<number>();
  private held: VenueEvent[] | null = null;
  private passTimer: NodeJS.Timeout | null = null;
  private passRunning: Promise<void> | null = null;
  private reconciled = false;
  private started = false;
  private closed = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private freshTimer: NodeJS.Timeout | null = null;
  private endTimer: NodeJS.Timeout | null = null;
  private readonly lastQuoteTs = new Map<string, number>();
  private readonly staleSince = new Map<string, number>();
  private readonly streamDownSince = new Map<string, number>();
  private lastEndTs = 0;
  private openedAt = 0;

  private constructor(o: OandaSessionOptions, parts: { conn: OandaConnection; oanda: OandaConfig; account: OandaAccountRecord; instruments: Instrument[]; traded: string[] }) {
    this.o = o;
    this.log = o.log ?? NO_LOG;
    this.alertSink = o.onAlert ?? null;
    this.conn = parts.conn;
    this.oanda = parts.oanda;
    this.account = parts.account;
    this.instruments = parts.instruments;
    this.traded = parts.traded;
    this.byId = new Map(parts.instruments.map((i) => [i.id, i]));
    const clock = o.clock ?? new WallClock();
    const config = sessionConfig(o.config, parts.account);
    this.quoteLimitMs = (config.risk.stale_price.quote_seconds ?? DEFAULT_QUOTE_STALE_S) * 1000;
    this.strategies = o.strategies.map((s) => ({ ...s, instruments: s.instruments ?? [...parts.traded] }));
    this.bars = o.barMs === null ? null : new QuoteBarBuilder(o.barMs ?? 60_000);
    this.venue = new OandaVenue({
      api: parts.conn.api,
      streamUrl: parts.oanda.streamUrl,
      token: parts.oanda.token,
      gate: parts.conn.gate,
      instruments: parts.instruments,
      ...o.venue,
      onExternal: (tx) => this.onExternal(tx),
      onError: (e) => this.onVenueError(e),
      onStreamStatus: (s) => this.onStreamStatus('OANDA transactions', s),
      now: () => clock.now(),
    });
    this.engine = new TradingEngine({
      clock,
      venue: this.venue,
      instruments: parts.instruments,
      config,
      strategies: this.strategies,
      idPrefix: o.idPrefix,
      stateStore: o.stateStore,
      initialState: 'RECONCILING',
    });
    // Venue events are engine inputs: each in the host's journal batch, held back during a pass.
    this.venue.bind((e) => this.onVenueEvent(e));
    const startingCash = money(parts.account.startingBalance);
    const restored = restoreFromJournal(this.engine, o.journal, {
      instruments: parts.instruments,
      accountCurrency: parts.account.currency,
      startingCash,
      idPrefix: o.idPrefix,
      stateStore: o.stateStore,
    });
    const rebuilt = restored.rebuilt;
    this.rebuilt = rebuilt;
    this.lastAppliedTx = rebuilt.lastVenueTxId;
    this.detach = restored.detach;
    this.resumeState = restored.resumeState;
    this.engine.kernel.bus.onAny((e) => {
      const tx = (e as { venueTxId?: number }).venueTxId;
      if (tx !== undefined) {
        this.applied.add(tx);
        if (tx > this.lastAppliedTx) this.lastAppliedTx = tx;
      }
    });
    const p = o.pricing ?? {};
    this.pricing = new PricingStream({
      baseUrl: parts.oanda.streamUrl,
      token: parts.oanda.token,
      gate: parts.conn.gate,
      accountId: parts.conn.accountId,
      instruments: parts.instruments.map((i) => i.id),
      priceStaleMs: this.quoteLimitMs,
      onPrice: (px) => this.onPrice(px),
      onError: (e) => this.onVenueError(e),
      onStatus: (s) => this.onStreamStatus('OANDA pricing', s),
      ...(p.restartAfterMs !== undefined ? { restartAfterMs: p.restartAfterMs } : {}),
      ...(p.silenceMs !== undefined ? { silenceMs: p.silenceMs } : {}),
      ...(p.checkMs !== undefined ? { checkMs: p.checkMs } : {}),
      ...(p.connectTimeoutMs !== undefined ? { connectTimeoutMs: p.connectTimeoutMs } : {}),
      ...(p.backoff !== undefined ? { backoff: p.backoff } : {}),
    });
  }

  /**
   * Connects, confirms live trading when asked for, binds the data dir to the account, restores the
   * engine from the journal (RECONCILING) and starts the pricing stream.
   */
  static async open(o: OandaSessionOptions): Promise<OandaSession> {
    if (o.instruments.length === 0) throw new EngineError('usage.oanda_instruments', 'an OANDA session needs the instruments to trade (--symbols EUR_USD,USD_JPY or the strategies\' instruments)');
    const oanda = resolveOandaConfig(o.env, o.live ? { environment: 'live', allowLive: true } : {});
    const conn = await connectOanda(oanda, o.client);
    try {
      await ensureLiveConfirmed({ config: oanda, accountId: conn.accountId, dataDir: o.dataDir, ...(o.ask ? { ask: o.ask } : {}) });
      const account = await bindAccount(o, oanda, conn);
      const all = await loadInstruments(conn.api);
      const names = new Set(all.map((i) => i.id));
      const missing = o.instruments.filter((n) => !names.has(n));
      if (missing.length > 0) throw new OandaError('oanda.unknown_instrument', `the account cannot trade ${missing.join(', ')}`);
      const wanted = new Set(o.instruments);
      for (const id of o.instruments) {
        const q = all.find((i) => i.id === id)!.quoteCurrency;
        if (q === account.currency) continue;
        const conv = [`${q}_${account.currency}`, `${account.currency}_${q}`].find((n) => names.has(n));
        if (conv === undefined) throw new OandaError('oanda.no_conversion', `no instrument converts ${q} to ${account.currency}: P&L of ${id} could not be booked`);
        wanted.add(conv);
      }
      const instruments = all.filter((i) => wanted.has(i.id));
      const s = new OandaSession(o, { conn, oanda, account, instruments, traded: [...o.instruments] });
      s.openedAt = s.engine.kernel.clock.now();
      s.pricing.start();
      return s;
    } catch (e) {
      conn.close();
      throw e;
    }
  }

  setAlertSink(fn: ((a: AlertInput) => void) | null): void {
    this.alertSink = fn;
  }

  /**
   * The start-up reconciliation (engine/runtime/reconcile.ts), then the venue's transaction stream
   * from the reconciled transaction id. One attempt; `start` retries a failed one.
   */
  async reconcile(): Promise<ReconcileResult> {
    const since = Math.max(this.lastAppliedTx, this.account.startTxId);
    if (this.engine.state.state !== 'RECONCILING') this.input(() => this.engine.state.set('RECONCILING', 'reconciling with OANDA', 'reconcile'));
    const rec = await reconcile({ engine: this.engine, venue: this.venue, lastVenueTxId: since, resumeState: this.resumeState });
    if (rec.status !== 'ok') return rec;
    try {
      const tracked = await this.venue.trackOpenOrders(this.engine.kernel.cache.openOrders(), (id) => this.engine.kernel.cache.order(id));
      await this.venue.start(String(rec.lastVenueTxId));
      this.log.info({ event: 'oanda_streams', trackedOrders: tracked, sinceTxId: rec.lastVenueTxId }, 'OANDA transaction stream started');
    } catch (e) {
      const err = e instanceof EngineError ? e : new EngineError('venue.unavailable', String(e));
      this.input(() => this.engine.state.set('RECONCILING', `OANDA streams did not start: ${err.message}`, 'reconcile'));
      return { status: 'failed', differences: rec.differences, lastVenueTxId: rec.lastVenueTxId, code: err.code, reason: err.message };
    }
    this.reconciled = true;
    if (this.started) this.startStrategies();
    if (this.external.size > 0) this.schedulePass();
    return rec;
  }

  /** Starts the strategies once reconciled (retrying a failed reconciliation until it succeeds). */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    const every = this.o.freshnessCheckMs ?? 1000;
    this.freshTimer = setInterval(() => this.checkFreshness(), every);
    this.freshTimer.unref();
    if (this.bars === null) {
      this.endTimer = setInterval(() => this.input(() => this.engine.endOfTimestamp(this.engine.kernel.clock.now())), 60_000);
      this.endTimer.unref();
    }
    if (this.reconciled) this.startStrategies();
    else this.retryReconcile();
  }

  private startStrategies(): void {
    this.input(() => this.engine.start(this.strategies));
    this.log.info({ event: 'strategies_started', strategies: this.strategies.filter((s) => s.enabled).map((s) => s.id), tradingState: this.engine.state.state }, 'strategies started');
  }

  private retryReconcile(): void {
    if (this.closed || this.reconciled) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.reconcile().then(
        (rec) => {
          if (rec.status === 'ok') this.log.warn({ event: 'reconciled', differences: rec.differences.length, lastVenueTxId: rec.lastVenueTxId, tradingState: this.engine.state.state }, 'reconciled with OANDA after a retry');
          else {
            this.log.error({ event: 'reconcile_failed', code: rec.code, reason: rec.reason }, `reconciliation failed [${rec.code}]: ${rec.reason}; retrying`);
            this.retryReconcile();
          }
        },
        (err: unknown) => {
          this.log.error({ event: 'reconcile_failed', err: String(err) }, 'reconciliation failed; retrying');
          this.retryReconcile();
        },
      );
    }, this.o.reconcileRetryMs ?? 5000);
    this.retryTimer.unref();
  }

  /** Whether the start-up reconciliation has succeeded. */
  get isReconciled(): boolean {
    return this.reconciled;
  }

  /** Resolves when no pass for external activity is scheduled or running. */
  async settled(): Promise<void> {
    for (;;) {
      if (this.passRunning) await this.passRunning;
      else if (this.passTimer) await new Promise((r) => setTimeout(r, 5));
      else return;
    }
  }

  /** Price freshness per instrument (from the engine's cache: the time OANDA gave each price). */
  freshness(now = this.engine.kernel.clock.now()): InstrumentFreshness[] {
    return this.instruments.map((i) => {
      const ts = this.engine.kernel.cache.lastPriceTs(i.id);
      const ageMs = Number.isFinite(ts) ? now - ts : now - this.openedAt;
      return { instrumentId: i.id, ageMs, limitMs: this.quoteLimitMs, stale: !(ageMs <= this.quoteLimitMs) || !Number.isFinite(ts) };
    });
  }

  /**
   * Ends the session: strategies stopped; with 'flatten' every position is closed through the kill
   * switch and the venue's confirmation awaited up to `timeoutMs` (true when confirmed).
   */
  async stop(onShutdown: 'keep' | 'flatten', timeoutMs: number): Promise<boolean> {
    this.input(() => this.engine.strategies.stopAll('engine stopping'));
    if (onShutdown !== 'flatten' || !this.reconciled) return true;
    let h: ReturnType<TradingEngine['killSwitch']['flatten']> | null = null;
    this.input(() => {
      h = this.engine.killSwitch.flatten('shutdown', 'engine:shutdown');
    });
    const handle = h as ReturnType<TradingEngine['killSwitch']['flatten']> | null;
    if (!handle) return true;
    let t: NodeJS.Timeout | undefined;
    const done = await Promise.race([handle.completion.then(() => true), new Promise<false>((res) => (t = setTimeout(() => res(false), timeoutMs)))]);
    clearTimeout(t);
    return done;
  }

  /** Closes the streams and the connection and detaches the journal (positions stay as they are). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of [this.retryTimer, this.passTimer]) if (t) clearTimeout(t);
    for (const t of [this.freshTimer, this.endTimer]) if (t) clearInterval(t);
    this.pricing.close();
    if (this.passRunning) await this.passRunning.catch(() => {});
    await this.venue.close();
    this.conn.close();
    this.detach();
  }

  // ---------------------------------------------------------------- inputs

  private input(fn: () => void): void {
    if (this.o.runInput) this.o.runInput(fn);
    else fn();
  }

  private onPrice(p: V20Price): void {
    const inst = this.byId.get(p.instrument);
    const bid = p.bids[0]?.price;
    const ask = p.asks[0]?.price;
    if (!inst || !bid || !ask) return;
    const ts = v20Time(p.time);
    // A reconnect's snapshot repeats the last price with its own time: not a new price.
    if (ts <= (this.lastQuoteTs.get(inst.id) ?? Number.NEGATIVE_INFINITY)) return;
    this.lastQuoteTs.set(inst.id, ts);
    const scale = 10 ** inst.pricePrecision;
    const q: Quote = { instrumentId: inst.id, ts, bid: fillTicks(inst, bid) / scale, ask: fillTicks(inst, ask) / scale };
    this.input(() => {
      const bar: Bar | null = this.bars ? this.bars.add(q) : null;
      if (bar) {
        this.engine.onBar(bar);
        const end = bar.ts + bar.durationMs;
        if (end > this.lastEndTs) {
          this.lastEndTs = end;
          this.engine.endOfTimestamp(end);
        }
      }
      this.engine.onQuote(q);
    });
    if (this.started) this.checkFreshnessOf(inst.id);
  }

  private onVenueEvent(e: VenueEvent): void {
    if (this.held) {
      this.held.push(e);
      return;
    }
    this.input(() => this.engine.kernel.emit(e));
  }

  private onVenueError(e: OandaError): void {
    this.errors.push(e);
    if (this.errors.length > 1000) this.errors.shift();
    this.log.warn({ event: 'oanda_error', code: e.code, err: e.message }, `OANDA: [${e.code}] ${e.message}`);
  }

  // ---------------------------------------------------------------- external activity

  private onExternal(tx: V20Transaction): void {
    this.external.add(Number(tx.id));
    this.log.warn({ event: 'oanda_external', txId: tx.id, type: tx.type, reason: tx.reason ?? null, instrument: tx.instrument ?? null }, `OANDA transaction ${tx.id} (${tx.type}) was not sent by this engine: reconciling`);
    if (this.reconciled) this.schedulePass();
  }

  private schedulePass(): void {
    if (this.passTimer || this.closed) return;
    this.passTimer = setTimeout(() => {
      this.passTimer = null;
      if (this.passRunning) {
        void this.passRunning.then(() => this.schedulePass());
        return;
      }
      this.passRunning = this.runPass().finally(() => {
        this.passRunning = null;
      });
    }, this.o.externalDebounceMs ?? 25);
    this.passTimer.unref();
  }

  /** One reconciliation pass over the external transactions seen so far (see the header). */
  private async runPass(): Promise<void> {
    if (this.external.size === 0 || this.closed) return;
    const ids = [...this.external];
    const from = Math.min(...ids) - 1;
    const k = this.engine.kernel;
    const before = this.engine.state.state;
    const prior: Exclude<TradingState, 'RECONCILING'> = before === 'RECONCILING' ? 'ACTIVE' : before;
    this.held = [];
    let rec: ReconcileResult;
    try {
      this.input(() => this.engine.state.set('RECONCILING', `OANDA activity outside this engine (transactions ${ids.join(', ')})`, 'reconcile:external'));
      rec = await reconcile({
        engine: this.engine,
        venue: this.venue,
        lastVenueTxId: from,
        resumeState: () => {
          const now = this.engine.state.state;
          return now === 'RECONCILING' ? prior : now;
        },
        include: (e) => e.venueTxId === undefined || !this.applied.has(e.venueTxId),
      });
    } catch (e) {
      rec = { status: 'failed', differences: [], lastVenueTxId: from, code: 'reconcile.failed', reason: String(e) };
    } finally {
      const held = this.held ?? [];
      this.held = null;
      for (const e of held) {
        if (e.venueTxId !== undefined && this.applied.has(e.venueTxId)) continue;
        this.input(() => k.emit(e));
      }
    }
    this.passes.push(rec);
    if (rec.status === 'ok') {
      for (const id of ids) this.external.delete(id);
      for (const d of rec.differences) this.log.warn({ event: 'reconcile_difference', ...d }, `reconciliation: ${d.kind} ${d.orderId ?? d.instrument ?? ''}: journal ${d.journal}, venue ${d.venue}`);
      this.log.info({ event: 'reconciled_external', differences: rec.differences.length, lastVenueTxId: rec.lastVenueTxId, tradingState: this.engine.state.state }, 'external OANDA activity reconciled');
      if (this.external.size > 0) this.schedulePass();
    } else {
      this.log.error({ event: 'reconcile_failed', code: rec.code, reason: rec.reason }, `external activity not reconciled [${rec.code}]: ${rec.reason}; staying RECONCILING, retrying`);
      const t = setTimeout(() => this.schedulePass(), this.o.reconcileRetryMs ?? 5000);
      t.unref();
    }
  }

  // ---------------------------------------------------------------- freshness and connection alerts

  private alert(a: AlertInput): void {
    try {
      this.alertSink?.(a);
    } catch (e) {
      this.log.error({ event: 'alert_failed', err: String(e) }, 'alert could not be published');
    }
  }

  private checkFreshness(): void {
    for (const i of this.instruments) this.checkFreshnessOf(i.id);
  }

  private checkFreshnessOf(id: string): void {
    const now = this.engine.kernel.clock.now();
    const f = this.freshness(now).find((x) => x.instrumentId === id);
    if (!f) return;
    const since = this.staleSince.get(id);
    if (f.stale && since === undefined) {
      this.staleSince.set(id, now);
      this.log.warn({ event: 'price_stale', instrumentId: id, ageMs: Number.isFinite(f.ageMs) ? f.ageMs : null, limitMs: f.limitMs }, `price of ${id} is stale: no entries until it is fresh`);
      this.alert(hostAlerts.priceStale(id, f.ageMs, now));
    } else if (!f.stale && since !== undefined) {
      this.staleSince.delete(id);
      this.log.info({ event: 'price_restored', instrumentId: id, staleForMs: now - since }, `price of ${id} is fresh again`);
      this.alert(hostAlerts.priceRestored(id, now - since, now));
    }
  }

  private onStreamStatus(name: string, s: StreamStatus): void {
    const now = Date.now();
    const down = this.streamDownSince.get(name);
    if (s.state === 'connected') {
      if (down !== undefined) {
        this.streamDownSince.delete(name);
        this.log.info({ event: 'venue_reconnected', stream: name, downMs: now - down, connects: s.connects }, `${name} stream reconnected`);
        this.alert(hostAlerts.venueReconnected(name, now - down, now));
      }
    } else if ((s.state === 'waiting' || s.state === 'connecting') && s.connects > 0 && down === undefined && !this.closed) {
      this.streamDownSince.set(name, now);
      this.log.warn({ event: 'venue_disconnected', stream: name, reason: s.reason }, `${name} stream disconnected: ${s.reason ?? 'ended'}`);
      this.alert(hostAlerts.venueDisconnected(name, s.reason ?? 'stream ended', now));
    }
  }
}

/** The configuration the engine runs with: the account's currency and first balance, a quote-age limit. */
function sessionConfig(config: EngineConfig, account: OandaAccountRecord): EngineConfig {
  const sp = config.risk.stale_price;
  return {
    ...config,
    account: { ...config.account, currency: account.currency, starting_cash: account.startingBalance },
    risk: { ...config.risk, stale_price: { ...sp, quote_seconds: sp.quote_seconds ?? DEFAULT_QUOTE_STALE_S } },
  };
}

/** Reads or writes `oanda-account.json`: one data dir, one account. */
async function bindAccount(o: OandaSessionOptions, oanda: OandaConfig, conn: OandaConnection): Promise<OandaAccountRecord> {
  const path = join(o.dataDir, OANDA_ACCOUNT_FILE);
  if (existsSync(path)) {
    let rec: OandaAccountRecord;
    try {
      rec = JSON.parse(readFileSync(path, 'utf8')) as OandaAccountRecord;
    } catch (e) {
      throw new EngineError('config.data_dir_in_use', `${path} is not readable JSON (${(e as Error).message}): the data dir's account is unknown`);
    }
    if (rec.accountId !== conn.accountId || rec.environment !== oanda.environment) {
      throw new EngineError('config.data_dir_in_use', `this data dir belongs to OANDA ${rec.environment} account ${rec.accountId}, not ${oanda.environment} ${conn.accountId}: use another --data-dir`);
    }
    return rec;
  }
  if (o.journal.eventCount() > 0) {
    throw new EngineError('config.data_dir_in_use', 'this data dir holds the journal of another venue (the paper session): use another --data-dir for OANDA');
  }
  const { account } = await conn.api.summary();
  const rec: OandaAccountRecord = {
    environment: oanda.environment,
    accountId: conn.accountId,
    currency: account.currency,
    startingBalance: account.balance,
    startTxId: Number(account.lastTransactionID),
    createdAt: new Date().toISOString(),
  };
  writeFileSync(`${path}.tmp`, JSON.stringify(rec, null, 2) + '\n', { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
  return rec;
}

/** Exit code for an OANDA failure at start (sysexits): settings 78, the service unreachable 75. */
export function oandaExitCode(code: string): number | null {
  if (/^oanda\.(no_token|bad_environment|bad_url|live_not_allowed|live_not_confirmed|account_ambiguous|no_account|unknown_instrument|no_conversion|http_40[13])$/.test(code)) return 78;
  if (/^oanda\.(unreachable|timeout|http_429|http_5\d\d)$/.test(code)) return 75;
  return null;
}

/**
 * The session options the engine process's command line gives (engine/node/main.ts): `--symbols`
 * (else every instrument the strategies name), `--bar-seconds` (0 = quotes only), `--live`; the live
 * confirmation is asked on the terminal when there is one.
 */
export function oandaArgs(
  o: { symbols?: string; barSeconds?: string; live?: boolean },
  strategies: readonly ResolvedStrategy[],
): Pick<OandaSessionOptions, 'instruments' | 'barMs' | 'live' | 'ask'> {
  const listed = o.symbols?.split(',').map((x) => x.trim()).filter(Boolean);
  const instruments = listed && listed.length > 0 ? listed : [...new Set(strategies.flatMap((s) => s.instruments ?? []))];
  const secs = Number(o.barSeconds ?? '60');
  if (!(Number.isInteger(secs) && secs >= 0 && secs <= 86_400)) throw new EngineError('usage.bad_bar_seconds', `--bar-seconds must be a whole number of seconds from 0 to 86400, got "${o.barSeconds}"`);
  return { instruments, barMs: secs === 0 ? null : secs * 1000, live: o.live === true, ...(process.stdin.isTTY ? { ask: askOnTerminal } : {}) };
}

/** Asks one line on the terminal (the live confirmation). */
async function askOnTerminal(prompt: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(prompt);
  } finally {
    rl.close();
  }
}
