/**
 * Event-driven backtest over a time-ordered bar stream, through the full engine: strategies ->
 * sizer -> risk gate -> order manager -> simulated venue -> portfolio. Bars of one timestamp are
 * processed together; after them the portfolio rolls the day and samples equity.
 *
 * Time: the clock stands at a bar's close time while strategies see it, so an order placed on a bar
 * is accepted at its close and fills at the next bar's open (fills are stamped with that bar's time).
 * At the end of the data, open positions are closed at the last close (`close_at_end`, exit reason
 * `end_of_data`), by settling market exits against a zero-range bar at that price.
 */
import type { Bar } from '../core/bar';
import { SimClock } from '../core/clock';
import type { Instrument } from '../core/instrument';
import { moneyToNumber } from '../core/money';
import type { Order } from '../core/order';
import { computeMetrics, type Metrics } from '../portfolio/metrics';
import type { EquityCurve, TradeRecord } from '../portfolio/types';
import type { EngineConfig, ResolvedStrategy } from '../runtime/config';
import { feeModelFrom, slippageModelFrom } from '../runtime/sim-models';
import { TradingEngine } from '../runtime/trading-engine';
import { SimulatedVenue } from '../sim';
import { EngineError } from '../core/errors';

export interface BacktestInput {
  /** Bars of every instrument, ordered by time (and a stable instrument order within a time). */
  bars: readonly Bar[];
  instruments: readonly Instrument[];
  config: EngineConfig;
  strategies: readonly ResolvedStrategy[];
  /** Called every `progressEvery` bars and at the end. */
  onProgress?: (done: number, total: number) => void;
  progressEvery?: number;
}

export interface BacktestResult {
  engine: TradingEngine;
  barsProcessed: number;
  trades: readonly TradeRecord[];
  orders: readonly Readonly<Order>[];
  /** Client order id -> code of its denial, rejection or cancellation reason. */
  orderReasons: ReadonlyMap<string, string>;
  equity: EquityCurve;
  metrics: Metrics;
  denials: number;
}

export function runBacktest(input: BacktestInput): BacktestResult {
  const { bars, config } = input;
  const first = bars[0];
  const clock = new SimClock(first ? first.ts : 0);
  const byId = new Map(input.instruments.map((i) => [i.id, i]));
  const venue = new SimulatedVenue({
    instruments: (id) => byId.get(id),
    clock,
    feeModel: feeModelFrom(config.backtest.fees),
    slippageModel: slippageModelFrom(config.backtest.slippage),
  });
  const engine = new TradingEngine({ clock, venue, instruments: input.instruments, config, strategies: input.strategies, idPrefix: 'BT', enforceStrategyBudget: false });
  const reasons = new Map<string, string>();
  let denials = 0;
  engine.kernel.bus.on('OrderDenied', (e) => {
    denials++;
    reasons.set(e.clientOrderId, e.code);
  });
  engine.kernel.bus.on('OrderRejected', (e) => reasons.set(e.clientOrderId, e.code));
  engine.kernel.bus.on('OrderCanceled', (e) => reasons.set(e.clientOrderId, e.reason));
  engine.start(input.strategies);

  const n = bars.length;
  const every = input.progressEvery ?? 100_000;
  let curClose = Number.NaN;
  let barsInMarket = 0;
  let samples = 0;
  const sample = (ts: number) => {
    engine.endOfTimestamp(ts);
    samples++;
    if (engine.portfolio.openPositionCount() > 0) barsInMarket++;
  };
  for (let i = 0; i < n; i++) {
    const bar = bars[i]!;
    const close = bar.ts + bar.durationMs;
    if (close !== curClose) {
      if (curClose === curClose) sample(curClose);
      curClose = close;
      if (close > clock.now()) clock.advanceTo(close);
    }
    engine.onBar(bar);
    if (input.onProgress && (i + 1) % every === 0) input.onProgress(i + 1, n);
  }
  engine.strategies.stopAll('end of data');
  if (config.backtest.close_at_end) closeAtEnd(engine, clock);
  if (curClose === curClose) sample(curClose);
  input.onProgress?.(n, n);

  const equity = engine.portfolio.equityCurve();
  const metrics = computeMetrics({
    equity,
    trades: engine.portfolio.trades(),
    startingCash: moneyToNumber(engine.portfolio.startingCash()),
    totalFees: moneyToNumber(engine.portfolio.totalFees()),
    totalSlippage: moneyToNumber(engine.portfolio.totalSlippage()),
    barsInMarket,
    totalBars: samples,
  });
  return {
    engine,
    barsProcessed: n,
    trades: engine.portfolio.trades(),
    orders: engine.kernel.cache.allOrders(),
    orderReasons: reasons,
    equity,
    metrics,
    denials,
  };
}

/** Cancels working orders and closes every position at its instrument's last close. */
function closeAtEnd(engine: TradingEngine, clock: SimClock): void {
  const open = engine.portfolio.openPositions();
  engine.orders.cancelAll();
  if (open.length === 0) return;
  for (const p of open) {
    const r = engine.orders.submit('backtest', {
      instrumentId: p.instrumentId,
      side: p.qty > 0 ? 'SELL' : 'BUY',
      qty: Math.abs(p.qty),
      type: 'MARKET',
      role: 'EXIT',
      reduceOnly: true,
      tag: 'end_of_data',
    });
    // The statistics say the run ends flat: a refused close must not leave that untrue unnoticed.
    if (!r.ok) throw new EngineError('backtest.close_at_end_failed', `closing ${p.instrumentId} at the end of the data was refused: [${r.code}] ${r.reason}`);
  }
  const ts = clock.now();
  for (const p of open) {
    const last = engine.kernel.cache.lastBar(p.instrumentId);
    if (!last) continue;
    const c = last.close;
    const settle: Bar = { instrumentId: p.instrumentId, ts, durationMs: 0, open: c, high: c, low: c, close: c, volume: 0 };
    if (last.bid && last.ask) {
      settle.bid = { open: last.bid.close, high: last.bid.close, low: last.bid.close, close: last.bid.close };
      settle.ask = { open: last.ask.close, high: last.ask.close, low: last.ask.close, close: last.ask.close };
    }
    engine.onBar(settle);
  }
}
