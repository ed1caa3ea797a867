/**
 * The command handlers, bound to one TradingEngine, and `createEngineProtocol`, which wires them with
 * the projector and the engine's pushes into a ProtocolServer. Pure: the host injects "now", the
 * coalescing timer and the config-change audit hook (`onConfigChanged`; the journal records it).
 *
 * Every refusal is an EngineError with the engine's own code (`risk.halted`, `order.invalid_qty`,
 * `kill_switch.not_halted`, `config.invalid`, `decimal.precision`, ...), which the server answers as
 * `{ok: false, error: {code, message, details}}`.
 */
import type { Clock } from '../core/clock';
import { EngineError } from '../core/errors';
import { money, type Money } from '../core/money';
import type { EngineEvent, OrderFilled } from '../core/events';
import type { OrderRequest } from '../core/order';
import type { OrderModification } from '../core/venue';
import { guardSettingsFromConfig, riskLimitsFromConfig } from '../risk/from-config';
import { validateConfig, type EngineConfig } from '../runtime/config';
import type { TradingEngine } from '../runtime/trading-engine';
import { PROTOCOL_VERSION, type CommandResult, type FillDto, type PushData } from './contract';
import { MarketHistory } from './market-history';
import { instrumentInfo } from './market-dto';
import { runBacktest } from '../backtest/run-backtest';
import { accountDto, fillDto, flattenReportDto, moneyStr, orderDto, positionsDto, qtyStr, riskDto, ticksOf, unitsOf } from './dto';
import { ViewProjector } from './projector';
import { ProtocolServer, type Handlers, type ProtocolServerOptions } from './server';
import type { CommandArgs } from './contract';

/** A configuration change, for the audit trail (the journal's `recordConfigChange`). */
export interface ConfigChange {
  path: string;
  old: unknown;
  new: unknown;
  applied: boolean;
  source: string;
  ts: number;
}

export interface HandlerDeps {
  engine: TradingEngine;
  /** The raw configuration (what the YAML file holds); `config.set` edits it and re-validates it whole. */
  rawConfig: unknown;
  /** Time for freshness and audit records (default: the engine's clock). */
  now?: () => number;
  engineVersion?: string;
  /** Lifecycle of the engine process (default 'ready'). */
  lifecycle?: () => 'starting' | 'ready' | 'stopping';
  /**
   * Called with every accepted change BEFORE it takes effect; when it throws, the change is refused
   * and nothing changes (a change that cannot be audited is not made).
   */
  onConfigChanged?: (change: ConfigChange) => void;
  /** Strategy id of orders submitted through the protocol (default 'manual'). */
  manualStrategyId?: string;
  /** Fills kept for `fills.list` (default 1000). */
  fillLogSize?: number;
  /** Bars kept per instrument for `market.bars` and `backtest.run` (default 100,000). */
  maxBarsPerInstrument?: number;
  /**
   * A finished `backtest.run`, for the host to store (engine/node/main.ts appends it to the journal's
   * backtest runs). A failure to store fails the command (`journal.write_failed`): a result the user
   * sees is never one that was not kept.
   */
  onBacktestFinished?: (run: { runId: string; name: string; startedAt: number; finishedAt: number; config: unknown; result: BacktestOutcome }) => void;
  /** Progress of a `backtest.run` (createEngineProtocol pushes it as `backtest.progress`). */
  onBacktestProgress?: (p: PushData<'backtest.progress'>) => void;
  /**
   * The host's report service (engine/node/report: createReportService) for `report.tester`; without
   * it the command answers `report.unavailable`.
   */
  reports?: {
    tester(args: CommandArgs<'report.tester'>): Promise<CommandResult<'report.tester'>>;
    /** Keeps a `backtest.run` result (trades, full equity curve) so `report.tester {source: 'backtest', runId}` can show it. */
    rememberBacktest?(runId: string, result: Pick<BacktestOutcome, 'trades' | 'equity'>, startingCash: Money, info: { name: string; accountCurrency: string }): void;
  };
}

/** Config sections the running engine applies at once; the others take effect at the next start. */
const LIVE_SECTIONS: ReadonlySet<string> = new Set(['risk', 'exposure']);

