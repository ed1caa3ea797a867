/**
 * Order execution of the v20 test server (v20.json definitions OrderFillTransaction,
 * OrderCancelTransaction, OrderCancelReason, OrderFillReason, TradeOpen, TradeReduce,
 * OrderPositionFill, OrderTriggerCondition, TakeProfitOrderTransaction, StopLossOrderTransaction,
 * TrailingStopLossOrderTransaction; API-NOTES.md "Orders", "Trades", "Positions", and "Errors" on
 * cancellations after acceptance).
 *
 * Rules:
 * - Buys fill at the ask, sells at the bid, the whole size at once (one price bucket, ample liquidity).
 *   A pending order triggers on the price its triggerCondition names (DEFAULT: buys watch the ask,
 *   sells the bid; dependent orders watch the side that closes their trade) and fills at the market.
 *   LIMIT/TAKE_PROFIT: at the price or better; STOP/STOP_LOSS/TRAILING_STOP_LOSS: at the price or worse;
 *   MARKET_IF_TOUCHED: when the price reaches its level from the side it was created on.
 * - positionFill DEFAULT is REDUCE_FIRST without hedging and OPEN_ONLY with it. REDUCE_FIRST closes
 *   opposite trades oldest first, then opens a trade with the rest; REDUCE_ONLY only closes (nothing to
 *   close → cancel POSITION_CLOSEOUT_FAILED, a choice: the spec names no reason for it); OPEN_ONLY on a
 *   netting account holding the opposite side → cancel FIFO_VIOLATION (also a choice).
 * - US FIFO accounts (fifo: true, never hedging): closing any trade but the oldest open one of its
 *   instrument (trade close, or a triggered take-profit/stop-loss) → cancel FIFO_VIOLATION.
 * - After acceptance, failures are cancellations (201/200 with orderCancelTransaction): MARKET_HALTED
 *   (instrument not tradeable), BOUNDS_VIOLATION (priceBound), INSUFFICIENT_MARGIN (margin used after
 *   the fill would exceed NAV), TAKE_PROFIT_ON_FILL_LOSS / STOP_LOSS_ON_FILL_LOSS (protection on the
 *   wrong side of the fill price), TIME_IN_FORCE_EXPIRED (FOK/IOC not fillable now; GTD/GFD expiry).
 *   A pending order whose triggered fill fails is cancelled with that reason.
 * - A fill that opens a trade creates the on-fill orders (TAKE_PROFIT, STOP_LOSS, TRAILING_STOP_LOSS,
 *   reason ON_FILL) in the same batch, after the fill; a stop-loss distance is measured from the fill
 *   price. Closing a trade cancels its other dependent orders (LINKED_TRADE_CLOSED).
 * - Trailing stops move with the closing side's price (long: bid − distance, never down).
 */
import * as D from './decimal';
import type { Dec } from './decimal';
import type { Account } from './account';
import { extWire } from './account';
import { FACTOR_PLACES, type Market, type Quote } from './market';
import type { OrderRec, TradeRec } from './model';
import type { NewOrder } from './orders';
import { localToUtc, t, utcToLocal } from './time';
import type { Batch, Txn } from './transactions';

export interface Outcome {
  create?: Txn;
  fill?: Txn;
  cancel?: Txn;
}

interface Reduction {
  trade: TradeRec;
  /** Absolute units closed. */
  units: Dec;
}

interface Plan {
  instrument: string;
  reductions: Reduction[];
  /** Signed units of the new trade (0: none). */
  open: Dec;
}

/** The end of the trading day (17:00 New York) after `ms`: when a GFD order expires. */
export function endOfTradingDay(ms: number): number {
  const NY = 'America/New_York';
  const local = utcToLocal(NY, ms);
  const d = new Date(local);
  let candidate = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 17);
  if (candidate <= local) candidate += 86_400_000;
  return localToUtc(NY, candidate);
}

export class Matching {
  constructor(
    private readonly account: Account,
    private readonly market: Market,
  ) {}

  // ---- creating orders -------------------------------------------------------------------------

