/**
 * Start-up reconciliation: after the engine was restored from its journal (restore.ts) and before it
 * trades, it asks the venue what happened and adopts the venue's side — the journal is the truth on
 * this side, the venue is the truth for money. The engine is RECONCILING throughout (no entries; only
 * the protection of positions the venue confirms passes the risk gate) and leaves it only when both
 * agree.
 *
 *   1. The venue's account snapshot (working orders, positions, balances, its last transaction id),
 *      then every venue transaction after the last one the journal saw. A venue that cannot answer, or
 *      whose books end before the journal's (`reconcile.venue_behind_journal`), fails the
 *      reconciliation: missing venue data never counts as flat. The engine stays RECONCILING, sends
 *      nothing, and says why (ReconciliationCompleted `failed`).
 *   2. Each missed transaction goes through the kernel exactly as it would have live (kernel.emit: the
 *      cache, the portfolio, the order manager, the journal): a fill while the engine was down, a
 *      cancel, an expiry. An order the engine never sent (placed outside the app) is adopted first
 *      (OrderInitialized + OrderSubmitted from the venue's record, strategy `external`). Each is
 *      reported as a ReconciliationDifference (`missed_event`, `external_order`).
 *   3. A fresh snapshot (the order manager may have answered a missed fill with bracket protection),
 *      then the states are compared:
 *        - an order working here that the venue does not have: closed here — OrderRejected
 *          `reconcile.not_at_venue` if it never got past SUBMITTED (it was recorded, then the engine
 *          died before sending it: it is never sent again), else OrderCanceled `reconcile.unknown_at_venue`;
 *        - an order working at the venue that the engine does not know: adopted (external);
 *        - an order both have with other quantity or prices: the venue's adopted (OrderUpdated);
 *        - a position that still differs: the difference adopted as a reconciliation fill (order
 *          `RECON-{n}`, strategy `reconcile`) at the venue's average price (or, when the venue is flat,
 *          at the last price), so the books stay one ledger of fills;
 *        - cash that differs from the venue's balance: reported (`balance_mismatch`), not adjusted.
 *   4. ReconciliationCompleted `ok`, and the trading state the engine had before the restart (HALTED
 *      stays HALTED until a person re-arms it).
 */
import { EngineError, isEngineError } from '../core/errors';
import type { EventInput, OrderFilled, ReconciliationDifference, TradingState, VenueEvent } from '../core/events';
import { priceToTicks, snapToTick } from '../core/instrument';
import { isTerminal, newOrder } from '../core/order';
import type { ReconcilableVenue, VenueAccountSnapshot, VenueOrderSnapshot } from '../core/venue';
import type { TradingEngine } from './trading-engine';

export const EXTERNAL_STRATEGY_ID = 'external';
export const RECONCILE_STRATEGY_ID = 'reconcile';

export interface ReconcileOptions {
  engine: TradingEngine;
  venue: ReconcilableVenue;
  /** Highest venueTxId in the journal (0: none). */
  lastVenueTxId: number;
  /**
   * The state to return to once reconciled (the state before the restart; HALTED when it was halted),
   * or a function asked at the end (a pass during a session: a halt that came meanwhile is kept).
   */
  resumeState: Exclude<TradingState, 'RECONCILING'> | (() => Exclude<TradingState, 'RECONCILING'>);
  /**
   * Which missed venue events to apply (default all). A pass during a session (the OANDA session's
   * external activity) skips the transactions the engine has already had from the live venue client.
   */
  include?: (e: VenueEvent) => boolean;
}

export interface ReconcileResult {
  status: 'ok' | 'failed';
  differences: Omit<ReconciliationDifference, 'id' | 'tsInit' | 'tsEvent' | 'type'>[];
  lastVenueTxId: number;
  code: string | null;
  reason: string;
}

type Diff = ReconcileResult['differences'][number];