export function createHandlers(deps: HandlerDeps): Handlers & { dispose(): void } {
  const { engine } = deps;
  const cache = engine.kernel.cache;
  const now = deps.now ?? (() => engine.kernel.clock.now());
  const manual = deps.manualStrategyId ?? 'manual';
  let raw: unknown = deps.rawConfig ?? {};
  let current: EngineConfig = validateConfig(raw).config;

  const fills: FillDto[] = [];
  const maxFills = deps.fillLogSize ?? 1000;
  const offFill = engine.kernel.bus.on('OrderFilled', (e: OrderFilled) => {
    fills.push(fillDto(cache, e));
    if (fills.length > maxFills) fills.splice(0, fills.length - maxFills);
  });

  // Market history for the chart and the workstation's backtests; config changes for the audit view.
  const history = new MarketHistory(deps.maxBarsPerInstrument !== undefined ? { maxBarsPerInstrument: deps.maxBarsPerInstrument } : {});
  engine.kernel.addDataHandler({ onBar: (b) => history.add(b) });
  const configLog: ConfigChange[] = [];
  let backtests = 0;

  const strategyInfo = (id: string) => {
    const s = engine.strategies.list().find((x) => x.id === id);
    if (!s) throw new EngineError('strategy.unknown', `unknown strategy "${id}"`);
    return { id: s.id, state: s.state, instruments: [...s.instruments] };
  };

  const instrument = (id: string) => {
    if (!cache.hasInstrument(id)) throw new EngineError('order.unknown_instrument', `unknown instrument ${id}`);
    return cache.instrument(id);
  };

  const orderStatus = (id: string) => {
    const o = cache.order(id);
    if (!o) throw new EngineError('order.unknown', `unknown order ${id}`);
    return o.status;
  };

  return {
    dispose: offFill,

    'engine.status': () => ({
      state: deps.lifecycle?.() ?? 'ready',
      tradingState: engine.state.state,
      tradingStateSource: engine.state.source,
      clock: { now: engine.kernel.clock.now() },
      versions: { protocol: PROTOCOL_VERSION, engine: deps.engineVersion ?? '0.0.0' },
      strategies: engine.strategies.list().map((s) => ({ id: s.id, state: s.state, instruments: [...s.instruments] })),
      instruments: cache.instruments().map((i) => i.id),
      lastEventId: engine.kernel.lastEventId,
      flattening: engine.killSwitch.flattening,
    }),

    'positions.list': () => ({ positions: positionsDto(engine) }),

    'orders.list': ({ scope }) => ({
      orders: (scope === 'open' ? cache.openOrders() : engine.kernel.cache.allOrders()).map((o) => orderDto(cache, o)),
    }),

    'fills.list': ({ limit }) => ({ fills: fills.slice(-limit) }),

    'account.get': () => accountDto(engine),

    'risk.get': () => riskDto(engine, now()),

    'risk.halt': ({ reason }, ctx) => ({ changed: engine.killSwitch.halt(reason, ctx.source), tradingState: engine.state.state }),

    'risk.flatten': ({ reason }, ctx) => {
      const h = engine.killSwitch.flatten(reason, ctx.source);
      return { done: h.done, flattenId: h.flattenId, report: flattenReportDto(cache, h.report()) };
    },

    'risk.rearm': (_args, ctx) => {
      const r = engine.killSwitch.rearm(ctx.source);
      if (!r.ok) throw new EngineError(r.code, r.reason);
      return { changed: r.changed, tradingState: engine.state.state };
    },

    'orders.submit': (a) => {
      const inst = instrument(a.instrumentId);
      const px = (s: string | undefined) => (s === undefined ? undefined : ticksOf(inst, s));
      const bracket = {
        stopLoss: px(a.stopLoss) ?? null,
        takeProfit: px(a.takeProfit) ?? null,
        stopLossDistance: px(a.stopLossDistance) ?? null,
        takeProfitDistance: px(a.takeProfitDistance) ?? null,
      };
      const req: OrderRequest = {
        instrumentId: a.instrumentId,
        side: a.side,
        type: a.type,
        qty: unitsOf(inst, a.qty),
        price: px(a.price) ?? null,
        triggerPrice: px(a.triggerPrice) ?? null,
        trailingDistance: px(a.trailingDistance) ?? null,
        ...(a.tif !== undefined ? { tif: a.tif } : {}),
        ...(a.expireTs !== undefined ? { expireTs: a.expireTs } : {}),
        ...(a.reduceOnly !== undefined ? { reduceOnly: a.reduceOnly } : {}),
        role: a.reduceOnly ? 'EXIT' : 'ENTRY',
        bracket: Object.values(bracket).some((v) => v !== null) ? bracket : null,
        tag: a.tag ?? 'manual',
      };
      const r = engine.orders.submit(manual, req);
      if (!r.ok) throw new EngineError(r.code, r.reason, { clientOrderId: r.clientOrderId });
      return { clientOrderId: r.clientOrderId, qty: qtyStr(inst, r.qty) };
    },

    'orders.cancel': ({ clientOrderId }) => {
      orderStatus(clientOrderId);
      if (!engine.orders.cancel(clientOrderId)) throw new EngineError('order.not_working', `order ${clientOrderId} is not working`);
      return { clientOrderId, status: orderStatus(clientOrderId) };
    },

    'orders.cancelAll': ({ instrumentId }) => {
      if (instrumentId !== undefined) instrument(instrumentId);
      return { clientOrderIds: engine.orders.cancelAll(instrumentId) };
    },

    'orders.modify': (a) => {
      const o = cache.order(a.clientOrderId);
      if (!o) throw new EngineError('order.unknown', `unknown order ${a.clientOrderId}`);
      const inst = instrument(o.instrumentId);
      const changes: OrderModification = {};
      if (a.qty !== undefined) changes.qty = unitsOf(inst, a.qty);
      if (a.price !== undefined) changes.price = a.price === null ? null : ticksOf(inst, a.price);
      if (a.triggerPrice !== undefined) changes.triggerPrice = a.triggerPrice === null ? null : ticksOf(inst, a.triggerPrice);
      const r = engine.orders.modify(a.clientOrderId, changes);
      if (!r.ok) throw new EngineError(r.code, r.reason, { clientOrderId: a.clientOrderId });
      return { clientOrderId: a.clientOrderId, status: orderStatus(a.clientOrderId) };
    },

    'strategies.list': () => ({ strategies: engine.strategies.list().map((s) => ({ id: s.id, state: s.state, instruments: [...s.instruments] })) }),

    'strategies.start': ({ id }) => {
      strategyInfo(id);
      engine.strategies.start(id);
      return strategyInfo(id);
    },

    'strategies.stop': ({ id }) => {
      strategyInfo(id);
      engine.strategies.stop(id, 'stopped by the user');
      return strategyInfo(id);
    },

    'config.get': () => ({ config: toJson(current) as Record<string, unknown> }),

    'config.set': ({ path, value }, ctx) => {
      const parts = (typeof path === 'string' ? path.split('.') : path.map(String)).filter((p) => p !== '');
      if (parts.length === 0 || parts.some((p) => p === '__proto__' || p === 'constructor' || p === 'prototype')) {
        throw new EngineError('config.invalid_path', `invalid configuration path "${String(path)}"`);
      }
      const nextRaw = toJson(raw ?? {}) as Record<string, unknown>;
      setAt(nextRaw, parts, toJson(value));
      // Validates the whole file: a change that makes any part invalid is refused with every issue.
      const next = validateConfig(nextRaw).config;
      const applied = LIVE_SECTIONS.has(parts[0]!);
      const change: ConfigChange = { path: parts.join('.'), old: toJson(getAt(current, parts)), new: toJson(getAt(next, parts)), applied, source: ctx.source, ts: now() };
      deps.onConfigChanged?.(change);
      // Commit: nothing below can fail, so the change is all or nothing.
      raw = nextRaw;
      current = next;
      configLog.push(change);
      if (configLog.length > 1000) configLog.splice(0, configLog.length - 1000);
      if (applied) {
        engine.risk.limits = riskLimitsFromConfig(next);
        engine.guards.settings = guardSettingsFromConfig(next);
      }
      return { path: change.path, old: change.old, new: change.new, applied };
    },

    'config.history': ({ limit }) => ({ changes: configLog.slice(-limit) }),

    'market.instruments': () => ({ instruments: cache.instruments().map(instrumentInfo) }),

    'market.bars': ({ instrumentId, timeframeMs, limit }) => {
      instrument(instrumentId);
      const r = history.series(instrumentId, { limit, ...(timeframeMs !== undefined ? { timeframeMs } : {}) });
      return { instrumentId, baseMs: history.baseMs(instrumentId), timeframeMs: r.timeframeMs, bars: r.bars };
    },

    'backtest.run': (a) => {
      const ids = a.instruments ?? cache.instruments().map((i) => i.id);
      for (const id of ids) instrument(id);
      // The running configuration with this one strategy, validated whole (config.invalid lists every issue).
      const base = toJson(raw ?? {}) as Record<string, unknown>;
      delete base.strategies;
      const { config, strategies } = validateConfig({ ...base, strategy: toJson(a.strategy) });
      const bars = history.bars(ids, a.fromTs, a.toTs);
      if (bars.length === 0) throw new EngineError('backtest.no_data', 'no recorded bars for these instruments and times');
      const runId = `bt-${++backtests}`;
      const total = bars.length;
      const progress = (done: number) => deps.onBacktestProgress?.({ runId, done, total, pct: Math.round((done / total) * 1000) / 10 });
      progress(0);
      const startedAt = Date.now();
      const r = runBacktest({
        bars,
        instruments: ids.map((id) => cache.instrument(id)),
        config,
        strategies,
        progressEvery: Math.max(1, Math.ceil(total / 20)),
        onProgress: (done) => progress(done),
      });
      const strategyId = strategies[0]?.id ?? String(a.strategy.name);
      deps.onBacktestFinished?.({ runId, name: strategyId, startedAt, finishedAt: Date.now(), config: { ...base, strategy: toJson(a.strategy), instruments: ids }, result: r });
      deps.reports?.rememberBacktest?.(runId, r, money(config.account.starting_cash), { name: strategyId, accountCurrency: config.account.currency });
      return backtestResult(r, runId, strategyId, ids, bars, (id) => cache.instrument(id));
    },

    'report.tester': (a) => {
      if (!deps.reports) throw new EngineError('report.unavailable', 'this engine host makes no reports');
      return deps.reports.tester(a);
    },
  };
}

