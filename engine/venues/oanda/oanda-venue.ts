/**
 * The OANDA v20 venue: the engine's ExecutionClient and ReconcilableVenue for practice and live
 * accounts.
 *
 * Orders go out as v20 requests (mapping.ts) with `clientExtensions.id` = the client order id; what
 * becomes of them comes back as VenueEvents (tx-mapper.ts) from three sources that may overlap, each
 * transaction reported once: the order's reply, the transaction stream (with `sinceid` backfill after
 * every reconnect) and `/changes` polling.
 *
 * - submit: POST orders, never sent twice. A reply that is lost (timeout, cut connection, 5xx) is
 *   resolved by `GET orders/@<clientId>` (retried; the order's fill or cancel transaction is fetched and
 *   applied); when the order is still not found after `lostReply.attempts` looks it is rejected with the
 *   original error's code. A 4xx with a reject transaction is OrderRejected `oanda.rejected.<REASON>`;
 *   a 201 whose order was cancelled at once (INSUFFICIENT_MARGIN, MARKET_HALTED, FIFO_VIOLATION, ...)
 *   is OrderRejected with that reason too. Mapping errors (`oanda.unsupported_order`, `decimal.precision`,
 *   `oanda.stop_loss_required`) reject without a request.
 * - Protection: every entry that can open a trade carries a venue-side stop-loss (the bracket's, else
 *   `defaultStopLossPips`). When the engine then sends its bracket children (reduce-only STOP_LOSS /
 *   TAKE_PROFIT orders whose parent opened trades), they become the trades' dependent orders through
 *   `PUT trades/{id}/orders` carrying the child's client id: the on-fill order is replaced atomically
 *   by the venue, so the trade is never unprotected. A child whose parent opened no trade (it reduced a
 *   netted position) is sent as a reduce-only order.
 * - cancel: `PUT orders/@<clientId>/cancel` (or removing the dependent order from its trade). An order
 *   that is no longer pending is looked up and its end reported; otherwise OrderCancelRejected.
 * - modify: `PUT orders/@<clientId>` (replace; the replacement keeps the client id) or a new
 *   dependent order on the trade. A refusal is OrderCancelRejected `oanda.rejected.<REASON>` (the event
 *   union has no modify-rejected event; the simulated venue does the same).
 * - Transactions about orders the engine did not send (the platform, margin closeouts, on-fill orders
 *   of entries with no engine child) are handed to `onExternal`: reconciliation's business
 *   (accountSnapshot / transactionsSince adopt them; the dependent orders a replay meets are tracked
 *   with their trade's instrument and size, so a default stop's fill is a fill at OANDA's price).
 * - After a restart, `trackOpenOrders` tracks the engine's restored orders from the account's pending
 *   orders and open trades, so their fills and cancels flow as if this client had sent them.
 * - A failure inside the engine's sink is reported (`oanda.sink_failed`) and never breaks the client.
 * - Account summary: AccountMirror, fed by transactions and `/changes` polling (`changesPollMs`).
 * Venue-side position tools for the kill switch and the UI: `closeTrade` (partial or ALL),
 * `closePosition`, `flattenAll` (cancel every pending order, close every position side; FIFO-safe).
 */
import type { VenueEvent } from '../../core/events';
import { EngineError } from '../../core/errors';
import type { Instrument } from '../../core/instrument';
import { money } from '../../core/money';
import { oppositeSide, type Order, type OrderSide, type TimeInForce } from '../../core/order';
import type {
  ExecutionClient,
  OrderModification,
  ReconcilableVenue,
  VenueAccountSnapshot,
  VenueEventSink,
  VenueOrderSnapshot,
  VenuePositionSnapshot,
  VenueTransactions,
} from '../../core/venue';
import { AccountMirror, type AccountState } from './account-mirror';
import { V20Api, type OnFill } from './api';
import { OandaError, isOandaError, toOandaError } from './errors';
import { sleep } from './http-client';
import { fillTicks, pipsToTicks, priceTicks, ticksStr, toV20Order, unitsInt, v20Time, type PositionFill } from './mapping';
import type { ConnectionGate } from './rate-limit';
import { Backoff } from './retry';
import { responseTransactions, type V20Order, type V20OrderResponse, type V20Transaction } from './schemas';
import { TransactionStream, type StreamStatus } from './stream';
import { TxMapper, type DependentKind, type Tracked } from './tx-mapper';

export interface OandaVenueOptions {
  api: V20Api;
  streamUrl: string;
  token: string;
  gate?: ConnectionGate;
  instruments: readonly Instrument[];
  /** How orders that are not reduce-only fill against existing positions (default DEFAULT). */
  positionFill?: PositionFill;
  /** Venue-side stop-loss distance in pips for entries without one (default 50; null: entries must bring one). */
  defaultStopLossPips?: number | null;
  lostReply?: { attempts?: number; delayMs?: number };
  stream?: { restartAfterMs?: number; checkMs?: number; connectTimeoutMs?: number; backoff?: Backoff };
  /** `/changes` polling period (ms, default 5000; 0 = off). */
  changesPollMs?: number;
  onExternal?: (tx: V20Transaction) => void;
  onError?: (e: OandaError) => void;
  onAccount?: (s: Readonly<AccountState>) => void;
  onStreamStatus?: (s: StreamStatus) => void;
  now?: () => number;
}

