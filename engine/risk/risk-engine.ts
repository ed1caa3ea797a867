/**
 * The pre-trade risk gate. Every order passes `check` before the venue sees it; a denial becomes an
 * OrderDenied event with the stable code returned here. Orders that only reduce exposure pass in every
 * state but RECONCILING; entries pass only while ACTIVE and within every configured limit. Where a
 * cap would be exceeded and `scaleToCap` is on, an entry is resized to the room that is left (when that
 * is at least the minimum order size), instead of being denied.
 *
 * Two exceptions while RECONCILING, both reduce-only (the venue refuses them if they would not reduce):
 * the stop-loss / take-profit children of a bracket entry (with a parent) pass when they reduce the
 * position, because they answer a fill the venue has just reported (a position the venue confirms is
 * never left unprotected); and the kill switch's closes (role FLATTEN), because the kill switch must
 * work whatever the engine is doing (a reconciliation pass during a session must not eat its attempts).
 *
 * Checks of an entry, in order (each off when its limit is null; the first that fails gives the code):
 *   risk.halted / risk.reducing / risk.reconciling   trading state
 *   risk.not_tradeable                               instrument
 *   risk.min_size                                    below the instrument's lot, or min_order units/notional
 *   risk.no_price                                    no price while a price-based check is on
 *   risk.stale_price                                 last price older than the bar / quote limit
 *   risk.price_sanity                                LIMIT / STOP / MIT price too far from the last price
 *   risk.max_size                                    above max_order units / notional
 *   risk.max_trades_per_day                          per strategy, then account-wide
 *   risk.max_open_positions, risk.max_concurrent_trades
 *   risk.correlation                                 returns correlate (direction-adjusted) above the limit
 *                                                    with an open position's
 *   risk.exposure_cap, risk.leverage, risk.position_cap, risk.sector_cap   caps (scaled when allowed)
 *   risk.trade_risk                                  entry-to-stop loss (bracket stop) over % of equity
 *
 * Every cap counts open positions at their marks plus the exposure that working entries will add, at
 * the last prices; working exits do not make room (see `pendingExposure`).
 */
import type { CacheView } from '../core/cache';
import { notional, notionalAt, type Instrument } from '../core/instrument';
import type { Order } from '../core/order';
import type { PortfolioView, PositionView } from '../core/portfolio-view';
import { utcDayStart, type EpochMs } from '../core/time';
import type { MarketHistory } from './market-history';
import type { TradingStateMachine } from './trading-state';

export interface AccountRiskLimits {
  /** Gross exposure cap, % of equity (null = off). */
  maxPortfolioExposurePct: number | null;
  /** Maximum open positions plus working entries, account-wide (null = off). */
  maxOpenPositions: number | null;
  /** Resize entries to the room under a cap instead of denying them. */
  scaleToCap: boolean;
  /** Entries per UTC day, account-wide (null = off). */
  maxTradesPerDay?: number | null;
  /** |Market value| of one symbol (position + working entries), % of equity (`risk.position_cap`). */
  maxPositionPct?: number | null;
  /** |Market value| of one sector, % of equity (`risk.sector_cap`). */
  maxSectorPct?: number | null;
  /** Gross exposure / equity (`risk.leverage`). */
  maxLeverage?: number | null;
  /** Loss from entry to the bracket stop, % of equity (`risk.trade_risk`). */
  maxTradeRiskPct?: number | null;
  /** Smallest order: units and/or account-currency notional (`risk.min_size`). */
  minOrderUnits?: number | null;
  minOrderNotional?: number | null;
  /** Largest order (`risk.max_size`). */
  maxOrderUnits?: number | null;
  maxOrderNotional?: number | null;
  /** LIMIT / STOP / MIT price at most this % from the last price (`risk.price_sanity`). */
  priceSanityPct?: number | null;
  /** Age limits of the last price for entries, ms: a bar's close time, a quote's time (`risk.stale_price`). */
  staleBarMs?: number | null;
  staleQuoteMs?: number | null;
  /** Largest direction-adjusted return correlation with an open position (`risk.correlation`; needs `history`). */
  maxCorrelation?: number | null;
}

export interface StrategyRiskLimits {
  /** Entries per UTC day (null = off). */
  maxTradesPerDay: number | null;
  /** Open positions plus working entries of this strategy (null = off). */
  maxConcurrentTrades: number | null;
}