type BacktestOutcome = ReturnType<typeof runBacktest>;

function backtestResult(
  r: BacktestOutcome,
  runId: string,
  strategyId: string,
  instruments: string[],
  bars: readonly { ts: number; durationMs: number }[],
  inst: (id: string) => Parameters<typeof qtyStr>[0],
): CommandResult<'backtest.run'> {
  const metrics: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(r.metrics)) if (typeof v === 'number' || v === null) metrics[k] = v === null || Number.isFinite(v) ? v : null;
  const n = r.equity.length;
  const step = Math.max(1, Math.ceil(n / 2000));
  const eqTs: number[] = [];
  const eq: number[] = [];
  for (let i = 0; i < n; i += step) {
    eqTs.push(r.equity.ts[i]!);
    eq.push(r.equity.equity[i]!);
  }
  if (n > 0 && eqTs[eqTs.length - 1] !== r.equity.ts[n - 1]) {
    eqTs.push(r.equity.ts[n - 1]!);
    eq.push(r.equity.equity[n - 1]!);
  }
  const last = bars[bars.length - 1];
  return {
    runId,
    strategyId,
    bars: r.barsProcessed,
    instruments,
    fromTs: bars[0]?.ts ?? null,
    toTs: last ? last.ts + last.durationMs : null,
    metrics,
    equity: { ts: eqTs, equity: eq },
    trades: r.trades.map((t) => ({
      instrumentId: t.instrumentId,
      direction: t.direction,
      qty: qtyStr(inst(t.instrumentId), t.qty),
      entryTs: t.entryTs,
      entryPx: t.entryPx,
      exitTs: t.exitTs,
      exitPx: t.exitPx,
      pnl: moneyStr(t.pnl),
      fees: moneyStr(t.fees),
      exitReason: t.exitReason,
    })),
  };
}

