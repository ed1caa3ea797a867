/**
 * A v20-compatible test server, written from the spec (../shared/reference/oanda-v20/v20.json and
 * API-NOTES.md): accounts, instruments, candles, pricing and its stream, orders, trades, positions,
 * transactions and their stream, changes — on 127.0.0.1, a REST host and a streaming host on two ports,
 * with fault switches (faults.ts). Deterministic: candles come from `seed`; prices move only by
 * `setPrice`; times come from `now` (the wall clock unless a test passes its own); IDs are sequential.
 *
 * The account starts with two transactions — CREATE (1) and TRANSFER_FUNDS of the starting balance
 * (2) — so lastTransactionID is "2". Modules: decimal, time, instruments, market, model, account, changes,
 * orders (request validation), matching (fills, triggers), venue (operations), transactions (log),
 * candles, streams, faults, routes, http.
 */
import * as D from './decimal';
import { Account } from './account';
import { DEFAULT_MALFORMED_LINE, FaultState, hostsOf, kindsOf, type CutMode, type HostSelector, type StreamSelector } from './faults';
import { HttpFront, type ConnectionRecord, type RequestRecord } from './http';
import { DEFAULT_INSTRUMENTS, resolveInstruments, type V20InstrumentInit } from './instruments';
import { Market } from './market';
import type { Outcome } from './matching';
import type { Core } from './routes';
import type { StreamInfo } from './streams';
import { Streams } from './streams';
import { parseTime } from './time';
import { TransactionLog, type Txn } from './transactions';
import { Venue, type ForcedOutcome } from './venue';

export type { RequestRecord, ConnectionRecord } from './http';
export type { StreamKind, StreamSelector, CutMode } from './faults';
export type { V20InstrumentInit, InstrumentDef } from './instruments';
export type { Txn } from './transactions';
export { CATALOGUE, DEFAULT_INSTRUMENTS } from './instruments';
export { formatTime, parseTime } from './time';

export interface V20TestServerOptions {
  /** Default "101-001-1000000-001". */
  accountId?: string;
  /** Home currency, default "USD". */
  currency?: string;
  /** Starting balance (decimal), default "100000". */
  balance?: string;
  /** Names from the catalogue or definitions; default EUR_USD, USD_JPY, GBP_USD, EUR_JPY, AUD_USD. */
  instruments?: readonly V20InstrumentInit[];
  /** Hedging account (opposite trades coexist). Default false (netting). */
  hedging?: boolean;
  /** US FIFO rules (close oldest first). Default false. Cannot be combined with hedging. */
  fifo?: boolean;
  /** Bearer token, default "test-token". */
  token?: string;
  /** Stream heartbeat period, default 5000 ms as OANDA. */
  heartbeatMs?: number;
  /** Seed of the candle generator, default 1. */
  seed?: number;
  /** Account marginRate (decimal), default "0.02"; instruments' own rates apply when higher. */
  marginRate?: string;
  /** Account alias, default "Primary". */
  alias?: string;
  /** The server's clock (epoch ms), default Date.now. */
  now?: () => number;
  /** REST requests allowed per second before 429, default 120 (OANDA's limit); null: unlimited. */
  rateLimitPerSecond?: number | null;
}

export type RejectableReason = 'INSUFFICIENT_MARGIN' | 'MARKET_HALTED' | 'FIFO_VIOLATION' | (string & {});

export interface V20Faults {
  /** The next `n` requests on the host(s) get 429 without being processed. */
  http429(n: number, host?: HostSelector): void;
  /** The next `n` requests on the host(s) get 503 without being processed. */
  http503(n: number, host?: HostSelector): void;
  /** Open streams of `kind` go silent for good; new ones too until resumeStreams(). */
  stallStreams(kind?: StreamSelector): void;
  /** New streams work again (stalled open ones stay stalled: drop them or let the client reconnect). */
  resumeStreams(kind?: StreamSelector): void;
  /** Streams of `kind` send heartbeats only (no PRICE / transaction lines) while on. */
  heartbeatsOnly(on: boolean, kind?: StreamSelector): void;
  /** Cuts open streams of `kind`; returns how many. */
  dropStreamConnections(kind?: StreamSelector, mode?: 'destroy' | 'end'): number;
  /** Stream output in chunks of `chunkSize` bytes (true: 7), `delayMs` apart (default 3); false: off. */
  splitLines(on: boolean | number, delayMs?: number): void;
  /** A line that is not JSON to open streams of `kind` (default pricing), or the next one to open. */
  malformedLine(kind?: StreamSelector, text?: string): number;
  /** The next POST …/orders is accepted then cancelled with `reason` (or rejected, `as: 'reject'`). */
  rejectNextOrder(reason: RejectableReason, opts?: { as?: 'cancel' | 'reject' }): void;
  /** The next POST …/orders executes, but its reply is lost. */
  cutNextOrderReply(mode?: CutMode): void;
  /** The next request matching method and path executes, but its reply is lost. */
  cutNextReply(method: string, path: RegExp, mode?: CutMode): void;
  /** The next `n` REST replies are written `ms` late. */
  delayReplies(ms: number, n?: number): void;
  /** The instrument stops (or resumes) trading. */
  haltMarket(instrument: string, halted?: boolean): void;
  /** All switches off. */
  reset(): void;
}

