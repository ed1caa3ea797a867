/**
 * The engine process: the one entry that `npm run engine`, `--engine-only` (plain Node or the Electron
 * binary) and, later, Electron's utilityProcess run. Headless: a paper session on replayed bars, its
 * every input journaled, served over WebSocket + HTTP (and over IPC when forked with a channel).
 *
 *   npm run engine -- [--config file.yaml] [--data-dir dir] [--data file|dir] [--symbols A,B]
 *                     [--from date] [--to date] [--resolution res] [--strategy name] [--param k=v]
 *                     [--speed x] [--host addr] [--port n]
 *   npm run engine -- --venue oanda [--live] [--symbols EUR_USD,USD_JPY] [--bar-seconds 60] ...
 *     an OANDA v20 session instead of the paper one (engine/node/oanda/oanda-session.ts; OANDA_TOKEN,
 *     practice unless --live, which also needs the typed confirmation on the first start)
 *
 * Start: the configuration is loaded and validated whole (every problem listed, nothing started
 * half-configured); the data dir (default: the per-user data dir, engine/node/journal/data-dir.ts)
 * holds the journal (`journal.sqlite`), the paper venue's own books (`paper-venue.sqlite`,
 * engine/node/paper/paper-venue-store.ts), the trading state (`trading-state.json`, HALTED survives a
 * restart until re-armed) and the token (`engine-token`, 0600, made on first start unless
 * TW_ENGINE_TOKEN is set; never logged, never journaled). Then, in this order:
 *   1. the engine is restored from the journal (rebuildState into the live engine, then
 *      engine/runtime/restore.ts): orders, positions, cash, trades, id counters, bracket relations,
 *      risk counters and baselines; it starts RECONCILING (no trading);
 *   2. the paper venue continues from its books (working orders, account, ids), and the replay
 *      continues after the market time the previous run reached;
 *   3. the server listens (a busy port never trades; `/readyz` is 503 while RECONCILING);
 *   4. reconciliation with the venue (engine/runtime/reconcile.ts): missed venue transactions applied,
 *      differences adopted and journaled; then the state from before the restart (HALTED stays HALTED).
 *      If the venue's books are missing or behind the journal, the engine stays RECONCILING, trades
 *      nothing and says why (log `reconcile_failed`, ReconciliationCompleted `failed`, /readyz 503);
 *   5. strategies and the replay start.
 * Each engine input (a replayed quote or bar, a protocol command, a flatten) runs in one journal batch,
 * committed before it is acknowledged; an order's id is on disk before the venue sees it.
 *
 * Stop (SIGTERM, SIGINT): strategies stopped, positions kept or flattened per `engine.on_shutdown`
 * (the flatten is awaited up to `engine.shutdown_timeout_ms`), the server closed, the journal committed
 * and closed. Logs: pino JSON lines on stderr.
 *
 * Exit codes (sysexits, what a service manager acts on):
 *   0   clean stop
 *   64  bad command line
 *   65  bad market data
 *   75  temporary failure: the port is in use, the data dir is locked — retry later
 *   78  bad configuration (invalid file, empty token): restarting will not help
 *   70  internal error (journal write failure, a bug)
 */
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import pino, { type Logger } from 'pino';
import { WallClock } from '../core/clock';
import { PaperSession, type PaperSummary } from '../backtest/run-paper';
import { createEngineProtocol, type EngineProtocol } from '../protocol/handlers';
import type { ProtocolServer } from '../protocol/server';
import { EXIT, exitCodeFor } from './cli/run-cli';
import { addSessionOptions, loadSessionData, resolveSessionConfig, type SessionOptions } from './cli/session-options';
import { JOURNAL_FILE, Journal, resolveDataDir } from './journal';
import { reconcileSession, restorePaperSession, type RestoredPaperSession } from './paper/restore-session';
import { OandaSession, oandaArgs, oandaExitCode } from './oanda/oanda-session';
import { describeConfig } from '../venues/oanda/config';
import type { Instrument } from '../core/instrument';
import { EngineError, isEngineError } from '../core/errors';
import { createReportService } from './report/report-service';
import { startAlerting } from './alerts';
import { money } from '../core/money';
import { JsonTradingStateStore } from './risk/json-trading-state-store';
import { serveIpc } from './server/ipc-transport';
import { EngineMetrics } from './server/metrics';
import { engineReadiness, startEngineServer, type RunningEngineServer } from './server/ws-server';
import { errnoCode } from './errno';
import { parseNumberArg } from './cli/parse-args';
import { loadOrCreateToken } from './token';

