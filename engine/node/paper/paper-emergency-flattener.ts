/**
 * The emergency flatten of the paper venue, with no engine (engine/node/desktop/emergency-flatten.ts):
 * the desktop host has ended a wedged or dead engine and goes to the venue directly, as it would to a
 * broker's REST API. The paper venue is its books (`paper-venue.sqlite`): the venue is restored from
 * them, every working order is canceled, and every position is closed by a market order
 * (`EMERG-{txId}-{n}`, reduce-only) filled at the last price the engine journaled for the instrument
 * (there is no live feed without the engine: the report says which price was used). Each step is a
 * venue transaction in the books, like any other; the restarted engine adopts them in its
 * reconciliation (the orders as `external`, their fills as missed transactions) and starts HALTED.
 *
 * A position with no journaled price cannot be closed: it is reported as a failure
 * (`emergency.no_price`), never skipped silently.
 */
import { join } from 'node:path';
import { SimClock } from '../../core/clock';
import type { VenueEvent } from '../../core/events';
import type { FlattenCancel, FlattenClose, FlattenReport } from '../../core/flatten-report';
import { ticksToPrice } from '../../core/instrument';
import { newOrder, type Order } from '../../core/order';
import { PaperAccount } from '../../sim/paper-account';
import { PaperVenue } from '../../sim/paper-venue';
import type { EmergencyFlattenRequest, EmergencyFlattener } from '../desktop/emergency-flatten';
import { JOURNAL_FILE, Journal } from '../journal';
import { PAPER_VENUE_FILE, PaperVenueStore } from './paper-venue-store';

export interface PaperEmergencyFlattenerOptions {
  /** The engine's data dir (journal and venue books). */
  dataDir: string;
  now?: () => number;
}

export class PaperEmergencyFlattener implements EmergencyFlattener {
  readonly venue = 'paper';

  constructor(private readonly o: PaperEmergencyFlattenerOptions) {}

