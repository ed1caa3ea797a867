/**
 * Netting portfolio accounting for one account, exact to the micro-unit.
 *
 * - One position per instrument: signed quantity (integer units) and a signed cost basis in the
 *   instrument's QUOTE currency, the sum of the entry notionals (`notional(inst, px, qty)`, computed
 *   by core `notional`) of the quantity still open.
 * - A fill that adds to a position (or opens one) adds its notional to the cost basis. A fill that
 *   reduces it takes the closed part's cost as `round(costBasis * closedQty / |qty|)` (half-even,
 *   exact beyond 2^53 via `mulDivRoundHalfEven`) and leaves the remainder in the position; closing the
 *   whole quantity takes the whole cost basis. Realized P&L (quote currency) = exit notional - closed
 *   cost. A fill that crosses zero (flip) closes the old position and opens the new one with the rest
 *   of the fill; the fill's notional is computed once and split as closing part + the rest, so
 *   whenever a position goes flat the sum of its realized P&L equals EXACTLY
 *   (sum of sell notionals - sum of buy notionals) of its fills, in quote currency.
 * - Realized P&L is converted to the account currency at the fill with the cache's current rate
 *   (like OANDA) and added to cash; the fee (in `feeCurrency`) is converted and subtracted. Slippage
 *   is only counted (it is already inside the fill price).
 * - After a fill the position is re-marked at the fill price; `mark`/`markAll` re-mark at the cache's
 *   last price. Unrealized P&L, gross and net exposure are running sums updated by the difference a
 *   mark makes, so `equity()` is O(1) and a mark is O(1) and allocation-free. Marking a conversion
 *   instrument (USD_JPY for a USD account) also re-marks the open positions quoted in the currency it
 *   converts (EUR_JPY, USD_JPY), so their account-currency values follow the rate.
 * - Every conversion follows `conversion.ts`: a direct instrument, the latest price, integer ticks,
 *   half-even rounding; no rate means `portfolio.no_conversion_rate`, checked before a fill changes
 *   any state (fail closed, never guess).
 *
 * Events: PositionOpened / PositionChanged / PositionClosed with tsEvent = the fill's tsEvent.
 * `realizedPnl` of PositionChanged/PositionClosed is the fill's realized P&L before fees, in account
 * currency; `totalRealizedPnl` of PositionClosed is the round trip's P&L net of all its fees.
 */
import type { CacheView } from '../core/cache';
import { EngineError } from '../core/errors';
import type { EventInput, OrderFilled, PositionChanged, PositionClosed, PositionOpened } from '../core/events';
import { assertSafeInt, pow10 } from '../core/fixed';
import { marginFor, priceToTicks, type Instrument } from '../core/instrument';
import { MONEY_ONE, type Money } from '../core/money';
import type { PortfolioView, PositionView } from '../core/portfolio-view';
import { utcDayStart, type EpochMs } from '../core/time';
import { CurrencyConverter, convertAtTicks, routeRateTicks, type ConversionRoute } from './conversion';
import { EquityCurveBuffer } from './equity-curve';
import { mulDivRoundHalfEven } from '../core/muldiv';
import { notional } from '../core/instrument';
import type { EquityCurve, ExitReason, PositionDetail, TradeRecord } from './types';

export const UNKNOWN_INSTRUMENT = 'portfolio.unknown_instrument';
export const INVALID_FILL = 'portfolio.invalid_fill';

export type PositionEvent = EventInput<PositionOpened | PositionChanged | PositionClosed>;

export interface PortfolioOptions {
  /** Currency of cash, equity and every account-currency figure, e.g. `USD`. */
  accountCurrency: string;
  /** Opening cash balance, account-currency micro-units. */
  startingCash: Money;
  cache: CacheView;
  /** Receives position events (the kernel stamps id and tsInit). */
  emit: (e: PositionEvent) => void;
}

/** Mutable per-instrument state; kept after the position goes flat (qty 0) and reused. */
interface PositionState {
  readonly inst: Instrument;
  readonly id: string;
  readonly quote: string;
  readonly quoteIsAccount: boolean;
  /** Quote -> account route, resolved when the position first opens; null for the account currency. */
  route: ConversionRoute | null;
  /** The currency whose conversion rate this instrument's price gives to open positions, or null. */
  rateFor: string | null;
  qty: number;
  costBasis: Money;
  tsOpened: EpochMs;
  /** Realized P&L before fees of the current round trip, account currency. */
  realized: Money;
  /** Fees of the current round trip, account currency. */
  fees: Money;
  /** Last mark: price ticks, signed notional (quote), unrealized and market value (account). */
  markTicks: number;
  markNotional: Money;
  unrealized: Money;
  marketValue: Money;
  /** Index in `open`, and in its quote currency's list (`openByQuote`), or -1 when flat. */
  openIndex: number;
  quoteIndex: number;
  /** Round-trip ledger accumulators. */
  maxAbsQty: number;
  entryQty: number;
  entryTicksQty: number;
  exitQty: number;
  exitTicksQty: number;
}