export interface FlattenResult {
  cancelled: string[];
  closed: { instrument: string; side: 'long' | 'short'; units: string; fillTxId: string | null }[];
  errors: { what: string; code: string; message: string }[];
}

const ROLE_CHILD = new Set(['STOP_LOSS', 'TAKE_PROFIT']);
const DEPENDENT_KIND: Readonly<Record<string, DependentKind>> = { STOP_LOSS: 'stopLoss', GUARANTEED_STOP_LOSS: 'stopLoss', TAKE_PROFIT: 'takeProfit', TRAILING_STOP_LOSS: 'trailingStopLoss' };

export class OandaVenue implements ExecutionClient, ReconcilableVenue {
  readonly venue = 'OANDA';
  readonly api: V20Api;
  private readonly opts: OandaVenueOptions;
  private readonly instruments = new Map<string, Instrument>();
  private readonly mapper: TxMapper;
  private sink: VenueEventSink | null = null;
  private stream: TransactionStream | null = null;
  private poller: NodeJS.Timeout | null = null;
  private polling = false;
  private readonly inflight = new Set<Promise<void>>();
  /** Client ids whose cancel was asked while their submit was still open. */
  private readonly cancelAsked = new Set<string>();
  account: AccountMirror | null = null;
  private currency = 'USD';
  private closed = false;

  constructor(opts: OandaVenueOptions) {
    this.opts = opts;
    this.api = opts.api;
    for (const i of opts.instruments) this.instruments.set(i.id, i);
    this.mapper = new TxMapper({ instrument: (id) => this.instruments.get(id), accountCurrency: this.currency });
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Reads the account summary and starts the transaction stream from `sinceTxId` (default: the
   * summary's lastTransactionID, i.e. only what happens from now on; reconciliation covers the past).
   */
  async start(sinceTxId?: string): Promise<Readonly<AccountState>> {
    const { account } = await this.api.summary();
    this.currency = account.currency;
    this.mapper.accountCurrency = account.currency;
    this.account = new AccountMirror(account, this.now());
    if (this.opts.onAccount) this.account.onChange(this.opts.onAccount);
    const since = sinceTxId ?? account.lastTransactionID;
    this.mapper.lastTxId = Math.max(this.mapper.lastTxId, Number(since));
    this.stream = new TransactionStream({
      baseUrl: this.opts.streamUrl,
      token: this.opts.token,
      gate: this.opts.gate,
      accountId: this.api.accountId,
      sinceId: since,
      backfill: async (id) => (await this.api.transactionsSince(id)).transactions,
      onTransaction: (tx) => this.applyTx(tx),
      onError: (e) => this.error(e),
      onStatus: this.opts.onStreamStatus,
      restartAfterMs: this.opts.stream?.restartAfterMs,
      checkMs: this.opts.stream?.checkMs,
      connectTimeoutMs: this.opts.stream?.connectTimeoutMs,
      backoff: this.opts.stream?.backoff,
      now: this.opts.now,
    });
    this.stream.start();
    const every = this.opts.changesPollMs ?? 5000;
    if (every > 0) {
      this.poller = setInterval(() => void this.pollChanges(), every);
      this.poller.unref();
    }
    return this.account.state;
  }

  get transactionStream(): TransactionStream | null {
    return this.stream;
  }

  get hedging(): boolean {
    return this.account?.state.hedgingEnabled ?? false;
  }

  /** Resolves when every request started so far has been answered and reported. */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.poller) clearInterval(this.poller);
    this.stream?.close();
    await this.idle();
  }

  /** One `/changes` poll: applies its transactions and the account's price-dependent state. */
  async pollChanges(): Promise<void> {
    if (this.polling || !this.account || this.closed) return;
    this.polling = true;
    try {
      const r = await this.api.changes(this.account.state.lastTransactionID);
      for (const tx of [...(r.changes.transactions ?? [])].sort((a, b) => Number(a.id) - Number(b.id))) this.applyTx(tx);
      this.account.applyChangesState(r.state, r.lastTransactionID, this.now());
    } catch (e) {
      this.error(toOandaError(e, 'GET changes'));
    } finally {
      this.polling = false;
    }
  }

  // ---------------------------------------------------------------- ExecutionClient

  bind(sink: VenueEventSink): void {
    this.sink = sink;
  }

  submit(order: Readonly<Order>): void {
    const o = snapshot(order);
    this.track(o);
    this.run(() => this.doSubmit(o));
  }

  cancel(order: Readonly<Order>): void {
    const id = order.clientOrderId;
    this.run(() => this.doCancel(id));
  }

  modify(order: Readonly<Order>, changes: OrderModification): void {
    const o = snapshot(order);
    this.run(() => this.doModify(o, changes));
  }

  // ---------------------------------------------------------------- submit

