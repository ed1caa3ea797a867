/**
 * The v20 streams (streaming host, NDJSON over a long-lived chunked GET): a generic reconnecting
 * line stream and its two uses.
 *
 * `NdjsonStream`: one connection at a time; lines go through NdjsonLineReader (never a raw chunk
 * parsed); reconnects with exponential backoff and jitter after any end, error, non-200 answer or a
 * watchdog verdict; new connections are paced by the shared ConnectionGate. The watchdog runs every
 * `checkMs` and asks the subclass whether the connection is still healthy. A malformed line is an
 * `oanda.stream_line` error event and the stream goes on.
 *
 * `PricingStream`: prices and heartbeats. Freshness is per instrument and separate from heartbeats:
 * an instrument is stale when no PRICE line came for it for `priceStaleMs`; `onFreshness` reports
 * each change. When no PRICE line at all came for `restartAfterMs` (default 10 s) - heartbeats do not
 * count - or no line at all for `silenceMs`, the stream is restarted (snapshot=true brings every price
 * again).
 *
 * `TransactionStream`: transactions in id order, each exactly once. After every (re)connect it first
 * backfills with `sinceid` from the last id it delivered, holding stream lines until that is done;
 * lines with ids already delivered are dropped; a heartbeat whose `lastTransactionID` is ahead of the
 * last delivered id triggers another backfill (a gap). No heartbeat for `restartAfterMs` (default 20 s)
 * restarts the stream.
 *
 * All timings are options (tests use short ones); `now` is injectable.
 */
import http from 'node:http';
import https from 'node:https';
import { errorFromAnswer } from './http-client';
import { OandaError, toOandaError } from './errors';
import { NdjsonLineReader } from './line-reader';
import { ConnectionGate, pacedAgentFor } from './rate-limit';
import { Backoff } from './retry';
import { ClientPriceSchema, PricingHeartbeatSchema, TransactionHeartbeatSchema, TransactionSchema, type V20Price, type V20Transaction } from './schemas';

export type StreamState = 'idle' | 'connecting' | 'connected' | 'waiting' | 'closed';

export interface StreamStatus {
  stream: string;
  state: StreamState;
  /** Why the last connection ended or why it is waiting (`ended`, `stale_prices`, `no_heartbeat`, an error code). */
  reason: string | null;
  connects: number;
}

export interface NdjsonStreamOptions {
  baseUrl: string;
  token: string;
  gate?: ConnectionGate;
  name: string;
  /** Path and query of each connection (asked again on each reconnect). */
  target: () => { path: string; query: Record<string, string> };
  backoff?: Backoff;
  /** No response headers within this: restart (ms). */
  connectTimeoutMs?: number;
  /** Watchdog period (ms). */
  checkMs?: number;
  now?: () => number;
  onError?: (err: OandaError) => void;
  onStatus?: (s: StreamStatus) => void;
}

export abstract class NdjsonStream {
  protected readonly opts: NdjsonStreamOptions;
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly backoff: Backoff;
  private readonly reader: NdjsonLineReader;
  protected readonly now: () => number;
  private req: http.ClientRequest | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private connectTimer: NodeJS.Timeout | null = null;
  private generation = 0;
  protected connectedAt = 0;
  protected lastLineAt = 0;
  state: StreamState = 'idle';
  connects = 0;
  /** Malformed lines seen. */
  badLines = 0;

  constructor(opts: NdjsonStreamOptions) {
    this.opts = opts;
    this.base = new URL(opts.baseUrl);
    this.now = opts.now ?? Date.now;
    this.backoff = opts.backoff ?? new Backoff();
    this.agent = pacedAgentFor(this.base, { gate: opts.gate ?? new ConnectionGate(), maxSockets: 2 });
    this.reader = new NdjsonLineReader({
      onLine: (v) => {
        this.lastLineAt = this.now();
        this.line(v);
      },
      onError: (e) => {
        this.badLines++;
        this.error(e);
      },
    });
  }

  start(): void {
    if (this.state !== 'idle') return;
    this.watchdog = setInterval(() => this.check(), this.opts.checkMs ?? 1000);
    this.watchdog.unref();
    this.connect();
  }

