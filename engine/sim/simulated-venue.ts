/**
 * The simulated venue: the ExecutionClient of backtests (fed bars) and the base of the paper venue
 * (fed quotes). It keeps its own copy of every working order, matches them against market data with
 * swappable models (fill, slippage, fee, latency) and reports everything as past-tense events,
 * synchronously, through the sink.
 *
 * Conventions (see also the model files):
 * - Ids are deterministic: venue order ids `V-1, V-2, ...` (accepted orders only), trade ids `T-1, ...`.
 *   Events from matching (fills, expiries, OCO and IOC cancels) carry the time of the market data that
 *   caused them (a bar's open time, a quote's time); every other event's tsEvent is `clock.now()`.
 * - Eligibility. An order is matched against a bar or quote only when (a) it was accepted (or last
 *   modified) before that bar/quote began processing, and (b) the bar/quote's `ts >= acceptTs +
 *   latency`. So bracket children submitted while bar N is processed (the entry filled at N's open)
 *   are first matched on bar N+1 (backtrader: stop and target are not checked on the entry bar), and a
 *   market order sent at bar N's close fills at bar N+1's open. The kernel is expected to run its
 *   clock at a bar's close time while strategies act on it, so that (b) also keeps an order for
 *   instrument B sent on instrument A's bar at T off B's bar at T.
 * - Priority inside one bar/quote: market orders (and STOP/MIT orders triggered on an earlier bar),
 *   then STOP and TRAILING_STOP, then LIMIT and MARKET_IF_TOUCHED; submission order inside each class. When a stop-loss
 *   and a take-profit of one OCO group both lie inside a bar, the stop fills and the take-profit is
 *   canceled ('oco') before its turn.
 * - Re-entrancy: the sink may call submit/cancel/modify while the venue is matching. Matching walks
 *   a snapshot of the eligible orders and re-checks each one before its turn; orders submitted or
 *   modified meanwhile wait for the next bar/quote. Delivering market data re-entrantly is an
 *   invariant error (`invariant.sim_reentrant`).
 * - Rejections: OrderRejected with `venue.rejected.<reason>`: unknown_instrument, not_tradeable,
 *   invalid_qty, missing_price, invalid_price, missing_trigger_price, invalid_trigger_price,
 *   missing_expire_ts, expire_ts_passed, reduce_only, duplicate_order.
 * - cancel: OrderCanceled reason 'canceled', or OrderCancelRejected `venue.cancel_rejected.not_working`
 *   for an order that is unknown or no longer working.
 * - modify: OrderUpdated with the order's full new qty/price/triggerPrice. A refused modification is
 *   reported as OrderCancelRejected (the event union has no "modify rejected" event) with a code
 *   `venue.modify_rejected.<reason>`: not_working, no_change, invalid_qty (not a positive multiple of
 *   minQty above the filled quantity), invalid_price, invalid_trigger_price (a price the order type
 *   does not have, or not a positive multiple of tickSize). A modified order is matched again from
 *   the next bar/quote on.
 * - Other cancel reasons the venue gives itself: 'oco', 'ioc', 'fok', 'reduce_only'.
 * - OCO: when a member of an `ocoGroup` fills completely, the other working members are canceled at
 *   once (reason 'oco'), inside the same bar processing. When a member fills partly, every other
 *   working member whose remaining quantity exceeds that member's remaining quantity is cut to it
 *   (OrderUpdated qty = its filled + the filled member's leaves), so the group never fills more than
 *   one member's worth.
 * - TIF: GTC stays; DAY expires on the first bar/quote of its instrument on a later UTC day than its
 *   acceptance, before matching; GTD expires on the first bar/quote of its instrument with
 *   `ts >= expireTs`, before matching; IOC and FOK are matched against their first eligible
 *   bar/quote only, then whatever is left is canceled (reason 'ioc' / 'fok'); a FOK fills only when its
 *   whole remaining quantity can fill there.
 * - Reduce-only: the venue keeps a net position per instrument from its own fills. A reduce-only
 *   order is rejected at submit when it cannot reduce that position (flat, or same direction). When
 *   the market reaches it and its fill would flip the position, the order is trimmed first
 *   (OrderUpdated qty = filled + position) and the fill that closes the position completes it (so
 *   its OCO siblings are canceled as for any full fill); when the position no longer lets it reduce
 *   at all, it is canceled (reason 'reduce_only').
 * - Liquidity: MAKER for a LIMIT order filled at its own price (resting, the market came to it);
 *   TAKER for MARKET, STOP and MIT fills and for a LIMIT filled at a better open (gap) or on arrival
 *   at a marketable quote.
 * - Slippage applies to MARKET, STOP and MIT fills, never to LIMIT fills; on bars it is clamped to the
 *   high/low of the traded side. `slippage` in the fill = value of |fill - reference| ticks * qty.
 * - Fees: `fee` in the instrument's quote currency (feeCurrency = quoteCurrency).
 * - Bid/ask bars (both `bar.bid` and `bar.ask` present): BUY orders match and fill on the ask side,
 *   SELL orders on the bid side; otherwise on the bar's own prices. Market prices become ticks with
 *   `priceToTicks` here, at the venue boundary.
 * - TRAILING_STOP (`trailingDistance` d ticks, initial `triggerPrice` T given by the order manager):
 *   the venue keeps the best price since acceptance, starting at T + d (SELL) / T - d (BUY). It
 *   matches exactly like a STOP at its current trigger (class 1 priority). Intra-bar convention: a
 *   bar is matched against the trigger as it stood BEFORE the bar, and only AFTER matching does the
 *   bar's high (SELL) / low (BUY) of the order's side move the best price, and the trigger to
 *   best - d (SELL) / best + d (BUY) when that is better (the trigger never moves back). OHLC does not
 *   say whether the high came before the low, so a bar can never raise a stop and then hit it
 *   (conservative: no fills at prices the bar may have seen before the stop was there). On quotes the
 *   same, with the bid (SELL) / ask (BUY) after matching the quote. Only orders eligible for that
 *   bar/quote trail, a triggered one no longer trails, and a move is reported as OrderUpdated (full
 *   qty/price/triggerPrice) only when the trigger changes. modify may set a new triggerPrice (the best
 *   price restarts from it). Rejections: missing_trailing_distance, invalid_trailing_distance
 *   (not a positive multiple of tickSize), plus the STOP ones for the trigger.
 * - Quote path (`onQuote`, paper sessions): the same eligibility, so a market order fills at the
 *   NEXT quote after its acceptance (never inside `submit`), BUY at the ask and SELL at the bid, plus
 *   slippage (not clamped; a range-based slippage model gives 0 on quotes). BUY STOP triggers when
 *   ask >= S and fills at the ask; SELL STOP when bid <= S, at the bid. BUY MIT when ask <= P, at the
 *   ask; SELL MIT when bid >= P, at the bid. A LIMIT that is marketable on the first quote it meets
 *   fills at that quote (TAKER); a resting LIMIT fills at its price (MAKER) when the opposite side
 *   crosses it (BUY: ask <= L, SELL: bid >= L). Quote fills take the whole remaining quantity (the fill
 *   model applies to bars).
 */