export const ENGINE_EXIT = { ok: EXIT.ok, usage: EXIT.usage, data: EXIT.data, internal: EXIT.internal, config: EXIT.config, tempfail: 75 } as const;

export const STATE_FILE = 'trading-state.json';
/** Prefix of the engine's client order ids: fixed, so that numbers continue across restarts. */
export const ENGINE_ID_PREFIX = 'ENG';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const SAMPLE_DATA = join(ROOT, 'resources/sample-data');
const VERSION = '0.1.0';

interface Options extends SessionOptions {
  dataDir?: string;
  venue: string;
  live?: boolean;
  barSeconds: string;
  speed: string;
  host?: string;
  port?: string;
}

export interface RunEngineOptions {
  env?: Readonly<Record<string, string | undefined>>;
  /** Where logs go (default: stderr, synchronously, so nothing is lost at exit). */
  logger?: Logger;
  /** Install SIGTERM/SIGINT handlers (default true). */
  signals?: boolean;
  /** Serves the protocol to the host process (Electron's parentPort); returns its closer. Default: Node IPC when forked with a channel. */
  serveHost?: (server: ProtocolServer) => () => void;
}

function parseArgs(argv: string[]): Options {
  const program = addSessionOptions(new Command().name('engine').description('The headless trading engine: a paper session served over WebSocket + HTTP'), SAMPLE_DATA)
    .option('--data-dir <dir>', 'journal, trading state and token (default: the per-user data dir)')
    .option('--speed <x>', 'replay speed: 1 = real time, 60 = a minute per second, 0 = as fast as possible', '60')
    .option('--host <addr>', 'bind address (overrides engine.server.host)')
    .option('--port <n>', 'port, 0 = any free one (overrides engine.server.port)')
    .option('--venue <paper|oanda>', 'paper (replayed bars, local venue) or oanda (v20, engine/node/oanda: OANDA_TOKEN, practice unless --live)', 'paper')
    .option('--live', 'with --venue oanda: the LIVE environment (real money; typed confirmation on the first start)')
    .option('--bar-seconds <n>', 'with --venue oanda: bars built from the quotes for bar strategies, 0 = quotes only', '60')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  program.parse(argv, { from: 'user' });
  return program.opts<Options>();
}