export type RiskDecision = { ok: true; qty: number } | { ok: false; code: string; reason: string };

export interface RiskEngineDeps {
  cache: CacheView;
  portfolio: PortfolioView;
  state: TradingStateMachine;
  now: () => number;
  /** Account currency per unit of `instrument`'s quote currency (float; for limits, not accounting). */
  quoteToAccount: (instrument: Instrument) => number;
  /** Bar history for the correlation check. */
  history?: MarketHistory;
}

/** One cap's room left, account currency micro-units, and its code. */
interface Room {
  room: number;
  code: string;
  what: string;
}

export class RiskEngine {
  private readonly strategyLimits = new Map<string, StrategyRiskLimits>();
  private readonly entriesToday = new Map<string, number>();
  private entriesTodayTotal = 0;
  private day = Number.NaN;

  constructor(
    private readonly deps: RiskEngineDeps,
    public limits: AccountRiskLimits,
  ) {}

  setStrategyLimits(strategyId: string, limits: StrategyRiskLimits): void {
    this.strategyLimits.set(strategyId, limits);
  }

  /** Whether `order` only reduces the current position of its instrument. */
  isReducing(order: Readonly<Order>): boolean {
    const qty = this.deps.portfolio.positionQty(order.instrumentId);
    if (qty === 0) return false;
    const opposite = order.side === 'BUY' ? qty < 0 : qty > 0;
    return opposite && order.qty <= Math.abs(qty);
  }