import type { Bar, Ohlc, Quote } from '../core/bar';
import type { CacheView } from '../core/cache';
import type { Clock } from '../core/clock';
import { EngineError, isEngineError } from '../core/errors';
import type { VenueEvent } from '../core/events';
import { notional, onTickGrid, priceToTicks, snapToTick, type Instrument } from '../core/instrument';
import { sideSign, type Order, type OrderSide, type OrderType } from '../core/order';
import { utcDayStart, type EpochMs } from '../core/time';
import type { ExecutionClient, OrderModification, VenueEventSink } from '../core/venue';
import { ZeroFeeModel, type FeeModel } from './fee-models';
import { NextBarOpenFillModel, type FillDecision, type FillModel } from './fill-models';
import { ZeroLatencyModel, type LatencyModel } from './latency-models';
import { ZeroSlippageModel, type SlippageModel } from './slippage-models';
import type { Liquidity, OhlcTicks, SimOrderView } from './types';

/** Where the venue finds instruments: a lookup function or the kernel's cache. */
export type InstrumentSource = ((id: string) => Instrument | undefined) | Pick<CacheView, 'instrument'>;

export interface SimulatedVenueOptions {
  /** Venue name reported to the kernel; default 'SIM'. */
  venue?: string;
  instruments: InstrumentSource;
  clock: Clock;
  /** Default NextBarOpenFillModel. */
  fillModel?: FillModel;
  /** Default ZeroFeeModel. */
  feeModel?: FeeModel;
  /** Default ZeroSlippageModel. */
  slippageModel?: SlippageModel;
  /** Default ZeroLatencyModel. */
  latencyModel?: LatencyModel;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

type SimState = 'WORKING' | 'FILLED' | 'CANCELED' | 'EXPIRED';

/**
 * Everything the venue keeps about one order, as plain data: what a persisting venue (the paper venue)
 * stores after each event and hands back to `restore`.
 */
export interface SimOrderRecord extends SimOrderView {
  readonly trailingDistance: number | null;
  /** Submission order (1, 2, ...). */
  readonly seq: number;
  /** acceptTs + latency: the earliest bar/quote time the order can match. */
  readonly eligibleTs: EpochMs;
  /** TRAILING_STOP: best price of its side since acceptance, ticks. */
  readonly trailBest: number;
  readonly state: SimState;
}

/** What `restore` needs to continue a venue from its persisted records. */
export interface SimVenueRestore {
  /** The orders still working. */
  orders: readonly SimOrderRecord[];
  /** Net position per instrument from the venue's fills (signed units). */
  positions: Iterable<readonly [string, number]>;
  /** Every client order id ever submitted (duplicates stay refused). */
  seen: Iterable<string>;
  /** Highest venue order number (`V-n`) and trade number (`T-n`) used. */
  orderNo: number;
  tradeNo: number;
}

interface SimOrder extends Mutable<SimOrderView> {
  /** Submission order (1, 2, ...). */
  seq: number;
  /** Market-data sequence number current at acceptance or at the last modification. */
  stamp: number;
  /** acceptTs + latency: the earliest bar/quote time the order can match. */
  eligibleTs: EpochMs;
  /** Has met at least one eligible quote since acceptance or the last modification. */
  exposed: boolean;
  /** TRAILING_STOP: best price of its side since acceptance (or the last trigger modification), ticks. */
  trailBest: number;
  state: SimState;
}

interface BarContext {
  /** Units filled on this bar so far (for volume-limited fill models). */
  volumeUsed: number;
}

export class SimulatedVenue implements ExecutionClient {
  readonly venue: string;
  readonly fillModel: FillModel;
  readonly feeModel: FeeModel;
  readonly slippageModel: SlippageModel;
  readonly latencyModel: LatencyModel;