function exitCodeOf(e: unknown): number {
  if (e instanceof CommanderError) return e.exitCode === 0 ? ENGINE_EXIT.ok : ENGINE_EXIT.usage;
  const code = (errnoCode(e) ?? '');
  if (code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL' || code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return ENGINE_EXIT.tempfail;
  if (isEngineError(e)) return oandaExitCode(e.code) ?? exitCodeFor(e.code);
  return ENGINE_EXIT.internal;
}

function errorFields(e: unknown): Record<string, unknown> {
  if (isEngineError(e)) return { code: e.code, details: e.details };
  const code = (errnoCode(e) ?? 'internal');
  return { code, ...(e instanceof Error && e.stack ? { stack: e.stack } : {}) };
}

/**
 * Runs the engine until it is stopped; resolves with the process exit code (the caller exits with it).
 * Never throws: every failure is logged and becomes an exit code.
 */
export async function runEngine(argv: string[], ro: RunEngineOptions = {}): Promise<number> {
  const env = ro.env ?? process.env;
  const log = ro.logger ?? pino({ name: 'engine', base: { pid: process.pid } }, pino.destination({ dest: 2, sync: true }));
  const cleanups: (() => Promise<void> | void)[] = [];
  const cleanup = async () => {
    for (const fn of cleanups.splice(0).reverse()) {
      try {
        await fn();
      } catch (err) {
        log.error({ err: errorFields(err) }, 'cleanup failed');
      }
    }
  };

  let lifecycle: 'starting' | 'ready' | 'stopping' = 'starting';
  let session: PaperSession | null = null;
  let oanda: OandaSession | null = null;
  try {
    const o = parseArgs(argv);
    const speed = parseNumberArg(o.speed, 'speed');
    // ---- configuration: validated whole before anything starts
    const { config, strategies, raw } = await resolveSessionConfig(o);
    const host = o.host ?? config.engine.server.host;
    const port = o.port !== undefined ? parseNumberArg(o.port, 'port', 65_535) : config.engine.server.port;
    const dataDir = resolve(resolveDataDir(o.dataDir, { platform: process.platform, env, home: homedir() }));
    log.info({ event: 'start', version: VERSION, dataDir, config: o.config ?? null, speed, onShutdown: config.engine.on_shutdown }, 'engine starting');
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const { token, source: tokenSource } = loadOrCreateToken(dataDir, env);

    // ---- journal and state from it
    let fatal: ((err: unknown) => void) | null = null;
    let exitCode: number = ENGINE_EXIT.ok;
    const j = new Journal({ path: join(dataDir, JOURNAL_FILE), onFatal: (err) => fatal?.(err) });
    cleanups.push(() => {
      if (j.db.open && j.failed === null) j.commit();
      j.close();
      log.info({ event: 'journal_closed', path: j.path }, 'journal closed');
    });
    const stateStore = new JsonTradingStateStore(join(dataDir, STATE_FILE));
    const runInBatch = <T>(fn: () => T): T => (j.inBatch ? fn() : j.batch(fn));
    const runInput = (fn: () => void) => {
      try {
        runInBatch(fn);
      } catch (err) {
        fatal?.(err);
      }
    };

    // ---- the engine, restored from the journal: an OANDA v20 session (--venue oanda, engine/node/oanda),
    // or a paper session whose venue continues from its own books
    let restored: RestoredPaperSession | null = null;
    let instruments: readonly Instrument[];
    if (o.venue === 'oanda') {
      const os = await OandaSession.open({ ...oandaArgs(o, strategies), dataDir, journal: j, config, strategies, stateStore, idPrefix: ENGINE_ID_PREFIX, env, runInput, log });
      oanda = os;
      cleanups.push(() => os.close());
      instruments = os.instruments;
      log.info({ event: 'journal_rebuilt', path: j.path, eventsReplayed: os.rebuilt.eventsReplayed, lastEventId: os.rebuilt.lastEventId, lastVenueTxId: os.rebuilt.lastVenueTxId, tradingState: os.rebuilt.tradingState?.state ?? null, positions: os.rebuilt.positions.map((p) => ({ instrumentId: p.instrumentId, qty: p.qty })), openOrders: os.rebuilt.openOrders.length, oanda: describeConfig(os.oanda) }, 'journal rebuilt');
    } else {
      if (o.venue !== 'paper') throw new EngineError('usage.bad_venue', `--venue must be paper or oanda, got "${o.venue}"`);
      const data = await loadSessionData(o, config);
      instruments = data.instruments;
      restored = restorePaperSession({
        dataDir,
        journal: j,
        config,
        strategies,
        bars: data.bars,
        instruments: data.instruments,
        pacer: new WallClock(),
        speed,
        batch: 500,
        stateStore,
        idPrefix: ENGINE_ID_PREFIX,
        runInput,
      });
      const { venueStore, venueBooks, rebuilt, resumeAfter } = restored;
      cleanups.push(() => venueStore.close());
      cleanups.push(restored.detach);
      session = restored.session;
      log.info(
        {
          event: 'journal_rebuilt',
          path: j.path,
          eventsReplayed: rebuilt.eventsReplayed,
          lastEventId: rebuilt.lastEventId,
          lastClientOrderNumber: rebuilt.lastIdNumbers.get(ENGINE_ID_PREFIX) ?? 0,
          lastVenueTxId: rebuilt.lastVenueTxId,
          tradingState: rebuilt.tradingState?.state ?? null,
          positions: rebuilt.positions.map((p) => ({ instrumentId: p.instrumentId, qty: p.qty })),
          openOrders: rebuilt.openOrders.length,
          venueLastTxId: venueBooks.lastTxId,
          resumeAfter,
        },
        'journal rebuilt',
      );
    }
    const engine = oanda ? oanda.engine : session!.engine;
    engine.kernel.bus.onAny((e) => {
      if (e.type === 'TradingStateChanged') log.warn({ event: 'trading_state', from: e.from, to: e.to, reason: e.reason, source: e.source }, `trading ${e.from} -> ${e.to}`);
      else if (e.type === 'KillSwitchActivated') log.warn({ event: 'kill_switch', action: e.action, reason: e.reason, source: e.source }, `kill switch ${e.action}`);
      else if (e.type === 'FlattenCompleted') log.warn({ event: 'flatten_completed', status: e.report.status, closes: e.report.closes.length, failures: e.report.failures.length }, 'flatten completed');
      else if (e.type === 'StrategyStateChanged' && e.state === 'FAULTED') log.error({ event: 'strategy_faulted', strategyId: e.strategyId, reason: e.reason }, 'strategy faulted');
    });

    // ---- protocol, metrics, servers
    const metrics = new EngineMetrics({ engine });
    const protocol: EngineProtocol = createEngineProtocol({
      engine,
      rawConfig: raw,
      engineVersion: VERSION,
      lifecycle: () => lifecycle,
      timer: new WallClock(),
      onConfigChanged: (c) => {
        j.recordConfigChange({ path: c.path, old: c.old, new: c.new, source: c.source, ts: Date.now() });
      },
      runCommand: (_cmd, fn) => runInBatch(fn),
      // Backtests run from the app are stored with their results (journal backtest_runs / backtest_trades).
      onBacktestFinished: (b) => {
        j.recordBacktestRun({ name: `${b.name} (${b.runId})`, startedAt: b.startedAt, finishedAt: b.finishedAt, config: b.config, metrics: b.result.metrics, bars: b.result.barsProcessed, trades: b.result.trades });
      },
      // Tester reports of a period of this journal; the trades come from the engine's portfolio,
      // restored from this same journal at start (engine/node/paper/restore-session.ts).
      reports: createReportService({
        journal: j,
        account: oanda
          ? { instruments, accountCurrency: oanda.account.currency, startingCash: money(oanda.account.startingBalance) }
          : { instruments, accountCurrency: config.account.currency, startingCash: money(config.account.starting_cash) },
        trades: () => engine.portfolio.trades(),
      }),
      onError: (err, context) => log.error({ event: 'protocol_error', context, err: errorFields(err) }, 'protocol error'),
    });
    cleanups.push(() => protocol.close());
    // Alerts (engine/node/alerts): before the reconciliation, so its differences are alerted too. An
    // enabled channel without its secret in the environment stops the start here (config.missing_secret, exit 78).
    const alerting = startAlerting({ engine, protocol, config, journal: j, log, env, engineVersion: VERSION });
    cleanups.push(() => alerting.stop(exitCode === ENGINE_EXIT.ok ? 'stopped' : `fatal error, exit ${exitCode}`));
    oanda?.setAlertSink((a) => alerting.router.publish(a));
    const server: RunningEngineServer = await startEngineServer({
      protocol: protocol.server,
      token,
      host,
      port,
      allowedOrigins: config.engine.server.allowed_origins,
      staticRoot: join(ROOT, 'out/renderer'), // the built workstation UI (npm run build)
      metrics,
      readiness: engineReadiness(() => engine.state.state, () => j.db.open && j.failed === null),
      onError: (err, context) => log.error({ event: 'server_error', context, err: errorFields(err) }, 'server error'),
    });
    cleanups.push(async () => {
      await server.close();
      log.info({ event: 'server_closed' }, 'server closed');
    });
    // Electron's utilityProcess has no process.send: its entry (engine/node/desktop/utility-entry.ts) serves the parent port.
    if (ro.serveHost) cleanups.push(ro.serveHost(protocol.server));
    else if (typeof process.send === 'function') cleanups.push(serveIpc(protocol.server));

    // ---- run until a signal, a fatal journal error
    let stopRequested: (() => void) | null = null;
    const stopped = new Promise<void>((res) => {
      stopRequested = res;
    });
    fatal = (err) => {
      if (exitCode === ENGINE_EXIT.ok) {
        log.fatal({ event: 'fatal', err: errorFields(err) }, 'fatal error: stopping');
        exitCode = ENGINE_EXIT.internal;
      }
      stopRequested?.();
    };
    const onSignal = (sig: NodeJS.Signals) => {
      log.info({ event: 'signal', signal: sig }, `${sig}: stopping`);
      stopRequested?.();
    };
    // Kept until everything is closed: a second signal during the shutdown changes nothing.
    if (ro.signals !== false) {
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    }
    // ---- reconcile with the venue before anything trades (the engine is RECONCILING until then)
    const rec = oanda ? await oanda.reconcile() : await reconcileSession(restored!);
    if (rec.status === 'failed') {
      log.error({ event: 'reconcile_failed', code: rec.code, reason: rec.reason }, `reconciliation failed [${rec.code}]: ${rec.reason}; staying RECONCILING (nothing is traded)`);
    } else {
      for (const d of rec.differences) log.warn({ event: 'reconcile_difference', ...d }, `reconciliation: ${d.kind} ${d.orderId ?? d.instrument ?? ''}: journal ${d.journal}, venue ${d.venue}`);
      log.info({ event: 'reconciled', differences: rec.differences.length, lastVenueTxId: rec.lastVenueTxId, tradingState: engine.state.state }, 'reconciled with the venue');
    }
    if (oanda) oanda.start(); // strategies; a failed reconciliation is retried until it succeeds
    else if (rec.status === 'ok') session!.start().then(
      (summary: PaperSummary) => {
        if (lifecycle !== 'stopping') log.info({ event: 'session_ended', reason: summary.reason, quotes: summary.quotes, bars: summary.bars, trades: summary.trades, state: summary.state }, 'replay ended; still serving');
      },
      // A failure of the replay (a journal write, an invariant) stops the engine with exit 70, cleanly.
      (err: unknown) => fatal?.(err),
    );
    lifecycle = 'ready';
    log.info({ event: 'ready', url: server.url, http: `http://${server.host.includes(':') ? `[${server.host}]` : server.host}:${server.port}`, tokenFrom: tokenSource, tradingState: engine.state.state, lastEventId: engine.kernel.lastEventId, ui: server.httpUrl }, `ready at ${server.url}; workstation UI at ${server.httpUrl} (token: ${tokenSource})`);

    await stopped;
    lifecycle = 'stopping';
    // A session that never reconciled knows nothing for sure about its positions: nothing is flattened.
    if (oanda) {
      if (!(await oanda.stop(config.engine.on_shutdown, config.engine.shutdown_timeout_ms))) log.error({ event: 'flatten_timeout', timeoutMs: config.engine.shutdown_timeout_ms }, 'the flatten was not confirmed before the deadline');
    } else await shutdown(session!, rec.status === 'ok' ? config.engine.on_shutdown : 'keep', config.engine.shutdown_timeout_ms, log);
    await cleanup();
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    log.info({ event: 'shutdown', exitCode }, 'engine stopped');
    return exitCode;
  } catch (e) {
    const code = exitCodeOf(e);
    log.error({ event: 'start_failed', err: errorFields(e), exitCode: code }, isEngineError(e) ? `[${e.code}] ${e.message}` : e instanceof Error ? e.message : String(e));
    session?.stop('stopped', 'keep');
    await cleanup();
    return code;
  }
}

/** Ends the session: strategies stopped, positions kept or flattened (awaited up to the deadline). */
async function shutdown(s: PaperSession, onShutdown: 'keep' | 'flatten', timeoutMs: number, log: Logger): Promise<void> {
  if (s.summary !== null) {
    if (onShutdown === 'flatten' && s.engine.portfolio.openPositionCount() > 0) {
      // The replay has ended: the session settles the closes at the last quotes (stale prices).
      log.warn({ event: 'flatten', reason: 'shutdown', stalePrices: true }, 'flattening at the last quotes: the replay has ended');
      const h = s.engine.killSwitch.flatten('shutdown', 'engine:shutdown');
      let t: NodeJS.Timeout | undefined;
      const done = await Promise.race([h.completion.then(() => true), new Promise<false>((res) => (t = setTimeout(() => res(false), timeoutMs)))]);
      clearTimeout(t);
      if (!done) log.error({ event: 'flatten_timeout', timeoutMs }, 'the flatten was not confirmed before the deadline');
      else log.warn({ event: 'flatten_done', status: h.report().status, positions: s.engine.portfolio.openPositionCount() }, 'flatten finished');
    }
    return;
  }
  if (onShutdown === 'flatten') log.warn({ event: 'flatten', reason: 'shutdown' }, 'flattening before shutdown');
  s.stop('stopped', onShutdown);
  let timer: NodeJS.Timeout | undefined;
  const end = await Promise.race([s.done, new Promise<null>((res) => (timer = setTimeout(() => res(null), timeoutMs)))]);
  clearTimeout(timer);
  if (end === null) log.error({ event: 'flatten_timeout', timeoutMs }, 'the flatten was not confirmed before the deadline');
  else if (end.flatten) log.warn({ event: 'flatten_done', status: end.flatten.status, positions: end.positions.length }, 'flatten finished');
}

const invoked = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invoked) {
  void runEngine(process.argv.slice(2)).then((code) => process.exit(code));
}