  /**
   * `increase`: the order is the added quantity of a working order being grown, not a new trade: the
   * trade-count checks (trades per day, open positions, concurrent trades) do not apply.
   */
  check(order: Readonly<Order>, opts: { increase?: boolean } = {}): RiskDecision {
    const { state, cache } = this.deps;
    // An ENTRY is treated as adding exposure even when it follows an exit (a reversal).
    if (order.role !== 'ENTRY' && this.isReducing(order)) {
      if (!state.allowsReductions() && !isProtection(order)) return deny('risk.reconciling', 'the engine is reconciling with the venue');
      return { ok: true, qty: order.qty };
    }
    if (order.reduceOnly) return deny('risk.reduce_only_would_increase', 'reduce-only order would not reduce a position');
    if (state.state === 'HALTED') return deny('risk.halted', 'trading is halted');
    if (state.state === 'REDUCING') return deny('risk.reducing', 'only risk-reducing orders are allowed');
    if (state.state === 'RECONCILING') return deny('risk.reconciling', 'the engine is reconciling with the venue');
    const inst = cache.instrument(order.instrumentId);
    if (!inst.tradeable) return deny('risk.not_tradeable', `${inst.id} is not tradeable`);
    if (order.qty < inst.minQty) return deny('risk.min_size', `quantity ${order.qty} is below the minimum ${inst.minQty}`);

    const L = this.limits;
    const id = order.instrumentId;
    if (L.minOrderUnits != null && order.qty < L.minOrderUnits) return deny('risk.min_size', `quantity ${order.qty} is below the minimum of ${L.minOrderUnits} units`);

    const needsPrice = this.needsPrice;
    const price = cache.lastPrice(id);
    if (needsPrice && !(price > 0)) return deny('risk.no_price', `no price for ${id}`);
    // An entry whose P&L could not be booked in the account currency never reaches the venue.
    const rate = this.deps.quoteToAccount(inst);
    if (!(rate > 0)) return deny('risk.no_conversion_rate', `no ${inst.quoteCurrency} to account currency rate yet (no price of the conversion instrument)`);
    const stale = this.staleness(id);
    if (stale !== null) return stale;
    if (L.priceSanityPct != null) {
      const px = order.type === 'STOP' ? order.triggerPrice : order.type === 'MARKET' ? null : order.price;
      if (px !== null) {
        const p = px / 10 ** inst.pricePrecision;
        const off = (Math.abs(p - price) / price) * 100;
        if (off > L.priceSanityPct) return deny('risk.price_sanity', `price ${p} is ${off.toFixed(2)}% from the last price ${price} (limit ${L.priceSanityPct}%)`);
      }
    }
    /** Account currency micro-units per quantity unit at the last price. */
    const perUnit = needsPrice ? (Math.abs(notionalAt(inst, price, order.qty)) * rate) / order.qty : 0;
    const MICRO = 1_000_000;
    if (L.minOrderNotional != null && order.qty * perUnit < L.minOrderNotional * MICRO) {
      return deny('risk.min_size', `notional ${fmtMoney(order.qty * perUnit)} is below the minimum ${L.minOrderNotional}`);
    }
    if (L.maxOrderUnits != null && order.qty > L.maxOrderUnits) return deny('risk.max_size', `quantity ${order.qty} is above the maximum of ${L.maxOrderUnits} units`);
    if (L.maxOrderNotional != null && order.qty * perUnit > L.maxOrderNotional * MICRO) {
      return deny('risk.max_size', `notional ${fmtMoney(order.qty * perUnit)} is above the maximum ${L.maxOrderNotional}`);
    }

    this.rollDay();
    const sl = this.strategyLimits.get(order.strategyId);
    if (!opts.increase && sl?.maxTradesPerDay != null && (this.entriesToday.get(order.strategyId) ?? 0) >= sl.maxTradesPerDay) {
      return deny('risk.max_trades_per_day', `${sl.maxTradesPerDay} entries of ${order.strategyId} today already`);
    }
    if (!opts.increase && L.maxTradesPerDay != null && this.entriesTodayTotal >= L.maxTradesPerDay) {
      return deny('risk.max_trades_per_day', `${L.maxTradesPerDay} entries today already, account-wide`);
    }
    const opensNew = !opts.increase && this.deps.portfolio.positionQty(id) === 0;
    if (opensNew && L.maxOpenPositions != null && this.openSlots(null) >= L.maxOpenPositions) {
      return deny('risk.max_open_positions', `${L.maxOpenPositions} positions are open or pending`);
    }
    if (opensNew && sl?.maxConcurrentTrades != null && this.openSlots(order.strategyId) >= sl.maxConcurrentTrades) {
      return deny('risk.max_concurrent_trades', `${sl.maxConcurrentTrades} trades of ${order.strategyId} are open or pending`);
    }
    const needPositions = (L.maxCorrelation != null && this.deps.history !== undefined) || L.maxPositionPct != null || L.maxSectorPct != null;
    const positions = needPositions ? this.deps.portfolio.openPositionsUnordered() : NO_POSITIONS;
    const corr = this.correlated(order, positions);
    if (corr !== null) return corr;

    let qty = order.qty;
    const binding = this.tightestCap(order, inst.sector, positions);
    if (binding !== null && qty * perUnit > binding.room) {
      if (!this.limits.scaleToCap) return deny(binding.code, `${binding.what} would be exceeded`);
      const fit = Math.floor(Math.max(0, binding.room) / perUnit / inst.minQty) * inst.minQty;
      if (fit < this.minimumUnits(inst.minQty, perUnit)) return deny(binding.code, `no room under the ${binding.what}`);
      qty = fit;
    }
    if (L.maxTradeRiskPct != null && order.bracket) {
      const dist = this.stopDistanceTicks(order, inst.pricePrecision, price);
      if (dist !== null) {
        const loss = Math.abs(notional(inst, dist, qty)) * rate;
        const limit = (this.deps.portfolio.equity() * L.maxTradeRiskPct) / 100;
        if (loss > limit) return deny('risk.trade_risk', `risk to the stop ${fmtMoney(loss)} is above ${L.maxTradeRiskPct}% of equity (${fmtMoney(limit)})`);
      }
    }
    return { ok: true, qty };
  }

  /** Whether any check that needs the last price is on. */
  private get needsPrice(): boolean {
    const L = this.limits;
    return (
      L.maxPortfolioExposurePct != null ||
      L.maxPositionPct != null ||
      L.maxSectorPct != null ||
      L.maxLeverage != null ||
      L.maxTradeRiskPct != null ||
      L.minOrderNotional != null ||
      L.maxOrderNotional != null ||
      L.priceSanityPct != null ||
      L.staleBarMs != null ||
      L.staleQuoteMs != null
    );
  }