  flatten(req: EmergencyFlattenRequest): Promise<FlattenReport> {
    try {
      return Promise.resolve(this.run(req));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private run(req: EmergencyFlattenRequest): FlattenReport {
    const now = this.o.now ?? Date.now;
    const prices = new Map<string, { price: number; ts: number }>();
    const j = new Journal({ path: join(this.o.dataDir, JOURNAL_FILE) });
    try {
      for (const p of j.lastPrices()) prices.set(p.instrumentId, { price: p.price, ts: p.ts });
    } finally {
      j.close();
    }
    const store = PaperVenueStore.openExisting(join(this.o.dataDir, PAPER_VENUE_FILE));
    try {
      // The venue's own record of the instruments (the engine wrote their specifications into the books).
      const byId = new Map(store.instruments().map((i) => [i.id, i]));
      const books = store.load();
      const lastTs = Math.max(books.lastMarketTs ?? 0, ...[...prices.values()].map((p) => p.ts));
      const clock = new SimClock(lastTs);
      const account = new PaperAccount({ currency: store.currency, startingCash: store.startingCash, instrument: (id) => byId.get(id) });
      const venue = new PaperVenue({ instruments: (id) => byId.get(id), clock, account, ledger: store });
      venue.restoreFrom(books);
      const events: VenueEvent[] = [];
      venue.bind((e) => events.push(e));
      const report: FlattenReport = {
        flattenId: 0,
        reason: req.reason,
        source: req.source,
        startedAt: req.startedAt,
        completedAt: null,
        status: 'in_progress',
        strategiesStopped: [],
        cancels: [],
        closes: [],
        failures: [],
        maxAttempts: 1,
      };
      // 1. cancel every working order
      for (const w of venue.workingOrders()) {
        if (req.signal.aborted) break;
        venue.cancel(asOrder(w.clientOrderId, w.instrumentId, w.side, w.qty));
        const ok = events.some((e) => e.type === 'OrderCanceled' && e.clientOrderId === w.clientOrderId);
        const cancel: FlattenCancel = { clientOrderId: w.clientOrderId, instrumentId: w.instrumentId, role: w.reduceOnly ? 'EXIT' : 'ENTRY', side: w.side, openQty: w.qty - w.filledQty, outcome: ok ? 'canceled' : 'cancel_rejected', pass: 1 };
        report.cancels.push(cancel);
        if (!ok) report.failures.push({ ts: now(), instrumentId: w.instrumentId, clientOrderId: w.clientOrderId, code: 'emergency.cancel_failed', reason: 'the venue did not cancel it' });
      }
      // 2. close every position at the last journaled price
      let n = 0;
      for (const p of account.positionTicks()) {
        if (req.signal.aborted) break;
        const inst = byId.get(p.instrumentId);
        const close: FlattenClose = { instrumentId: p.instrumentId, startQty: p.qty, attempts: [], fills: [], closedQty: 0, avgPx: null, status: 'failed' };
        report.closes.push(close);
        const last = prices.get(p.instrumentId);
        if (!inst || !last) {
          report.failures.push({ ts: now(), instrumentId: p.instrumentId, clientOrderId: '', code: 'emergency.no_price', reason: `no price of ${p.instrumentId} in the journal to close ${p.qty} units at` });
          continue;
        }
        const id = `EMERG-${books.lastTxId}-${++n}`;
        const side = p.qty > 0 ? 'SELL' : 'BUY';
        venue.submit({ ...asOrder(id, p.instrumentId, side, Math.abs(p.qty)), reduceOnly: true, strategyId: 'emergency', tsInit: clock.now(), tsLast: clock.now() });
        clock.advanceTo(clock.now() + 1);
        venue.onQuote({ instrumentId: p.instrumentId, ts: clock.now(), bid: last.price, ask: last.price });
        const fills = events.filter((e): e is Extract<VenueEvent, { type: 'OrderFilled' }> => e.type === 'OrderFilled' && e.clientOrderId === id);
        const filled = fills.reduce((s, f) => s + f.lastQty, 0);
        close.attempts.push({ attempt: 1, clientOrderId: id, ts: clock.now(), side, qty: Math.abs(p.qty), outcome: filled === Math.abs(p.qty) ? 'filled' : filled > 0 ? 'partially_filled' : 'rejected' });
        for (const f of fills) close.fills.push({ tradeId: f.tradeId, qty: f.lastQty, px: ticksToPrice(inst, f.lastPx), pxTicks: f.lastPx, ts: f.tsEvent });
        close.closedQty = filled;
        close.avgPx = filled > 0 ? ticksToPrice(inst, fills.reduce((s, f) => s + f.lastPx * f.lastQty, 0) / filled) : null;
        close.status = filled === Math.abs(p.qty) ? 'closed' : 'failed';
        if (close.status === 'failed') {
          const why = events.find((e) => e.type === 'OrderRejected' && e.clientOrderId === id);
          report.failures.push({ ts: now(), instrumentId: p.instrumentId, clientOrderId: id, code: why?.type === 'OrderRejected' ? why.code : 'emergency.close_failed', reason: `closed ${filled} of ${Math.abs(p.qty)} units at the last journaled price ${last.price}` });
        }
      }
      if (req.signal.aborted) report.failures.push({ ts: now(), instrumentId: '*', clientOrderId: '', code: 'emergency.timeout', reason: 'the time limit ended the flatten before every step ran' });
      report.completedAt = now();
      report.status = report.failures.length === 0 && venue.workingOrders().length === 0 && account.positionTicks().length === 0 ? 'completed' : 'failed';
      return report;
    } finally {
      store.close();
    }
  }
}

/** An order as the venue receives it (already submitted), for the flattener's own cancels and closes. */
function asOrder(clientOrderId: string, instrumentId: string, side: Order['side'], qty: number): Order {
  const o = newOrder(clientOrderId, 'emergency', { instrumentId, side, qty, type: 'MARKET', role: 'FLATTEN', tag: 'emergency flatten' }, 0);
  o.status = 'SUBMITTED';
  return o;
}