  private track(o: Order): Tracked {
    return this.mapper.track({
      clientOrderId: o.clientOrderId,
      strategyId: o.strategyId,
      instrumentId: o.instrumentId,
      side: o.side,
      qty: o.qty,
      filledQty: 0,
      venueOrderId: null,
      accepted: false,
      done: false,
      deferAccept: o.type === 'MARKET' || o.tif === 'FOK' || o.tif === 'IOC',
      tradeIds: [],
      dependent: null,
      v20Type: null,
    });
  }

  private async doSubmit(o: Order): Promise<void> {
    const inst = this.instruments.get(o.instrumentId);
    if (!inst) return this.reject(o.clientOrderId, 'oanda.unknown_instrument', `instrument ${o.instrumentId} is not loaded from OANDA`);
    const parent = o.parentId !== null ? this.mapper.byClient.get(o.parentId) : undefined;
    if (ROLE_CHILD.has(o.role) && o.reduceOnly && parent && parent.tradeIds.length > 0) return this.attachChild(o, inst, parent);
    let body;
    try {
      body = toV20Order(inst, o, {
        positionFill: this.opts.positionFill ?? 'DEFAULT',
        defaultStopLossTicks: this.opts.defaultStopLossPips === null ? null : pipsToTicks(inst, this.opts.defaultStopLossPips ?? 50),
      });
    } catch (e) {
      const err = e instanceof EngineError ? e : new EngineError('oanda.bad_order', String(e));
      return this.reject(o.clientOrderId, err.code, err.message);
    }
    try {
      const r = await this.api.createOrder(body);
      this.applyReply(r.body);
      const t = this.mapper.byClient.get(o.clientOrderId);
      if (t && !t.accepted && !t.done && !t.deferAccept && r.body.orderCreateTransaction) {
        // The create transaction was already applied from the stream before this client knew the order.
        this.emit({ type: 'OrderAccepted', tsEvent: this.now(), clientOrderId: t.clientOrderId, venueOrderId: r.body.orderCreateTransaction.id });
        t.accepted = true;
      }
    } catch (e) {
      const err = toOandaError(e, 'POST orders');
      const rejectTx = rejectTransaction(err);
      if (rejectTx) {
        this.applyTx(rejectTx);
        const t = this.mapper.byClient.get(o.clientOrderId);
        if (t && !t.done) this.reject(o.clientOrderId, err.code, err.message);
      } else if (err.outcomeUnknown) {
        await this.resolveLost(o.clientOrderId, err);
      } else {
        this.reject(o.clientOrderId, err.code, err.message);
      }
    }
    if (this.cancelAsked.delete(o.clientOrderId)) await this.doCancel(o.clientOrderId);
  }

  /**
   * The reply to an order request was lost: find the order by client id (never send it again).
   * Lookups are GETs, retried by the transport; a 404 is looked at again after `delayMs` in case the
   * request is still being executed.
   */
  private async resolveLost(clientId: string, cause: OandaError): Promise<void> {
    const attempts = this.opts.lostReply?.attempts ?? 4;
    const delay = this.opts.lostReply?.delayMs ?? 500;
    this.error(new OandaError('oanda.reply_lost', `order ${clientId}: ${cause.message}; looking it up by client id`, cause.details));
    for (let i = 1; ; i++) {
      const t = this.mapper.byClient.get(clientId);
      if (!t || t.done || (t.accepted && !t.deferAccept)) return; // the stream told us already
      try {
        const { order } = await this.api.getOrder(`@${clientId}`);
        await this.applyOrderState(clientId, order);
        return;
      } catch (e) {
        const err = toOandaError(e, `GET orders/@${clientId}`);
        if (err.status !== 404 && !err.retryable) {
          this.error(err);
          return; // left SUBMITTED: the transaction stream or reconciliation will settle it
        }
        if (i >= attempts) {
          if (err.status === 404) {
            const t2 = this.mapper.byClient.get(clientId);
            if (t2 && !t2.done && !t2.accepted) this.reject(clientId, cause.code, `${cause.message}; the order is not at OANDA (looked up by client id ${attempts} times)`);
          } else this.error(new OandaError('oanda.reply_unresolved', `order ${clientId}: lost reply not resolved (${err.message}); the transaction stream will report it`));
          return;
        }
      }
      await sleep(delay * i);
    }
  }

  /** Applies what an order lookup says: its creation, and the fill or cancel that ended it. */
  private async applyOrderState(clientId: string, order: V20Order): Promise<void> {
    this.mapper.bindVenueId(clientId, order.id);
    const t = this.mapper.byClient.get(clientId);
    if (!t) return;
    const endTx = order.state === 'FILLED' ? order.fillingTransactionID : order.state === 'CANCELLED' ? order.cancellingTransactionID : undefined;
    if (endTx && !this.mapper.hasSeen(endTx)) {
      const { transaction } = await this.api.transaction(endTx);
      this.applyTx(transaction);
    } else if (order.state === 'PENDING' && !t.accepted) {
      t.accepted = true;
      this.emit({ type: 'OrderAccepted', tsEvent: order.createTime ? v20Time(order.createTime) : this.now(), clientOrderId: clientId, venueOrderId: order.id, venueTxId: Number(order.id) });
    }
  }

