/**
 * Assembles one trading engine from its parts, the same way for backtest, paper and live sessions:
 *
 *   Kernel (bus, cache, clock, venue) -> Portfolio (fills, marks) -> TradingStateMachine -> RiskEngine
 *   -> OrderManager -> IntentExecutor <- StrategyRunner (strategies)
 *
 * Subscription order is part of the design: the portfolio applies a fill before the order manager
 * reacts to it (bracket children, protection), and the portfolio marks a bar before strategies see it.
 */
import type { Bar, Quote } from '../core/bar';
import type { Clock } from '../core/clock';
import type { TradingState } from '../core/events';
import { IdGenerator } from '../core/ids';
import type { Instrument } from '../core/instrument';
import { Kernel } from '../core/kernel';
import { MONEY_ONE, money } from '../core/money';
import type { EpochMs } from '../core/time';
import type { ExecutionClient } from '../core/venue';
import { IntentExecutor } from '../execution/intent-executor';
import { OrderManager } from '../execution/order-manager';
import { AlgoManager } from '../execution/algos/algo-manager';
import { Portfolio } from '../portfolio/portfolio';
import { RiskEngine } from '../risk/risk-engine';
import { guardSettingsFromConfig, riskLimitsFromConfig } from '../risk/from-config';
import { MarketHistory } from '../risk/market-history';
import { PortfolioGuards } from '../risk/portfolio-guards';
import { sizerFromSpec, type PositionSizer } from '../risk/sizing';
import { TradingStateMachine } from '../risk/trading-state';
import { KillSwitch } from '../risk/kill-switch';
import type { TradingStateStore } from '../risk/kill-switch-store';
import { createStrategy } from '../strategies/registry';
import { StrategyRunner } from '../strategies/runner';
import type { EngineConfig, ResolvedStrategy } from './config';
import { EngineError, isEngineError } from '../core/errors';
import { NO_CONVERSION_RATE } from '../portfolio/conversion';

export interface TradingEngineOptions {
  clock: Clock;
  venue: ExecutionClient;
  instruments: readonly Instrument[];
  config: EngineConfig;
  strategies: readonly ResolvedStrategy[];
  /** Prefix of client order ids: fixed for a backtest, unique per session for paper and live. */
  idPrefix: string;
  initialState?: TradingState;
  /** Where HALTED is persisted; the engine starts HALTED when the stored state says so. */
  stateStore?: TradingStateStore;
  /**
   * Enforce `strategy_budget_ms` (default true). Backtests turn it off: a wall-clock budget would make
   * their results depend on the machine's load (a GC pause could fault a strategy), not on their inputs.
   */
  enforceStrategyBudget?: boolean;
  /** Id of the last journaled event: a restarted engine continues the sequence (see engine/node/journal rebuildState). */
  lastEventId?: number;
  /** Highest client order id number already used with `idPrefix` (ids continue at +1, never reused after a restart). */
  lastClientOrderNumber?: number;
}

export function makeSizer(s: EngineConfig['sizing']): PositionSizer {
  return sizerFromSpec(s);
}

export class TradingEngine {
  readonly kernel: Kernel;
  readonly portfolio: Portfolio;
  readonly state: TradingStateMachine;
  readonly risk: RiskEngine;
  readonly orders: OrderManager;
  /** TWAP / VWAP execution algorithms; their children go through `orders`. */
  readonly algos: AlgoManager;
  readonly intents: IntentExecutor;
  readonly strategies: StrategyRunner;
  /** Bar history per instrument: closes for the correlation check, ATRs for volatility sizing. */
  readonly history: MarketHistory;
  /** Loss limits, drawdown halt and trimming over caps, run by `endOfTimestamp`. */
  readonly guards: PortfolioGuards;
  /** Halt / flatten / re-arm (engine/risk/kill-switch.ts). */
  readonly killSwitch: KillSwitch;
  /** Between beginRestore and endRestore (engine/runtime/restore.ts). */
  private restoring = false;
  /** Called at the end of `endOfTimestamp`, after the equity sample (the journal records the sample). */
  private endHooks: ((ts: EpochMs) => void)[] = [];

