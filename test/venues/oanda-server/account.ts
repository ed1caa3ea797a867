/**
 * One v20 account: its orders, trades, positions and balance, the figures the spec derives from them,
 * and their wire forms (v20.json definitions Account, AccountSummary, CalculatedAccountState,
 * Order and subtypes, Trade, TradeSummary, CalculatedTradeState, Position, PositionSide,
 * CalculatedPositionState, UnitsAvailable; API-NOTES.md
 * "Accounts", "Trades", "Positions").
 *
 * Conventions: money in home currency, 4 decimals; a trade's unrealized P/L is (closeout price − open
 * price) × units (closeout = bid for longs, ask for shorts), converted with the gain or loss factor
 * and rounded per trade; positions and the account sum the rounded trade figures. Margin of a trade =
 * |units| × mid × home factor × max(instrument marginRate, account marginRate); a position's margin is
 * the sum of its trades' margins (hedging accounts: the larger side only). NAV = balance + unrealized
 * P/L; marginAvailable = max(0, NAV − marginUsed); marginCloseoutPercent = marginUsed / 2 / NAV.
 * Financing and commission are always zero here.
 */
import * as D from './decimal';
import type { Dec } from './decimal';
import type { Market } from './market';
import type {
  ClientExtensions,
  OnFillDetails,
  OrderRec,
  PositionRec,
  TradeRec,
} from './model';
import { t, type V20Time } from './time';
import type { TransactionLog } from './transactions';

export interface AccountConfig {
  id: string;
  alias: string;
  currency: string;
  hedging: boolean;
  fifo: boolean;
  marginRate: Dec;
  userID: number;
  createdTime: number;
}

export interface AccountFigures {
  unrealizedPL: Dec;
  NAV: Dec;
  marginUsed: Dec;
  marginAvailable: Dec;
  positionValue: Dec;
}

type Wire = Record<string, unknown>;