  /** An engine bracket child becomes the dependent order of the trades its parent opened. */
  private async attachChild(o: Order, inst: Instrument, parent: Tracked): Promise<void> {
    const t = this.mapper.byClient.get(o.clientOrderId)!;
    const kind: DependentKind = o.type === 'TRAILING_STOP' ? 'trailingStopLoss' : o.type === 'LIMIT' ? 'takeProfit' : 'stopLoss';
    t.dependent = { kind, tradeIds: [...parent.tradeIds] };
    let detail: OnFill;
    try {
      detail = dependentDetail(inst, o, kind);
    } catch (e) {
      const err = e as EngineError;
      return this.reject(o.clientOrderId, err.code, err.message);
    }
    let n = 0;
    for (const tradeId of parent.tradeIds) {
      const clientId = n === 0 ? o.clientOrderId : `${o.clientOrderId}~${n}`;
      n++;
      try {
        const r = await this.api.setTradeOrders(tradeId, { [kind]: { ...detail, clientExtensions: { id: clientId, tag: o.strategyId } } });
        this.applyReply(r.body);
      } catch (e) {
        const err = toOandaError(e, `PUT trades/${tradeId}/orders`);
        const rejectTx = rejectTransaction(err);
        if (rejectTx) this.mapper.markSeen(rejectTx.id);
        if (!t.accepted && !t.done) this.reject(o.clientOrderId, err.code, `${err.message} (the trade keeps its on-fill protection)`);
        else this.error(err);
        return;
      }
    }
  }

  // ---------------------------------------------------------------- cancel

  private async doCancel(clientId: string): Promise<void> {
    const t = this.mapper.byClient.get(clientId);
    if (!t) return this.emit({ type: 'OrderCancelRejected', tsEvent: this.now(), clientOrderId: clientId, code: 'oanda.unknown_order', reason: `order ${clientId} was not sent through this client` });
    if (t.done) return;
    if (!t.accepted && t.venueOrderId === null && !t.dependent) {
      // Still being submitted: cancel once the venue has it.
      this.cancelAsked.add(clientId);
      return;
    }
    try {
      if (t.dependent) {
        for (const tradeId of t.dependent.tradeIds) {
          const r = await this.api.setTradeOrders(tradeId, { [t.dependent.kind]: null }, true);
          this.applyReply(r.body);
        }
        if (!t.done) {
          t.done = true;
          this.emit({ type: 'OrderCanceled', tsEvent: this.now(), clientOrderId: clientId, reason: 'CLIENT_REQUEST' });
        }
        return;
      }
      const r = await this.api.cancelOrder(`@${clientId}`);
      this.applyReply(r.body);
    } catch (e) {
      const err = toOandaError(e, `PUT orders/@${clientId}/cancel`);
      const rejectTx = rejectTransaction(err);
      if (rejectTx) this.mapper.markSeen(rejectTx.id);
      // Not pending any more (filled, cancelled) or unknown: find out what happened before saying no.
      if (err.status === 404 && t.venueOrderId !== null) {
        try {
          const { order } = await this.api.getOrder(t.venueOrderId);
          await this.applyOrderState(clientId, order);
        } catch (e2) {
          this.error(toOandaError(e2, `GET orders/${t.venueOrderId}`));
        }
      }
      if (!t.done) this.emit({ type: 'OrderCancelRejected', tsEvent: this.now(), clientOrderId: clientId, code: err.code, reason: err.message });
    }
  }

  // ---------------------------------------------------------------- modify