  private readonly clock: Clock;
  private readonly lookup: (id: string) => Instrument | undefined;
  private sink: VenueEventSink | null = null;
  /** Every client order id ever submitted (duplicates are rejected). */
  private readonly seen = new Set<string>();
  /** Working orders by client order id. */
  private readonly live = new Map<string, SimOrder>();
  /** Working orders per instrument, in submission order. */
  private readonly books = new Map<string, Map<string, SimOrder>>();
  /** Working members per OCO group. */
  private readonly ocoGroups = new Map<string, Map<string, SimOrder>>();
  /** Net position per instrument from this venue's fills, signed units. */
  private readonly positions = new Map<string, number>();
  private orderNo = 0;
  private tradeNo = 0;
  private submitSeq = 0;
  private dataSeq = 0;
  private matching = false;
  /** Time of the bar or quote being matched, null outside matching. */
  private marketTs: EpochMs | null = null;
  /** The order `retire` took out last (its final event is being emitted), for `deliver`. */
  private lastRetired: SimOrder | null = null;
  /** Set by subclasses that persist: `deliver` then receives each event's order record. */
  protected recordsOrders = false;

  constructor(opts: SimulatedVenueOptions) {
    this.venue = opts.venue ?? 'SIM';
    this.clock = opts.clock;
    this.fillModel = opts.fillModel ?? new NextBarOpenFillModel();
    this.feeModel = opts.feeModel ?? new ZeroFeeModel();
    this.slippageModel = opts.slippageModel ?? new ZeroSlippageModel();
    this.latencyModel = opts.latencyModel ?? new ZeroLatencyModel();
    const src = opts.instruments;
    const find = typeof src === 'function' ? src : (id: string) => src.instrument(id);
    this.lookup = (id) => {
      try {
        return find(id);
      } catch (e) {
        // A cache throws `instrument.unknown`: the venue reports it as a rejection. Anything else is a bug.
        if (isEngineError(e) && e.code === 'instrument.unknown') return undefined;
        throw e;
      }
    };
  }

  bind(sink: VenueEventSink): void {
    this.sink = sink;
  }

  /**
   * Continues from persisted records (before any order or market data): the working orders with their
   * full state, positions, the ids already used. A restored order is eligible from the next bar/quote.
   */
  restore(r: SimVenueRestore): void {
    if (this.live.size > 0 || this.submitSeq > 0 || this.dataSeq > 0) throw new EngineError('invariant.sim_restore', 'restore must come before any order or market data');
    for (const [id, qty] of r.positions) if (qty !== 0) this.positions.set(id, qty);
    for (const id of r.seen) this.seen.add(id);
    this.orderNo = r.orderNo;
    this.tradeNo = r.tradeNo;
    for (const rec of [...r.orders].sort((a, b) => a.seq - b.seq)) {
      if (rec.state !== 'WORKING') continue;
      const o: SimOrder = { ...rec, trailingDistance: rec.trailingDistance, stamp: 0, exposed: false, state: 'WORKING' };
      this.seen.add(o.clientOrderId);
      this.live.set(o.clientOrderId, o);
      let book = this.books.get(o.instrumentId);
      if (!book) this.books.set(o.instrumentId, (book = new Map()));
      book.set(o.clientOrderId, o);
      if (o.ocoGroup !== null) {
        let group = this.ocoGroups.get(o.ocoGroup);
        if (!group) this.ocoGroups.set(o.ocoGroup, (group = new Map()));
        group.set(o.clientOrderId, o);
      }
      if (o.seq > this.submitSeq) this.submitSeq = o.seq;
    }
  }

