/**
 * A live-mode engine session against the v20 test server on 127.0.0.1: a real TradingEngine (risk,
 * order manager, portfolio) over the OandaVenue, prices fed from the pricing stream into the engine,
 * as the engine process wires it. Every bus event is recorded; `until` polls a condition.
 */
import { WallClock } from '../../../engine/core/clock';
import type { EngineEvent, EngineEventType, EventOf } from '../../../engine/core/events';
import type { Instrument } from '../../../engine/core/instrument';
import { validateConfig } from '../../../engine/runtime/config';
import { TradingEngine } from '../../../engine/runtime/trading-engine';
import { connectOanda, createOandaVenue, type OandaConnection } from '../../../engine/venues/oanda/client';
import { resolveOandaConfig } from '../../../engine/venues/oanda/config';
import type { OandaError } from '../../../engine/venues/oanda/errors';
import type { OandaVenue, OandaVenueOptions } from '../../../engine/venues/oanda/oanda-venue';
import { Backoff } from '../../../engine/venues/oanda/retry';
import type { V20Transaction } from '../../../engine/venues/oanda/schemas';
import { PricingStream } from '../../../engine/venues/oanda/stream';
import { fillTicks, v20Time } from '../../../engine/venues/oanda/mapping';
import { startV20TestServer, type V20TestServer, type V20TestServerOptions } from '../oanda-server';
import { NO_LIMITS } from '../../unit/runtime/engine-harness';

export interface Session {
  server: V20TestServer;
  conn: OandaConnection;
  venue: OandaVenue;
  engine: TradingEngine;
  instruments: Instrument[];
  pricing: PricingStream;
  events: EngineEvent[];
  errors: OandaError[];
  external: V20Transaction[];
  of<T extends EngineEventType>(type: T, clientOrderId?: string): EventOf<T>[];
  close(): Promise<void>;
}

export async function until(cond: () => boolean, ms = 8000, what = 'condition'): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function startSession(
  opts: { server?: V20TestServerOptions; venue?: Partial<Omit<OandaVenueOptions, 'instruments'>>; prices?: Record<string, [string, string]>; pricing?: { priceStaleMs?: number; restartAfterMs?: number; silenceMs?: number } } = {},
): Promise<Session> {
  const server = await startV20TestServer({ heartbeatMs: 200, ...opts.server });
  const initial: Record<string, [string, string]> = opts.prices ?? { EUR_USD: ['1.10000', '1.10010'], USD_JPY: ['150.000', '150.010'] };
  const prices = Object.entries(initial).map(([i, ba]): [string, string, string] => [i, ba[0], ba[1]]);
  for (const [i, b, a] of prices) server.setPrice(i, b, a);
  const config = resolveOandaConfig({ OANDA_TOKEN: server.token, OANDA_ACCOUNT_ID: server.accountId, OANDA_REST_URL: server.restUrl, OANDA_STREAM_URL: server.streamUrl });
  const conn = await connectOanda(config, { timeoutMs: 2000, retry: { baseDelayMs: 20, maxDelayMs: 200, maxAttempts: 5 } });
  const errors: OandaError[] = [];
  const external: V20Transaction[] = [];
  const { venue, instruments } = await createOandaVenue(conn, {
    instruments: ['EUR_USD', 'USD_JPY'],
    changesPollMs: 0,
    lostReply: { attempts: 3, delayMs: 50 },
    stream: { restartAfterMs: 1500, checkMs: 50, backoff: new Backoff(20, 200) },
    onError: (e) => errors.push(e),
    onExternal: (tx) => external.push(tx),
    ...opts.venue,
  });
  const { config: engineConfig } = validateConfig(NO_LIMITS);
  const engine = new TradingEngine({ clock: new WallClock(), venue, instruments, config: engineConfig, strategies: [], idPrefix: 'L' });
  const events: EngineEvent[] = [];
  engine.kernel.bus.onAny((e) => events.push(e));
  const byId = new Map(instruments.map((i) => [i.id, i]));
  const pricing = new PricingStream({
    baseUrl: conn.config.streamUrl, token: conn.config.token, gate: conn.gate, accountId: conn.accountId, instruments: instruments.map((i) => i.id),
    onPrice: (p) => {
      const inst = byId.get(p.instrument)!;
      const bid = p.bids[0]?.price;
      const ask = p.asks[0]?.price;
      if (!bid || !ask) return;
      const scale = 10 ** inst.pricePrecision;
      engine.onQuote({ instrumentId: p.instrument, ts: v20Time(p.time), bid: fillTicks(inst, bid) / scale, ask: fillTicks(inst, ask) / scale });
    },
    onError: (e) => errors.push(e), checkMs: 50, backoff: new Backoff(20, 200), ...opts.pricing,
  });
  pricing.start();
  await venue.start();
  // Both streams up (the second waits for the connection pace), the first backfill done, prices fresh.
  await until(() => venue.transactionStream?.state === 'connected' && !venue.transactionStream.backfillRunning && pricing.state === 'connected', 5000, 'streams');
  for (const [i, b, a] of prices) server.setPrice(i, b, a);
  await until(() => instruments.every((i) => pricing.isFresh(i.id)), 5000, 'fresh prices');
  return {
    server, conn, venue, engine, instruments, pricing, events, errors, external,
    of: (type, id) => events.filter((e) => e.type === type && (id === undefined || ('clientOrderId' in e && e.clientOrderId === id))) as never,
    close: async () => {
      pricing.close();
      await venue.close();
      conn.close();
      await server.close();
    },
  };
}