  /** Stores a new order and writes its create transaction. */
  create(batch: Batch, spec: NewOrder, reason: string): { order: OrderRec; txn: Txn } {
    const id = batch.nextId();
    const order: OrderRec = { ...spec, id, createTime: batch.time, state: 'PENDING' };
    if (order.type === 'TRAILING_STOP_LOSS') order.trailingStopValue = this.initialTrailingValue(order);
    if (order.type === 'STOP_LOSS' && order.price === undefined) order.price = this.stopFromDistance(order);
    this.account.orders.set(id, order);
    if (order.tradeID !== undefined) this.attachDependent(order);
    const txn = batch.add(this.account.createTxnBody(order, reason));
    return { order, txn };
  }

  /**
   * Submits an order: creates it, then fills a market order (or a marketable LIMIT/STOP/MIT) at once,
   * or cancels it. `forcedCancel` cancels it after acceptance with that reason (the fault switch).
   */
  submit(batch: Batch, spec: NewOrder, reason: string, forcedCancel?: string): Outcome & { order: OrderRec } {
    const { order, txn } = this.create(batch, spec, reason);
    const out: Outcome & { order: OrderRec } = { order, create: txn };
    if (forcedCancel !== undefined) {
      out.cancel = this.cancel(batch, order, forcedCancel);
      return out;
    }
    if (order.type === 'MARKET') {
      Object.assign(out, this.execute(batch, order, this.fillReasonOf(order)));
      return out;
    }
    if (order.type === 'LIMIT' || order.type === 'STOP' || order.type === 'MARKET_IF_TOUCHED') {
      const q = this.market.quote(order.instrument);
      if (q.tradeable && this.triggered(order, q)) {
        Object.assign(out, this.execute(batch, order, this.fillReasonOf(order)));
      } else if (order.timeInForce === 'FOK' || order.timeInForce === 'IOC') {
        out.cancel = this.cancel(batch, order, 'TIME_IN_FORCE_EXPIRED');
      }
    }
    return out;
  }

  cancel(batch: Batch, order: OrderRec, reason: string, replacedByOrderID?: string): Txn {
    const txn = batch.add({
      type: 'ORDER_CANCEL',
      orderID: order.id,
      ...(order.clientExtensions?.id !== undefined ? { clientOrderID: order.clientExtensions.id } : {}),
      reason,
      ...(replacedByOrderID !== undefined ? { replacedByOrderID } : {}),
    });
    order.state = 'CANCELLED';
    order.cancellingTransactionID = txn.id;
    order.cancelledTime = batch.time;
    if (replacedByOrderID !== undefined) order.replacedByOrderID = replacedByOrderID;
    this.detachDependent(order);
    return txn;
  }

  private attachDependent(order: OrderRec): void {
    const trade = this.account.trades.get(order.tradeID!);
    if (!trade) throw new Error(`oanda-server: dependent order ${order.id} without trade`);
    if (order.type === 'TAKE_PROFIT') trade.takeProfitOrderID = order.id;
    else if (order.type === 'STOP_LOSS') trade.stopLossOrderID = order.id;
    else if (order.type === 'TRAILING_STOP_LOSS') trade.trailingStopLossOrderID = order.id;
  }

  /** A cancelled dependent order of an open trade no longer protects it. */
  private detachDependent(order: OrderRec): void {
    const trade = order.tradeID !== undefined ? this.account.trades.get(order.tradeID) : undefined;
    if (!trade || trade.state !== 'OPEN') return;
    if (trade.takeProfitOrderID === order.id) trade.takeProfitOrderID = undefined;
    if (trade.stopLossOrderID === order.id) trade.stopLossOrderID = undefined;
    if (trade.trailingStopLossOrderID === order.id) trade.trailingStopLossOrderID = undefined;
  }

  private stopFromDistance(order: OrderRec): Dec {
    const trade = this.account.trades.get(order.tradeID!)!;
    const q = this.market.quote(trade.instrument);
    // Distance from the current price: the ask for long trades, the bid for short ones (StopLossDetails).
    return trade.currentUnits > 0n ? q.ask - order.distance! : q.bid + order.distance!;
  }

