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
import { Portfolio } from '../portfolio/portfolio';
import { RiskEngine } from '../risk/risk-engine';
import { FixedFractionSizer, FixedRiskSizer, type PositionSizer } from '../risk/sizing';
import { TradingStateMachine } from '../risk/trading-state';
import { createStrategy } from '../strategies/registry';
import { StrategyRunner } from '../strategies/runner';
import type { EngineConfig, ResolvedStrategy } from './config';

export interface TradingEngineOptions {
  clock: Clock;
  venue: ExecutionClient;
  instruments: readonly Instrument[];
  config: EngineConfig;
  strategies: readonly ResolvedStrategy[];
  /** Prefix of client order ids: fixed for a backtest, unique per session for paper and live. */
  idPrefix: string;
  initialState?: TradingState;
}

export function makeSizer(s: EngineConfig['sizing']): PositionSizer {
  return s.method === 'fixed_fraction' ? new FixedFractionSizer({ fractionPct: s.fraction_pct }) : new FixedRiskSizer({ riskPct: s.risk_pct });
}

export class TradingEngine {
  readonly kernel: Kernel;
  readonly portfolio: Portfolio;
  readonly state: TradingStateMachine;
  readonly risk: RiskEngine;
  readonly orders: OrderManager;
  readonly intents: IntentExecutor;
  readonly strategies: StrategyRunner;

  constructor(opts: TradingEngineOptions) {
    const { config } = opts;
    const kernel = new Kernel({ clock: opts.clock, venue: opts.venue, instruments: opts.instruments });
    this.kernel = kernel;
    const portfolio = new Portfolio({
      accountCurrency: config.account.currency,
      startingCash: money(config.account.starting_cash),
      cache: kernel.cache,
      emit: (e) => kernel.emit(e),
    });
    this.portfolio = portfolio;
    kernel.bus.on('OrderFilled', (e) => portfolio.applyFill(e));
    const converter = portfolio.converter();
    const account = config.account.currency;
    const quoteToAccount = (inst: Instrument) => converter.convert(MONEY_ONE, inst.quoteCurrency, account) / MONEY_ONE;

    this.state = new TradingStateMachine((e) => kernel.emit(e), () => opts.clock.now(), opts.initialState ?? 'ACTIVE');
    this.risk = new RiskEngine(
      { cache: kernel.cache, portfolio, state: this.state, now: () => opts.clock.now(), quoteToAccount },
      {
        maxPortfolioExposurePct: config.exposure.max_portfolio_exposure_pct,
        maxOpenPositions: config.exposure.max_open_positions,
        scaleToCap: config.exposure.scale_to_cap,
      },
    );
    this.orders = new OrderManager({ kernel, risk: this.risk, ids: new IdGenerator(opts.idPrefix) });
    const sizers = new Map<string, PositionSizer>();
    this.intents = new IntentExecutor({
      cache: kernel.cache,
      portfolio,
      orders: this.orders,
      quoteToAccount,
      sizerFor: (id) => sizers.get(id) ?? makeSizer(config.sizing),
    });
    this.strategies = new StrategyRunner({ kernel, portfolio, onIntent: (id, intent) => this.intents.execute(id, intent) });

    // Marks first, so that strategies see positions valued at the bar they are handed.
    for (const inst of opts.instruments) {
      const mark = portfolio.markerFor(inst.id);
      kernel.addInstrumentHandler(inst.id, { onBar: (bar) => mark(bar.close), onQuote: (q) => mark((q.bid + q.ask) / 2) });
    }

    const all = opts.instruments.map((i) => i.id);
    for (const s of opts.strategies) {
      const instruments = s.instruments ?? all;
      this.strategies.add(createStrategy(s.name, s.id, s.params, instruments));
      this.risk.setStrategyLimits(s.id, s.limits);
      sizers.set(s.id, makeSizer(s.sizing));
    }
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
    this.portfolio.sampleEquity(ts);
  }
}
