/**
 * Portfolio guards, run on every equity update (after each timestamp, `TradingEngine.endOfTimestamp`):
 *
 *  - loss limits per UTC calendar period: day, week (starting Monday), month, quarter; the loss is
 *    measured from the equity at the end of the previous period (the first period: from the equity the
 *    guards started with);
 *  - drawdown from the peak equity seen.
 *
 * A guard at or over its limit trips once: a RiskLimitBreached alert, then the engine moves to the
 * guard's action state (REDUCING or HALTED; never to a milder state than it is in) with source
 * `risk.<guard>`. A tripped guard stays tripped until a person re-arms it (`rearm`); the one
 * exception is the daily guard with `dailyReset`: at the next UTC day it re-arms and, when the engine
 * is still in the state that guard put it in (no other guard tripped, nobody else set the state since),
 * returns the engine to ACTIVE.
 *
 * Trimming: while the engine is REDUCING and `trimOverCap` is on, every open position that price moves
 * pushed over a cap (symbol, sector, gross exposure, leverage) gets a reduce-only market EXIT
 * (tag `trim`) for the excess, sent through the order manager like any other order. One trim at a
 * time per instrument: none is sent while an exit is working on it.
 */
import type { CacheView } from '../core/cache';
import type { EventInput, RiskLimitBreached } from '../core/events';
import type { OrderRequest } from '../core/order';
import type { PortfolioView } from '../core/portfolio-view';
import { DAY_MS, utcDayStart, type EpochMs } from '../core/time';
import type { AccountRiskLimits } from './risk-engine';
import type { TradingStateMachine } from './trading-state';

export type GuardName = 'daily_loss' | 'weekly_loss' | 'monthly_loss' | 'quarterly_loss' | 'drawdown';
export const GUARDS: readonly GuardName[] = ['daily_loss', 'weekly_loss', 'monthly_loss', 'quarterly_loss', 'drawdown'];

export interface GuardLimit {
  /** Loss that trips the guard, % (null = off). */
  limitPct: number | null;
  action: 'REDUCING' | 'HALTED';
}

export interface GuardSettings {
  limits: Record<GuardName, GuardLimit>;
  /** The daily guard re-arms itself at the next UTC day (default false: a person re-arms). */
  dailyReset: boolean;
  /** Trim positions over a cap while REDUCING. */
  trimOverCap: boolean;
}

export interface PortfolioGuardsDeps {
  portfolio: PortfolioView;
  cache: CacheView;
  state: TradingStateMachine;
  emit: (e: EventInput<RiskLimitBreached>) => void;
  /** The caps trimming enforces (the risk engine's live limits object). */
  caps: () => Readonly<AccountRiskLimits>;
  /** Sends one trim order through the order manager. */
  submit: (req: OrderRequest) => void;
  now: () => number;
}

type Period = 'day' | 'week' | 'month' | 'quarter';
const PERIOD_OF: Record<Exclude<GuardName, 'drawdown'>, Period> = { daily_loss: 'day', weekly_loss: 'week', monthly_loss: 'month', quarterly_loss: 'quarter' };

/** Start of the UTC period that contains `ts`. Weeks start on Monday 00:00 UTC. */
export function periodStart(period: Period, ts: EpochMs): EpochMs {
  const day = utcDayStart(ts);
  if (period === 'day') return day;
  if (period === 'week') return day - ((new Date(day).getUTCDay() + 6) % 7) * DAY_MS;
  const d = new Date(day);
  const month = period === 'month' ? d.getUTCMonth() : d.getUTCMonth() - (d.getUTCMonth() % 3);
  return Date.UTC(d.getUTCFullYear(), month, 1);
}

const SEVERITY = { ACTIVE: 0, REDUCING: 1, HALTED: 2, RECONCILING: 3 } as const;

export class PortfolioGuards {
  private readonly start: Record<Period, { key: number; equity: number }>;
  private lastEquity: number;
  private peak: number;
  private readonly tripped = new Set<GuardName>();
  /** The state the daily guard set, for `dailyReset`. */
  private dailySet: 'REDUCING' | 'HALTED' | null = null;

  constructor(
    private readonly deps: PortfolioGuardsDeps,
    public settings: GuardSettings,
  ) {
    const eq = deps.portfolio.equity();
    this.lastEquity = eq;
    this.peak = eq;
    const none = { key: Number.NaN, equity: eq };
    this.start = { day: { ...none }, week: { ...none }, month: { ...none }, quarter: { ...none } };
  }

  /** Guards that have tripped and not been re-armed. */
  trippedGuards(): GuardName[] {
    return GUARDS.filter((g) => this.tripped.has(g));
  }

  /** Equity the loss of `period` is measured from. */
  periodStartEquity(period: Period): number {
    return this.start[period].equity;
  }

  /** A person re-arms one guard or all; the trading state is theirs to set. */
  rearm(guard?: GuardName): void {
    if (guard === undefined) this.tripped.clear();
    else this.tripped.delete(guard);
    if (!this.tripped.has('daily_loss')) this.dailySet = null;
  }

