/**
 * The strategy contract. A strategy reads market data and a read-only view of the cache and the
 * portfolio, and emits intents; it never talks to the venue. Sizing, risk and order handling are the
 * engine's job, so the same strategy runs unchanged in backtest, paper and live sessions.
 */
import type { z } from 'zod';
import type { Bar, Quote } from '../core/bar';
import type { CacheView } from '../core/cache';
import type { OrderFilled } from '../core/events';
import type { OrderRequest } from '../core/order';
import type { PortfolioView } from '../core/portfolio-view';

export type Direction = 'LONG' | 'SHORT' | 'FLAT';

/** Hold a position in this direction (sized by the engine), optionally protected by SL/TP in percent of the entry price. */
export interface TargetIntent {
  kind: 'target';
  instrumentId: string;
  direction: Direction;
  /** Stop-loss distance from the entry, % of price (0.2 = 0.2 %). */
  stopLossPct?: number | null;
  /** Take-profit distance from the entry, % of price. */
  takeProfitPct?: number | null;
  /** Signal confidence tier, 1 (strongest) to 3, for confidence-based sizing. */
  confidence?: number | null;
  /** Why, kept on the order (e.g. "ema 8/21 cross up"). */
  reason: string;
}

/** An explicit order (still sized by the request, still risk-checked). */
export interface OrderIntent {
  kind: 'order';
  request: OrderRequest;
}

export type Intent = TargetIntent | OrderIntent;

export interface StrategyContext {
  readonly strategyId: string;
  now(): number;
  readonly cache: CacheView;
  readonly portfolio: PortfolioView;
  submit(intent: Intent): void;
}

export interface Strategy {
  readonly id: string;
  /** Instruments whose bars and quotes this strategy receives. */
  readonly instruments: readonly string[];
  onStart?(ctx: StrategyContext): void;
  onStop?(): void;
  onBar?(bar: Bar): void;
  onQuote?(quote: Quote): void;
  onFill?(fill: OrderFilled): void;
}

/**
 * A strategy type: its name, a zod schema for its parameters (defaults, ranges and descriptions, so
 * that the UI, configuration and parameter sweeps can use it) and a factory.
 */
export interface StrategyDefinition<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  params: S;
  create(id: string, params: z.output<S>, instruments: readonly string[]): Strategy;
}
