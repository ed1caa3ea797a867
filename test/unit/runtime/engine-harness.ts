/**
 * A real engine wired the way `engine/backtest/run-backtest.ts` wires it: a TradingEngine over a
 * SimulatedVenue and a SimClock, configuration from `validateConfig`. Bars of one timestamp are
 * delivered with the clock at their close time, then `endOfTimestamp` runs.
 *
 * The venue is the real SimulatedVenue; the subclass below only writes a line to the shared trace
 * when the order manager hands it an order (then does exactly what the venue does), so tests can see
 * that OrderInitialized / OrderSubmitted were published before the venue saw the order.
 */
import type { Bar } from '../../../engine/core/bar';
import { SimClock } from '../../../engine/core/clock';
import type { EngineEvent, EngineEventType, EventOf, TradingState } from '../../../engine/core/events';
import { makeInstrument, type Instrument } from '../../../engine/core/instrument';
import type { Order, OrderRequest } from '../../../engine/core/order';
import type { OrderModification } from '../../../engine/core/venue';
import { validateConfig, type ResolvedStrategy } from '../../../engine/runtime/config';
import { TradingEngine } from '../../../engine/runtime/trading-engine';
import { SimulatedVenue, type FillModel, type SimulatedVenueOptions } from '../../../engine/sim';

/** 2024-01-02T14:30:00Z, a Tuesday. */
export const T0 = Date.UTC(2024, 0, 2, 14, 30);
export const BAR_MS = 15 * 60_000;

export const AAA = makeInstrument({ id: 'AAA', assetClass: 'equity', quoteCurrency: 'USD', pricePrecision: 2 });
export const BBB = makeInstrument({ id: 'BBB', assetClass: 'equity', quoteCurrency: 'USD', pricePrecision: 2 });
export const CCC = makeInstrument({ id: 'CCC', assetClass: 'equity', quoteCurrency: 'USD', pricePrecision: 2 });
export const DDD = makeInstrument({ id: 'DDD', assetClass: 'equity', quoteCurrency: 'USD', pricePrecision: 2 });
/** Lots of 10 shares. */
export const LOT10 = makeInstrument({ id: 'LOT10', assetClass: 'equity', quoteCurrency: 'USD', pricePrecision: 2, minQty: 10 });
export const FROZEN = makeInstrument({ id: 'FROZEN', assetClass: 'equity', quoteCurrency: 'USD', pricePrecision: 2, tradeable: false });

/**
 * The `risk:` section with every check, guard and trim off. The harness uses it when a test's
 * configuration has no `risk` key, so a test exercises only the limits it names; tests of the risk
 * section's defaults pass `risk: {}`.
 */
export const RISK_OFF = {
  max_trades_per_day: null,
  max_position_pct: null,
  max_sector_pct: null,
  max_leverage: null,
  max_trade_risk_pct: null,
  min_order: { units: null, notional: null },
  max_order: { units: null, notional: null },
  price_sanity_pct: null,
  stale_price: { bar_minutes: null, quote_seconds: null },
  correlation: { max: null },
  trim_over_cap: false,
  guards: {
    daily_loss: { limit_pct: null },
    weekly_loss: { limit_pct: null },
    monthly_loss: { limit_pct: null },
    quarterly_loss: { limit_pct: null },
    drawdown: { limit_pct: null },
  },
} as const;

/** Configuration with every account-wide limit off (tests switch on what they exercise). */
export const NO_LIMITS = { exposure: { max_portfolio_exposure_pct: null, max_open_positions: null }, risk: RISK_OFF } as const;

/** `raw` with `risk: RISK_OFF` when it has no `risk` section of its own. */
function withRiskOff(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || 'risk' in raw) return raw;
  return { ...raw, risk: RISK_OFF };
}

class TracingVenue extends SimulatedVenue {
  constructor(
    opts: SimulatedVenueOptions,
    private readonly trace: string[],
  ) {
    super(opts);
  }

  override submit(order: Readonly<Order>): void {
    this.trace.push(`venue.submit:${order.clientOrderId}`);
    super.submit(order);
  }

  override cancel(order: Readonly<Order>): void {
    this.trace.push(`venue.cancel:${order.clientOrderId}`);
    super.cancel(order);
  }

  override modify(order: Readonly<Order>, changes: OrderModification): void {
    this.trace.push(`venue.modify:${order.clientOrderId}`);
    super.modify(order, changes);
  }
}

export interface HarnessOptions {
  /** Raw configuration (what a YAML file would hold); default NO_LIMITS. Without a `risk` key, `risk: RISK_OFF` is added. */
  config?: unknown;
  instruments?: readonly Instrument[];
  fillModel?: FillModel;
  initialState?: TradingState;
  start?: number;
  /** Start the configured strategies (default true). */
  startStrategies?: boolean;
}