  /** Highest venue order and trade numbers used so far. */
  counters(): { orderNo: number; tradeNo: number } {
    return { orderNo: this.orderNo, tradeNo: this.tradeNo };
  }

  /** Net position of `instrumentId` built from this venue's fills (signed units). */
  position(instrumentId: string): number {
    return this.positions.get(instrumentId) ?? 0;
  }

  /** Snapshots of the working orders (of one instrument, or all), in submission order. */
  workingOrders(instrumentId?: string): SimOrderView[] {
    const out: SimOrderView[] = [];
    for (const o of this.live.values()) if (instrumentId === undefined || o.instrumentId === instrumentId) out.push(viewOf(o));
    return out;
  }

  // ---------------------------------------------------------------- order entry

  submit(order: Readonly<Order>): void {
    this.requireSink();
    const id = order.clientOrderId;
    const reject = (reason: string, text: string): void =>
      this.emit({ type: 'OrderRejected', tsEvent: this.eventTs(), clientOrderId: id, code: `venue.rejected.${reason}`, reason: text });
    if (this.seen.has(id)) return reject('duplicate_order', `client order id ${id} was already submitted`);
    this.seen.add(id);
    const now = this.clock.now();
    const inst = this.lookup(order.instrumentId);
    if (!inst) return reject('unknown_instrument', `unknown instrument ${order.instrumentId}`);
    const bad = this.validate(order, inst, now);
    if (bad) return reject(bad[0], bad[1]);

    const o: SimOrder = {
      clientOrderId: id,
      venueOrderId: `V-${++this.orderNo}`,
      strategyId: order.strategyId,
      instrumentId: order.instrumentId,
      side: order.side,
      type: order.type,
      qty: order.qty,
      filledQty: 0,
      price: usesPrice(order.type) ? order.price : null,
      triggerPrice: usesTrigger(order.type) ? order.triggerPrice : null,
      trailingDistance: order.type === 'TRAILING_STOP' ? (order.trailingDistance ?? null) : null,
      tif: order.tif,
      expireTs: order.tif === 'GTD' ? order.expireTs : null,
      reduceOnly: order.reduceOnly,
      ocoGroup: order.ocoGroup,
      triggered: false,
      acceptTs: now,
      seq: ++this.submitSeq,
      stamp: this.dataSeq,
      eligibleTs: now,
      exposed: false,
      trailBest: 0,
      state: 'WORKING',
    };
    resetTrail(o);
    const latency = this.latencyModel.latencyMs(o, inst);
    if (!(Number.isFinite(latency) && latency >= 0)) throw new EngineError('invariant.sim_latency', `latency model returned ${latency}`);
    o.eligibleTs = now + latency;
    this.live.set(id, o);
    let book = this.books.get(o.instrumentId);
    if (!book) this.books.set(o.instrumentId, (book = new Map()));
    book.set(id, o);
    if (o.ocoGroup !== null) {
      let group = this.ocoGroups.get(o.ocoGroup);
      if (!group) this.ocoGroups.set(o.ocoGroup, (group = new Map()));
      group.set(id, o);
    }
    this.emit({ type: 'OrderAccepted', tsEvent: now, clientOrderId: id, venueOrderId: o.venueOrderId });
  }

  /** [reason, text] of the first rule the order breaks, or null. */
  private validate(order: Readonly<Order>, inst: Instrument, now: EpochMs): [string, string] | null {
    if (!inst.tradeable) return ['not_tradeable', `instrument ${inst.id} is not tradeable`];
    if (!Number.isSafeInteger(order.qty) || order.qty <= 0 || order.qty % inst.minQty !== 0) {
      return ['invalid_qty', `quantity must be a positive multiple of ${inst.minQty} units, got ${order.qty}`];
    }
    if (usesPrice(order.type)) {
      if (order.price === null) return ['missing_price', `${order.type} order needs a price`];
      if (!onTickGrid(inst, order.price)) return ['invalid_price', `price ${order.price} is not a positive multiple of the tick size ${inst.tickSize}`];
    }
    if (order.type === 'TRAILING_STOP') {
      const d = order.trailingDistance ?? null;
      if (d === null) return ['missing_trailing_distance', 'TRAILING_STOP order needs a trailing distance'];
      if (!onTickGrid(inst, d)) return ['invalid_trailing_distance', `trailing distance ${d} is not a positive multiple of the tick size ${inst.tickSize}`];
    }
    if (usesTrigger(order.type)) {
      if (order.triggerPrice === null) return ['missing_trigger_price', `${order.type} order needs a trigger price`];
      if (!onTickGrid(inst, order.triggerPrice)) {
        return ['invalid_trigger_price', `trigger price ${order.triggerPrice} is not a positive multiple of the tick size ${inst.tickSize}`];
      }
    }
    if (order.tif === 'GTD') {
      if (order.expireTs === null || !Number.isFinite(order.expireTs)) return ['missing_expire_ts', 'GTD order needs an expiry time'];
      if (order.expireTs <= now) return ['expire_ts_passed', `expiry time ${order.expireTs} is not after now (${now})`];
    }
    if (order.reduceOnly && reducibleBy(order.side, this.position(order.instrumentId)) === 0) {
      return ['reduce_only', `reduce-only ${order.side} order would not reduce the position of ${this.position(order.instrumentId)} units`];
    }
    return null;
  }

