/**
 * The order manager: the one path from an order request to the venue.
 *   request -> Order (client order id) -> risk gate -> OrderInitialized -> OrderDenied | OrderSubmitted
 *   -> venue.submit
 * OrderInitialized is emitted before anything is sent, so a journal subscribed to the bus records the
 * client order id first. Bracket entries get their stop-loss and take-profit children only once the
 * entry fills: priced from the fill (distance) or at fixed prices, sized to what has filled, sharing an
 * OCO group so that the venue cancels one when the other fills. With `bracket.trailingStopDistance`
 * the stop-loss child is a TRAILING_STOP that starts at the fill price minus (BUY entry) / plus
 * (SELL entry) that distance.
 *
 * TRAILING_STOP requests carry `trailingDistance` (ticks, > 0, on the tick grid); their initial
 * trigger is `triggerPrice` when given, else the last price -/+ the distance (SELL/BUY), rounded to
 * the tick grid. Codes: `order.missing_trailing_distance`, `order.invalid_trailing_distance`,
 * `order.missing_price` (no trigger and no last price to trail from).
 *
 * Rate limit (`rateLimit`, one token bucket for the venue, clock-driven): a new order that would be
 * sent when the bucket is empty is denied with `venue.rate_limited` (after validation and the risk
 * gate, so only orders that would reach the venue use tokens). Never limited: cancels (they only
 * reduce what is at the venue, and a kill switch or cancel-all must never be throttled by our own
 * limiter), FLATTEN orders (the kill switch path) and reduce-only STOP_LOSS / TAKE_PROFIT children
 * (the protection of a position that already exists; refusing it would leave the position naked).
 * These still take a token when one is available, so the bucket follows what the venue receives.
 * User modifications take a token too and are refused with OrderModifyDenied `venue.rate_limited`
 * when it is empty, except for reduce-only orders (resizing protection).
 */
import type { OrderFilled, PositionClosed } from '../core/events';
import { EngineError } from '../core/errors';
import type { IdGenerator } from '../core/ids';
import { onTickGrid, priceToTicks, snapToTick } from '../core/instrument';
import type { Kernel } from '../core/kernel';
import { avgFillTicks, cloneOrder, isTerminal, newOrder, oppositeSide, type Order, type OrderRequest } from '../core/order';
import type { OrderModification } from '../core/venue';
import type { RiskEngine } from '../risk/risk-engine';
import { TokenBucket, type RateLimitOptions } from './rate-limiter';

export type ModifyResult = { ok: true } | { ok: false; code: string; reason: string };

function refuse(code: string, reason: string): { ok: false; code: string; reason: string } {
  return { ok: false, code, reason };
}

export type SubmitResult = { ok: true; clientOrderId: string; qty: number } | { ok: false; clientOrderId: string; code: string; reason: string };

interface BracketChildren {
  group: string;
  sl: string | null;
  tp: string | null;
}

export interface OrderManagerOptions {
  kernel: Kernel;
  risk: RiskEngine;
  ids: IdGenerator;
  /** Order rate limit towards the venue; null or absent = unlimited. */
  rateLimit?: RateLimitOptions | null;
}

export class OrderManager {
  private readonly kernel: Kernel;
  private readonly risk: RiskEngine;
  private readonly ids: IdGenerator;
  /** Entry client order id -> its bracket children (one pair per OCO group). */
  private readonly children = new Map<string, BracketChildren[]>();
  /** The venue's order rate limit, or null. */
  readonly limiter: TokenBucket | null;

  constructor(opts: OrderManagerOptions) {
    this.kernel = opts.kernel;
    this.risk = opts.risk;
    this.ids = opts.ids;
    this.limiter = opts.rateLimit ? new TokenBucket(opts.kernel.clock, opts.rateLimit) : null;
    this.kernel.bus.on('OrderFilled', (e) => this.onFilled(e));
    this.kernel.bus.on('PositionClosed', (e) => this.onPositionClosed(e));
  }

  /** Validates, risk-checks and sends one order. Never throws for a bad request: it is denied with a code. */
  submit(strategyId: string, req: OrderRequest): SubmitResult {
    return this.send(this.build(strategyId, req, null, null));
  }

  private build(strategyId: string, req: OrderRequest, parentId: string | null, ocoGroup: string | null): Order {
    return newOrder(this.ids.next(), strategyId, req, this.kernel.clock.now(), parentId, ocoGroup);
  }