  private initialTrailingValue(order: OrderRec): Dec {
    const trade = this.account.trades.get(order.tradeID!)!;
    const q = this.market.quote(trade.instrument);
    return trade.currentUnits > 0n ? q.bid - order.distance! : q.ask + order.distance!;
  }

  private fillReasonOf(order: OrderRec): string {
    if (order.type !== 'MARKET') return `${order.type}_ORDER`;
    if (order.tradeClose) return 'MARKET_ORDER_TRADE_CLOSE';
    if (order.longPositionCloseout || order.shortPositionCloseout) return 'MARKET_ORDER_POSITION_CLOSEOUT';
    return 'MARKET_ORDER';
  }

  // ---- triggers ----------------------------------------------------------------------------------

  /** Does a pending order trigger at this quote? */
  triggered(order: OrderRec, q: Quote): boolean {
    const buys = this.isBuy(order);
    const cond = order.triggerCondition ?? 'DEFAULT';
    const mid = D.divRoundHalfEven(q.bid + q.ask, 2n);
    const px =
      cond === 'BID' ? q.bid : cond === 'ASK' ? q.ask : cond === 'MID' ? mid : cond === 'INVERSE' ? (buys ? q.bid : q.ask) : buys ? q.ask : q.bid;
    switch (order.type) {
      case 'LIMIT':
      case 'TAKE_PROFIT':
        return buys ? px <= order.price! : px >= order.price!;
      case 'STOP':
      case 'STOP_LOSS':
        return buys ? px >= order.price! : px <= order.price!;
      case 'TRAILING_STOP_LOSS':
        return buys ? px >= order.trailingStopValue! : px <= order.trailingStopValue!;
      case 'MARKET_IF_TOUCHED':
        return order.price! >= order.initialMarketPrice! ? px >= order.price! : px <= order.price!;
      case 'MARKET':
        return true;
    }
  }

  private isBuy(order: OrderRec): boolean {
    if (order.units !== undefined) return order.units > 0n;
    const trade = this.account.trades.get(order.tradeID ?? '');
    return (trade?.currentUnits ?? 0n) < 0n;
  }

  /** Moves trailing stops of `instrument` with the price (long: up only; short: down only). */
  updateTrailing(instrument: string): void {
    const q = this.market.quote(instrument);
    for (const o of this.account.pendingOrders()) {
      if (o.type !== 'TRAILING_STOP_LOSS' || o.instrument !== instrument) continue;
      const trade = this.account.trades.get(o.tradeID!);
      if (!trade || trade.state !== 'OPEN') continue;
      if (trade.currentUnits > 0n) o.trailingStopValue = D.max(o.trailingStopValue!, q.bid - o.distance!);
      else o.trailingStopValue = D.min(o.trailingStopValue!, q.ask + o.distance!);
    }
  }

  /** Pending orders of `instrument` that trigger at the current price, oldest first. */
  dueOrders(instrument: string): OrderRec[] {
    const q = this.market.quote(instrument);
    if (!q.tradeable) return [];
    return this.account.pendingOrders().filter((o) => o.instrument === instrument && this.triggered(o, q));
  }

  /** Pending orders whose GTD time or trading day has passed. */
  expiredOrders(now: number): OrderRec[] {
    return this.account.pendingOrders().filter((o) => {
      if (o.timeInForce === 'GTD') return o.gtdTime !== undefined && o.gtdTime <= now;
      if (o.timeInForce === 'GFD') return endOfTradingDay(o.createTime) <= now;
      return false;
    });
  }

  // ---- execution ---------------------------------------------------------------------------------

