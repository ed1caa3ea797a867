/**
 * One restart sequence for a journaled paper session, used by the engine process (engine/node/main.ts)
 * and by the recovery tests, so both run the same code:
 *
 *   1. the paper venue's books are opened (`paper-venue.sqlite`) and the venue continues from them;
 *   2. the replay continues after the later of the journal's last price and the venue's last
 *      transaction (the market does not replay what the venue has already traded against);
 *   3. a PaperSession is made RECONCILING, and its engine is restored from the journal, the journal
 *      attached, and the state to return to decided (engine/node/journal/restore-from-journal.ts,
 *      shared with the OANDA session).
 * The caller then runs `reconcileSession` (engine/runtime/reconcile.ts) and starts the session only
 * when it reconciled.
 */
import { join } from 'node:path';
import type { Bar } from '../../core/bar';
import type { Clock } from '../../core/clock';
import type { TradingState } from '../../core/events';
import type { Instrument } from '../../core/instrument';
import { money } from '../../core/money';
import { PaperSession, type PaperSessionOptions } from '../../backtest/run-paper';
import type { TradingStateStore } from '../../risk/kill-switch-store';
import type { EngineConfig, ResolvedStrategy } from '../../runtime/config';
import { reconcile, type ReconcileResult } from '../../runtime/reconcile';
import type { Journal, RebuiltState } from '../journal';
import { restoreFromJournal } from '../journal/restore-from-journal';
import { PAPER_VENUE_FILE, PaperVenueStore, type PaperVenueLoaded } from './paper-venue-store';

export interface RestorePaperSessionOptions {
  dataDir: string;
  journal: Journal;
  config: EngineConfig;
  strategies: readonly ResolvedStrategy[];
  bars: readonly Bar[];
  instruments: readonly Instrument[];
  pacer: Clock;
  speed: number;
  batch?: number;
  stateStore: TradingStateStore;
  idPrefix: string;
  /** Wraps each engine input (the host's journal batch and its failure handling). */
  runInput?: PaperSessionOptions['runInput'];
}

export interface RestoredPaperSession {
  session: PaperSession;
  venueStore: PaperVenueStore;
  venueBooks: PaperVenueLoaded;
  rebuilt: RebuiltState;
  /** The state the reconciliation returns to. */
  resumeState: Exclude<TradingState, 'RECONCILING'>;
  /** Market time the replay continues after, or null (from the start). */
  resumeAfter: number | null;
  /** Detaches the journal from the engine. */
  detach: () => void;
}

export function restorePaperSession(o: RestorePaperSessionOptions): RestoredPaperSession {
  const { config, journal: j } = o;
  const startingCash = money(config.account.starting_cash);
  const venueStore = new PaperVenueStore({ path: join(o.dataDir, PAPER_VENUE_FILE), currency: config.account.currency, startingCash, instruments: o.instruments });
  try {
    const venueBooks = venueStore.load();
    const lastJournalTs = j.lastPrices().reduce((m, p) => Math.max(m, p.ts), Number.NEGATIVE_INFINITY);
    const after = Math.max(lastJournalTs, venueBooks.lastMarketTs ?? Number.NEGATIVE_INFINITY);
    const resumeAfter = Number.isFinite(after) ? after : null;
    const session = new PaperSession({
      bars: o.bars,
      instruments: o.instruments,
      config,
      strategies: o.strategies,
      pacer: o.pacer,
      speed: o.speed,
      ...(o.batch !== undefined ? { batch: o.batch } : {}),
      onExit: config.engine.on_shutdown,
      stateStore: o.stateStore,
      idPrefix: o.idPrefix,
      resume: { initialState: 'RECONCILING' },
      ledger: venueStore,
      restoreVenue: venueBooks,
      resumeAfter,
      ...(o.runInput ? { runInput: o.runInput } : {}),
    });
    const { rebuilt, resumeState, detach } = restoreFromJournal(session.engine, j, {
      instruments: o.instruments,
      accountCurrency: config.account.currency,
      startingCash,
      idPrefix: o.idPrefix,
      stateStore: o.stateStore,
    });
    return { session, venueStore, venueBooks, rebuilt, resumeState, resumeAfter, detach };
  } catch (e) {
    venueStore.close();
    throw e;
  }
}

/** Step 4 of engine/node/main.ts: reconciles a restored session with its paper venue. */
export function reconcileSession(r: RestoredPaperSession): Promise<ReconcileResult> {
  return reconcile({ engine: r.session.engine, venue: r.session.venue, lastVenueTxId: r.rebuilt.lastVenueTxId, resumeState: r.resumeState });
}