export async function reconcile(opts: ReconcileOptions): Promise<ReconcileResult> {
  const { engine, venue } = opts;
  const k = engine.kernel;
  const diffs: Diff[] = [];
  const report = (d: Diff) => {
    diffs.push(d);
    k.emit({ type: 'ReconciliationDifference', tsEvent: k.clock.now(), ...d });
  };
  const fail = (code: string, reason: string): ReconcileResult => {
    k.emit({ type: 'ReconciliationCompleted', tsEvent: k.clock.now(), status: 'failed', venue: venue.venue, differences: diffs.length, lastVenueTxId: opts.lastVenueTxId, code, reason });
    return { status: 'failed', differences: diffs, lastVenueTxId: opts.lastVenueTxId, code, reason };
  };
  if (engine.state.state !== 'RECONCILING') throw new EngineError('invariant.reconcile_state', `reconcile needs the engine RECONCILING, it is ${engine.state.state}`);

  // ---- 1. what the venue says
  let first: VenueAccountSnapshot;
  let missed: VenueEvent[];
  let records: Map<string, VenueOrderSnapshot>;
  try {
    first = await venue.accountSnapshot();
    if (first.lastTxId < opts.lastVenueTxId) {
      return fail('reconcile.venue_behind_journal', `the venue's last transaction is ${first.lastTxId} but the journal has seen ${opts.lastVenueTxId}: the venue's books are missing data`);
    }
    const tx = await venue.transactionsSince(opts.lastVenueTxId);
    missed = tx.events.filter((e) => (e.venueTxId ?? 0) > opts.lastVenueTxId && (e.venueTxId ?? 0) <= first.lastTxId && (opts.include?.(e) ?? true));
    records = new Map(tx.orders.map((o) => [o.clientOrderId, o]));
  } catch (e) {
    return fail(isEngineError(e) ? e.code : 'reconcile.venue_unavailable', `the venue did not answer: ${e instanceof Error ? e.message : String(e)}`);
  }

  try {
    // ---- 2. the transactions the journal lacks, in order
    for (const e of missed) {
      if (!k.cache.order(e.clientOrderId)) {
        const rec = records.get(e.clientOrderId);
        if (!rec || e.type === 'OrderRejected' || e.type === 'OrderCancelRejected') {
          report({ kind: 'missed_event', instrument: rec?.instrumentId ?? null, orderId: e.clientOrderId, journal: 'unknown order', venue: `${e.type} (tx ${e.venueTxId})`, detail: 'nothing to apply: the order is not known here' });
          continue;
        }
        adopt(engine, rec, report);
      }
      const o = k.cache.order(e.clientOrderId)!;
      report({
        kind: 'missed_event',
        instrument: o.instrumentId,
        orderId: e.clientOrderId,
        journal: `${o.status}, filled ${o.filledQty}/${o.qty}`,
        venue: describe(e),
        detail: `venue transaction ${e.venueTxId} applied`,
      });
      k.emit({ ...e });
    }

    // ---- 3. compare with a fresh snapshot
    const snap = await venue.accountSnapshot();
    const working = new Map(snap.orders.map((o) => [o.clientOrderId, o]));
    for (const o of k.cache.openOrders()) {
      const v = working.get(o.clientOrderId);
      if (!v) {
        const never = o.status === 'SUBMITTED';
        report({
          kind: 'unknown_at_venue',
          instrument: o.instrumentId,
          orderId: o.clientOrderId,
          journal: `${o.status}, filled ${o.filledQty}/${o.qty}`,
          venue: 'not working',
          detail: never ? 'recorded but never received by the venue: closed, not sent again' : 'the venue no longer has it: closed here',
        });
        if (never) k.emit({ type: 'OrderRejected', tsEvent: k.clock.now(), clientOrderId: o.clientOrderId, code: 'reconcile.not_at_venue', reason: 'the venue never received this order (found on restart)' });
        else k.emit({ type: 'OrderCanceled', tsEvent: k.clock.now(), clientOrderId: o.clientOrderId, reason: 'reconcile.unknown_at_venue' });
        continue;
      }
      if (v.qty !== o.qty || v.price !== o.price || v.triggerPrice !== o.triggerPrice) {
        report({ kind: 'order_mismatch', instrument: o.instrumentId, orderId: o.clientOrderId, journal: terms(o), venue: terms(v), detail: "the venue's quantity and prices adopted" });
        k.emit({ type: 'OrderUpdated', tsEvent: k.clock.now(), clientOrderId: o.clientOrderId, qty: v.qty, price: v.price, triggerPrice: v.triggerPrice });
      }
      if (v.filledQty !== o.filledQty) {
        report({ kind: 'order_mismatch', instrument: o.instrumentId, orderId: o.clientOrderId, journal: `filled ${o.filledQty}`, venue: `filled ${v.filledQty}`, detail: 'fills differ without a transaction: the position check below adopts the difference' });
      }
    }
    for (const v of snap.orders) {
      const o = k.cache.order(v.clientOrderId);
      if (o && !isTerminal(o)) continue;
      if (o) {
        return fail('reconcile.inconsistent', `order ${v.clientOrderId} is ${o.status} in the journal but working at the venue`);
      }
      adopt(engine, v, report);
      if (v.filledQty > 0) report({ kind: 'order_mismatch', instrument: v.instrumentId, orderId: v.clientOrderId, journal: 'unknown', venue: `filled ${v.filledQty}`, detail: 'its fills are adopted by the position check below' });
    }
    const venuePos = new Map(snap.positions.map((p) => [p.instrumentId, p]));
    const instruments = new Set([...venuePos.keys(), ...engine.portfolio.openPositions().map((p) => p.instrumentId)]);
    let n = 0;
    for (const id of [...instruments].sort()) {
      const have = engine.portfolio.positionQty(id);
      const v = venuePos.get(id);
      const want = v?.qty ?? 0;
      if (have === want) continue;
      if (!k.cache.hasInstrument(id)) return fail('reconcile.unknown_instrument', `the venue has a position in ${id}, an instrument this engine does not trade`);
      const inst = k.cache.instrument(id);
      const last = k.cache.lastPrice(id);
      const px = v ? snapToTick(inst, Math.round(v.avgPx)) : last > 0 ? priceToTicks(inst, last) : 0;
      if (!(px > 0)) return fail('reconcile.no_price', `the position in ${id} differs (${have} here, ${want} at the venue) and there is no price to adopt it at`);
      report({ kind: 'position_mismatch', instrument: id, orderId: null, journal: `${have} units`, venue: `${want} units`, detail: `difference of ${want - have} units adopted at ${px} ticks` });
      adoptFill(engine, id, want - have, px, `RECON-${snap.lastTxId}-${++n}`);
    }
    const cash = engine.portfolio.cash();
    const bal = snap.balances.find((b) => b.currency === engine.portfolio.accountCurrency);
    if (bal && bal.amount !== cash) {
      report({ kind: 'balance_mismatch', instrument: null, orderId: null, journal: `${cash} micro-units`, venue: `${bal.amount} micro-units`, detail: 'reported, not adjusted' });
    }

    // ---- 4. done
    k.emit({
      type: 'ReconciliationCompleted',
      tsEvent: k.clock.now(),
      status: 'ok',
      venue: venue.venue,
      differences: diffs.length,
      lastVenueTxId: snap.lastTxId,
      code: null,
      reason: diffs.length === 0 ? 'the journal and the venue agree' : `${diffs.length} difference(s) adopted from the venue`,
    });
    const resume = typeof opts.resumeState === 'function' ? opts.resumeState() : opts.resumeState;
    engine.state.set(resume, diffs.length === 0 ? 'reconciled with the venue' : `reconciled with the venue: ${diffs.length} difference(s) adopted`, 'reconcile');
    return { status: 'ok', differences: diffs, lastVenueTxId: snap.lastTxId, code: null, reason: 'reconciled' };
  } catch (e) {
    return fail(isEngineError(e) ? e.code : 'reconcile.failed', `reconciliation stopped: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Creates the engine's record of an order the venue has and the engine never sent. */
function adopt(engine: TradingEngine, v: VenueOrderSnapshot, report: (d: Diff) => void): void {
  const k = engine.kernel;
  if (!k.cache.hasInstrument(v.instrumentId)) throw new EngineError('reconcile.unknown_instrument', `the venue has order ${v.clientOrderId} on ${v.instrumentId}, an instrument this engine does not trade`);
  const now = k.clock.now();
  const order = newOrder(
    v.clientOrderId,
    v.strategyId ?? EXTERNAL_STRATEGY_ID,
    {
      instrumentId: v.instrumentId,
      side: v.side,
      type: v.type,
      qty: v.qty,
      price: v.price,
      triggerPrice: v.triggerPrice,
      trailingDistance: v.trailingDistance,
      tif: v.tif,
      expireTs: v.expireTs,
      reduceOnly: v.reduceOnly,
      role: v.reduceOnly ? 'EXIT' : 'ENTRY',
      tag: 'adopted from the venue',
    },
    now,
    null,
    v.ocoGroup,
  );

  report({ kind: 'external_order', instrument: v.instrumentId, orderId: v.clientOrderId, journal: 'unknown', venue: `${v.state} ${terms(v)}`, detail: `adopted as strategy ${order.strategyId}` });
  k.emit({ type: 'OrderInitialized', tsEvent: now, order });
  k.emit({ type: 'OrderSubmitted', tsEvent: now, clientOrderId: v.clientOrderId, venue: k.venue.venue });
  if (v.state === 'WORKING') k.emit({ type: 'OrderAccepted', tsEvent: now, clientOrderId: v.clientOrderId, venueOrderId: v.venueOrderId });
}

/** Books `qty` signed units at `px` ticks as a reconciliation fill (no fee): the venue's position adopted. */
function adoptFill(engine: TradingEngine, instrumentId: string, qty: number, px: number, id: string): void {
  const k = engine.kernel;
  const now = k.clock.now();
  const side = qty > 0 ? 'BUY' : 'SELL';
  const have = engine.portfolio.positionQty(instrumentId);
  const reducing = have !== 0 && Math.sign(have) !== Math.sign(qty) && Math.abs(qty) <= Math.abs(have);
  const inst = k.cache.instrument(instrumentId);
  const order = newOrder(id, RECONCILE_STRATEGY_ID, { instrumentId, side, qty: Math.abs(qty), type: 'MARKET', reduceOnly: reducing, role: reducing ? 'EXIT' : 'ENTRY', tag: 'reconciliation' }, now);
  order.venueOrderId = id;

  k.emit({ type: 'OrderInitialized', tsEvent: now, order });
  k.emit({ type: 'OrderSubmitted', tsEvent: now, clientOrderId: id, venue: k.venue.venue });
  const fill: EventInput<OrderFilled> = {
    type: 'OrderFilled',
    tsEvent: now,
    clientOrderId: id,
    venueOrderId: id,
    tradeId: id,
    strategyId: RECONCILE_STRATEGY_ID,
    instrumentId,
    side,
    lastQty: Math.abs(qty),
    lastPx: px,
    fee: 0,
    feeCurrency: inst.quoteCurrency,
    slippage: 0,
    liquidity: 'TAKER',
    leavesQty: 0,
  };
  k.emit(fill);
}

function terms(o: { side: string; type: string; qty: number; price: number | null; triggerPrice: number | null }): string {
  return `${o.side} ${o.type} ${o.qty}${o.price !== null ? ` @${o.price}` : ''}${o.triggerPrice !== null ? ` trigger ${o.triggerPrice}` : ''}`;
}

function describe(e: VenueEvent): string {
  switch (e.type) {
    case 'OrderFilled':
      return `filled ${e.lastQty} @${e.lastPx} (${e.tradeId}, tx ${e.venueTxId})`;
    case 'OrderCanceled':
      return `canceled: ${e.reason} (tx ${e.venueTxId})`;
    default:
      return `${e.type} (tx ${e.venueTxId})`;
  }
}