  private async doModify(o: Order, changes: OrderModification): Promise<void> {
    const t = this.mapper.byClient.get(o.clientOrderId);
    const inst = this.instruments.get(o.instrumentId);
    const refuse = (code: string, reason: string) => this.emit({ type: 'OrderCancelRejected', tsEvent: this.now(), clientOrderId: o.clientOrderId, code, reason });
    if (!t || !inst) return refuse('oanda.unknown_order', `order ${o.clientOrderId} was not sent through this client`);
    if (t.done) return refuse('oanda.modify_rejected.not_working', `order ${o.clientOrderId} is no longer working`);
    const next: Order = { ...o, qty: changes.qty ?? o.qty, price: changes.price !== undefined ? changes.price : o.price, triggerPrice: changes.triggerPrice !== undefined ? changes.triggerPrice : o.triggerPrice };
    if (t.dependent) {
      let detail: OnFill;
      try {
        detail = dependentDetail(inst, next, t.dependent.kind);
      } catch (e) {
        return refuse((e as EngineError).code, (e as EngineError).message);
      }
      const priceChanged = next.price !== o.price || next.triggerPrice !== o.triggerPrice;
      try {
        if (priceChanged) {
          let n = 0;
          for (const tradeId of t.dependent.tradeIds) {
            const clientId = n === 0 ? o.clientOrderId : `${o.clientOrderId}~${n}`;
            n++;
            const r = await this.api.setTradeOrders(tradeId, { [t.dependent.kind]: { ...detail, clientExtensions: { id: clientId, tag: o.strategyId } } });
            this.applyReply(r.body);
          }
        }
        // A dependent order always closes its whole trade: the quantity follows the trade.
        t.qty = next.qty;
        this.emit({ type: 'OrderUpdated', tsEvent: this.now(), clientOrderId: o.clientOrderId, qty: next.qty, price: next.price, triggerPrice: next.triggerPrice });
      } catch (e) {
        const err = toOandaError(e, 'PUT trades/orders');
        const rejectTx = rejectTransaction(err);
        if (rejectTx) this.mapper.markSeen(rejectTx.id);
        refuse(err.code, err.message);
      }
      return;
    }
    let body;
    try {
      body = toV20Order(inst, next, { positionFill: this.opts.positionFill ?? 'DEFAULT', defaultStopLossTicks: this.opts.defaultStopLossPips === null ? null : pipsToTicks(inst, this.opts.defaultStopLossPips ?? 50) });
    } catch (e) {
      return refuse((e as EngineError).code, (e as EngineError).message);
    }
    const before = t.venueOrderId;
    try {
      const r = await this.api.replaceOrder(`@${o.clientOrderId}`, body);
      this.applyReply(r.body);
    } catch (e) {
      const err = toOandaError(e, `PUT orders/@${o.clientOrderId}`);
      const rejectTx = rejectTransaction(err);
      if (rejectTx) this.mapper.markSeen(rejectTx.id);
      if (err.outcomeUnknown) {
        // Replaced or not: the order under our client id says.
        try {
          const { order } = await this.api.getOrder(`@${o.clientOrderId}`);
          if (order.id !== before && order.replacesOrderID === before) {
            const { transaction } = await this.api.transaction(order.id);
            this.applyTx(transaction);
            return;
          }
          await this.applyOrderState(o.clientOrderId, order);
        } catch (e2) {
          this.error(toOandaError(e2, `GET orders/@${o.clientOrderId}`));
        }
      }
      if (!t.done) refuse(err.code, err.message);
    }
  }

  // ---------------------------------------------------------------- positions and trades

  /** Closes `units` (a positive decimal string, or "ALL") of one trade. FIFO accounts: oldest first only. */
  async closeTrade(tradeId: string, units = 'ALL'): Promise<V20OrderResponse> {
    const r = await this.api.closeTrade(tradeId, units, true);
    this.applyReply(r.body);
    if (r.body.orderCancelTransaction) throw cancelled(r.body.orderCancelTransaction);
    return r.body;
  }

  /** Closes one instrument's position (the sides that are open). */
  async closePosition(instrument: string): Promise<FlattenResult['closed']> {
    const { positions } = await this.api.openPositions();
    const p = positions.find((x) => x.instrument === instrument);
    if (!p) return [];
    return this.closeSides(p.instrument, p.long.units, p.short.units);
  }

  private async closeSides(instrument: string, longUnits: string, shortUnits: string): Promise<FlattenResult['closed']> {
    const out: FlattenResult['closed'] = [];
    const sides: ('long' | 'short')[] = [];
    if (longUnits !== '0' && !/^0(\.0+)?$/.test(longUnits)) sides.push('long');
    if (shortUnits !== '0' && !/^-?0(\.0+)?$/.test(shortUnits)) sides.push('short');
    if (sides.length === 0) return out;
    const body: { longUnits?: string; shortUnits?: string } = {};
    for (const s of sides) body[s === 'long' ? 'longUnits' : 'shortUnits'] = 'ALL';
    const r = await this.api.closePosition(instrument, body, true);
    this.applyReply(r.body);
    for (const s of sides) {
      const fill = s === 'long' ? r.body.longOrderFillTransaction : r.body.shortOrderFillTransaction;
      const cancel = s === 'long' ? r.body.longOrderCancelTransaction : r.body.shortOrderCancelTransaction;
      if (cancel && !fill) throw cancelled(cancel);
      out.push({ instrument, side: s, units: s === 'long' ? longUnits : shortUnits, fillTxId: fill?.id ?? null });
    }
    return out;
  }

  /**
   * The venue half of a kill switch: cancels every pending order (not the trades' dependent orders:
   * they go with their trades) and closes every open position, concurrently, each confirmed by its
   * reply. Failures are collected, not thrown, so one refusal does not stop the rest.
   */
  async flattenAll(): Promise<FlattenResult> {
    const res: FlattenResult = { cancelled: [], closed: [], errors: [] };
    const [{ orders }, { positions }] = await Promise.all([this.api.pendingOrders(), this.api.openPositions()]);
    const standalone = orders.filter((o) => !o.tradeID);
    await Promise.all([
      ...standalone.map(async (o) => {
        try {
          const r = await this.api.cancelOrder(o.id);
          this.applyReply(r.body);
          res.cancelled.push(o.id);
        } catch (e) {
          const err = toOandaError(e, `cancel ${o.id}`);
          if (err.status === 404) res.cancelled.push(o.id);
          else res.errors.push({ what: `cancel order ${o.id}`, code: err.code, message: err.message });
        }
      }),
      ...positions.map(async (p) => {
        try {
          res.closed.push(...(await this.closeSides(p.instrument, p.long.units, p.short.units)));
        } catch (e) {
          const err = isOandaError(e) ? e : toOandaError(e, `close ${p.instrument}`);
          res.errors.push({ what: `close position ${p.instrument}`, code: err.code, message: err.message });
        }
      }),
    ]);
    return res;
  }