  cancel(order: Readonly<Order>): void {
    this.requireSink();
    const o = this.live.get(order.clientOrderId);
    if (!o) {
      this.emit({
        type: 'OrderCancelRejected',
        tsEvent: this.eventTs(),
        clientOrderId: order.clientOrderId,
        code: 'venue.cancel_rejected.not_working',
        reason: `order ${order.clientOrderId} is not working at the venue`,
      });
      return;
    }
    this.cancelOrder(o, 'canceled');
  }

  modify(order: Readonly<Order>, changes: OrderModification): void {
    this.requireSink();
    const id = order.clientOrderId;
    const refuse = (reason: string, text: string): void =>
      this.emit({ type: 'OrderCancelRejected', tsEvent: this.eventTs(), clientOrderId: id, code: `venue.modify_rejected.${reason}`, reason: text });
    const o = this.live.get(id);
    if (!o) return refuse('not_working', `order ${id} is not working at the venue`);
    if (changes.qty === undefined && changes.price === undefined && changes.triggerPrice === undefined) {
      return refuse('no_change', 'the modification changes nothing');
    }
    const inst = this.lookup(o.instrumentId);
    if (!inst) return refuse('unknown_instrument', `unknown instrument ${o.instrumentId}`);
    const qty = changes.qty ?? o.qty;
    if (!Number.isSafeInteger(qty) || qty <= o.filledQty || qty % inst.minQty !== 0) {
      return refuse('invalid_qty', `quantity must be a multiple of ${inst.minQty} units above the filled ${o.filledQty}, got ${qty}`);
    }
    let price = o.price;
    if (changes.price !== undefined) {
      if (usesPrice(o.type)) {
        if (changes.price === null || !onTickGrid(inst, changes.price)) return refuse('invalid_price', `price ${changes.price} is not a positive multiple of the tick size ${inst.tickSize}`);
        price = changes.price;
      } else if (changes.price !== null) {
        return refuse('invalid_price', `a ${o.type} order has no limit price`);
      }
    }
    let triggerPrice = o.triggerPrice;
    if (changes.triggerPrice !== undefined) {
      if (usesTrigger(o.type)) {
        if (changes.triggerPrice === null || !onTickGrid(inst, changes.triggerPrice)) {
          return refuse('invalid_trigger_price', `trigger price ${changes.triggerPrice} is not a positive multiple of the tick size ${inst.tickSize}`);
        }
        triggerPrice = changes.triggerPrice;
      } else if (changes.triggerPrice !== null) {
        return refuse('invalid_trigger_price', `a ${o.type} order has no trigger price`);
      }
    }
    o.qty = qty;
    o.price = price;
    o.triggerPrice = triggerPrice;
    if (o.type === 'TRAILING_STOP' && changes.triggerPrice !== undefined) resetTrail(o);
    o.stamp = this.dataSeq;
    o.exposed = false;
    this.emit({ type: 'OrderUpdated', tsEvent: this.eventTs(), clientOrderId: id, qty, price, triggerPrice });
  }

  // ---------------------------------------------------------------- market data

  onBar(bar: Bar): void {
    const seq = this.beginMarketData();
    this.marketTs = bar.ts;
    try {
      const book = this.books.get(bar.instrumentId);
      if (!book || book.size === 0) return;
      const inst = this.lookup(bar.instrumentId);
      if (!inst) return;
      this.expire(book, bar.ts);
      const eligible = this.eligible(book, seq, bar.ts);
      if (eligible.length === 0) return;
      const sided = bar.bid !== undefined && bar.ask !== undefined;
      const buyTicks = toTicks(inst, sided ? (bar.ask as Ohlc) : bar);
      const sellTicks = sided ? toTicks(inst, bar.bid as Ohlc) : buyTicks;
      const ctx: BarContext = { volumeUsed: 0 };
      for (const o of eligible) {
        if (o.state !== 'WORKING' || o.stamp >= seq) continue;
        this.matchBar(o, inst, bar, o.side === 'BUY' ? buyTicks : sellTicks, ctx);
        this.endImmediate(o);
      }
      // Trailing stops follow the bar only after it was matched (see the header: intra-bar convention).
      for (const o of eligible) {
        if (o.type === 'TRAILING_STOP' && o.stamp < seq) this.trail(o, o.side === 'BUY' ? buyTicks.low : sellTicks.high);
      }
    } finally {
      this.matching = false;
      this.marketTs = null;
    }
  }

