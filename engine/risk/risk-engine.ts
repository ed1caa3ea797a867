/**
 * The pre-trade risk gate. Every order passes `check` before the venue sees it; a denial becomes an
 * OrderDenied event with the stable code returned here. Orders that only reduce exposure pass in every
 * state but RECONCILING; entries pass only while ACTIVE and within every configured limit. Where a
 * cap would be exceeded and `scaleToCap` is on, an entry is resized to the room that is left (when that
 * is at least the instrument's minimum), instead of being denied.
 */
import type { CacheView } from '../core/cache';
import { notionalAt, type Instrument } from '../core/instrument';
import type { Order } from '../core/order';
import type { PortfolioView } from '../core/portfolio-view';
import { utcDayStart } from '../core/time';
import type { TradingStateMachine } from './trading-state';

export interface AccountRiskLimits {
  /** Gross exposure cap, % of equity (null = off). */
  maxPortfolioExposurePct: number | null;
  /** Maximum open positions plus working entries, account-wide (null = off). */
  maxOpenPositions: number | null;
  /** Resize entries to the room under a cap instead of denying them. */
  scaleToCap: boolean;
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
}

export class RiskEngine {
  private readonly strategyLimits = new Map<string, StrategyRiskLimits>();
  private readonly entriesToday = new Map<string, number>();
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
      if (!state.allowsReductions()) return deny('risk.reconciling', 'the engine is reconciling with the venue');
      return { ok: true, qty: order.qty };
    }
    if (order.reduceOnly) return deny('risk.reduce_only_would_increase', 'reduce-only order would not reduce a position');
    if (state.state === 'HALTED') return deny('risk.halted', 'trading is halted');
    if (state.state === 'REDUCING') return deny('risk.reducing', 'only risk-reducing orders are allowed');
    if (state.state === 'RECONCILING') return deny('risk.reconciling', 'the engine is reconciling with the venue');
    const inst = cache.instrument(order.instrumentId);
    if (!inst.tradeable) return deny('risk.not_tradeable', `${inst.id} is not tradeable`);
    if (order.qty < inst.minQty) return deny('risk.min_size', `quantity ${order.qty} is below the minimum ${inst.minQty}`);

    this.rollDay();
    const sl = this.strategyLimits.get(order.strategyId);
    if (!opts.increase && sl?.maxTradesPerDay != null && (this.entriesToday.get(order.strategyId) ?? 0) >= sl.maxTradesPerDay) {
      return deny('risk.max_trades_per_day', `${sl.maxTradesPerDay} entries today already`);
    }
    const opensNew = !opts.increase && this.deps.portfolio.positionQty(order.instrumentId) === 0;
    if (opensNew && this.limits.maxOpenPositions != null && this.openSlots(null) >= this.limits.maxOpenPositions) {
      return deny('risk.max_open_positions', `${this.limits.maxOpenPositions} positions are open or pending`);
    }
    if (opensNew && sl?.maxConcurrentTrades != null && this.openSlots(order.strategyId) >= sl.maxConcurrentTrades) {
      return deny('risk.max_concurrent_trades', `${sl.maxConcurrentTrades} trades of ${order.strategyId} are open or pending`);
    }

    let qty = order.qty;
    const capPct = this.limits.maxPortfolioExposurePct;
    if (capPct != null) {
      const price = cache.lastPrice(order.instrumentId);
      if (!(price > 0)) return deny('risk.no_price', `no price for ${order.instrumentId}`);
      const rate = this.deps.quoteToAccount(inst);
      const equity = this.deps.portfolio.equity();
      const cap = (equity * capPct) / 100;
      const pending = this.pendingExposure();
      const room = cap - this.deps.portfolio.grossExposure() - pending;
      const want = Math.abs(notionalAt(inst, price, qty)) * rate;
      if (want > room) {
        if (!this.limits.scaleToCap) return deny('risk.exposure_cap', `exposure would exceed ${capPct}% of equity`);
        const perUnit = want / qty;
        const fit = Math.floor(Math.max(0, room) / perUnit / inst.minQty) * inst.minQty;
        if (fit < inst.minQty) return deny('risk.exposure_cap', `no room under the ${capPct}% exposure cap`);
        qty = fit;
      }
    }
    return { ok: true, qty };
  }

  /** Call when an entry has passed the gate and been sent (counts towards trades per day). */
  recordEntry(strategyId: string): void {
    this.rollDay();
    this.entriesToday.set(strategyId, (this.entriesToday.get(strategyId) ?? 0) + 1);
  }

  private rollDay(): void {
    const d = utcDayStart(this.deps.now());
    if (d !== this.day) {
      this.day = d;
      this.entriesToday.clear();
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

  private ownedBy(instrumentId: string, strategyId: string): boolean {
    return this.owner.get(instrumentId) === strategyId;
  }

  /**
   * Exposure that working entries will add, at the last prices. Working exits are NOT counted as room:
   * they may fill after a new entry (another instrument's bar can come first), and the cap must hold at
   * every moment, so a reversal's new entry waits for the room the exit makes (or is resized to it).
   */
  private pendingExposure(): number {
    let sum = 0;
    for (const o of this.deps.cache.openOrders()) {
      const sign = o.role === 'ENTRY' ? 1 : 0;
      if (sign === 0) continue;
      const inst = this.deps.cache.instrument(o.instrumentId);
      const price = this.deps.cache.lastPrice(o.instrumentId);
      if (price > 0) sum += sign * Math.abs(notionalAt(inst, price, o.qty - o.filledQty)) * this.deps.quoteToAccount(inst);
    }
    return sum;
  }
}

function deny(code: string, reason: string): RiskDecision {
  return { ok: false, code, reason };
}