function defined(o: Wire): Wire {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

export function extWire(ce: ClientExtensions | undefined): Wire | undefined {
  if (!ce) return undefined;
  return defined({ id: ce.id, tag: ce.tag, comment: ce.comment });
}

const tt = (ms: number | undefined): V20Time | undefined => (ms === undefined ? undefined : t(ms));

export class Account {
  readonly orders = new Map<string, OrderRec>();
  readonly trades = new Map<string, TradeRec>();
  readonly positions = new Map<string, PositionRec>();
  balance: Dec = D.ZERO;
  pl: Dec = D.ZERO;
  alias: string;
  marginRate: Dec;
  lastOrderFillTimestamp: number | undefined;

  constructor(
    readonly cfg: AccountConfig,
    readonly market: Market,
    readonly log: TransactionLog,
  ) {
    this.alias = cfg.alias;
    this.marginRate = cfg.marginRate;
  }

  get id(): string {
    return this.cfg.id;
  }

  lastTransactionID(): string {
    return String(this.log.lastId());
  }

  // ---- lookups -----------------------------------------------------------------------------------

  /** "123" or "@clientId" (the most recent order with that client ID). */
  orderBySpecifier(spec: string): OrderRec | undefined {
    if (spec.startsWith('@')) {
      const cid = spec.slice(1);
      let found: OrderRec | undefined;
      for (const o of this.orders.values()) if (o.clientExtensions?.id === cid) found = o;
      return found;
    }
    return /^\d+$/.test(spec) ? this.orders.get(spec) : undefined;
  }

  tradeBySpecifier(spec: string): TradeRec | undefined {
    if (spec.startsWith('@')) {
      const cid = spec.slice(1);
      let found: TradeRec | undefined;
      for (const tr of this.trades.values()) if (tr.clientExtensions?.id === cid) found = tr;
      return found;
    }
    return /^\d+$/.test(spec) ? this.trades.get(spec) : undefined;
  }

  /** Open trades, oldest first, optionally of one instrument. */
  openTrades(instrument?: string): TradeRec[] {
    const out: TradeRec[] = [];
    for (const tr of this.trades.values()) {
      if (tr.state === 'OPEN' && (instrument === undefined || tr.instrument === instrument)) out.push(tr);
    }
    return out.sort((a, b) => Number(a.id) - Number(b.id));
  }

  pendingOrders(): OrderRec[] {
    return [...this.orders.values()].filter((o) => o.state === 'PENDING').sort((a, b) => Number(a.id) - Number(b.id));
  }

  pendingClientIdTaken(cid: string, except?: string): boolean {
    for (const o of this.orders.values()) {
      if (o.state === 'PENDING' && o.id !== except && o.clientExtensions?.id === cid) return true;
    }
    return false;
  }

  openTradeClientIdTaken(cid: string): boolean {
    for (const tr of this.trades.values()) if (tr.state === 'OPEN' && tr.clientExtensions?.id === cid) return true;
    return false;
  }

  position(instrument: string): PositionRec {
    let p = this.positions.get(instrument);
    if (!p) {
      p = { instrument, longPL: D.ZERO, shortPL: D.ZERO };
      this.positions.set(instrument, p);
    }
    return p;
  }

  // ---- accounting --------------------------------------------------------------------------------

  marginRateOf(instrument: string): Dec {
    const def = this.market.def(instrument);
    if (!def) throw new Error(`oanda-server: unknown instrument ${instrument}`);
    return D.max(D.dec(def.marginRate), this.marginRate);
  }

  /** Margin for `units` of `instrument` at the current mid. */
  marginFor(instrument: string, units: Dec): Dec {
    const value = D.mul(D.abs(units), this.market.mid(instrument));
    const f = this.market.factors(instrument).value;
    return D.mulRound(D.mul(value, f), this.marginRateOf(instrument), 4);
  }

  tradeUnrealized(tr: TradeRec): Dec {
    if (tr.state !== 'OPEN') return D.ZERO;
    const q = this.market.quote(tr.instrument);
    const closeout = tr.currentUnits > 0n ? q.bid : q.ask;
    return this.market.toHome(tr.instrument, D.mul(closeout - tr.price, tr.currentUnits));
  }

  tradeMargin(tr: TradeRec): Dec {
    return tr.state === 'OPEN' ? this.marginFor(tr.instrument, tr.currentUnits) : D.ZERO;
  }

  /** Margin used by one instrument, given per-side units (hedging: the larger side). */
  private positionMarginOf(trades: readonly { instrument: string; units: Dec }[]): Dec {
    let long = D.ZERO;
    let short = D.ZERO;
    for (const tr of trades) {
      const m = this.marginFor(tr.instrument, tr.units);
      if (tr.units > 0n) long += m;
      else short += m;
    }
    return this.cfg.hedging ? D.max(long, short) : long + short;
  }

  /** Margin used by the account if its open trades had these units (for pre-fill margin checks). */
  marginUsedWith(units: ReadonlyMap<string, { instrument: string; units: Dec }>): Dec {
    const byInstrument = new Map<string, { instrument: string; units: Dec }[]>();
    for (const x of units.values()) {
      if (x.units === 0n) continue;
      const list = byInstrument.get(x.instrument) ?? [];
      list.push(x);
      byInstrument.set(x.instrument, list);
    }
    let total = D.ZERO;
    for (const list of byInstrument.values()) total += this.positionMarginOf(list);
    return total;
  }

  openUnitsMap(): Map<string, { instrument: string; units: Dec }> {
    const m = new Map<string, { instrument: string; units: Dec }>();
    for (const tr of this.openTrades()) m.set(tr.id, { instrument: tr.instrument, units: tr.currentUnits });
    return m;
  }

  figures(): AccountFigures {
    let unrealizedPL = D.ZERO;
    let positionValue = D.ZERO;
    for (const tr of this.openTrades()) {
      unrealizedPL += this.tradeUnrealized(tr);
      positionValue += this.market.valueInHome(tr.instrument, tr.currentUnits);
    }
    const marginUsed = this.marginUsedWith(this.openUnitsMap());
    const NAV = this.balance + unrealizedPL;
    const marginAvailable = D.max(D.ZERO, NAV - marginUsed);
    return { unrealizedPL, NAV, marginUsed, marginAvailable, positionValue };
  }

  // ---- wire: orders ------------------------------------------------------------------------------

  private units(instrument: string, u: Dec): string {
    const def = this.market.def(instrument);
    return D.fmt(u, def ? def.tradeUnitsPrecision : 0);
  }

  private price(instrument: string, p: Dec | undefined): string | undefined {
    return p === undefined ? undefined : this.market.fmtPrice(instrument, p);
  }

  onFillWire(instrument: string, d: OnFillDetails | undefined, kind: 'TP' | 'SL' | 'TSL'): Wire | undefined {
    if (!d) return undefined;
    return defined({
      price: kind === 'TSL' ? undefined : this.price(instrument, d.price),
      distance: kind === 'TP' || d.distance === undefined ? undefined : this.market.fmtPrice(instrument, d.distance),
      timeInForce: d.timeInForce,
      gtdTime: tt(d.gtdTime),
      clientExtensions: extWire(d.clientExtensions),
      guaranteed: kind === 'SL' ? false : undefined,
    });
  }

  /** The request-shaped part of an order (shared by the order and its create transaction). */
  orderDetailsWire(o: OrderRec): Wire {
    const i = o.instrument;
    const common = {
      clientExtensions: extWire(o.clientExtensions),
      timeInForce: o.timeInForce,
      gtdTime: tt(o.gtdTime),
    };
    switch (o.type) {
      case 'MARKET':
        return defined({
          type: o.type,
          instrument: i,
          units: this.units(i, o.units!),
          ...common,
          priceBound: this.price(i, o.priceBound),
          positionFill: o.positionFill,
          tradeClose: o.tradeClose ? defined({ ...o.tradeClose }) : undefined,
          longPositionCloseout: o.longPositionCloseout,
          shortPositionCloseout: o.shortPositionCloseout,
          takeProfitOnFill: this.onFillWire(i, o.takeProfitOnFill, 'TP'),
          stopLossOnFill: this.onFillWire(i, o.stopLossOnFill, 'SL'),
          trailingStopLossOnFill: this.onFillWire(i, o.trailingStopLossOnFill, 'TSL'),
          tradeClientExtensions: extWire(o.tradeClientExtensions),
        });
      case 'LIMIT':
      case 'STOP':
      case 'MARKET_IF_TOUCHED':
        return defined({
          type: o.type,
          instrument: i,
          units: this.units(i, o.units!),
          price: this.price(i, o.price),
          priceBound: this.price(i, o.priceBound),
          ...common,
          positionFill: o.positionFill,
          triggerCondition: o.triggerCondition,
          initialMarketPrice: this.price(i, o.initialMarketPrice),
          takeProfitOnFill: this.onFillWire(i, o.takeProfitOnFill, 'TP'),
          stopLossOnFill: this.onFillWire(i, o.stopLossOnFill, 'SL'),
          trailingStopLossOnFill: this.onFillWire(i, o.trailingStopLossOnFill, 'TSL'),
          tradeClientExtensions: extWire(o.tradeClientExtensions),
        });
      case 'TAKE_PROFIT':
      case 'STOP_LOSS':
      case 'TRAILING_STOP_LOSS':
        return defined({
          type: o.type,
          tradeID: o.tradeID,
          clientTradeID: o.clientTradeID,
          price: o.type === 'TRAILING_STOP_LOSS' ? undefined : this.price(i, o.price),
          distance: o.distance === undefined || o.type === 'TAKE_PROFIT' ? undefined : this.market.fmtPrice(i, o.distance),
          ...common,
          triggerCondition: o.triggerCondition,
          guaranteed: o.type === 'STOP_LOSS' ? false : undefined,
        });
    }
  }

  orderWire(o: OrderRec): Wire {
    const details = this.orderDetailsWire(o);
    return defined({
      id: o.id,
      createTime: t(o.createTime),
      state: o.state,
      ...details,
      trailingStopValue: o.type === 'TRAILING_STOP_LOSS' ? this.price(o.instrument, o.trailingStopValue) : undefined,
      fillingTransactionID: o.fillingTransactionID,
      filledTime: tt(o.filledTime),
      tradeOpenedID: o.tradeOpenedID,
      tradeReducedID: o.tradeReducedID,
      tradeClosedIDs: o.tradeClosedIDs,
      cancellingTransactionID: o.cancellingTransactionID,
      cancelledTime: tt(o.cancelledTime),
      replacesOrderID: o.replacesOrderID,
      replacedByOrderID: o.replacedByOrderID,
    });
  }

  /** The create transaction body of an order (reason given by the caller). */
  createTxnBody(o: OrderRec, reason: string): Wire & { type: string } {
    const details = this.orderDetailsWire(o);
    // initialMarketPrice belongs to the MarketIfTouchedOrder, not to its create transaction.
    const { initialMarketPrice: _omit, ...fields } = details;
    return defined({
      ...fields,
      type: `${o.type}_ORDER`,
      reason,
      orderFillTransactionID: o.orderFillTransactionID,
      replacesOrderID: o.replacesOrderID,
    }) as Wire & { type: string };
  }

  // ---- wire: trades and positions -----------------------------------------------------------------

  private tradeCommon(tr: TradeRec): Wire {
    const i = tr.instrument;
    const open = tr.state === 'OPEN';
    return defined({
      id: tr.id,
      instrument: i,
      price: this.market.fmtPrice(i, tr.price),
      openTime: t(tr.openTime),
      state: tr.state,
      initialUnits: this.units(i, tr.initialUnits),
      initialMarginRequired: D.money(tr.initialMarginRequired),
      currentUnits: this.units(i, tr.currentUnits),
      realizedPL: D.money(tr.realizedPL),
      unrealizedPL: open ? D.money(this.tradeUnrealized(tr)) : undefined,
      marginUsed: open ? D.money(this.tradeMargin(tr)) : undefined,
      averageClosePrice:
        tr.closedUnits > 0n ? this.market.fmtPrice(i, D.round(D.div(tr.closedNotional, tr.closedUnits), this.pricePlaces(i))) : undefined,
      closingTransactionIDs: tr.closingTransactionIDs.length > 0 ? [...tr.closingTransactionIDs] : undefined,
      financing: '0.0000',
      closeTime: tt(tr.closeTime),
      clientExtensions: extWire(tr.clientExtensions),
    });
  }

  private pricePlaces(instrument: string): number {
    return this.market.def(instrument)?.displayPrecision ?? 5;
  }

  tradeWire(tr: TradeRec): Wire {
    const dep = (id: string | undefined): Wire | undefined => {
      const o = id === undefined ? undefined : this.orders.get(id);
      return o ? this.orderWire(o) : undefined;
    };
    return defined({
      ...this.tradeCommon(tr),
      takeProfitOrder: dep(tr.takeProfitOrderID),
      stopLossOrder: dep(tr.stopLossOrderID),
      trailingStopLossOrder: dep(tr.trailingStopLossOrderID),
    });
  }

  tradeSummaryWire(tr: TradeRec): Wire {
    return defined({
      ...this.tradeCommon(tr),
      takeProfitOrderID: tr.takeProfitOrderID,
      stopLossOrderID: tr.stopLossOrderID,
      trailingStopLossOrderID: tr.trailingStopLossOrderID,
    });
  }

  positionWire(instrument: string): Wire {
    const p = this.positions.get(instrument) ?? { instrument, longPL: D.ZERO, shortPL: D.ZERO };
    const trades = this.openTrades(instrument);
    const side = (long: boolean, realized: Dec): { wire: Wire; unrealized: Dec; margin: Dec } => {
      const mine = trades.filter((tr) => (tr.currentUnits > 0n) === long);
      let units = D.ZERO;
      let notional = D.ZERO;
      let unrealized = D.ZERO;
      let margin = D.ZERO;
      for (const tr of mine) {
        units += tr.currentUnits;
        notional += D.mul(tr.price, D.abs(tr.currentUnits));
        unrealized += this.tradeUnrealized(tr);
        margin += this.tradeMargin(tr);
      }
      const wire = defined({
        units: this.units(instrument, units),
        averagePrice:
          units !== 0n
            ? this.market.fmtPrice(instrument, D.round(D.div(notional, D.abs(units)), this.pricePlaces(instrument)))
            : undefined,
        tradeIDs: mine.length > 0 ? mine.map((tr) => tr.id) : undefined,
        pl: D.money(realized),
        unrealizedPL: D.money(unrealized),
        resettablePL: D.money(realized),
        financing: '0.0000',
        guaranteedExecutionFees: '0.0000',
      });
      return { wire, unrealized, margin };
    };
    const long = side(true, p.longPL);
    const short = side(false, p.shortPL);
    const margin = this.cfg.hedging ? D.max(long.margin, short.margin) : long.margin + short.margin;
    return {
      instrument,
      pl: D.money(p.longPL + p.shortPL),
      unrealizedPL: D.money(long.unrealized + short.unrealized),
      marginUsed: D.money(margin),
      resettablePL: D.money(p.longPL + p.shortPL),
      financing: '0.0000',
      commission: '0.0000',
      guaranteedExecutionFees: '0.0000',
      long: long.wire,
      short: short.wire,
    };
  }

  calculatedPositionState(instrument: string): Wire {
    const w = this.positionWire(instrument) as { long: Wire; short: Wire; unrealizedPL: string; marginUsed: string };
    return {
      instrument,
      netUnrealizedPL: w.unrealizedPL,
      longUnrealizedPL: w.long.unrealizedPL,
      shortUnrealizedPL: w.short.unrealizedPL,
      marginUsed: w.marginUsed,
    };
  }

  openPositionInstruments(): string[] {
    return [...new Set(this.openTrades().map((tr) => tr.instrument))].sort();
  }

  // ---- wire: account ---------------------------------------------------------------------------------

  calculatedStateWire(): Wire {
    const f = this.figures();
    const pct = (num: Dec, den: Dec): string => (den > 0n ? D.fmt(D.div(num, den), 5) : num > 0n ? '1.00000' : '0.00000');
    return {
      unrealizedPL: D.money(f.unrealizedPL),
      NAV: D.money(f.NAV),
      marginUsed: D.money(f.marginUsed),
      marginAvailable: D.money(f.marginAvailable),
      positionValue: D.money(f.positionValue),
      marginCloseoutUnrealizedPL: D.money(f.unrealizedPL),
      marginCloseoutNAV: D.money(f.NAV),
      marginCloseoutMarginUsed: D.money(f.marginUsed),
      marginCloseoutPercent: pct(D.divRoundHalfEven(f.marginUsed, 2n), f.NAV),
      marginCloseoutPositionValue: D.money(f.positionValue),
      withdrawalLimit: D.money(f.marginAvailable),
      marginCallMarginUsed: D.money(f.marginUsed),
      marginCallPercent: pct(f.marginUsed, f.NAV),
    };
  }

  summaryWire(): Wire {
    const openTrades = this.openTrades();
    return defined({
      id: this.cfg.id,
      alias: this.alias,
      currency: this.cfg.currency,
      balance: D.money(this.balance),
      createdByUserID: this.cfg.userID,
      createdTime: t(this.cfg.createdTime),
      guaranteedStopLossOrderMode: 'DISABLED',
      pl: D.money(this.pl),
      resettablePL: D.money(this.pl),
      financing: '0.0000',
      commission: '0.0000',
      guaranteedExecutionFees: '0.0000',
      marginRate: D.fmt(this.marginRate, 4),
      openTradeCount: openTrades.length,
      openPositionCount: this.openPositionInstruments().length,
      pendingOrderCount: this.pendingOrders().length,
      hedgingEnabled: this.cfg.hedging,
      lastOrderFillTimestamp: tt(this.lastOrderFillTimestamp),
      ...this.calculatedStateWire(),
      lastTransactionID: this.lastTransactionID(),
    });
  }

  accountWire(): Wire {
    return {
      ...this.summaryWire(),
      trades: this.openTrades().map((tr) => this.tradeSummaryWire(tr)),
      positions: [...this.positions.keys()].sort().map((i) => this.positionWire(i)),
      orders: this.pendingOrders().map((o) => this.orderWire(o)),
    };
  }

  /** UnitsAvailable for an instrument (GET …/pricing): what margin allows, per positionFill mode. */
  unitsAvailable(instrument: string): Wire {
    const f = this.figures();
    const perMillion = this.marginFor(instrument, D.fromInt(1_000_000));
    const open = perMillion > 0n ? D.truncate(D.div(f.marginAvailable * 1_000_000n, perMillion), 0) : D.ZERO;
    let longUnits = D.ZERO;
    let shortUnits = D.ZERO;
    for (const tr of this.openTrades(instrument)) {
      if (tr.currentUnits > 0n) longUnits += tr.currentUnits;
      else shortUnits -= tr.currentUnits;
    }
    const u = (x: Dec): string => this.units(instrument, x);
    const reduceOnly = { long: u(shortUnits), short: u(longUnits) };
    const reduceFirst = { long: u(shortUnits + open), short: u(longUnits + open) };
    const openOnly = { long: u(open), short: u(open) };
    return {
      default: this.cfg.hedging ? openOnly : reduceFirst,
      reduceFirst,
      reduceOnly,
      openOnly,
    };
  }
}