  /** Fills `order` now (or cancels it with the reason the fill failed). */
  execute(batch: Batch, order: OrderRec, fillReason: string): Outcome {
    const q = this.market.quote(order.instrument);
    const fail = (reason: string): Outcome => ({ cancel: this.cancel(batch, order, reason) });
    if (!q.tradeable) return fail('MARKET_HALTED');
    const plan = this.plan(order);
    if (typeof plan === 'string') return fail(plan);
    const filled = plan.open + plan.reductions.reduce((s, r) => s + (r.trade.currentUnits > 0n ? -r.units : r.units), D.ZERO);
    if (filled === 0n) return fail('POSITION_CLOSEOUT_FAILED');
    const buy = filled > 0n;
    const price = buy ? q.ask : q.bid;
    if (order.priceBound !== undefined && (buy ? price > order.priceBound : price < order.priceBound)) return fail('BOUNDS_VIOLATION');
    if (plan.open !== 0n) {
      const bad = this.onFillProblem(order, plan.open > 0n, price);
      if (bad) return fail(bad);
      if (this.wouldExceedMargin(plan)) return fail('INSUFFICIENT_MARGIN');
    }
    return { fill: this.apply(batch, order, plan, q, price, filled, fillReason) };
  }

  private plan(order: OrderRec): Plan | string {
    const acct = this.account;
    const fifoCheck = (trade: TradeRec): string | null => {
      if (!acct.cfg.fifo) return null;
      const oldest = acct.openTrades(trade.instrument)[0];
      return oldest && oldest.id !== trade.id ? 'FIFO_VIOLATION' : null;
    };
    if (order.tradeClose) {
      const trade = acct.trades.get(order.tradeClose.tradeID);
      if (!trade || trade.state !== 'OPEN') return 'POSITION_CLOSEOUT_FAILED';
      const v = fifoCheck(trade);
      if (v) return v;
      return { instrument: trade.instrument, reductions: [{ trade, units: D.abs(order.units!) }], open: D.ZERO };
    }
    if (order.tradeID !== undefined) {
      const trade = acct.trades.get(order.tradeID);
      if (!trade || trade.state !== 'OPEN') return 'LINKED_TRADE_CLOSED';
      const v = fifoCheck(trade);
      if (v) return v;
      return { instrument: trade.instrument, reductions: [{ trade, units: D.abs(trade.currentUnits) }], open: D.ZERO };
    }
    const units = order.units!;
    const opposite = acct.openTrades(order.instrument).filter((tr) => D.sign(tr.currentUnits) === -D.sign(units));
    const reduceAll = (limit: Dec): Reduction[] => {
      const out: Reduction[] = [];
      let left = limit;
      for (const trade of opposite) {
        if (left === 0n) break;
        const k = D.min(left, D.abs(trade.currentUnits));
        out.push({ trade, units: k });
        left -= k;
      }
      return out;
    };
    if (order.longPositionCloseout || order.shortPositionCloseout) {
      return { instrument: order.instrument, reductions: reduceAll(D.abs(units)), open: D.ZERO };
    }
    const mode = order.positionFill === 'DEFAULT' || order.positionFill === undefined ? (acct.cfg.hedging ? 'OPEN_ONLY' : 'REDUCE_FIRST') : order.positionFill;
    if (mode === 'OPEN_ONLY') {
      if (!acct.cfg.hedging && opposite.length > 0) return 'FIFO_VIOLATION';
      return { instrument: order.instrument, reductions: [], open: units };
    }
    const reductions = reduceAll(D.abs(units));
    const reduced = reductions.reduce((s, r) => s + r.units, 0n);
    if (mode === 'REDUCE_ONLY') {
      return reductions.length === 0 ? 'POSITION_CLOSEOUT_FAILED' : { instrument: order.instrument, reductions, open: D.ZERO };
    }
    return { instrument: order.instrument, reductions, open: units > 0n ? units - reduced : units + reduced };
  }

  private onFillProblem(order: OrderRec, long: boolean, price: Dec): string | null {
    const tp = order.takeProfitOnFill?.price;
    if (tp !== undefined && (long ? tp <= price : tp >= price)) return 'TAKE_PROFIT_ON_FILL_LOSS';
    const sl = order.stopLossOnFill?.price;
    if (sl !== undefined && (long ? sl >= price : sl <= price)) return 'STOP_LOSS_ON_FILL_LOSS';
    return null;
  }