  private send(order: Order): SubmitResult {
    const invalid = this.validate(order);
    let decision = invalid ?? this.risk.check(order);
    if (decision.ok && this.limiter !== null) {
      if (this.exempt(order)) this.limiter.take();
      else if (!this.limiter.tryTake()) decision = refuse('venue.rate_limited', `order rate limit of ${this.limiter.perSecond}/s (burst ${this.limiter.burst}) to ${this.kernel.venue.venue} reached`);
    }
    if (decision.ok) order.qty = decision.qty;
    this.kernel.emit({ type: 'OrderInitialized', tsEvent: order.tsInit, order });
    if (!decision.ok) {
      this.kernel.emit({
        type: 'OrderDenied',
        tsEvent: this.kernel.clock.now(),
        clientOrderId: order.clientOrderId,
        strategyId: order.strategyId,
        instrumentId: order.instrumentId,
        code: decision.code,
        reason: decision.reason,
      });
      return { ok: false, clientOrderId: order.clientOrderId, code: decision.code, reason: decision.reason };
    }
    if (order.role === 'ENTRY') this.risk.recordEntry(order.strategyId);
    this.kernel.emit({ type: 'OrderSubmitted', tsEvent: this.kernel.clock.now(), clientOrderId: order.clientOrderId, venue: this.kernel.venue.venue });
    this.kernel.venue.submit(this.kernel.cache.orderMut(order.clientOrderId));
    return { ok: true, clientOrderId: order.clientOrderId, qty: order.qty };
  }

  /** Orders the rate limit never refuses (see the header). */
  private exempt(o: Readonly<Order>): boolean {
    return o.role === 'FLATTEN' || (o.reduceOnly && (o.role === 'STOP_LOSS' || o.role === 'TAKE_PROFIT'));
  }

  private validate(o: Order): { ok: false; code: string; reason: string } | null {
    if (!this.kernel.cache.hasInstrument(o.instrumentId)) return refuse('order.unknown_instrument', `unknown instrument ${o.instrumentId}`);
    const inst = this.kernel.cache.instrument(o.instrumentId);
    if (!Number.isSafeInteger(o.qty) || o.qty <= 0) return refuse('order.invalid_qty', `quantity must be a positive integer number of units, got ${o.qty}`);
    // Below the minimum is the risk gate's `risk.min_size`; above it, the quantity must be on the lot grid.
    if (o.qty > inst.minQty && o.qty % inst.minQty !== 0) return refuse('order.invalid_qty', `quantity ${o.qty} is not a multiple of the lot of ${inst.minQty} units`);
    if (o.type === 'LIMIT' || o.type === 'MARKET_IF_TOUCHED') {
      if (o.price === null || !Number.isSafeInteger(o.price) || o.price <= 0) return refuse('order.missing_price', `${o.type} order needs a positive price in ticks`);
      if (o.price % inst.tickSize !== 0) return refuse('order.invalid_price', `price ${o.price} is not on the tick grid of ${inst.tickSize}`);
    }
    if (o.type === 'TRAILING_STOP') {
      const d = o.trailingDistance ?? null;
      if (d === null) return refuse('order.missing_trailing_distance', 'TRAILING_STOP order needs a trailing distance in ticks');
      if (!onTickGrid(inst, d)) {
        return refuse('order.invalid_trailing_distance', `trailing distance ${d} is not a positive multiple of the tick size ${inst.tickSize}`);
      }
      if (o.triggerPrice === null) {
        const last = this.kernel.cache.lastPrice(o.instrumentId);
        if (!(last > 0)) return refuse('order.missing_price', 'TRAILING_STOP order needs a trigger price or a last price to trail from');
        const lastTicks = priceToTicks(inst, last);
        const trigger = o.side === 'SELL' ? lastTicks - d : lastTicks + d;
        if (trigger <= 0) return refuse('order.invalid_trailing_distance', `trailing distance ${d} puts the trigger at or below zero`);
        o.triggerPrice = trigger;
      }
    }
    if (o.type === 'STOP' || o.type === 'TRAILING_STOP') {
      if (o.triggerPrice === null || !Number.isSafeInteger(o.triggerPrice) || o.triggerPrice <= 0) return refuse('order.missing_price', `${o.type} order needs a positive trigger price in ticks`);
      if (o.triggerPrice % inst.tickSize !== 0) return refuse('order.invalid_price', `trigger price ${o.triggerPrice} is not on the tick grid of ${inst.tickSize}`);
    }
    const bracketTrail = o.bracket?.trailingStopDistance;
    if (bracketTrail != null && !onTickGrid(inst, bracketTrail)) {
      // Refused up front: the entry must not fill and then find that its stop-loss cannot be placed.
      return refuse('order.invalid_trailing_distance', `bracket trailing stop distance ${bracketTrail} is not a positive multiple of the tick size ${inst.tickSize}`);
    }
    if (o.tif === 'GTD' && o.expireTs === null) return refuse('order.missing_expiry', 'GTD order needs an expiry time');
    return null;
  }