  onQuote(quote: Quote): void {
    const seq = this.beginMarketData();
    this.marketTs = quote.ts;
    try {
      const book = this.books.get(quote.instrumentId);
      if (!book || book.size === 0) return;
      const inst = this.lookup(quote.instrumentId);
      if (!inst) return;
      this.expire(book, quote.ts);
      const eligible = this.eligible(book, seq, quote.ts);
      if (eligible.length === 0) return;
      const ask = priceToTicks(inst, quote.ask);
      const bid = priceToTicks(inst, quote.bid);
      for (const o of eligible) {
        if (o.state !== 'WORKING' || o.stamp >= seq) continue;
        this.matchQuote(o, inst, o.side === 'BUY' ? ask : bid);
        if (o.state === 'WORKING') o.exposed = true;
        this.endImmediate(o);
      }
      for (const o of eligible) {
        if (o.type === 'TRAILING_STOP' && o.stamp < seq) this.trail(o, o.side === 'BUY' ? ask : bid);
      }
    } finally {
      this.matching = false;
      this.marketTs = null;
    }
  }

  private eventTs(): EpochMs {
    return this.marketTs ?? this.clock.now();
  }

  private beginMarketData(): number {
    if (this.matching) throw new EngineError('invariant.sim_reentrant', 'market data reached the simulated venue while it was matching');
    this.matching = true;
    return ++this.dataSeq;
  }

  /** Expires DAY and GTD orders that are due at market time `ts`. */
  private expire(book: Map<string, SimOrder>, ts: EpochMs): void {
    const day = utcDayStart(ts);
    for (const o of [...book.values()]) {
      if (o.state !== 'WORKING') continue;
      const due = (o.tif === 'DAY' && day > utcDayStart(o.acceptTs)) || (o.tif === 'GTD' && o.expireTs !== null && ts >= o.expireTs);
      if (!due) continue;
      this.retire(o, 'EXPIRED');
      this.emit({ type: 'OrderExpired', tsEvent: this.eventTs(), clientOrderId: o.clientOrderId });
    }
  }

  /** Orders that may match the market-data event `seq` at time `ts`, in matching priority. */
  private eligible(book: Map<string, SimOrder>, seq: number, ts: EpochMs): SimOrder[] {
    const out: SimOrder[] = [];
    for (const o of book.values()) if (o.state === 'WORKING' && o.stamp < seq && ts >= o.eligibleTs) out.push(o);
    if (out.length > 1) out.sort((a, b) => rank(a) - rank(b) || a.seq - b.seq);
    return out;
  }

  private matchBar(o: SimOrder, inst: Instrument, bar: Bar, t: OhlcTicks, ctx: BarContext): void {
    const d = this.fillModel.fill({ instrument: inst, order: o, bar, ticks: t, volumeUsed: ctx.volumeUsed });
    if (!d) return;
    checkDecision(o, d);
    if (o.type !== 'MARKET' && o.type !== 'LIMIT') o.triggered = true;
    const liquidity: Liquidity = o.type === 'LIMIT' && !d.atOpen ? 'MAKER' : 'TAKER';
    ctx.volumeUsed += this.execute(o, inst, d.qty, d.ticks, t, true, liquidity);
  }

  /**
   * Moves a working, untriggered TRAILING_STOP's best price to `px` (SELL: a higher high, BUY: a lower
   * low) and its trigger with it; reports the new trigger when it changed.
   */
  private trail(o: SimOrder, px: number): void {
    if (o.state !== 'WORKING' || o.triggered || o.trailingDistance === null || o.trailingDistance === undefined) return;
    const sell = o.side === 'SELL';
    if (sell ? px <= o.trailBest : px >= o.trailBest) return;
    o.trailBest = px;
    const next = sell ? px - o.trailingDistance : px + o.trailingDistance;
    const cur = o.triggerPrice;
    if (cur !== null && (sell ? next <= cur : next >= cur)) return;
    if (next <= 0) return;
    o.triggerPrice = next;
    this.emit({ type: 'OrderUpdated', tsEvent: this.eventTs(), clientOrderId: o.clientOrderId, qty: o.qty, price: o.price, triggerPrice: next });
  }