  private wouldExceedMargin(plan: Plan): boolean {
    const acct = this.account;
    const before = acct.figures();
    const units = acct.openUnitsMap();
    for (const r of plan.reductions) {
      const cur = units.get(r.trade.id)!;
      units.set(r.trade.id, { instrument: cur.instrument, units: cur.units > 0n ? cur.units - r.units : cur.units + r.units });
    }
    if (plan.open !== 0n) units.set('new', { instrument: plan.instrument, units: plan.open });
    const after = acct.marginUsedWith(units);
    return after > before.marginUsed && after > before.NAV;
  }

  private apply(batch: Batch, order: OrderRec, plan: Plan, q: Quote, price: Dec, filled: Dec, fillReason: string): Txn {
    const acct = this.account;
    const instrument = order.instrument;
    const fillId = batch.nextId();
    const f = this.market.factors(instrument);
    const halfSpread = D.divRoundHalfEven(q.ask - q.bid, 2n);
    const spreadCost = (units: Dec): Dec => D.mulRound(D.mul(D.abs(units), halfSpread), f.value, 4);
    const tradesClosed: Record<string, unknown>[] = [];
    let tradeReduced: Record<string, unknown> | undefined;
    let pl = D.ZERO;
    let totalSpread = D.ZERO;
    const closedTrades: TradeRec[] = [];
    const pos = acct.position(instrument);
    for (const r of plan.reductions) {
      const tr = r.trade;
      const long = tr.currentUnits > 0n;
      const signedClosed = long ? r.units : -r.units;
      const realized = this.market.toHome(instrument, D.mul(price - tr.price, signedClosed));
      const cost = spreadCost(r.units);
      totalSpread += cost;
      pl += realized;
      tr.currentUnits -= signedClosed;
      tr.realizedPL += realized;
      tr.closingTransactionIDs.push(fillId);
      tr.closedNotional += D.mul(price, r.units);
      tr.closedUnits += r.units;
      if (long) pos.longPL += realized;
      else pos.shortPL += realized;
      const reduce = {
        tradeID: tr.id,
        units: this.fmtUnits(instrument, -signedClosed),
        price: this.market.fmtPrice(instrument, price),
        realizedPL: D.money(realized),
        financing: '0.0000',
        guaranteedExecutionFee: '0.0000',
        halfSpreadCost: D.money(cost),
      };
      if (tr.currentUnits === 0n) {
        tr.state = 'CLOSED';
        tr.closeTime = batch.time;
        tradesClosed.push(reduce);
        closedTrades.push(tr);
      } else {
        tradeReduced = reduce;
      }
    }
    let tradeOpened: Record<string, unknown> | undefined;
    let opened: TradeRec | undefined;
    if (plan.open !== 0n) {
      const margin = acct.marginFor(instrument, plan.open);
      const cost = spreadCost(plan.open);
      totalSpread += cost;
      opened = {
        id: fillId,
        instrument,
        price,
        openTime: batch.time,
        state: 'OPEN',
        initialUnits: plan.open,
        initialMarginRequired: margin,
        currentUnits: plan.open,
        realizedPL: D.ZERO,
        closingTransactionIDs: [],
        closedNotional: D.ZERO,
        closedUnits: D.ZERO,
        clientExtensions: order.tradeClientExtensions,
      };
      acct.trades.set(fillId, opened);
      tradeOpened = {
        tradeID: fillId,
        units: this.fmtUnits(instrument, plan.open),
        price: this.market.fmtPrice(instrument, price),
        guaranteedExecutionFee: '0.0000',
        ...(order.tradeClientExtensions ? { clientExtensions: extWire(order.tradeClientExtensions) } : {}),
        halfSpreadCost: D.money(cost),
        initialMarginRequired: D.money(margin),
      };
    }
    acct.balance += pl;
    acct.pl += pl;
    acct.lastOrderFillTimestamp = batch.time;
    const fill = batch.add({
      type: 'ORDER_FILL',
      orderID: order.id,
      ...(order.clientExtensions?.id !== undefined ? { clientOrderID: order.clientExtensions.id } : {}),
      instrument,
      units: this.fmtUnits(instrument, filled),
      gainQuoteHomeConversionFactor: D.fmt(f.gain, FACTOR_PLACES),
      lossQuoteHomeConversionFactor: D.fmt(f.loss, FACTOR_PLACES),
      price: this.market.fmtPrice(instrument, price),
      fullVWAP: this.market.fmtPrice(instrument, price),
      fullPrice: {
        type: 'PRICE',
        instrument,
        time: t(q.time),
        bids: [{ price: this.market.fmtPrice(instrument, q.bid), liquidity: 10_000_000 }],
        asks: [{ price: this.market.fmtPrice(instrument, q.ask), liquidity: 10_000_000 }],
        closeoutBid: this.market.fmtPrice(instrument, q.bid),
        closeoutAsk: this.market.fmtPrice(instrument, q.ask),
      },
      reason: fillReason,
      pl: D.money(pl),
      financing: '0.0000',
      commission: '0.0000',
      guaranteedExecutionFee: '0.0000',
      accountBalance: D.money(acct.balance),
      ...(tradeOpened ? { tradeOpened } : {}),
      ...(tradesClosed.length > 0 ? { tradesClosed } : {}),
      ...(tradeReduced ? { tradeReduced } : {}),
      halfSpreadCost: D.money(totalSpread),
    });
    if (fill.id !== fillId) throw new Error('oanda-server: fill id mismatch');
    order.state = 'FILLED';
    order.fillingTransactionID = fill.id;
    order.filledTime = batch.time;
    if (opened) order.tradeOpenedID = opened.id;
    if (tradeReduced) order.tradeReducedID = String(tradeReduced.tradeID);
    if (closedTrades.length > 0) order.tradeClosedIDs = closedTrades.map((tr) => tr.id);
    // Dependent orders of closed trades go with them.
    for (const tr of closedTrades) {
      for (const id of [tr.takeProfitOrderID, tr.stopLossOrderID, tr.trailingStopLossOrderID]) {
        const dep = id !== undefined ? acct.orders.get(id) : undefined;
        if (dep && dep.state === 'PENDING' && dep.id !== order.id) {
          this.cancelLinked(batch, dep);
        }
      }
    }
    if (opened) this.createOnFill(batch, order, opened, fill.id);
    return fill;
  }