  close(): void {
    this.setState('closed', 'closed');
    this.generation++;
    if (this.watchdog) clearInterval(this.watchdog);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.req?.destroy();
    this.req = null;
    this.agent.destroy();
  }

  /** Ends the current connection and reconnects after a backoff delay. */
  restart(reason: string): void {
    if (this.state === 'closed' || this.state === 'idle') return;
    this.generation++;
    this.req?.destroy();
    this.req = null;
    if (this.connectTimer) clearTimeout(this.connectTimer);
    if (this.reader.reset()) this.error(new OandaError('oanda.stream_cut', `${this.opts.name} stream ended in the middle of a line`));
    this.onDisconnect();
    const delay = this.backoff.next();
    this.setState('waiting', reason);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
    this.retryTimer.unref();
  }

  protected abstract line(value: Record<string, unknown>): void;
  /** The reason to restart the connection now, or null when it is healthy. */
  protected abstract health(now: number): string | null;
  protected onConnected(): void {}
  protected onDisconnect(): void {}

  protected error(e: OandaError): void {
    this.opts.onError?.(e);
  }

  private setState(state: StreamState, reason: string | null): void {
    this.state = state;
    this.opts.onStatus?.({ stream: this.opts.name, state, reason, connects: this.connects });
  }

  private check(): void {
    if (this.state !== 'connected') return;
    const why = this.health(this.now());
    if (why !== null) {
      this.error(new OandaError(`oanda.stream_${why}`, `${this.opts.name} stream: ${why.replace(/_/g, ' ')}; reconnecting`));
      this.restart(why);
    }
  }

  private connect(): void {
    if (this.state === 'closed') return;
    const gen = ++this.generation;
    this.setState('connecting', null);
    const { path, query } = this.opts.target();
    const url = new URL(this.base.pathname.replace(/\/$/, '') + path, this.base);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const lib = url.protocol === 'https:' ? https : http;
    const what = `GET ${path}`;
    const fail = (e: OandaError) => {
      if (gen !== this.generation) return;
      this.error(e);
      this.restart(e.code);
    };
    const req = lib.request(url, { method: 'GET', agent: this.agent, headers: { Authorization: `Bearer ${this.opts.token}`, 'Accept-Datetime-Format': 'RFC3339' } }, (res) => {
      if (gen !== this.generation) {
        res.destroy();
        return;
      }
      if (this.connectTimer) clearTimeout(this.connectTimer);
      if (res.statusCode !== 200) {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          if (chunks.length < 64) chunks.push(c);
        });
        res.on('end', () => {
          let json: unknown;
          try {
            json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            json = undefined;
          }
          fail(errorFromAnswer(res.statusCode ?? 0, json, res.headers, what));
        });
        res.on('error', (e) => fail(toOandaError(e, what)));
        return;
      }
      this.connects++;
      this.connectedAt = this.now();
      this.lastLineAt = this.connectedAt;
      this.setState('connected', null);
      this.onConnected();
      res.on('data', (c: Buffer) => {
        if (gen === this.generation) this.reader.push(c);
      });
      res.on('end', () => fail(new OandaError('oanda.stream_ended', `${this.opts.name} stream ended by the server`)));
      res.on('aborted', () => fail(new OandaError('oanda.stream_ended', `${this.opts.name} stream connection closed`)));
      res.on('error', (e) => fail(toOandaError(e, what)));
    });
    this.req = req;
    req.on('error', (e) => fail(toOandaError(e, what)));
    this.connectTimer = setTimeout(() => fail(new OandaError('oanda.timeout', `${this.opts.name} stream: no answer within ${this.opts.connectTimeoutMs ?? 10_000} ms`)), this.opts.connectTimeoutMs ?? 10_000);
    this.connectTimer.unref();
    req.end();
  }

  /** A healthy connection resets the reconnect backoff (called by subclasses on good data). */
  protected healthy(): void {
    this.backoff.reset();
  }
}

// ------------------------------------------------------------------ pricing