  cancel(clientOrderId: string): boolean {
    const o = this.kernel.cache.order(clientOrderId);
    if (!o || isTerminal(o) || o.status === 'PENDING_CANCEL') return false;
    this.kernel.emit({ type: 'OrderPendingCancel', tsEvent: this.kernel.clock.now(), clientOrderId });
    this.kernel.venue.cancel(this.kernel.cache.orderMut(clientOrderId));
    return true;
  }

  /** Cancels every working order (of one instrument, or all); returns the ids asked to cancel. */
  cancelAll(instrumentId?: string): string[] {
    const ids = this.kernel.cache.openOrders(instrumentId).map((o) => o.clientOrderId);
    return ids.filter((id) => this.cancel(id));
  }

  /**
   * Changes a working order. Growing an order that adds exposure passes the risk gate for the added
   * quantity (resized to the room under a cap where that is on); a refusal is an OrderModifyDenied
   * event and the order stays as it was.
   */
  modify(clientOrderId: string, changes: OrderModification): ModifyResult {
    const o = this.kernel.cache.order(clientOrderId);
    if (!o || isTerminal(o) || o.status === 'PENDING_CANCEL' || o.status === 'PENDING_UPDATE') {
      return { ok: false, code: 'order.not_working', reason: `order ${clientOrderId} is not working` };
    }
    const next = { ...changes };
    if (next.qty !== undefined && next.qty > o.qty && !o.reduceOnly) {
      const probe = cloneOrder(o);
      probe.qty = next.qty - o.qty;
      const decision = this.risk.check(probe, { increase: true });
      if (!decision.ok) {
        this.kernel.emit({ type: 'OrderModifyDenied', tsEvent: this.kernel.clock.now(), clientOrderId, code: decision.code, reason: decision.reason });
        return { ok: false, code: decision.code, reason: decision.reason };
      }
      next.qty = o.qty + decision.qty;
    }
    // The rate limit last, like for new orders: a modification the risk gate refuses uses no token.
    if (this.limiter !== null) {
      if (o.reduceOnly) this.limiter.take();
      else if (!this.limiter.tryTake()) {
        const reason = `order rate limit of ${this.limiter.perSecond}/s (burst ${this.limiter.burst}) to ${this.kernel.venue.venue} reached`;
        this.kernel.emit({ type: 'OrderModifyDenied', tsEvent: this.kernel.clock.now(), clientOrderId, code: 'venue.rate_limited', reason });
        return { ok: false, code: 'venue.rate_limited', reason };
      }
    }
    this.kernel.emit({ type: 'OrderPendingUpdate', tsEvent: this.kernel.clock.now(), clientOrderId });
    this.kernel.venue.modify(this.kernel.cache.orderMut(clientOrderId), next);
    return { ok: true };
  }

  /** Continues client order ids after number `n` (a restored engine). */
  continueIds(n: number): void {
    this.ids.advanceTo(n);
  }

  /**
   * Rebuilds the entry -> bracket children relation from the cache's orders (a restored engine): one
   * group per OCO group of children, in the order the groups were created.
   */
  rebuildBrackets(): void {
    this.children.clear();
    const groups = new Map<string, { parent: string; first: number; g: BracketChildren }>();
    let i = 0;
    for (const o of this.kernel.cache.allOrders()) {
      i++;
      if (o.parentId === null || o.ocoGroup === null || (o.role !== 'STOP_LOSS' && o.role !== 'TAKE_PROFIT')) continue;
      let entry = groups.get(o.ocoGroup);
      if (!entry) groups.set(o.ocoGroup, (entry = { parent: o.parentId, first: i, g: { group: o.ocoGroup, sl: null, tp: null } }));
      if (o.role === 'STOP_LOSS') entry.g.sl = o.clientOrderId;
      else entry.g.tp = o.clientOrderId;
    }
    for (const { parent, g } of [...groups.values()].sort((a, b) => a.first - b.first)) this.children.set(parent, [...(this.children.get(parent) ?? []), g]);
  }

  /** Cancels the working bracket children (stop-loss / take-profit) protecting an instrument. */
  cancelProtection(instrumentId: string): void {
    for (const o of this.kernel.cache.openOrders(instrumentId)) {
      if (o.role === 'STOP_LOSS' || o.role === 'TAKE_PROFIT') this.cancel(o.clientOrderId);
    }
  }

  private onFilled(e: OrderFilled): void {
    const o = this.kernel.cache.order(e.clientOrderId);
    if (!o) throw new EngineError('order.unknown', `fill for unknown order ${e.clientOrderId}`);
    if (o.role === 'ENTRY') {
      this.risk.setOwner(o.instrumentId, o.strategyId);
      if (o.bracket) this.protect(o, e);
      return;
    }
    if ((o.role === 'STOP_LOSS' || o.role === 'TAKE_PROFIT') && o.parentId !== null && o.status === 'FILLED') {
      // The bracket has done its job: what is left of its entry must not open an unprotected position.
      const parent = this.kernel.cache.order(o.parentId);
      if (parent && !isTerminal(parent) && parent.status !== 'PENDING_CANCEL') this.cancel(parent.clientOrderId);
    }
  }

