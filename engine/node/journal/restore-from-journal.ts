/**
 * The journal half of a restart, the same for every venue (the paper session, the OANDA session):
 *
 *   1. the journal is replayed into the live engine's own cache and portfolio (rebuildState with
 *      `target`; the engine must have been made with initialState RECONCILING and nothing emitted);
 *   2. the journal is attached, so every event from here on is appended — including the ones step 3
 *      emits (an unfinished algorithm's AlgoFinished);
 *   3. restoreEngine: ids, brackets, risk counters, baselines (engine/runtime/restore.ts);
 *   4. the state to return to after the reconciliation: HALTED when the stored trading state or the
 *      journal says so (the stored record is brought in line), else REDUCING or ACTIVE as before.
 * The venue side (reconciliation) is the caller's.
 */
import type { TradingState } from '../../core/events';
import type { Instrument } from '../../core/instrument';
import type { Money } from '../../core/money';
import type { TradingStateStore } from '../../risk/kill-switch-store';
import { restoreEngine } from '../../runtime/restore';
import type { TradingEngine } from '../../runtime/trading-engine';
import type { Journal } from './journal';
import { rebuildState, type RebuiltState } from './rebuild';

export interface RestoreFromJournalOptions {
  instruments: readonly Instrument[];
  accountCurrency: string;
  startingCash: Money;
  /** The engine's client order id prefix (its numbers continue). */
  idPrefix: string;
  stateStore: TradingStateStore;
}

export interface RestoredFromJournal {
  rebuilt: RebuiltState;
  /** The state the reconciliation returns to. */
  resumeState: Exclude<TradingState, 'RECONCILING'>;
  /** Detaches the journal from the engine. */
  detach: () => void;
}

export function restoreFromJournal(engine: TradingEngine, journal: Journal, o: RestoreFromJournalOptions): RestoredFromJournal {
  const rebuilt = rebuildState(journal, { instruments: o.instruments, accountCurrency: o.accountCurrency, startingCash: o.startingCash, target: engine.beginRestore() });
  const detach = journal.attach(engine);
  restoreEngine(
    engine,
    { lastEventId: rebuilt.lastEventId, lastClientOrderNumber: rebuilt.lastIdNumbers.get(o.idPrefix) ?? 0, lastAlgoNumber: rebuilt.lastIdNumbers.get(`${o.idPrefix}-ALGO`) ?? 0 },
    rebuilt.restore,
  );
  const stored = o.stateStore.load();
  const halted = stored?.state === 'HALTED' || rebuilt.tradingState?.state === 'HALTED';
  if (halted && stored?.state !== 'HALTED') {
    o.stateStore.save(rebuilt.tradingState ?? { state: 'HALTED', reason: 'halted in the journal', source: 'journal', ts: Date.now() });
  }
  const resumeState = halted ? 'HALTED' : rebuilt.tradingState?.state === 'REDUCING' ? 'REDUCING' : 'ACTIVE';
  return { rebuilt, resumeState, detach };
}
