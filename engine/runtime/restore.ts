/**
 * Restoring a live TradingEngine from its journal, so that a restarted engine continues where it
 * stopped instead of starting flat:
 *
 *   1. `engine.beginRestore()` mutes the portfolio's position events, and the host replays the
 *      journal's events into the engine's own cache and portfolio (engine/node/journal/rebuild.ts with
 *      `target`): orders in their last state, positions, cash, closed trades, id counters.
 *   2. `restoreEngine(engine, facts)` restores what lives outside the cache and the portfolio:
 *        - the event sequence and the client order id counter continue after the journal's;
 *        - bracket relations (entry -> its stop-loss / take-profit pairs), from the orders' parentId
 *          and ocoGroup, so later fills of an entry still grow or replace its protection;
 *        - which strategy opened each position (per-strategy position limits), and the entries sent
 *          on the current UTC day (trades per day), when the journal's latest entry day is today;
 *        - the portfolio's and the guards' baselines (start-of-period equity, peak) from the journal's
 *          equity samples, and the guards tripped since the engine was last ACTIVE (they stay tripped
 *          until re-armed, as before the restart);
 *        - execution algorithms that had not finished: a TWAP / VWAP does not survive a restart (its
 *          schedule lived in memory); each is closed with AlgoFinished reason `stopped`, detail
 *          `engine.restarted`. Its child orders are ordinary orders and are reconciled like any other.
 *   Strategies restart cold: their indicators warm up again on the bars that follow.
 *
 * Nothing here talks to the venue: the reconciliation (engine/runtime/reconcile.ts) follows.
 */
import type { EpochMs } from '../core/time';
import type { OrderSide } from '../core/order';
import type { TradingEngine } from './trading-engine';

export interface RestoreFacts {
  /** Instrument -> strategy whose entry opened its position. */
  owners: ReadonlyMap<string, string>;
  /** Entries sent per strategy on the journal's latest entry day (UTC day start), or null. */
  entries: { day: EpochMs; byStrategy: ReadonlyMap<string, number> } | null;
  /** Guards (`daily_loss`, `drawdown`, ...) tripped since the engine was last ACTIVE. */
  trippedGuards: readonly string[];
  /** Algorithms started and not finished. */
  unfinishedAlgos: readonly { algoId: string; strategyId: string; instrumentId: string; side: OrderSide; qty: number; filledQty: number; slicesDone: number; slices: number }[];
  /** The journal's equity samples, in time order. */
  equity: readonly { ts: EpochMs; equity: number }[];
}

export interface RestoreCounters {
  lastEventId: number;
  /** Highest client order id number used with the engine's prefix. */
  lastClientOrderNumber: number;
  /** Highest algorithm id number used (`{prefix}-ALGO-{n}`). */
  lastAlgoNumber: number;
}

/** Step 2 above; ends the restore (the portfolio's events are live again). */
export function restoreEngine(engine: TradingEngine, counters: RestoreCounters, facts: RestoreFacts): void {
  engine.kernel.continueSequence(counters.lastEventId);
  engine.orders.continueIds(counters.lastClientOrderNumber);
  engine.algos.continueIds(counters.lastAlgoNumber);
  engine.orders.rebuildBrackets();
  for (const [inst, strategy] of facts.owners) if (engine.portfolio.positionQty(inst) !== 0) engine.risk.setOwner(inst, strategy);
  if (facts.entries) engine.risk.restoreEntries(facts.entries.day, facts.entries.byStrategy);
  engine.portfolio.restoreBaselines(facts.equity);
  engine.guards.restoreBaselines(facts.equity, facts.trippedGuards);
  engine.endRestore();
  for (const a of facts.unfinishedAlgos) {
    engine.kernel.emit({
      type: 'AlgoFinished',
      tsEvent: engine.kernel.clock.now(),
      algoId: a.algoId,
      strategyId: a.strategyId,
      instrumentId: a.instrumentId,
      side: a.side,
      qty: a.qty,
      reason: 'stopped',
      filledQty: a.filledQty,
      remainingQty: a.qty - a.filledQty,
      slicesDone: a.slicesDone,
      detail: 'engine.restarted',
    });
  }
}