  /**
   * Restores the period baselines and the peak from earlier equity samples (a restarted engine; in
   * time order), as if `update` had seen them, and the guards that were tripped. No event, no state change.
   */
  restoreBaselines(samples: readonly { ts: EpochMs; equity: number }[], tripped: readonly string[]): void {
    this.restoring = true;
    try {
      for (const s of samples) {
        this.roll(s.ts);
        if (s.equity > this.peak) this.peak = s.equity;
        this.lastEquity = s.equity;
      }
    } finally {
      this.restoring = false;
    }
    for (const g of tripped) if ((GUARDS as readonly string[]).includes(g)) this.tripped.add(g as GuardName);
    if (this.tripped.has('daily_loss')) this.dailySet = this.settings.limits.daily_loss.action;
  }

  private restoring = false;

  /** Call after every timestamp's fills and marks. */
  update(ts: EpochMs): void {
    const { portfolio } = this.deps;
    const eq = portfolio.equity();
    this.roll(ts);
    if (eq > this.peak) this.peak = eq;
    const lim = this.settings.limits;
    for (const g of GUARDS) {
      const l = lim[g];
      if (l.limitPct === null || this.tripped.has(g)) continue;
      const base = g === 'drawdown' ? this.peak : this.start[PERIOD_OF[g]].equity;
      // An account whose period started at or below zero equity has lost everything there was: trip.
      if (!(base > 0)) {
        this.trip(g, l, 100);
        continue;
      }
      // exact comparison on micro-units: (base - eq) / base >= limit %
      if ((base - eq) * 100 >= l.limitPct * base) this.trip(g, l, ((base - eq) * 100) / base);
    }
    this.lastEquity = eq;
    if (this.settings.trimOverCap && this.deps.state.state === 'REDUCING') this.trim();
  }

  private rolledDay = Number.NaN;

  private roll(ts: EpochMs): void {
    // Weeks, months and quarters only change when the day does: nothing to do within a day.
    const day = utcDayStart(ts);
    if (day === this.rolledDay) return;
    this.rolledDay = day;
    for (const p of ['day', 'week', 'month', 'quarter'] as const) {
      const key = periodStart(p, ts);
      const s = this.start[p];
      if (key === s.key) continue;
      const first = Number.isNaN(s.key);
      s.key = key;
      // the equity at the end of the previous period (the last update before this one)
      s.equity = this.lastEquity;
      if (!first && p === 'day' && !this.restoring) this.newDay();
    }
  }

  private newDay(): void {
    if (!this.settings.dailyReset || !this.tripped.has('daily_loss')) return;
    this.tripped.delete('daily_loss');
    const st = this.deps.state;
    const was = this.dailySet;
    this.dailySet = null;
    if (this.tripped.size === 0 && was !== null && st.state === was && st.source === 'risk.daily_loss') {
      st.set('ACTIVE', 'daily loss limit reset at the new UTC day', 'risk.daily_loss');
    }
  }

  private trip(g: GuardName, l: GuardLimit, value: number): void {
    this.tripped.add(g);
    const { state } = this.deps;
    this.deps.emit({ type: 'RiskLimitBreached', tsEvent: this.deps.now(), guard: g, limit: l.limitPct!, value, action: l.action });
    const cur = state.state;
    if (cur === 'RECONCILING' || SEVERITY[cur] > SEVERITY[l.action]) return;
    const what = g === 'drawdown' ? 'drawdown from the peak' : `${PERIOD_OF[g as Exclude<GuardName, 'drawdown'>]} loss`;
    state.set(l.action, `${what} ${value.toFixed(2)}% reached the ${l.limitPct}% limit`, `risk.${g}`);
    if (g === 'daily_loss') this.dailySet = l.action;
  }

  /** Sends reduce-only exits for what is over a cap (see the file comment). */
  private trim(): void {
    const { portfolio, cache } = this.deps;
    const caps = this.deps.caps();
    const positions = portfolio.openPositions();
    if (positions.length === 0) return;
    const eq = portfolio.equity();
    let gross = 0;
    const bySector = new Map<string, number>();
    for (const p of positions) {
      const mv = Math.abs(p.marketValue);
      gross += mv;
      const sec = cache.instrument(p.instrumentId).sector;
      bySector.set(sec, (bySector.get(sec) ?? 0) + mv);
    }
    const over = (limit: number | null | undefined, used: number, scale: number) => (limit == null ? 0 : Math.max(0, used - (eq * limit) / scale));
    const grossOver = Math.max(over(caps.maxPortfolioExposurePct, gross, 100), over(caps.maxLeverage, gross, 1));
    for (const p of positions) {
      const mv = Math.abs(p.marketValue);
      if (mv === 0) continue;
      const inst = cache.instrument(p.instrumentId);
      const sector = bySector.get(inst.sector)!;
      const need = Math.max(over(caps.maxPositionPct, mv, 100), (over(caps.maxSectorPct, sector, 100) * mv) / sector, (grossOver * mv) / gross);
      if (need <= 0) continue;
      if (cache.openOrders(p.instrumentId).some((o) => (o.role === 'EXIT' || o.role === 'FLATTEN') && o.status !== 'PENDING_CANCEL')) continue;
      const held = Math.abs(p.qty);
      const perUnit = mv / held;
      const units = Math.min(held, Math.ceil(need / perUnit / inst.minQty - 1e-9) * inst.minQty);
      if (units <= 0) continue;
      this.deps.submit({ instrumentId: p.instrumentId, side: p.qty > 0 ? 'SELL' : 'BUY', qty: units, type: 'MARKET', role: 'EXIT', reduceOnly: true, tag: 'trim' });
    }
  }
}