  private cancelLinked(batch: Batch, dep: OrderRec): void {
    const txn = batch.add({
      type: 'ORDER_CANCEL',
      orderID: dep.id,
      ...(dep.clientExtensions?.id !== undefined ? { clientOrderID: dep.clientExtensions.id } : {}),
      reason: 'LINKED_TRADE_CLOSED',
    });
    dep.state = 'CANCELLED';
    dep.cancellingTransactionID = txn.id;
    dep.cancelledTime = batch.time;
  }

  private createOnFill(batch: Batch, order: OrderRec, trade: TradeRec, fillId: string): void {
    const common = (d: { timeInForce: OrderRec['timeInForce']; gtdTime?: number; clientExtensions?: OrderRec['clientExtensions'] }) => ({
      instrument: trade.instrument,
      tradeID: trade.id,
      clientTradeID: trade.clientExtensions?.id,
      timeInForce: d.timeInForce,
      gtdTime: d.gtdTime,
      triggerCondition: 'DEFAULT' as const,
      clientExtensions: d.clientExtensions,
      orderFillTransactionID: fillId,
    });
    const tp = order.takeProfitOnFill;
    if (tp) this.create(batch, { ...common(tp), type: 'TAKE_PROFIT', price: tp.price }, 'ON_FILL');
    const sl = order.stopLossOnFill;
    if (sl) {
      const price = sl.price ?? (trade.currentUnits > 0n ? trade.price - sl.distance! : trade.price + sl.distance!);
      this.create(batch, { ...common(sl), type: 'STOP_LOSS', price, distance: sl.distance }, 'ON_FILL');
    }
    const tsl = order.trailingStopLossOnFill;
    if (tsl) this.create(batch, { ...common(tsl), type: 'TRAILING_STOP_LOSS', distance: tsl.distance }, 'ON_FILL');
  }

  private fmtUnits(instrument: string, u: Dec): string {
    return D.fmt(u, this.market.def(instrument)?.tradeUnitsPrecision ?? 0);
  }
}