const EXIT_TAGS: ReadonlySet<string> = new Set(['signal', 'end_of_data', 'reverse']);

export class Portfolio implements PortfolioView {
  readonly accountCurrency: string;
  private readonly startCash: Money;
  private readonly cache: CacheView;
  private readonly emit: (e: PositionEvent) => void;
  private readonly conv: CurrencyConverter;

  private cashBal: Money;
  private unrealizedSum: Money = 0;
  private grossSum: Money = 0;
  private netSum: Money = 0;
  private feesSum: Money = 0;
  private slippageSum: Money = 0;
  private realizedSum: Money = 0;

  private readonly states = new Map<string, PositionState>();
  /** Open positions, dense (swap-remove on close). */
  private readonly open: PositionState[] = [];
  /** Open positions quoted in a currency other than the account's, by that currency. */
  private readonly openByQuote = new Map<string, PositionState[]>();
  /** Conversion instrument id -> the currency whose rate it gives (for re-marking dependents). */
  private readonly rateDependents = new Map<string, string>();

  private readonly ledger: TradeRecord[] = [];
  private readonly curveBuf = new EquityCurveBuffer();

  private currentDay: EpochMs | null = null;
  private sodEquity: Money;
  private lastEquity: Money;
  private peak: Money;

  constructor(opts: PortfolioOptions) {
    if (!/^[A-Z]{3,5}$/.test(opts.accountCurrency)) {
      throw new EngineError('portfolio.invalid_config', `account currency "${opts.accountCurrency}" must be a 3-5 letter code`);
    }
    if (!Number.isSafeInteger(opts.startingCash)) {
      throw new EngineError('portfolio.invalid_config', `starting cash ${opts.startingCash} must be integer micro-units`);
    }
    this.accountCurrency = opts.accountCurrency;
    this.startCash = opts.startingCash;
    this.cache = opts.cache;
    this.emit = opts.emit;
    this.conv = new CurrencyConverter(opts.cache);
    this.cashBal = opts.startingCash;
    this.sodEquity = opts.startingCash;
    this.lastEquity = opts.startingCash;
    this.peak = opts.startingCash;
  }

  // ---------------------------------------------------------------- fills