function toJson(v: unknown): unknown {
  return v === undefined ? null : (JSON.parse(JSON.stringify(v)) as unknown);
}

function getAt(obj: unknown, parts: readonly string[]): unknown {
  let cur: unknown = obj;
  for (const p of parts) {
    if (typeof cur !== 'object' || cur === null || !Object.prototype.hasOwnProperty.call(cur, p)) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

function setAt(obj: Record<string, unknown>, parts: readonly string[], value: unknown): void {
  let cur: Record<string, unknown> = obj;
  for (let i = 0; i < parts.length - 1; i++) {
    const p = parts[i]!;
    const next = Object.prototype.hasOwnProperty.call(cur, p) ? cur[p] : undefined;
    if (typeof next === 'object' && next !== null) cur = next as Record<string, unknown>;
    else {
      const fresh: Record<string, unknown> = {};
      cur[p] = fresh;
      cur = fresh;
    }
  }
  cur[parts[parts.length - 1]!] = value;
}

function wrapHandlers(h: Handlers, run: <T>(cmd: string, fn: () => T) => T): Handlers {
  const out: Record<string, unknown> = {};
  for (const [cmd, fn] of Object.entries(h) as [string, (a: unknown, ctx: unknown) => unknown][]) {
    out[cmd] = (a: unknown, ctx: unknown) => run(cmd, () => fn(a, ctx));
  }
  return out as Handlers;
}

export interface EngineProtocolOptions extends HandlerDeps {
  /** Coalescing timer of the view patches (a WallClock in a live process). */
  timer: Pick<Clock, 'now' | 'setTimer'>;
  /** Shortest interval between two patches of a view, ms (default 50 = 20 Hz). */
  patchIntervalMs?: number;
  onError?: ProtocolServerOptions['onError'];
  onCommand?: ProtocolServerOptions['onCommand'];
  /**
   * Runs each command's handler: the host wraps it in a journal batch, so that what the command caused
   * is committed before the response is sent (default: runs it as is).
   */
  runCommand?: <T>(cmd: string, fn: () => T) => T;
}

export interface EngineProtocol {
  server: ProtocolServer;
  projector: ViewProjector;
  close(): void;
}

/** The protocol server of one engine: handlers, views and the engine's pushes. */
export function createEngineProtocol(opts: EngineProtocolOptions): EngineProtocol {
  const { engine } = opts;
  let server: ProtocolServer | null = null;
  const handlers = createHandlers({ ...opts, onBacktestProgress: (p) => {
      opts.onBacktestProgress?.(p);
      server?.broadcast('backtest.progress', p);
    },
  });
  const run = opts.runCommand;
  const served: Handlers = run ? wrapHandlers(handlers, run) : handlers;
  const projector = new ViewProjector({
    engine,
    timer: opts.timer,
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.patchIntervalMs !== undefined ? { intervalMs: opts.patchIntervalMs } : {}),
    onPatch: (view, seq, ops) => server?.publishPatch(view, seq, ops),
  });
  server = new ProtocolServer({
    handlers: served,
    projector,
    ...(opts.onError ? { onError: opts.onError } : {}),
    ...(opts.onCommand ? { onCommand: opts.onCommand } : {}),
  });
  const s = server;
  const cache = engine.kernel.cache;
  // Runs inside the kernel's publish: a failure here is reported, never thrown into the engine.
  const offEvents = engine.kernel.bus.onAny((e: EngineEvent) => {
    try {
      pushEvent(e);
    } catch (err) {
      s.reportError(err, `push of ${e.type}`);
    }
  });
  const pushEvent = (e: EngineEvent): void => {
    switch (e.type) {
      case 'TradingStateChanged':
        s.broadcast('engine.state', { from: e.from, to: e.to, reason: e.reason, source: e.source, ts: e.tsEvent });
        return;
      case 'FlattenCompleted':
        s.broadcast('flatten.completed', { report: flattenReportDto(cache, e.report) });
        return;
      case 'RiskLimitBreached':
        s.broadcast('alert', { level: 'critical', code: `risk.${e.guard}`, message: `${e.guard} ${e.value.toFixed(2)}% reached the limit of ${e.limit}%: ${e.action}`, ts: e.tsEvent });
        return;
      case 'KillSwitchActivated':
        s.broadcast('alert', { level: 'warning', code: `kill_switch.${e.action}`, message: `kill switch ${e.action} by ${e.source}: ${e.reason}`, ts: e.tsEvent });
        return;
      case 'StrategyStateChanged':
        if (e.state === 'FAULTED') s.broadcast('alert', { level: 'critical', code: 'strategy.faulted', message: `strategy ${e.strategyId} faulted: ${e.reason}`, ts: e.tsEvent });
        return;
      case 'OrderRejected':
        s.broadcast('alert', { level: 'warning', code: e.code, message: `order ${e.clientOrderId} rejected: ${e.reason}`, ts: e.tsEvent });
        return;
      default:
        return;
    }
  };
  return {
    server: s,
    projector,
    close: () => {
      offEvents();
      handlers.dispose();
      projector.close();
    },
  };
}