export interface PricingStreamOptions extends Omit<NdjsonStreamOptions, 'name' | 'target'> {
  accountId: string;
  instruments: readonly string[];
  onPrice: (p: V20Price) => void;
  onHeartbeat?: (time: string) => void;
  /** An instrument without a price for this long is stale (ms, default 10 000). */
  priceStaleMs?: number;
  /** No price line at all for this long restarts the stream (ms, default 10 000). */
  restartAfterMs?: number;
  /** No line at all (not even a heartbeat) for this long restarts the stream (ms, default 10 000). */
  silenceMs?: number;
  onFreshness?: (instrument: string, fresh: boolean) => void;
}

export class PricingStream extends NdjsonStream {
  private readonly p: PricingStreamOptions;
  private readonly lastPriceAt = new Map<string, number>();
  private readonly fresh = new Map<string, boolean>();
  private lastAnyPriceAt = 0;
  heartbeats = 0;
  prices = 0;

  constructor(opts: PricingStreamOptions) {
    super({
      ...opts,
      name: 'pricing',
      target: () => ({ path: `/v3/accounts/${encodeURIComponent(opts.accountId)}/pricing/stream`, query: { instruments: opts.instruments.join(','), snapshot: 'true' } }),
    });
    this.p = opts;
    for (const i of opts.instruments) this.fresh.set(i, false);
  }

  /** Whether `instrument` had a price within `priceStaleMs`. */
  isFresh(instrument: string, now = this.now()): boolean {
    const t = this.lastPriceAt.get(instrument);
    return t !== undefined && now - t < (this.p.priceStaleMs ?? 10_000);
  }

  /** Milliseconds since the last price of `instrument` (Infinity before the first). */
  priceAgeMs(instrument: string, now = this.now()): number {
    const t = this.lastPriceAt.get(instrument);
    return t === undefined ? Infinity : now - t;
  }

  protected override onConnected(): void {
    this.lastAnyPriceAt = this.now();
  }

  protected line(v: Record<string, unknown>): void {
    if (v['type'] === 'HEARTBEAT') {
      const hb = PricingHeartbeatSchema.safeParse(v);
      if (!hb.success) return this.error(new OandaError('oanda.stream_line', `pricing heartbeat does not match the schema: ${JSON.stringify(v).slice(0, 200)}`));
      this.heartbeats++;
      this.p.onHeartbeat?.(hb.data.time);
      return;
    }
    const parsed = ClientPriceSchema.safeParse(v);
    if (!parsed.success) return this.error(new OandaError('oanda.stream_line', `pricing line does not match the schema: ${JSON.stringify(v).slice(0, 200)}`));
    const now = this.now();
    this.prices++;
    this.lastAnyPriceAt = now;
    this.lastPriceAt.set(parsed.data.instrument, now);
    this.setFresh(parsed.data.instrument, true);
    this.healthy();
    try {
      this.p.onPrice(parsed.data);
    } catch (e) {
      this.error(new OandaError('oanda.handler_failed', `price handler failed: ${(e as Error).message}`));
    }
  }

  protected health(now: number): string | null {
    for (const i of this.p.instruments) if (!this.isFresh(i, now)) this.setFresh(i, false);
    if (now - this.lastLineAt >= (this.p.silenceMs ?? 10_000)) return 'silent';
    if (now - this.lastAnyPriceAt >= (this.p.restartAfterMs ?? 10_000)) return 'stale_prices';
    return null;
  }

  protected override onDisconnect(): void {
    const now = this.now();
    for (const i of this.p.instruments) if (!this.isFresh(i, now)) this.setFresh(i, false);
  }

  private setFresh(instrument: string, fresh: boolean): void {
    if (this.fresh.get(instrument) === fresh) return;
    this.fresh.set(instrument, fresh);
    this.p.onFreshness?.(instrument, fresh);
  }
}

// ------------------------------------------------------------------ transactions

export interface TransactionStreamOptions extends Omit<NdjsonStreamOptions, 'name' | 'target'> {
  accountId: string;
  /** Id of the last transaction already applied (the account snapshot's lastTransactionID). */
  sinceId: string;
  /** Fetches every transaction with id > `id` (GET transactions/sinceid). */
  backfill: (id: string) => Promise<V20Transaction[]>;
  onTransaction: (tx: V20Transaction) => void;
  onHeartbeat?: (lastTransactionID: string, time: string) => void;
  /** No heartbeat for this long restarts the stream (ms, default 20 000). */
  restartAfterMs?: number;
}