  /**
   * A restarted engine's orders: after the reconciliation the engine holds orders this client never
   * sent (it was restarted). Each open one is tracked from the account's pending orders (its v20 id,
   * type, the trade it depends on), and every open trade whose client id names an engine order gets
   * that order as its owner, so that fills, cancels and bracket children of restored orders flow as
   * if this client had sent them. Orders the account does not have are left to the reconciliation.
   */
  async trackOpenOrders(open: readonly Readonly<Order>[], known: (clientOrderId: string) => Readonly<Order> | undefined): Promise<number> {
    let acct;
    try {
      acct = (await this.api.account()).account;
    } catch (e) {
      throw unavailable(e, 'account');
    }
    let n = 0;
    const pending = new Map<string, V20Order>();
    for (const o of acct.orders) if (o.clientExtensions?.id) pending.set(o.clientExtensions.id, o);
    for (const tr of acct.trades) {
      const owner = tr.clientExtensions?.id;
      const o = owner !== undefined ? known(owner) : undefined;
      if (!o || !owner) continue;
      const t = this.mapper.byClient.get(owner) ?? this.track(o);
      t.filledQty = o.filledQty;
      t.accepted = true;
      if (o.filledQty >= o.qty) t.done = true;
      if (!t.tradeIds.includes(tr.id)) t.tradeIds.push(tr.id);
      this.mapper.tradeOwner.set(tr.id, owner);
    }
    for (const o of open) {
      const v = pending.get(o.clientOrderId);
      if (!v) continue;
      const t = this.mapper.byClient.get(o.clientOrderId) ?? this.track(o);
      t.filledQty = o.filledQty;
      t.accepted = true;
      t.done = false;
      t.v20Type = v.type;
      this.mapper.bindVenueId(o.clientOrderId, v.id);
      const kind = v.type === 'TAKE_PROFIT' ? 'takeProfit' : v.type === 'TRAILING_STOP_LOSS' ? 'trailingStopLoss' : v.type === 'STOP_LOSS' || v.type === 'GUARANTEED_STOP_LOSS' ? 'stopLoss' : null;
      if (v.tradeID && kind) t.dependent = { kind, tradeIds: [v.tradeID] };
      n++;
    }
    return n;
  }

  // ---------------------------------------------------------------- ReconcilableVenue

  async accountSnapshot(): Promise<VenueAccountSnapshot> {
    let acct;
    try {
      acct = (await this.api.account()).account;
    } catch (e) {
      throw unavailable(e, 'account');
    }
    const trades = new Map(acct.trades.map((t) => [t.id, t]));
    const orders: VenueOrderSnapshot[] = [];
    for (const o of acct.orders) {
      const snap = this.orderSnapshot(o, trades);
      if (snap) orders.push(snap);
    }
    const positions: VenuePositionSnapshot[] = [];
    for (const p of acct.positions) {
      const inst = this.instruments.get(p.instrument);
      if (!inst) throw new EngineError('venue.unavailable', `OANDA position in ${p.instrument}, which is not loaded: cannot reconcile it`);
      const long = unitsInt(inst, p.long.units);
      const short = unitsInt(inst, p.short.units);
      const qty = long + short;
      if (qty === 0) continue;
      const avgOf = (s: string | undefined) => (s ? parseAvg(inst, s) : 0);
      const avgPx = long !== 0 && short !== 0 ? (long * avgOf(p.long.averagePrice) + short * avgOf(p.short.averagePrice)) / qty : qty > 0 ? avgOf(p.long.averagePrice) : avgOf(p.short.averagePrice);
      positions.push({ instrumentId: p.instrument, qty, avgPx });
    }
    return { venue: this.venue, lastTxId: Number(acct.lastTransactionID), orders, positions, balances: [{ currency: acct.currency, amount: money(acct.balance) }] };
  }