  private matchQuote(o: SimOrder, inst: Instrument, px: number): void {
    const buy = o.side === 'BUY';
    let ref: number | null = null;
    let liquidity: Liquidity = 'TAKER';
    if (o.type === 'MARKET' || o.triggered) {
      ref = px;
    } else if (usesTrigger(o.type)) {
      const s = o.triggerPrice;
      if (s !== null && (buy ? px >= s : px <= s)) ref = px;
    } else if (o.type === 'MARKET_IF_TOUCHED') {
      const p = o.price;
      if (p !== null && (buy ? px <= p : px >= p)) ref = px;
    } else {
      const l = o.price;
      if (l !== null && (buy ? px <= l : px >= l)) {
        if (o.exposed) {
          ref = l;
          liquidity = 'MAKER';
        } else {
          ref = px;
        }
      }
    }
    if (ref === null) return;
    if (o.type !== 'MARKET' && o.type !== 'LIMIT') o.triggered = true;
    this.execute(o, inst, o.qty - o.filledQty, ref, { open: px, high: px, low: px, close: px }, false, liquidity);
  }

  /**
   * Fills up to `wanted` units of `o` at reference price `ref` (reduce-only trimming, FOK, slippage,
   * clamping on bars) and returns the units filled.
   */
  private execute(o: SimOrder, inst: Instrument, wanted: number, ref: number, t: OhlcTicks, clamp: boolean, liquidity: Liquidity): number {
    const leaves = o.qty - o.filledQty;
    /** What the order may still trade: its leaves, or for reduce-only at most the position. */
    let target = leaves;
    if (o.reduceOnly) {
      const reducible = reducibleBy(o.side, this.position(o.instrumentId));
      if (reducible === 0) {
        this.cancelOrder(o, 'reduce_only');
        return 0;
      }
      target = Math.min(leaves, reducible);
    }
    let qty = Math.min(wanted, target);
    if (o.tif === 'FOK' && qty < target) return 0; // canceled 'fok' by endImmediate
    if (qty <= 0) return 0;
    if (target < leaves && qty === target) {
      // This fill closes the position and more would flip it: the order is cut to what closes it, and
      // the fill completes it.
      const stamp = o.stamp;
      o.qty = o.filledQty + target;
      this.emit({ type: 'OrderUpdated', tsEvent: this.eventTs(), clientOrderId: o.clientOrderId, qty: o.qty, price: o.price, triggerPrice: o.triggerPrice });
      if (o.state !== 'WORKING' || o.stamp !== stamp) return 0; // canceled or modified by the sink meanwhile
      qty = Math.min(qty, o.qty - o.filledQty);
    }
    let px = ref;
    if (o.type !== 'LIMIT') {
      const raw = this.slippageModel.slippageTicks({ instrument: inst, order: o, refTicks: ref, ticks: t, qty });
      if (!Number.isSafeInteger(raw) || raw < 0) throw new EngineError('invariant.sim_slippage', `slippage model returned ${raw} ticks`);
      const slip = snapToTick(inst, raw);
      px = o.side === 'BUY' ? ref + slip : ref - slip;
      if (clamp) px = o.side === 'BUY' ? Math.min(px, t.high) : Math.max(px, t.low);
    }
    this.fill(o, inst, qty, px, ref, liquidity);
    return qty;
  }

  private fill(o: SimOrder, inst: Instrument, qty: number, px: number, ref: number, liquidity: Liquidity): void {
    const fee = this.feeModel.fee({ instrument: inst, order: o, ticks: px, qty, liquidity });
    if (!Number.isSafeInteger(fee)) throw new EngineError('invariant.sim_fee', `fee model returned ${fee}`);
    const slippage = notional(inst, Math.abs(px - ref), qty);
    o.filledQty += qty;
    this.positions.set(o.instrumentId, this.position(o.instrumentId) + sideSign(o.side) * qty);
    const leaves = o.qty - o.filledQty;
    if (leaves === 0) this.retire(o, 'FILLED');
    this.emit({
      type: 'OrderFilled',
      tsEvent: this.eventTs(),
      clientOrderId: o.clientOrderId,
      venueOrderId: o.venueOrderId,
      tradeId: `T-${++this.tradeNo}`,
      strategyId: o.strategyId,
      instrumentId: o.instrumentId,
      side: o.side,
      lastQty: qty,
      lastPx: px,
      fee,
      feeCurrency: inst.quoteCurrency,
      slippage,
      liquidity,
      leavesQty: leaves,
    });
    if (o.ocoGroup !== null) this.ocoFollow(o, leaves);
  }

  /** After a fill of `o` leaving `leaves`: cancel (leaves 0) or cut the other working members of its group. */
  private ocoFollow(o: SimOrder, leaves: number): void {
    const group = o.ocoGroup === null ? undefined : this.ocoGroups.get(o.ocoGroup);
    if (!group) return;
    for (const m of [...group.values()]) {
      if (m === o || m.state !== 'WORKING') continue;
      if (leaves === 0) {
        this.cancelOrder(m, 'oco');
        continue;
      }
      const qty = m.filledQty + leaves;
      if (qty >= m.qty) continue;
      m.qty = qty;
      this.emit({ type: 'OrderUpdated', tsEvent: this.eventTs(), clientOrderId: m.clientOrderId, qty, price: m.price, triggerPrice: m.triggerPrice });
    }
  }