export interface BarSpec {
  instrumentId?: string;
  open: number;
  high?: number;
  low?: number;
  close: number;
  volume?: number;
}

export class EngineHarness {
  readonly clock: SimClock;
  readonly venue: SimulatedVenue;
  readonly engine: TradingEngine;
  readonly strategies: readonly ResolvedStrategy[];
  /** Every event published on the bus, in order. */
  readonly events: EngineEvent[] = [];
  /** `Type:clientOrderId` of every order event and `venue.submit:id` when the venue is handed an order. */
  readonly trace: string[] = [];
  readonly barMs: number;
  /** Open time of the next bar. */
  ts: number;

  constructor(opts: HarnessOptions = {}, barMs = BAR_MS) {
    const { config, strategies } = validateConfig(withRiskOff(opts.config ?? NO_LIMITS));
    const instruments = opts.instruments ?? [AAA, BBB, CCC, DDD, LOT10, FROZEN];
    const start = opts.start ?? T0;
    this.barMs = barMs;
    this.ts = start;
    this.clock = new SimClock(start);
    const byId = new Map(instruments.map((i) => [i.id, i]));
    this.venue = new TracingVenue(
      { instruments: (id) => byId.get(id), clock: this.clock, ...(opts.fillModel ? { fillModel: opts.fillModel } : {}) },
      this.trace,
    );
    this.strategies = strategies;
    this.engine = new TradingEngine({
      clock: this.clock,
      venue: this.venue,
      instruments,
      config,
      strategies,
      idPrefix: 'T',
      ...(opts.initialState ? { initialState: opts.initialState } : {}),
      // The wall-clock budget is enforced only where a test asks for it, so that machine load cannot fault a strategy.
      enforceStrategyBudget: typeof opts.config === 'object' && opts.config !== null && 'strategy_budget_ms' in opts.config,
    });
    this.engine.kernel.bus.onAny((e) => {
      this.events.push(e);
      this.trace.push('clientOrderId' in e ? `${e.type}:${e.clientOrderId}` : 'order' in e ? `${e.type}:${e.order.clientOrderId}` : e.type);
    });
    if (opts.startStrategies !== false) this.engine.start(strategies);
  }

  /** Delivers one timestamp's bars (open time `this.ts`), as run-backtest does; returns them. */
  step(specs: BarSpec | readonly BarSpec[]): Bar[] {
    const list = Array.isArray(specs) ? (specs as readonly BarSpec[]) : [specs as BarSpec];
    const ts = this.ts;
    const close = ts + this.barMs;
    const bars = list.map((s) => bar(s.instrumentId ?? 'AAA', ts, this.barMs, s.open, s.high ?? Math.max(s.open, s.close), s.low ?? Math.min(s.open, s.close), s.close, s.volume ?? 1_000_000));
    this.clock.advanceTo(close);
    for (const b of bars) this.engine.onBar(b);
    this.engine.endOfTimestamp(close);
    this.ts = close;
    return bars;
  }

  /** One bar of AAA (or `instrumentId`). */
  bar(open: number, high: number, low: number, close: number, extra: { instrumentId?: string; volume?: number } = {}): Bar {
    return this.step({ open, high, low, close, ...extra })[0]!;
  }

  /** A flat bar at `px` (open = high = low = close). */
  flat(px: number, instrumentId = 'AAA'): Bar {
    return this.bar(px, px, px, px, { instrumentId });
  }

  submit(req: OrderRequest, strategyId = 'manual') {
    return this.engine.orders.submit(strategyId, req);
  }

  order(id: string): Readonly<Order> {
    const o = this.engine.kernel.cache.order(id);
    if (!o) throw new Error(`no order ${id}`);
    return o;
  }

  orders(): readonly Readonly<Order>[] {
    return this.engine.kernel.cache.allOrders();
  }

  of<T extends EngineEventType>(type: T, clientOrderId?: string): EventOf<T>[] {
    return this.events.filter(
      (e): e is EventOf<T> => e.type === type && (clientOrderId === undefined || ('clientOrderId' in e && e.clientOrderId === clientOrderId)),
    );
  }

  denials(): EventOf<'OrderDenied'>[] {
    return this.of('OrderDenied');
  }

  /** Client order ids the venue has been handed. */
  venueSaw(): string[] {
    return this.trace.filter((t) => t.startsWith('venue.submit:')).map((t) => t.slice('venue.submit:'.length));
  }

  position(instrumentId = 'AAA'): number {
    return this.engine.portfolio.positionQty(instrumentId);
  }

  trades() {
    return this.engine.portfolio.trades();
  }

  working(instrumentId?: string): readonly Readonly<Order>[] {
    return this.engine.kernel.cache.openOrders(instrumentId);
  }
}

export function bar(instrumentId: string, ts: number, durationMs: number, open: number, high: number, low: number, close: number, volume = 1_000_000): Bar {
  return { instrumentId, ts, durationMs, open, high, low, close, volume };
}