  async transactionsSince(txId: number): Promise<VenueTransactions> {
    let txs: V20Transaction[];
    try {
      txs = (await this.api.transactionsSince(String(txId))).transactions;
    } catch (e) {
      const err = toOandaError(e, 'GET transactions/sinceid');
      if (err.status === 416 || err.status === 404) throw new EngineError('venue.transactions_unavailable', `OANDA has no transactions after ${txId}: ${err.message}`);
      throw unavailable(err, 'transactions');
    }
    const replay = new TxMapper({ instrument: (id) => this.instruments.get(id), accountCurrency: this.currency, adopt: true });
    // Orders created before txId that these transactions name: tracked from their current state.
    const named = new Set<string>();
    for (const tx of txs) if (tx.orderID) named.add(tx.orderID);
    for (const tx of txs) if (/_ORDER$/.test(tx.type)) named.delete(tx.id);
    const known = new Map<string, V20Order>();
    const ids = [...named];
    try {
      for (let i = 0; i < ids.length; i += 50) {
        const { orders } = await this.api.orders({ ids: ids.slice(i, i + 50).join(','), state: 'ALL', count: 500 });
        for (const o of orders) known.set(o.id, o);
      }
      // Dependent orders (stop-loss, take-profit of a trade) carry no instrument or units: their trade's.
      const tradeOf = new Map<string, { instrument: string; units: string }>();
      for (const tid of new Set([...known.values()].filter((o) => o.tradeID && !o.units).map((o) => o.tradeID!))) {
        const { trade } = await this.api.trade(tid);
        tradeOf.set(tid, { instrument: trade.instrument, units: trade.initialUnits });
      }
      for (const o of known.values()) {
        const dep = o.tradeID && !o.units ? tradeOf.get(o.tradeID) : undefined;
        const instrument = o.instrument ?? dep?.instrument;
        const inst = instrument ? this.instruments.get(instrument) : undefined;
        const units = o.units ?? (dep ? `${dep.units.startsWith('-') ? '' : '-'}${dep.units.replace(/^-/, '')}` : undefined);
        if (inst && units) {
          const u = unitsInt(inst, units);
          const kind = DEPENDENT_KIND[o.type];
          replay.track({ clientOrderId: o.clientExtensions?.id ?? `oanda-${o.id}`, strategyId: o.clientExtensions?.tag ?? null, instrumentId: inst.id, side: u > 0 ? 'BUY' : 'SELL', qty: Math.abs(u), filledQty: 0, venueOrderId: o.id, accepted: true, done: false, deferAccept: false, tradeIds: [], dependent: dep && kind ? { kind, tradeIds: [o.tradeID!] } : null, v20Type: o.type });
        }
      }
    } catch (e) {
      throw unavailable(e, 'orders');
    }
    const events: VenueEvent[] = [];
    for (const tx of [...txs].sort((a, b) => Number(a.id) - Number(b.id))) events.push(...replay.apply(tx).events);
    const orders: VenueOrderSnapshot[] = [];
    for (const t of replay.byClient.values()) {
      const v = t.venueOrderId ? known.get(t.venueOrderId) : undefined;
      orders.push(this.trackedSnapshot(t, v));
    }
    return { events, orders };
  }

  private orderSnapshot(o: V20Order, trades: Map<string, { currentUnits: string; instrument: string; clientExtensions?: { id?: string } | undefined }>): VenueOrderSnapshot | null {
    const trade = o.tradeID ? trades.get(o.tradeID) : undefined;
    const instrumentId = o.instrument ?? trade?.instrument;
    const inst = instrumentId ? this.instruments.get(instrumentId) : undefined;
    if (!inst || !instrumentId) return null;
    let side: OrderSide;
    let qty: number;
    if (o.units) {
      const u = unitsInt(inst, o.units);
      side = u > 0 ? 'BUY' : 'SELL';
      qty = Math.abs(u);
    } else if (trade) {
      const u = unitsInt(inst, trade.currentUnits);
      side = oppositeSide(u > 0 ? 'BUY' : 'SELL');
      qty = Math.abs(u);
    } else return null;
    const px = o.price ? priceTicks(inst, o.price) : null;
    const dependent = o.tradeID !== undefined;
    const type = o.type === 'LIMIT' || o.type === 'TAKE_PROFIT' ? 'LIMIT' : o.type === 'MARKET_IF_TOUCHED' ? 'MARKET_IF_TOUCHED' : o.type === 'TRAILING_STOP_LOSS' ? 'TRAILING_STOP' : o.type === 'MARKET' ? 'MARKET' : 'STOP';
    const isPriceType = type === 'LIMIT' || type === 'MARKET_IF_TOUCHED';
    return {
      clientOrderId: o.clientExtensions?.id ?? `oanda-${o.id}`,
      venueOrderId: o.id,
      strategyId: o.clientExtensions?.tag ?? null,
      instrumentId,
      side,
      type,
      qty,
      filledQty: 0,
      price: isPriceType ? px : null,
      triggerPrice: type === 'TRAILING_STOP' ? (o.trailingStopValue ? fillTicks(inst, o.trailingStopValue) : null) : isPriceType ? null : px,
      trailingDistance: type === 'TRAILING_STOP' && o.distance ? priceTicks(inst, o.distance) : null,
      tif: v20Tif(o.timeInForce),
      expireTs: o.gtdTime ? v20Time(o.gtdTime) : null,
      reduceOnly: dependent || o.positionFill === 'REDUCE_ONLY',
      ocoGroup: dependent ? `oco-${trade?.clientExtensions?.id ?? `trade-${o.tradeID}`}` : null,
      state: o.state === 'PENDING' ? 'WORKING' : o.state === 'FILLED' || o.state === 'TRIGGERED' ? 'FILLED' : 'CANCELED',
    };
  }