  /**
   * Applies one execution. Throws `portfolio.unknown_instrument`, `portfolio.invalid_fill` (qty not a
   * positive integer, non-integer price/fee/slippage, bad side) or `portfolio.no_conversion_rate`;
   * all checks run before any state changes.
   */
  applyFill(fill: EventInput<OrderFilled>): void {
    this.validateFill(fill);
    const st = this.stateFor(fill.instrumentId);
    const inst = st.inst;
    const acc = this.accountCurrency;
    const sign = fill.side === 'BUY' ? 1 : -1;
    const fillQty = fill.lastQty;
    const px = fill.lastPx;
    const fillNotional = notional(inst, px, sign * fillQty);

    const posQty = st.qty;
    const absPos = Math.abs(posQty);
    const closedQty = posQty !== 0 && Math.sign(posQty) !== sign ? Math.min(absPos, fillQty) : 0;
    const openQty = fillQty - closedQty;

    let closedCost = 0;
    let closeNotional = 0;
    let realizedQuote = 0;
    if (closedQty > 0) {
      closedCost = closedQty === absPos ? st.costBasis : mulDivRoundHalfEven(st.costBasis, closedQty, absPos);
      closeNotional = closedQty === fillQty ? fillNotional : notional(inst, px, sign * closedQty);
      // long: sell notional (-closeNotional) - cost; short: |cost| - buy notional. Both: -(close + cost).
      realizedQuote = assertSafeInt(-(closeNotional + closedCost), 'realized P&L');
    }

    // Conversions first: a missing rate throws before anything changes. The realized conversion
    // also proves the quote currency's rate exists for the mark below.
    const realizedAcc = this.conv.convert(realizedQuote, st.quote, acc);
    const feeAcc = this.conv.convert(fill.fee, fill.feeCurrency, acc);
    const slipAcc = this.conv.convert(fill.slippage, st.quote, acc);
    if (!st.quoteIsAccount) this.conv.route(st.quote, acc);

    this.cashBal = assertSafeInt(this.cashBal + realizedAcc - feeAcc, 'cash');
    this.feesSum += feeAcc;
    this.slippageSum += slipAcc;
    this.realizedSum += realizedAcc;

    const closeFee = openQty === 0 ? feeAcc : closedQty === 0 ? 0 : mulDivRoundHalfEven(feeAcc, closedQty, fillQty);
    const openFee = feeAcc - closeFee;

    if (closedQty > 0) {
      st.costBasis -= closedCost;
      st.qty += sign * closedQty;
      st.realized += realizedAcc;
      st.fees += closeFee;
      st.exitQty += closedQty;
      st.exitTicksQty += px * closedQty;
      if (st.qty === 0) {
        const trade = this.closeTrade(st, fill, posQty > 0 ? 'LONG' : 'SHORT');
        this.emit({
          type: 'PositionClosed',
          tsEvent: fill.tsEvent,
          instrumentId: st.id,
          realizedPnl: realizedAcc,
          totalRealizedPnl: trade.pnl,
        });
      } else {
        this.markAt(st, px);
        this.emit({ type: 'PositionChanged', tsEvent: fill.tsEvent, instrumentId: st.id, qty: st.qty, avgPx: avgPx(st), realizedPnl: realizedAcc });
      }
    }

    if (openQty > 0) {
      const wasFlat = st.qty === 0;
      st.costBasis = assertSafeInt(st.costBasis + (fillNotional - closeNotional), 'cost basis');
      st.qty += sign * openQty;
      st.fees += openFee;
      st.entryQty += openQty;
      st.entryTicksQty += px * openQty;
      const abs = Math.abs(st.qty);
      if (abs > st.maxAbsQty) st.maxAbsQty = abs;
      if (wasFlat) {
        st.tsOpened = fill.tsEvent;
        this.addOpen(st);
        this.markAt(st, px);
        this.emit({ type: 'PositionOpened', tsEvent: fill.tsEvent, instrumentId: st.id, qty: st.qty, avgPx: avgPx(st) });
      } else {
        this.markAt(st, px);
        this.emit({ type: 'PositionChanged', tsEvent: fill.tsEvent, instrumentId: st.id, qty: st.qty, avgPx: avgPx(st), realizedPnl: 0 });
      }
    }
  }

  private validateFill(fill: EventInput<OrderFilled>): void {
    if (!this.cache.hasInstrument(fill.instrumentId)) {
      throw new EngineError(UNKNOWN_INSTRUMENT, `fill ${fill.tradeId} for unknown instrument ${fill.instrumentId}`, { instrumentId: fill.instrumentId });
    }
    const bad = (why: string): never => {
      throw new EngineError(INVALID_FILL, `fill ${fill.tradeId} (${fill.instrumentId}): ${why}`, { tradeId: fill.tradeId });
    };
    if (fill.side !== 'BUY' && fill.side !== 'SELL') bad(`side ${String(fill.side)} is not BUY or SELL`);
    if (!Number.isSafeInteger(fill.lastQty) || fill.lastQty <= 0) bad(`lastQty ${fill.lastQty} must be a positive integer`);
    if (!Number.isSafeInteger(fill.lastPx)) bad(`lastPx ${fill.lastPx} must be integer ticks`);
    if (!Number.isSafeInteger(fill.fee)) bad(`fee ${fill.fee} must be integer micro-units`);
    if (!Number.isSafeInteger(fill.slippage)) bad(`slippage ${fill.slippage} must be integer micro-units`);
    if (typeof fill.feeCurrency !== 'string' || fill.feeCurrency === '') bad('feeCurrency is missing');
    if (!Number.isFinite(fill.tsEvent)) bad(`tsEvent ${fill.tsEvent} is not a time`);
  }

