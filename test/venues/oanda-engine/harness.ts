/**
 * The engine process's OANDA session (engine/node/oanda/oanda-session.ts) against the v20 test server
 * on 127.0.0.1, as engine/node/main.ts runs it: a real journal file in a temporary data dir, the
 * trading state file, every input in a journal batch. Every bus event and every host alert is recorded;
 * `reopen` closes the session and opens a new one on the same data dir (a clean restart).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineEvent, EngineEventType, EventOf } from '../../../engine/core/events';
import { JOURNAL_FILE, Journal } from '../../../engine/node/journal';
import { OandaSession, type OandaSessionOptions } from '../../../engine/node/oanda/oanda-session';
import { JsonTradingStateStore } from '../../../engine/node/risk/json-trading-state-store';
import type { AlertInput } from '../../../engine/runtime/alerts/alert';
import { validateConfig } from '../../../engine/runtime/config';
import { Backoff } from '../../../engine/venues/oanda/retry';
import { startV20TestServer, type V20TestServer, type V20TestServerOptions } from '../oanda-server';
import { RISK_OFF } from '../../unit/runtime/engine-harness';

export { until } from '../oanda-client/session';

export const PRICES: Record<string, [string, string]> = { EUR_USD: ['1.10000', '1.10010'], USD_JPY: ['150.000', '150.010'] };

/** The risk configuration of these tests: limits off except the quote-age limit (`risk.stale_price`). */
export function testConfig(quoteSeconds = 30): unknown {
  return { exposure: { max_portfolio_exposure_pct: null, max_open_positions: null }, risk: { ...RISK_OFF, stale_price: { bar_minutes: null, quote_seconds: quoteSeconds } } };
}

export interface EngineSession {
  server: V20TestServer;
  dir: string;
  session: OandaSession;
  journal: Journal;
  events: EngineEvent[];
  alerts: AlertInput[];
  of<T extends EngineEventType>(type: T, clientOrderId?: string): EventOf<T>[];
  /** A clean restart on the same data dir (the server keeps its account). */
  reopen(extra?: Partial<OandaSessionOptions>): Promise<void>;
  close(): Promise<void>;
}

export interface StartOptions {
  server?: V20TestServerOptions;
  /** An existing server (kept open on close). */
  useServer?: V20TestServer;
  quoteSeconds?: number;
  session?: Partial<OandaSessionOptions>;
  env?: Record<string, string>;
  /** Prices set before the session opens (default PRICES). */
  prices?: Record<string, [string, string]>;
  /** Skip reconcile + start (the test drives them). */
  manual?: boolean;
}

export function envFor(server: V20TestServer, extra: Record<string, string> = {}): Record<string, string> {
  return { OANDA_TOKEN: server.token, OANDA_ACCOUNT_ID: server.accountId, OANDA_REST_URL: server.restUrl, OANDA_STREAM_URL: server.streamUrl, ...extra };
}

export async function startEngineSession(opts: StartOptions = {}): Promise<EngineSession> {
  const server = opts.useServer ?? (await startV20TestServer({ heartbeatMs: 200, ...opts.server }));
  for (const [i, [b, a]] of Object.entries(opts.prices ?? PRICES)) server.setPrice(i, b, a);
  const dir = mkdtempSync(join(tmpdir(), 'tw-oanda-engine-'));
  const events: EngineEvent[] = [];
  const alerts: AlertInput[] = [];
  const { config, strategies } = validateConfig(testConfig(opts.quoteSeconds));
  let journal!: Journal;
  let session!: OandaSession;
  const open = async (extra: Partial<OandaSessionOptions> = {}) => {
    journal = new Journal({ path: join(dir, JOURNAL_FILE) });
    const j = journal;
    session = await OandaSession.open({
      dataDir: dir,
      journal: j,
      config,
      strategies,
      stateStore: new JsonTradingStateStore(join(dir, 'trading-state.json')),
      idPrefix: 'ENG',
      env: envFor(server, opts.env),
      instruments: ['EUR_USD', 'USD_JPY'],
      barMs: 1000,
      runInput: (fn) => (j.inBatch ? fn() : j.batch(fn)),
      client: { timeoutMs: 2000, retry: { baseDelayMs: 20, maxDelayMs: 200, maxAttempts: 5 } },
      venue: { changesPollMs: 0, lostReply: { attempts: 3, delayMs: 50 }, stream: { restartAfterMs: 1500, checkMs: 50, backoff: new Backoff(20, 200) } },
      pricing: { checkMs: 50, restartAfterMs: 1500, silenceMs: 1500, backoff: new Backoff(20, 200) },
      freshnessCheckMs: 50,
      reconcileRetryMs: 200,
      onAlert: (a) => alerts.push(a),
      ...opts.session,
      ...extra,
    });
    session.engine.kernel.bus.onAny((e) => events.push(e));
    if (!opts.manual) {
      await session.reconcile();
      session.start();
    }
  };
  await open();
  const h: EngineSession = {
    server,
    dir,
    get session() {
      return session;
    },
    get journal() {
      return journal;
    },
    events,
    alerts,
    of: (type, id) => events.filter((e) => e.type === type && (id === undefined || ('clientOrderId' in e && e.clientOrderId === id))) as never,
    reopen: async (extra) => {
      await session.close();
      journal.close();
      await open(extra);
    },
    close: async () => {
      await session.close();
      journal.close();
      if (!opts.useServer) await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return h;
}

/** POST …/orders requests the server received, with their client order ids (none when refused before the body was read). */
export function orderPosts(server: V20TestServer): { clientId: string | undefined; outcome: string | undefined }[] {
  return server.requests
    .filter((r) => r.method === 'POST' && /\/orders$/.test(r.path))
    .map((r) => ({ clientId: (r.body as { order?: { clientExtensions?: { id?: string } } } | undefined)?.order?.clientExtensions?.id, outcome: r.outcome }));
}