  private trackedSnapshot(t: Tracked, v: V20Order | undefined): VenueOrderSnapshot {
    const base = v ? this.orderSnapshot(v, new Map()) : null;
    return {
      clientOrderId: t.clientOrderId,
      venueOrderId: t.venueOrderId ?? '',
      strategyId: t.strategyId,
      instrumentId: t.instrumentId,
      side: t.side,
      type: base?.type ?? (t.v20Type === 'LIMIT' || t.v20Type === 'TAKE_PROFIT' ? 'LIMIT' : t.v20Type === 'MARKET' ? 'MARKET' : 'STOP'),
      qty: t.qty,
      filledQty: t.filledQty,
      price: base?.price ?? null,
      triggerPrice: base?.triggerPrice ?? null,
      trailingDistance: base?.trailingDistance ?? null,
      tif: base?.tif ?? 'GTC',
      expireTs: base?.expireTs ?? null,
      reduceOnly: base?.reduceOnly ?? t.dependent !== null,
      ocoGroup: base?.ocoGroup ?? null,
      state: t.filledQty >= t.qty && t.qty > 0 ? 'FILLED' : t.done ? 'CANCELED' : 'WORKING',
    };
  }

  // ---------------------------------------------------------------- plumbing

  /** Applies one transaction (any source): events to the engine, the rest to onExternal and the mirror. */
  applyTx(tx: V20Transaction): void {
    if (this.mapper.hasSeen(tx.id)) return;
    let r;
    try {
      r = this.mapper.apply(tx);
    } catch (e) {
      this.error(new OandaError('oanda.bad_transaction', `transaction ${tx.id} (${tx.type}) could not be mapped: ${(e as Error).message}`));
      return;
    }
    this.account?.applyTransaction(tx, this.now());
    for (const e of r.events) this.emit(e);
    if (r.unmatched) {
      try {
        this.opts.onExternal?.(tx);
      } catch (e) {
        this.error(new OandaError('oanda.handler_failed', `onExternal failed for transaction ${tx.id}: ${(e as Error).message}`));
      }
    }
  }

  private applyReply(body: V20OrderResponse): void {
    for (const tx of responseTransactions(body)) this.applyTx(tx);
  }

  private reject(clientOrderId: string, code: string, reason: string): void {
    const t = this.mapper.byClient.get(clientOrderId);
    if (t) {
      if (t.done) return;
      t.done = true;
    }
    this.emit({ type: 'OrderRejected', tsEvent: this.now(), clientOrderId, code, reason });
  }

  private emit(e: VenueEvent): void {
    if (!this.sink) {
      this.error(new OandaError('oanda.not_bound', `event ${e.type} for ${e.clientOrderId} before the venue was bound to an engine`));
      return;
    }
    try {
      this.sink(e);
    } catch (err) {
      this.error(new OandaError('oanda.sink_failed', `the engine refused ${e.type} for ${e.clientOrderId}: ${(err as Error).message}`));
    }
  }

  private error(e: OandaError): void {
    try {
      this.opts.onError?.(e);
    } catch {
      // An error handler that throws has nowhere left to report to.
    }
  }

  private run(task: () => Promise<void>): void {
    const p = task()
      .catch((e) => this.error(toOandaError(e)))
      .finally(() => this.inflight.delete(p));
    this.inflight.add(p);
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }
}

function snapshot(o: Readonly<Order>): Order {
  return { ...o, bracket: o.bracket ? { ...o.bracket } : null };
}

function dependentDetail(inst: Instrument, o: Order, kind: DependentKind): OnFill {
  if (kind === 'trailingStopLoss') {
    const d = o.trailingDistance ?? null;
    if (d === null || d <= 0) throw new EngineError('order.missing_trailing_distance', `order ${o.clientOrderId}: trailing stop needs a distance`);
    return { distance: ticksStr(inst, d), timeInForce: 'GTC' };
  }
  const px = kind === 'takeProfit' ? o.price : (o.triggerPrice ?? o.price);
  if (px === null || px <= 0) throw new EngineError('order.missing_price', `order ${o.clientOrderId}: ${kind} needs a price`);
  return { price: ticksStr(inst, px), timeInForce: 'GTC' };
}

function rejectTransaction(err: OandaError): V20Transaction | null {
  const body = err.details.body;
  if (!body || typeof body !== 'object') return null;
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (k.endsWith('RejectTransaction') && v && typeof v === 'object' && typeof (v as { id?: unknown }).id === 'string') return v as V20Transaction;
  }
  return null;
}

function cancelled(tx: V20Transaction): OandaError {
  return new OandaError(`oanda.rejected.${tx.reason ?? 'CANCELLED'}`, `OANDA cancelled the closing order: ${tx.reason ?? 'no reason given'}`, { rejectReason: tx.reason });
}

function unavailable(e: unknown, what: string): EngineError {
  const err = toOandaError(e, what);
  return new EngineError('venue.unavailable', `OANDA ${what} unavailable: ${err.message}`, { cause: err.code });
}

function parseAvg(inst: Instrument, s: string): number {
  // Average prices may carry more decimals than the instrument: fractional ticks, exact to 1e-3 tick.
  return fillTicks({ ...inst, pricePrecision: inst.pricePrecision + 3 }, s) / 1000;
}

function v20Tif(s: string | undefined): TimeInForce {
  return s === 'GFD' ? 'DAY' : s === 'GTD' || s === 'FOK' || s === 'IOC' ? s : 'GTC';
}