  private stateFor(id: string): PositionState {
    let st = this.states.get(id);
    if (st === undefined) {
      const inst = this.cache.instrument(id);
      st = {
        inst,
        id,
        quote: inst.quoteCurrency,
        quoteIsAccount: inst.quoteCurrency === this.accountCurrency,
        route: null,
        rateFor: null,
        qty: 0,
        costBasis: 0,
        tsOpened: 0,
        realized: 0,
        fees: 0,
        markTicks: 0,
        markNotional: 0,
        unrealized: 0,
        marketValue: 0,
        openIndex: -1,
        quoteIndex: -1,
        maxAbsQty: 0,
        entryQty: 0,
        entryTicksQty: 0,
        exitQty: 0,
        exitTicksQty: 0,
      };
      this.states.set(id, st);
    }
    return st;
  }

  private addOpen(st: PositionState): void {
    this.sortedCache = null;
    st.openIndex = this.open.length;
    this.open.push(st);
    if (!st.quoteIsAccount) {
      let list = this.openByQuote.get(st.quote);
      if (!list) {
        list = [];
        this.openByQuote.set(st.quote, list);
      }
      st.quoteIndex = list.length;
      list.push(st);
      const route = this.conv.route(st.quote, this.accountCurrency);
      st.route = route;
      if (route.kind !== 'identity') {
        this.rateDependents.set(route.instrument.id, st.quote);
        this.stateFor(route.instrument.id).rateFor = st.quote;
      }
    }
  }

  private removeOpen(st: PositionState): void {
    this.sortedCache = null;
    swapRemove(this.open, st.openIndex, (moved, i) => (moved.openIndex = i));
    st.openIndex = -1;
    if (!st.quoteIsAccount) {
      const list = this.openByQuote.get(st.quote);
      if (list) swapRemove(list, st.quoteIndex, (moved, i) => (moved.quoteIndex = i));
      st.quoteIndex = -1;
    }
  }

  /** Records the round trip, takes the position's marks out of the running sums and resets it. */
  private closeTrade(st: PositionState, fill: EventInput<OrderFilled>, direction: 'LONG' | 'SHORT'): TradeRecord {
    const scale = pow10(st.inst.pricePrecision);
    const trade: TradeRecord = {
      instrumentId: st.id,
      direction,
      qty: st.maxAbsQty,
      entryTs: st.tsOpened,
      entryPx: st.entryQty > 0 ? st.entryTicksQty / st.entryQty / scale : 0,
      exitTs: fill.tsEvent,
      exitPx: st.exitQty > 0 ? st.exitTicksQty / st.exitQty / scale : 0,
      pnl: st.realized - st.fees,
      grossPnl: st.realized,
      fees: st.fees,
      exitReason: this.exitReason(fill.clientOrderId),
    };
    this.ledger.push(trade);
    this.unrealizedSum -= st.unrealized;
    this.grossSum -= Math.abs(st.marketValue);
    this.netSum -= st.marketValue;
    this.removeOpen(st);
    st.costBasis = 0;
    st.realized = 0;
    st.fees = 0;
    st.markTicks = 0;
    st.markNotional = 0;
    st.unrealized = 0;
    st.marketValue = 0;
    st.maxAbsQty = 0;
    st.entryQty = 0;
    st.entryTicksQty = 0;
    st.exitQty = 0;
    st.exitTicksQty = 0;
    return trade;
  }

  private exitReason(clientOrderId: string): ExitReason {
    const o = this.cache.order(clientOrderId);
    if (!o) return 'signal';
    switch (o.role) {
      case 'STOP_LOSS':
        return 'stop_loss';
      case 'TAKE_PROFIT':
        return 'take_profit';
      case 'FLATTEN':
        return 'flatten';
      case 'EXIT':
        return EXIT_TAGS.has(o.tag) ? (o.tag as ExitReason) : 'signal';
      default:
        return 'signal';
    }
  }

  // ---------------------------------------------------------------- marks

  /**
   * Re-marks the position in `instrumentId` at the cache's last price (kept at its previous mark
   * price when the cache has none), and, when `instrumentId` is the conversion instrument of a
   * currency, every open position quoted in that currency. O(1) + dependents; allocation-free.
   */
  mark(instrumentId: string): void {
    const st = this.states.get(instrumentId);
    if (st !== undefined && st.qty !== 0) this.markAtCache(st);
    const ccy = this.rateDependents.get(instrumentId);
    if (ccy !== undefined) this.markDependents(ccy, st);
  }

  /**
   * A function that marks `instrumentId` at a given price, resolved once so that marking a bar costs no
   * lookup: for the kernel's per-instrument handlers. Same effect as `mark` after the cache took the price.
   */
  markerFor(instrumentId: string): (price: number) => void {
    const st = this.stateFor(instrumentId);
    return (price: number) => {
      if (st.qty !== 0) this.markAt(st, Number.isFinite(price) ? priceToTicks(st.inst, price) : st.markTicks);
      if (st.rateFor !== null) this.markDependents(st.rateFor, st);
    };
  }