  /** IOC/FOK orders live for one matching only. */
  private endImmediate(o: SimOrder): void {
    if (o.state === 'WORKING' && (o.tif === 'IOC' || o.tif === 'FOK')) this.cancelOrder(o, o.tif === 'IOC' ? 'ioc' : 'fok');
  }

  private cancelOrder(o: SimOrder, reason: string): void {
    this.retire(o, 'CANCELED');
    this.emit({ type: 'OrderCanceled', tsEvent: this.eventTs(), clientOrderId: o.clientOrderId, reason });
  }

  /** Takes `o` out of every working set (before its final event goes out). */
  private retire(o: SimOrder, state: Exclude<SimState, 'WORKING'>): void {
    o.state = state;
    this.lastRetired = o;
    this.live.delete(o.clientOrderId);
    this.books.get(o.instrumentId)?.delete(o.clientOrderId);
    if (o.ocoGroup !== null) {
      const group = this.ocoGroups.get(o.ocoGroup);
      if (group) {
        group.delete(o.clientOrderId);
        if (group.size === 0) this.ocoGroups.delete(o.ocoGroup);
      }
    }
  }

  private requireSink(): void {
    if (!this.sink) throw new EngineError('venue.not_bound', `venue ${this.venue} has no event sink (bind was not called)`);
  }

  private emit(e: VenueEvent): void {
    if (!this.sink) throw new EngineError('venue.not_bound', `venue ${this.venue} has no event sink (bind was not called)`);
    if (!this.recordsOrders) return this.sink(e);
    const o = this.live.get(e.clientOrderId) ?? (this.lastRetired?.clientOrderId === e.clientOrderId ? this.lastRetired : undefined);
    this.deliver(e, o === undefined ? null : recordOf(o));
  }

  /**
   * Hands one event to the sink. A persisting subclass (recordsOrders = true) overrides it to store the
   * event and the order's record after it (null for an order the venue never accepted) first.
   */
  protected deliver(e: VenueEvent, _order: SimOrderRecord | null): void {
    this.sink!(e);
  }
}

function recordOf(o: SimOrder): SimOrderRecord {
  return { ...viewOf(o), trailingDistance: o.trailingDistance ?? null, seq: o.seq, eligibleTs: o.eligibleTs, trailBest: o.trailBest, state: o.state };
}

function usesPrice(type: OrderType): boolean {
  return type === 'LIMIT' || type === 'MARKET_IF_TOUCHED';
}

/** Types with a trigger price: STOP and TRAILING_STOP. */
function usesTrigger(type: OrderType): boolean {
  return type === 'STOP' || type === 'TRAILING_STOP';
}

/** A TRAILING_STOP's best price restarts from its trigger: T + d (SELL) or T - d (BUY). */
function resetTrail(o: SimOrder): void {
  const d = o.trailingDistance;
  if (o.type !== 'TRAILING_STOP' || d === null || d === undefined || o.triggerPrice === null) return;
  o.trailBest = o.side === 'SELL' ? o.triggerPrice + d : o.triggerPrice - d;
}


/** Units an order on `side` may trade without increasing or flipping the signed position `pos`. */
function reducibleBy(side: OrderSide, pos: number): number {
  return side === 'BUY' ? Math.max(0, -pos) : Math.max(0, pos);
}

/** Matching class: 0 market (or triggered), 1 stop, 2 limit / market-if-touched. */
function rank(o: SimOrder): number {
  if (o.type === 'MARKET' || o.triggered) return 0;
  return usesTrigger(o.type) ? 1 : 2;
}

function toTicks(inst: Instrument, p: Ohlc): OhlcTicks {
  return {
    open: priceToTicks(inst, p.open),
    high: priceToTicks(inst, p.high),
    low: priceToTicks(inst, p.low),
    close: priceToTicks(inst, p.close),
  };
}

function checkDecision(o: SimOrder, d: FillDecision): void {
  const leaves = o.qty - o.filledQty;
  if (!Number.isSafeInteger(d.qty) || d.qty < 0 || d.qty > leaves || !Number.isSafeInteger(d.ticks)) {
    throw new EngineError('invariant.sim_fill_model', `fill model decided ${d.qty} units at ${d.ticks} ticks for order ${o.clientOrderId} with ${leaves} left`);
  }
}

function viewOf(o: SimOrder): SimOrderView {
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
    triggered: o.triggered,
    acceptTs: o.acceptTs,
  };
}