  /** `risk.stale_price` when the last price is older than its limit (quotes and bars have their own). */
  private staleness(id: string): RiskDecision | null {
    const L = this.limits;
    if (L.staleBarMs == null && L.staleQuoteMs == null) return null;
    const { cache } = this.deps;
    const ts = cache.lastPriceTs(id);
    const q = cache.lastQuote(id);
    const fromQuote = q !== undefined && q.ts === ts;
    const limit = fromQuote ? L.staleQuoteMs : L.staleBarMs;
    if (limit == null) return null;
    const age = this.deps.now() - ts;
    if (!(age <= limit)) return deny('risk.stale_price', `the last ${fromQuote ? 'quote' : 'bar'} price of ${id} is ${Math.round(age / 1000)} s old (limit ${limit / 1000} s)`);
    return null;
  }

  /**
   * `risk.correlation`: the candidate's returns correlate above the limit with those of an open
   * position, adjusted for direction (a short against a correlated long is a hedge, not a
   * concentration: r × direction × direction). Too little common history passes.
   */
  private correlated(order: Readonly<Order>, positions: readonly PositionView[]): RiskDecision | null {
    const max = this.limits.maxCorrelation;
    const h = this.deps.history;
    if (max == null || !h) return null;
    const dir = order.side === 'BUY' ? 1 : -1;
    for (const p of positions) {
      if (p.instrumentId === order.instrumentId) continue;
      const r = h.correlation(order.instrumentId, p.instrumentId);
      const eff = r * dir * (p.qty > 0 ? 1 : -1);
      if (eff > max) return deny('risk.correlation', `returns correlate ${eff.toFixed(3)} with the ${p.instrumentId} position (limit ${max})`);
    }
    return null;
  }

  /** The cap with the least room left for `order`, or null when every cap is off. */
  private tightestCap(order: Readonly<Order>, sector: string, positions: readonly PositionView[]): Room | null {
    const L = this.limits;
    const { portfolio, cache } = this.deps;
    const anySlice = L.maxPositionPct != null || L.maxSectorPct != null;
    if (L.maxPortfolioExposurePct == null && L.maxLeverage == null && !anySlice) return null;
    const equity = portfolio.equity();
    const pending = this.pendingExposure(order.instrumentId, sector);
    const gross = portfolio.grossExposure();
    let best: Room | null = null;
    const consider = (room: number, code: string, what: string) => {
      if (best === null || room < best.room) best = { room, code, what };
    };
    if (L.maxPortfolioExposurePct != null) consider((equity * L.maxPortfolioExposurePct) / 100 - gross - pending.all, 'risk.exposure_cap', `${L.maxPortfolioExposurePct}% exposure cap`);
    if (L.maxLeverage != null) consider(equity * L.maxLeverage - gross - pending.all, 'risk.leverage', `${L.maxLeverage}x leverage cap`);
    if (anySlice) {
      let symbolMv = 0;
      let sectorMv = 0;
      for (const p of positions) {
        const mv = Math.abs(p.marketValue);
        if (p.instrumentId === order.instrumentId) symbolMv = mv;
        if (cache.instrument(p.instrumentId).sector === sector) sectorMv += mv;
      }
      if (L.maxPositionPct != null) consider((equity * L.maxPositionPct) / 100 - symbolMv - pending.symbol, 'risk.position_cap', `${L.maxPositionPct}% cap on ${order.instrumentId}`);
      if (L.maxSectorPct != null) consider((equity * L.maxSectorPct) / 100 - sectorMv - pending.sector, 'risk.sector_cap', `${L.maxSectorPct}% cap on sector ${sector}`);
    }
    return best;
  }

  /** Smallest quantity an entry may be resized to: the lot, and the configured minimum units / notional. */
  private minimumUnits(lot: number, perUnit: number): number {
    const L = this.limits;
    let m = lot;
    if (L.minOrderUnits != null) m = Math.max(m, L.minOrderUnits);
    if (L.minOrderNotional != null && perUnit > 0) m = Math.max(m, Math.ceil((L.minOrderNotional * 1_000_000) / perUnit));
    return m;
  }

  /** Distance from the entry to the bracket's stop, ticks (null without a stop). */
  private stopDistanceTicks(order: Readonly<Order>, pricePrecision: number, lastPrice: number): number | null {
    const b = order.bracket;
    if (!b) return null;
    if (b.stopLossDistance != null) return Math.abs(b.stopLossDistance);
    if (b.stopLoss == null) return null;
    const entry = order.type === 'STOP' ? order.triggerPrice : order.type === 'MARKET' ? null : order.price;
    const ref = entry ?? Math.round(lastPrice * 10 ** pricePrecision);
    return Math.abs(ref - b.stopLoss);
  }