  private markDependents(ccy: string, except: PositionState | undefined): void {
    const list = this.openByQuote.get(ccy);
    if (list === undefined) return;
    for (let i = 0; i < list.length; i++) {
      const p = list[i]!;
      if (p !== except) this.markAtCache(p);
    }
  }

  /** Re-marks every open position at the cache's last prices. O(open positions). */
  markAll(): void {
    const open = this.open;
    for (let i = 0; i < open.length; i++) this.markAtCache(open[i]!);
  }

  private markAtCache(st: PositionState): void {
    const price = this.cache.lastPrice(st.id);
    this.markAt(st, Number.isFinite(price) ? priceToTicks(st.inst, price) : st.markTicks);
  }

  private markAt(st: PositionState, ticks: number): void {
    const n = notional(st.inst, ticks, st.qty);
    const uq = n - st.costBasis;
    let u: Money;
    let mv: Money;
    const route = st.route;
    if (route === null) {
      u = uq;
      mv = n;
    } else {
      // one rate read for both conversions
      const rate = routeRateTicks(this.cache, route, st.quote, this.accountCurrency);
      u = convertAtTicks(route, rate, uq);
      mv = convertAtTicks(route, rate, n);
    }
    this.unrealizedSum += u - st.unrealized;
    this.grossSum += Math.abs(mv) - Math.abs(st.marketValue);
    this.netSum += mv - st.marketValue;
    st.markTicks = ticks;
    st.markNotional = n;
    st.unrealized = u;
    st.marketValue = mv;
  }

  // ---------------------------------------------------------------- views

  cash(): Money {
    return this.cashBal;
  }

  /** Cash + unrealized P&L at the last marks. O(1). */
  equity(): Money {
    return this.cashBal + this.unrealizedSum;
  }

  /** Sum of unrealized P&L at the last marks, account currency. */
  unrealizedPnl(): Money {
    return this.unrealizedSum;
  }

  /** Sum of realized P&L before fees over all fills, account currency. */
  realizedPnl(): Money {
    return this.realizedSum;
  }

  startingCash(): Money {
    return this.startCash;
  }

  position(instrumentId: string): PositionView | undefined {
    const st = this.states.get(instrumentId);
    return st !== undefined && st.qty !== 0 ? toView(st) : undefined;
  }

  positionQty(instrumentId: string): number {
    return this.states.get(instrumentId)?.qty ?? 0;
  }

  openPositionsUnordered(): readonly PositionView[] {
    return this.open.map(toView);
  }

  /** Open positions ordered by instrument id. */
  openPositions(): readonly PositionView[] {
    return this.sortedOpen().map(toView);
  }

  positionDetail(instrumentId: string): PositionDetail | undefined {
    const st = this.states.get(instrumentId);
    if (st === undefined || st.qty === 0) return undefined;
    return {
      instrumentId: st.id,
      qty: st.qty,
      costBasis: st.costBasis,
      quoteCurrency: st.quote,
      avgPx: avgPx(st),
      tsOpened: st.tsOpened,
      realizedPnl: st.realized,
      fees: st.fees,
      unrealizedPnl: st.unrealized,
      marketValue: st.marketValue,
      markNotional: st.markNotional,
    };
  }

  openPositionCount(): number {
    return this.open.length;
  }

  /** Sum of |market value| of open positions at the last marks, account currency. O(1). */
  grossExposure(): Money {
    return this.grossSum;
  }

  /** Sum of signed market values (long - short) at the last marks, account currency. O(1). */
  netExposure(): Money {
    return this.netSum;
  }

  /** |Market value| per instrument with an open position, account currency. */
  exposureBySymbol(): Map<string, Money> {
    const out = new Map<string, Money>();
    for (const st of this.sortedOpen()) out.set(st.id, Math.abs(st.marketValue));
    return out;
  }

  /** Sum of |market value| per instrument sector, account currency. */
  exposureBySector(): Map<string, Money> {
    const out = new Map<string, Money>();
    for (const st of this.sortedOpen()) out.set(st.inst.sector, (out.get(st.inst.sector) ?? 0) + Math.abs(st.marketValue));
    return out;
  }