export interface V20TestServer {
  restUrl: string;
  streamUrl: string;
  token: string;
  accountId: string;
  /** Moves the market: streams a PRICE line, moves trailing stops, fills triggered orders. */
  setPrice(instrument: string, bid: string, ask: string, time?: number | string): void;
  faults: V20Faults;
  /** A market order placed outside the app (on OANDA's platform): its transactions appear as usual. */
  externalTrade(instrument: string, units: string, opts?: { tradeClientExtensions?: { id?: string; tag?: string; comment?: string } }): Outcome;
  /** Closes a trade (all or `units`) outside the app. */
  externalCloseTrade(tradeID: string, units?: string): Outcome;
  /** Every request received, in order. */
  requests: RequestRecord[];
  /** Every TCP connection accepted. */
  connections: ConnectionRecord[];
  /** Every stream opened. */
  streams: StreamInfo[];
  /** Open streams now. */
  openStreams(kind?: 'pricing' | 'transactions'): number;
  /** Server bugs caught while handling requests (should stay empty). */
  errors: Error[];
  lastTransactionID(): string;
  transactions(): readonly Txn[];
  close(): Promise<void>;
}

export async function startV20TestServer(opts: V20TestServerOptions = {}): Promise<V20TestServer> {
  const now = opts.now ?? Date.now;
  const accountId = opts.accountId ?? '101-001-1000000-001';
  const currency = opts.currency ?? 'USD';
  const token = opts.token ?? 'test-token';
  if (token === '') throw new Error('oanda-server: empty token');
  if (opts.hedging && opts.fifo) throw new Error('oanda-server: US FIFO accounts cannot hedge');
  const balance = D.parseDec(opts.balance ?? '100000');
  if (balance === null || balance < 0n || !D.fitsPlaces(balance, 4)) throw new Error('oanda-server: bad balance');
  const marginRate = D.parseDec(opts.marginRate ?? '0.02');
  if (marginRate === null || marginRate <= 0n || marginRate > D.ONE) throw new Error('oanda-server: bad marginRate');
  const heartbeatMs = opts.heartbeatMs ?? 5000;
  if (!(heartbeatMs > 0)) throw new Error('oanda-server: heartbeatMs must be positive');

  const instruments = resolveInstruments(opts.instruments ?? DEFAULT_INSTRUMENTS);
  const start = now();
  const market = new Market(instruments, currency, start);
  const userID = 1000000;
  const log = new TransactionLog(accountId, userID);
  const account = new Account({ id: accountId, alias: opts.alias ?? 'Primary', currency, hedging: !!opts.hedging, fifo: !!opts.fifo, marginRate, userID, createdTime: start }, market, log);
  const venue = new Venue(account, market, log, now);
  const faultState = new FaultState();
  const streams = new Streams(faultState, market, log, heartbeatMs, now);

  // The account's history starts with its creation and first deposit.
  const opening = log.begin(start);
  const [site, division, , number] = accountId.split('-').map(Number);
  opening.add({
    type: 'CREATE',
    divisionID: Number.isFinite(division) ? division : 1,
    siteID: Number.isFinite(site) ? site : 101,
    accountUserID: userID,
    accountNumber: Number.isFinite(number) ? number : 1,
    homeCurrency: currency,
  });
  account.balance = balance;
  opening.add({ type: 'TRANSFER_FUNDS', amount: D.money(balance), fundingReason: 'CLIENT_FUNDING', accountBalance: D.money(balance) });
  opening.commit();

  let restUrl = '';
  const core: Core = {
    account,
    market,
    log,
    venue,
    streams,
    seed: opts.seed ?? 1,
    now,
    restUrl: () => restUrl,
    takeForcedOrder: () => {
      const f = faultState.nextOrder ?? undefined;
      faultState.nextOrder = null;
      return f;
    },
  };
  const front = new HttpFront(core, faultState, { token, rateLimitPerSecond: opts.rateLimitPerSecond === undefined ? 120 : opts.rateLimitPerSecond });
  const ports = await front.listen();
  restUrl = `http://127.0.0.1:${ports.rest}`;

  market.onPrice((instrument) => venue.priceChanged(instrument));

  const faults: V20Faults = {
    http429: (n, host = 'rest') => {
      for (const h of hostsOf(host)) faultState.refuse[h].push({ status: 429, left: n });
    },
    http503: (n, host = 'rest') => {
      for (const h of hostsOf(host)) faultState.refuse[h].push({ status: 503, left: n });
    },
    stallStreams: (kind = 'all') => {
      const kinds = kindsOf(kind);
      for (const k of kinds) faultState.stalled[k] = true;
      streams.stall(kinds);
    },
    resumeStreams: (kind = 'all') => {
      for (const k of kindsOf(kind)) faultState.stalled[k] = false;
    },
    heartbeatsOnly: (on, kind = 'pricing') => {
      for (const k of kindsOf(kind)) faultState.heartbeatsOnly[k] = on;
    },
    dropStreamConnections: (kind = 'all', mode = 'destroy') => streams.drop(kindsOf(kind), mode),
    splitLines: (on, delayMs = 3) => {
      faultState.split = on === false ? null : { chunkSize: on === true ? 7 : Math.max(1, Math.floor(on)), delayMs };
    },
    malformedLine: (kind = 'pricing', text = DEFAULT_MALFORMED_LINE) => {
      if (text.includes('\n')) throw new Error('oanda-server: a malformed line cannot contain a newline');
      return streams.malformed(kindsOf(kind), text);
    },
    rejectNextOrder: (reason, o = {}) => {
      faultState.nextOrder = { reason, as: o.as ?? 'cancel' } satisfies ForcedOutcome;
    },
    cutNextOrderReply: (mode = 'before-headers') => {
      faultState.cuts.push({ method: 'POST', path: /^\/v3\/accounts\/[^/]+\/orders$/, mode });
    },
    cutNextReply: (method, path, mode = 'before-headers') => {
      faultState.cuts.push({ method: method.toUpperCase(), path, mode });
    },
    delayReplies: (ms, n = 1) => {
      faultState.delay = { ms, left: n };
    },
    haltMarket: (instrument, halted = true) => {
      market.setTradeable(instrument, !halted, now());
    },
    reset: () => {
      faultState.reset();
      for (const name of market.names()) market.setTradeable(name, true, now());
    },
  };

  const parseUnits = (instrument: string, units: string): D.Dec => {
    const def = market.def(instrument);
    if (!def) throw new Error(`oanda-server: unknown instrument ${instrument}`);
    const u = D.parseDec(units);
    if (u === null || u === 0n || !D.fitsPlaces(u, def.tradeUnitsPrecision)) throw new Error(`oanda-server: bad units ${units}`);
    return u;
  };

  return {
    restUrl,
    streamUrl: `http://127.0.0.1:${ports.stream}`,
    token,
    accountId,
    setPrice(instrument, bid, ask, time) {
      const ms = time === undefined ? now() : typeof time === 'number' ? time : parseTime(time);
      if (ms === null) throw new Error(`oanda-server: setPrice: bad time ${String(time)}`);
      const b = D.parseDec(bid);
      const a = D.parseDec(ask);
      if (b === null || a === null) throw new Error(`oanda-server: setPrice: bad price ${bid}/${ask}`);
      market.set(instrument, b, a, ms);
    },
    faults,
    externalTrade(instrument, units, o = {}) {
      return venue.externalMarketOrder(instrument, parseUnits(instrument, units), o.tradeClientExtensions ? { tradeClientExtensions: o.tradeClientExtensions } : {});
    },
    externalCloseTrade(tradeID, units) {
      const trade = venue.openTrade(tradeID);
      if (!trade) throw new Error(`oanda-server: no open trade ${tradeID}`);
      const u = units === undefined ? D.abs(trade.currentUnits) : parseUnits(trade.instrument, units);
      const raw = units ?? 'ALL';
      return venue.externalMarketOrder(trade.instrument, trade.currentUnits > 0n ? -D.abs(u) : D.abs(u), {
        positionFill: 'REDUCE_ONLY',
        reason: 'TRADE_CLOSE',
        tradeClose: { tradeID: trade.id, units: raw },
      });
    },
    requests: front.requests,
    connections: front.connections,
    streams: streams.history,
    openStreams: (kind) => streams.openCount(kind),
    errors: front.errors,
    lastTransactionID: () => account.lastTransactionID(),
    transactions: () => log.all(),
    close: async () => {
      streams.closeAll();
      await front.close();
    },
  };
}