  /** Call when an entry has passed the gate and been sent (counts towards trades per day). */
  recordEntry(strategyId: string): void {
    this.rollDay();
    this.entriesToday.set(strategyId, (this.entriesToday.get(strategyId) ?? 0) + 1);
    this.entriesTodayTotal++;
  }

  /** Restores the entries recorded on UTC day `day` (a restarted engine; ignored when today is another day). */
  restoreEntries(day: EpochMs, byStrategy: ReadonlyMap<string, number>): void {
    this.rollDay();
    if (day !== this.day) return;
    this.entriesToday.clear();
    this.entriesTodayTotal = 0;
    for (const [s, n] of byStrategy) {
      this.entriesToday.set(s, n);
      this.entriesTodayTotal += n;
    }
  }

  /** Entries recorded today (UTC, by the injected clock): account-wide, or of one strategy. */
  tradesToday(strategyId?: string): number {
    this.rollDay();
    return strategyId === undefined ? this.entriesTodayTotal : (this.entriesToday.get(strategyId) ?? 0);
  }

  private rollDay(): void {
    const d = utcDayStart(this.deps.now());
    if (d !== this.day) {
      this.day = d;
      this.entriesToday.clear();
      this.entriesTodayTotal = 0;
    }
  }

  /**
   * Open positions plus working entries on instruments without a position: account-wide, or of one
   * strategy (positions it opened, by `setOwner`).
   */
  private openSlots(strategyId: string | null): number {
    const { portfolio, cache } = this.deps;
    let n = 0;
    if (strategyId === null) n = portfolio.openPositionCount();
    else for (const [inst, owner] of this.owner) if (owner === strategyId && portfolio.positionQty(inst) !== 0) n++;
    let pendingOn: Set<string> | null = null;
    for (const o of cache.openOrders()) {
      if (o.role !== 'ENTRY' || (strategyId !== null && o.strategyId !== strategyId)) continue;
      if (portfolio.positionQty(o.instrumentId) !== 0) continue;
      (pendingOn ??= new Set()).add(o.instrumentId);
    }
    return n + (pendingOn?.size ?? 0);
  }

  private readonly owner = new Map<string, string>();

  /** Remembers which strategy opened the position of an instrument (set by the order manager on entry fills). */
  setOwner(instrumentId: string, strategyId: string): void {
    this.owner.set(instrumentId, strategyId);
  }

  /**
   * Exposure that working entries will add, at the last prices: in all, on `instrumentId`, and on
   * `sector`. Working exits are NOT counted as room: they may fill after a new entry (another
   * instrument's bar can come first), and the cap must hold at every moment, so a reversal's new entry
   * waits for the room the exit makes (or is resized to it).
   */
  private pendingExposure(instrumentId: string, sector: string): { all: number; symbol: number; sector: number } {
    const out = { all: 0, symbol: 0, sector: 0 };
    const { cache } = this.deps;
    for (const o of cache.openOrders()) {
      if (o.role !== 'ENTRY') continue;
      const inst = cache.instrument(o.instrumentId);
      const price = cache.lastPrice(o.instrumentId);
      if (!(price > 0)) continue;
      const x = Math.abs(notionalAt(inst, price, o.qty - o.filledQty)) * this.deps.quoteToAccount(inst);
      out.all += x;
      if (o.instrumentId === instrumentId) out.symbol += x;
      if (inst.sector === sector) out.sector += x;
    }
    return out;
  }
}

const NO_POSITIONS: readonly PositionView[] = [];

function deny(code: string, reason: string): RiskDecision {
  return { ok: false, code, reason };
}

function fmtMoney(micro: number): string {
  return (micro / 1_000_000).toFixed(2);
}

/** A bracket child protecting its entry's position, or a kill-switch close (see the header: allowed while RECONCILING). */
function isProtection(o: Readonly<Order>): boolean {
  if (!o.reduceOnly) return false;
  return ((o.role === 'STOP_LOSS' || o.role === 'TAKE_PROFIT') && o.parentId !== null) || o.role === 'FLATTEN';
}