  /**
   * Margin of open positions: per position `marginFor(inst, notional at the last mark)` in quote
   * currency, converted to the account currency at the current rate, summed.
   */
  marginUsed(): Money {
    let sum = 0;
    const open = this.open;
    for (let i = 0; i < open.length; i++) {
      const st = open[i]!;
      sum += this.conv.convert(marginFor(st.inst, st.markNotional), st.quote, this.accountCurrency);
    }
    return sum;
  }

  /**
   * Gross exposure / equity. 0 with no exposure; +Infinity when there is exposure and equity <= 0
   * (so any leverage cap trips).
   */
  leverage(): number {
    const g = this.grossSum;
    if (g === 0) return 0;
    const eq = this.equity();
    return eq > 0 ? g / eq : Number.POSITIVE_INFINITY;
  }

  /** Equity at the end of the previous UTC day (see `onTime`); starting cash during the first day. */
  startOfDayEquity(): Money {
    return this.sodEquity;
  }

  /** Highest equity seen by `onTime` (starting cash before the first call). */
  peakEquity(): Money {
    return this.peak;
  }

  /**
   * Called by the kernel once per timestamp, after that timestamp's fills and marks. When `ts` falls
   * on a later UTC day than the previous call, start-of-day equity becomes the equity recorded by the
   * previous call (the last equity of the previous day, before any mark of the new day is counted
   * here); then the current equity is recorded and the peak updated. Before the first new day,
   * start-of-day equity is the starting cash. O(1).
   */
  onTime(ts: EpochMs): void {
    const day = utcDayStart(ts);
    if (this.currentDay === null) this.currentDay = day;
    else if (day > this.currentDay) {
      this.sodEquity = this.lastEquity;
      this.currentDay = day;
    }
    const eq = this.equity();
    this.lastEquity = eq;
    if (eq > this.peak) this.peak = eq;
  }

  /**
   * Restores start-of-day equity, the last equity and the peak from earlier equity samples (a
   * restarted engine; the samples of its journal, in time order), as if `onTime` had seen them.
   */
  restoreBaselines(samples: readonly { ts: EpochMs; equity: Money }[]): void {
    for (const s of samples) {
      const day = utcDayStart(s.ts);
      if (this.currentDay === null) this.currentDay = day;
      else if (day > this.currentDay) {
        this.sodEquity = this.lastEquity;
        this.currentDay = day;
      }
      this.lastEquity = s.equity;
      if (s.equity > this.peak) this.peak = s.equity;
    }
  }

  /**
   * Appends {ts, equity, cash, grossExposure, openPositions} to the equity curve (typed arrays,
   * amortised O(1), no allocation per sample). Same ts as the last sample replaces it.
   */
  sampleEquity(ts: EpochMs): void {
    this.curveBuf.append(ts, this.equity(), this.cashBal, this.grossSum, this.open.length);
  }

  equityCurve(): EquityCurve {
    return this.curveBuf.curve();
  }

  /** Closed round trips in the order they closed. */
  trades(): readonly TradeRecord[] {
    return this.ledger;
  }

  /** Fees paid, account currency (each converted at its fill). */
  totalFees(): Money {
    return this.feesSum;
  }

  /** Slippage cost of all fills, account currency (each converted at its fill). */
  totalSlippage(): Money {
    return this.slippageSum;
  }

  /** The converter this portfolio uses (same routes and rates), for sizing and reports. */
  converter(): CurrencyConverter {
    return this.conv;
  }

  /** Open positions ordered by id; the order is kept until a position opens or closes. */
  private sortedCache: PositionState[] | null = null;

  private sortedOpen(): PositionState[] {
    if (this.sortedCache === null) this.sortedCache = [...this.open].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return this.sortedCache;
  }
}

/** Average entry price of the open quantity in price units (float). */
function avgPx(st: PositionState): number {
  if (st.qty === 0) return 0;
  const inst = st.inst;
  return ((st.costBasis / st.qty) * pow10(inst.unitPrecision)) / (inst.contractSize * MONEY_ONE);
}

function toView(st: PositionState): PositionView {
  return {
    instrumentId: st.id,
    qty: st.qty,
    avgPx: avgPx(st),
    tsOpened: st.tsOpened,
    unrealizedPnl: st.unrealized,
    marketValue: st.marketValue,
  };
}

function swapRemove<T>(list: T[], index: number, reindex: (moved: T, i: number) => void): void {
  const last = list.pop();
  if (last === undefined || index === list.length) return;
  list[index] = last;
  reindex(last, index);
}