  constructor(opts: TradingEngineOptions) {
    const { config } = opts;
    const kernel = new Kernel({
      clock: opts.clock,
      venue: opts.venue,
      instruments: opts.instruments,
      ...(opts.lastEventId !== undefined ? { lastEventId: opts.lastEventId } : {}),
    });
    this.kernel = kernel;
    const portfolio = new Portfolio({
      accountCurrency: config.account.currency,
      startingCash: money(config.account.starting_cash),
      cache: kernel.cache,
      // Muted while the journal is replayed into it (beginRestore): those events are in the journal already.
      emit: (e) => {
        if (!this.restoring) kernel.emit(e);
      },
    });
    this.portfolio = portfolio;
    kernel.bus.on('OrderFilled', (e) => portfolio.applyFill(e));
    const converter = portfolio.converter();
    const account = config.account.currency;
    // NaN when no rate can be had yet (no price of the conversion instrument): sizers size nothing and
    // the risk gate denies `risk.no_conversion_rate`, instead of a throw from inside a strategy's call.
    const quoteToAccount = (inst: Instrument) => {
      try {
        return converter.convert(MONEY_ONE, inst.quoteCurrency, account) / MONEY_ONE;
      } catch (e) {
        if (isEngineError(e) && e.code === NO_CONVERSION_RATE) return Number.NaN;
        throw e;
      }
    };

    // RECONCILING (a restarted engine) wins over a stored HALTED: the reconciliation ends in it (engine/runtime/reconcile.ts).
    const initial = opts.initialState === 'RECONCILING' ? 'RECONCILING' : opts.stateStore?.load()?.state === 'HALTED' ? 'HALTED' : (opts.initialState ?? 'ACTIVE');
    this.state = new TradingStateMachine((e) => kernel.emit(e), () => opts.clock.now(), initial);
    this.history = new MarketHistory(config.risk.correlation.period);
    this.risk = new RiskEngine(
      { cache: kernel.cache, portfolio, state: this.state, now: () => opts.clock.now(), quoteToAccount, history: this.history },
      riskLimitsFromConfig(config),
    );
    const rl = config.execution.rate_limit;
    this.orders = new OrderManager({
      kernel,
      risk: this.risk,
      ids: new IdGenerator(opts.idPrefix, opts.lastClientOrderNumber ?? 0),
      rateLimit: rl ? { perSecond: rl.orders_per_second, burst: rl.burst } : null,
    });
    this.algos = new AlgoManager({ kernel, orders: this.orders, idPrefix: opts.idPrefix });
    const sizers = new Map<string, PositionSizer>();
    const defaultSizer = makeSizer(config.sizing);
    this.intents = new IntentExecutor({
      cache: kernel.cache,
      portfolio,
      orders: this.orders,
      quoteToAccount,
      sizerFor: (id) => sizers.get(id) ?? defaultSizer,
      atr: (id, period) => this.history.atr(id, period),
    });
    this.guards = new PortfolioGuards(
      {
        portfolio,
        cache: kernel.cache,
        state: this.state,
        emit: (e) => kernel.emit(e),
        caps: () => this.risk.limits,
        submit: (req) => this.orders.submit('risk', req),
        now: () => opts.clock.now(),
      },
      guardSettingsFromConfig(config),
    );
    this.strategies = new StrategyRunner({ kernel, portfolio, onIntent: (id, intent) => this.intents.execute(id, intent), budgetMs: opts.enforceStrategyBudget === false ? Infinity : config.strategy_budget_ms });

    // Marks first, so that strategies see positions valued at the bar they are handed.
    for (const inst of opts.instruments) {
      const mark = portfolio.markerFor(inst.id);
      kernel.addInstrumentHandler(inst.id, this.history.handlerFor(inst.id));
      kernel.addInstrumentHandler(inst.id, { onBar: (bar) => mark(bar.close), onQuote: (q) => mark((q.bid + q.ask) / 2) });
    }

    const all = opts.instruments.map((i) => i.id);
    for (const s of opts.strategies) {
      const instruments = s.instruments ?? all;
      this.strategies.add(createStrategy(s.name, s.id, s.params, instruments));
      this.risk.setStrategyLimits(s.id, s.limits);
      sizers.set(s.id, makeSizer(s.sizing));
    }
    for (const sz of [defaultSizer, ...sizers.values()]) if (sz.atrPeriod !== undefined) this.history.requireAtr(sz.atrPeriod);

    // Last, so that it sees a fill after the portfolio and the order manager have applied it.
    this.killSwitch = new KillSwitch({
      kernel,
      state: this.state,
      portfolio,
      orders: this.orders,
      strategies: this.strategies,
      algos: this.algos,
      maxCloseAttempts: config.kill_switch.max_close_attempts,
      ...(opts.stateStore ? { store: opts.stateStore } : {}),
    });
  }

  /**
   * Starts restoring from the journal (engine/runtime/restore.ts): returns the cache and portfolio to
   * replay the journal's events into; the portfolio's position events are muted until `endRestore`.
   */
  beginRestore(): { cache: Kernel['cache']; portfolio: Portfolio } {
    if (this.kernel.lastEventId !== 0) throw new EngineError('invariant.restore_late', 'an engine can only be restored before its first event');
    this.restoring = true;
    return { cache: this.kernel.cache, portfolio: this.portfolio };
  }

  endRestore(): void {
    this.restoring = false;
  }

  /** Starts every enabled strategy. */
  start(enabled: readonly ResolvedStrategy[]): void {
    for (const s of enabled) if (s.enabled) this.strategies.start(s.id);
  }

  onBar(bar: Bar): void {
    this.kernel.onBar(bar);
  }

  onQuote(q: Quote): void {
    this.kernel.onQuote(q);
  }

  /** Call once after every bar of one timestamp was processed: rolls the day, tracks the peak, samples equity. */
  endOfTimestamp(ts: EpochMs): void {
    this.portfolio.onTime(ts);
    this.guards.update(ts);
    this.portfolio.sampleEquity(ts);
    const hooks = this.endHooks;
    for (let i = 0; i < hooks.length; i++) hooks[i]!(ts);
  }

  /** Registers `fn` to run at the end of every `endOfTimestamp` (after the equity sample); returns the unsubscribe function. */
  onEndOfTimestamp(fn: (ts: EpochMs) => void): () => void {
    this.endHooks = [...this.endHooks, fn];
    return () => {
      this.endHooks = this.endHooks.filter((h) => h !== fn);
    };
  }
}