  /**
   * Gives a bracket entry its stop-loss and take-profit after a fill. The first fill creates them for
   * the filled quantity; later fills grow the working children to the entry's filled quantity; a fill
   * that finds no working child (they were cancelled or filled) gets a new pair for its own quantity.
   */
  private protect(entry: Readonly<Order>, e: OrderFilled): void {
    const existing = this.children.get(entry.clientOrderId) ?? [];
    const live = existing.filter((g) => [g.sl, g.tp].some((id) => id !== null && !isTerminal(this.kernel.cache.order(id)!)));
    if (live.length > 0) {
      for (const g of live) {
        for (const id of [g.sl, g.tp]) {
          const child = id ? this.kernel.cache.order(id) : undefined;
          if (child && !isTerminal(child) && child.status !== 'PENDING_CANCEL' && child.qty !== entry.filledQty) this.modify(child.clientOrderId, { qty: entry.filledQty });
        }
      }
      return;
    }
    const { stopLoss, takeProfit, stopLossDistance, takeProfitDistance, trailingStopDistance } = entry.bracket!;
    const inst = this.kernel.cache.instrument(entry.instrumentId);
    const fillPx = Math.round(avgFillTicks(entry));
    const dir = entry.side === 'BUY' ? 1 : -1;
    const slPx = stopLoss ?? (stopLossDistance != null ? fillPx - dir * stopLossDistance : null);
    const tpPx = takeProfit ?? (takeProfitDistance != null ? fillPx + dir * takeProfitDistance : null);
    const round = (t: number) => snapToTick(inst, t);
    const qty = existing.length === 0 ? entry.filledQty : e.lastQty;
    const group = existing.length === 0 ? `oco-${entry.clientOrderId}` : `oco-${entry.clientOrderId}-${existing.length + 1}`;
    const ids: BracketChildren = { group, sl: null, tp: null };
    this.children.set(entry.clientOrderId, [...existing, ids]);
    const base = { instrumentId: entry.instrumentId, side: oppositeSide(entry.side), qty, reduceOnly: true };
    if (trailingStopDistance != null) {
      // A trailing stop-loss starts one distance from the fill and follows the market from there.
      const trigger = round(fillPx - dir * trailingStopDistance);
      const sl: OrderRequest = { ...base, type: 'TRAILING_STOP', trailingDistance: trailingStopDistance, role: 'STOP_LOSS', tag: 'stop_loss' };
      if (trigger > 0) sl.triggerPrice = trigger;
      ids.sl = this.sendChild(entry, sl, group);
    } else if (slPx !== null && slPx > 0) {
      ids.sl = this.sendChild(entry, { ...base, type: 'STOP', triggerPrice: round(slPx), role: 'STOP_LOSS', tag: 'stop_loss' }, group);
    }
    if (tpPx !== null && tpPx > 0) {
      ids.tp = this.sendChild(entry, { ...base, type: 'LIMIT', price: round(tpPx), role: 'TAKE_PROFIT', tag: 'take_profit' }, group);
    }
  }

  private sendChild(parent: Readonly<Order>, req: OrderRequest, ocoGroup: string): string {
    const order = this.build(parent.strategyId, req, parent.clientOrderId, ocoGroup);
    this.send(order);
    return order.clientOrderId;
  }

  /**
   * A closed position leaves no protective order behind (it could otherwise open a new position).
   * Where a member of the bracket filled, the venue's OCO cancels the sibling itself: no request is
   * sent for it.
   */
  private onPositionClosed(e: PositionClosed): void {
    for (const o of this.kernel.cache.openOrders(e.instrumentId)) {
      if (o.role !== 'STOP_LOSS' && o.role !== 'TAKE_PROFIT') continue;
      if (this.siblingFilled(o)) continue;
      this.cancel(o.clientOrderId);
    }
  }

  private siblingFilled(o: Readonly<Order>): boolean {
    if (o.parentId === null || o.ocoGroup === null) return false;
    const g = this.children.get(o.parentId)?.find((x) => x.group === o.ocoGroup);
    if (!g) return false;
    const other = g.sl === o.clientOrderId ? g.tp : g.sl;
    const sib = other ? this.kernel.cache.order(other) : undefined;
    // Only a complete fill makes the venue cancel the rest of the group.
    return sib !== undefined && sib.status === 'FILLED';
  }
}