export class TransactionStream extends NdjsonStream {
  private readonly t: TransactionStreamOptions;
  private lastId: bigint;
  private lastHeartbeatAt = 0;
  /** Lines held while a backfill runs. */
  private held: V20Transaction[] | null = null;
  private backfilling: Promise<void> | null = null;
  heartbeats = 0;
  backfills = 0;

  constructor(opts: TransactionStreamOptions) {
    super({ ...opts, name: 'transactions', target: () => ({ path: `/v3/accounts/${encodeURIComponent(opts.accountId)}/transactions/stream`, query: {} }) });
    this.t = opts;
    this.lastId = BigInt(opts.sinceId);
  }

  /** Whether a sinceid backfill is running. */
  get backfillRunning(): boolean {
    return this.backfilling !== null;
  }

  /** Id of the last transaction delivered. */
  get lastTransactionId(): string {
    return this.lastId.toString();
  }

  protected override onConnected(): void {
    this.lastHeartbeatAt = this.now();
    this.runBackfill();
  }

  protected line(v: Record<string, unknown>): void {
    if (v['type'] === 'HEARTBEAT') {
      const hb = TransactionHeartbeatSchema.safeParse(v);
      if (!hb.success) return this.error(new OandaError('oanda.stream_line', `transaction heartbeat does not match the schema: ${JSON.stringify(v).slice(0, 200)}`));
      this.heartbeats++;
      this.lastHeartbeatAt = this.now();
      this.healthy();
      this.t.onHeartbeat?.(hb.data.lastTransactionID, hb.data.time);
      if (BigInt(hb.data.lastTransactionID) > this.lastId && this.held === null) this.runBackfill();
      return;
    }
    const parsed = TransactionSchema.safeParse(v);
    if (!parsed.success) return this.error(new OandaError('oanda.stream_line', `transaction line does not match the schema: ${JSON.stringify(v).slice(0, 200)}`));
    if (this.held !== null) this.held.push(parsed.data);
    else this.deliver(parsed.data);
  }

  protected health(now: number): string | null {
    if (now - this.lastHeartbeatAt >= (this.t.restartAfterMs ?? 20_000)) return 'no_heartbeat';
    return null;
  }

  protected override onDisconnect(): void {
    // Lines held for a backfill that will not finish on this connection: the next backfill covers them.
    this.held = null;
  }

  private deliver(tx: V20Transaction): void {
    const id = BigInt(tx.id);
    if (id <= this.lastId) return;
    if (id > this.lastId + 1n && this.held === null) {
      // A gap on a live connection: fetch what is missing first, then this line.
      this.held = [tx];
      this.runBackfill(true);
      return;
    }
    this.lastId = id;
    this.emit(tx);
  }

  /** Hands a transaction to the owner; a failing handler is an error event, never a broken stream. */
  private emit(tx: V20Transaction): void {
    try {
      this.t.onTransaction(tx);
    } catch (e) {
      this.error(new OandaError('oanda.handler_failed', `transaction ${tx.id} (${tx.type}) handler failed: ${(e as Error).message}`));
    }
  }

  private runBackfill(alreadyHolding = false): void {
    if (this.backfilling) return;
    if (!alreadyHolding) this.held = this.held ?? [];
    const from = this.lastId.toString();
    this.backfills++;
    const run = (async () => {
      try {
        const txs = await this.t.backfill(from);
        const held = this.held ?? [];
        this.held = null;
        for (const tx of [...txs].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1))) {
          const id = BigInt(tx.id);
          if (id <= this.lastId) continue;
          this.lastId = id;
          this.emit(tx);
        }
        for (const tx of held) this.deliver(tx);
      } catch (e) {
        this.held = null;
        const err = toOandaError(e, 'GET transactions/sinceid');
        this.error(new OandaError('oanda.backfill_failed', `transaction backfill from ${from} failed: ${err.message}`, err.details));
        this.restart('backfill_failed');
      } finally {
        this.backfilling = null;
      }
    })();
    this.backfilling = run;
  }
}
