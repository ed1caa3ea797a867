/**
 * The paper venue: the simulated venue on its quote path (market orders fill at the next quote, BUY at
 * the ask, SELL at the bid, with the configured latency and slippage models; see the header of
 * simulated-venue.ts), with its own account. It matches quotes only: bars the kernel hands it (a paper
 * session replays bars after their quotes, for bar strategies) are ignored, so an order never fills
 * twice against one stretch of market. Every fill is booked in the `PaperAccount` before the engine
 * hears of it.
 *
 * Persistence (a venue is another party: it keeps its own books, apart from the engine's journal).
 * With a `ledger`, every event the venue reports is first stored as one of the venue's numbered
 * transactions, together with the order's full record after it, the submission it answers (accept or
 * reject) and, for fills, the account after the fill; only then is the event stamped with that
 * `venueTxId` and handed to the engine. A ledger that cannot store throws, and the event is not
 * delivered. `restore` continues a venue from what the ledger kept (working orders, positions, account,
 * ids already used), and the venue answers reconciliation (`ReconcilableVenue`): its account snapshot
 * and its transactions after a given id.
 */
import { EngineError } from '../core/errors';
import type { VenueEvent } from '../core/events';
import type { Order } from '../core/order';
import type { EpochMs } from '../core/time';
import type { ReconcilableVenue, VenueAccountSnapshot, VenueOrderSnapshot, VenueTransactions } from '../core/venue';
import type { PaperAccount, PaperAccountState } from './paper-account';
import { SimulatedVenue, type SimOrderRecord, type SimulatedVenueOptions, type SimVenueRestore } from './simulated-venue';
import type { SimOrderView } from './types';

/** One stored venue transaction. */
export interface PaperLedgerEntry {
  event: VenueEvent;
  /** The order's record after the event (null: the venue never accepted it). */
  order: SimOrderRecord | null;
  /** The order as submitted, on the accept or reject that answers a submission; else null. */
  submission: Readonly<Order> | null;
  /** The account after the event (fills), else null. */
  account: PaperAccountState | null;
  /** Market time of the event. */
  ts: EpochMs;
}

/** Where a paper venue keeps its books (engine/node/paper/paper-venue-store.ts: SQLite). */
export interface PaperVenueLedger {
  /** Stores one transaction durably and returns its id (1, 2, ...); throws when it cannot. */
  append(entry: PaperLedgerEntry): number;
  lastTxId(): number;
  /** The events after `txId` (each with venueTxId) and the latest record of every order they name. */
  transactionsSince(txId: number): VenueTransactions;
}

/** What a restarted paper venue continues from. */
export interface PaperVenueRestore {
  venue: SimVenueRestore;
  account: PaperAccountState;
}

export interface PaperVenueOptions extends SimulatedVenueOptions {
  account: PaperAccount;
  ledger?: PaperVenueLedger;
}

export class PaperVenue extends SimulatedVenue implements ReconcilableVenue {
  readonly account: PaperAccount;
  private readonly ledger: PaperVenueLedger | null;
  /** The order being submitted (its accept or reject records the submission). */
  private submitting: Readonly<Order> | null = null;

  constructor(opts: PaperVenueOptions) {
    super({ venue: 'PAPER', ...opts });
    this.account = opts.account;
    this.ledger = opts.ledger ?? null;
    this.recordsOrders = true;
  }

  /** Continues from the ledger's records (before any order or market data). */
  restoreFrom(r: PaperVenueRestore): void {
    this.restore(r.venue);
    this.account.restore(r.account);
  }

  override submit(order: Readonly<Order>): void {
    this.submitting = order;
    try {
      super.submit(order);
    } finally {
      this.submitting = null;
    }
  }

  protected override deliver(e: VenueEvent, order: SimOrderRecord | null): void {
    if (e.type === 'OrderFilled') this.account.book(e);
    if (this.ledger !== null) {
      const answers = (e.type === 'OrderAccepted' || e.type === 'OrderRejected') && this.submitting?.clientOrderId === e.clientOrderId;
      e.venueTxId = this.ledger.append({
        event: e,
        order,
        submission: answers ? this.submitting : null,
        account: e.type === 'OrderFilled' ? this.account.state() : null,
        ts: e.tsEvent,
      });
    }
    super.deliver(e, order);
  }

  /** Quotes only: a paper venue does not match bars. */
  override onBar(): void {
    return;
  }

  // ---------------------------------------------------------------- reconciliation

  accountSnapshot(): Promise<VenueAccountSnapshot> {
    return Promise.resolve({
      venue: this.venue,
      lastTxId: this.ledger?.lastTxId() ?? 0,
      orders: this.workingOrders().map((o) => venueOrderSnapshot(o, 'WORKING')),
      positions: this.account.positionTicks(),
      balances: this.account.balances(),
    });
  }

  transactionsSince(txId: number): Promise<VenueTransactions> {
    if (this.ledger === null) {
      if (txId === 0) return Promise.resolve({ events: [], orders: [] });
      return Promise.reject(new EngineError('venue.transactions_unavailable', `the paper venue keeps no transactions (asked for those after ${txId})`));
    }
    try {
      return Promise.resolve(this.ledger.transactionsSince(txId));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }
}

/** The venue's record of an order as the reconciliation port shows it (engine/core/venue.ts). */
export function venueOrderSnapshot(o: SimOrderView, state: VenueOrderSnapshot['state']): VenueOrderSnapshot {
  return {
    clientOrderId: o.clientOrderId,
    venueOrderId: o.venueOrderId,
    strategyId: o.strategyId,
    instrumentId: o.instrumentId,
    side: o.side,
    type: o.type,
    qty: o.qty,
    filledQty: o.filledQty,
    price: o.price,
    triggerPrice: o.triggerPrice,
    trailingDistance: o.trailingDistance ?? null,
    tif: o.tif,
    expireTs: o.expireTs,
    reduceOnly: o.reduceOnly,
    ocoGroup: o.ocoGroup,
    state,
  };
}
