/**
 * The `exposure:` and `risk:` sections of the configuration turned into the risk engine's limits and
 * the portfolio guards' settings.
 */
import type { EngineConfig } from '../runtime/config';
import type { GuardLimit, GuardName, GuardSettings } from './portfolio-guards';
import type { AccountRiskLimits } from './risk-engine';

export function riskLimitsFromConfig(c: Pick<EngineConfig, 'exposure' | 'risk'>): AccountRiskLimits {
  const r = c.risk;
  return {
    maxPortfolioExposurePct: c.exposure.max_portfolio_exposure_pct,
    maxOpenPositions: c.exposure.max_open_positions,
    scaleToCap: c.exposure.scale_to_cap,
    maxTradesPerDay: r.max_trades_per_day,
    maxPositionPct: r.max_position_pct,
    maxSectorPct: r.max_sector_pct,
    maxLeverage: r.max_leverage,
    maxTradeRiskPct: r.max_trade_risk_pct,
    minOrderUnits: r.min_order.units,
    minOrderNotional: r.min_order.notional,
    maxOrderUnits: r.max_order.units,
    maxOrderNotional: r.max_order.notional,
    priceSanityPct: r.price_sanity_pct,
    staleBarMs: r.stale_price.bar_minutes === null ? null : r.stale_price.bar_minutes * 60_000,
    staleQuoteMs: r.stale_price.quote_seconds === null ? null : r.stale_price.quote_seconds * 1000,
    maxCorrelation: r.correlation.max,
  };
}

export function guardSettingsFromConfig(c: Pick<EngineConfig, 'risk'>): GuardSettings {
  const g = c.risk.guards;
  const lim = (x: { limit_pct: number | null; action: 'reducing' | 'halted' }): GuardLimit => ({
    limitPct: x.limit_pct,
    action: x.action === 'reducing' ? 'REDUCING' : 'HALTED',
  });
  const limits: Record<GuardName, GuardLimit> = {
    daily_loss: lim(g.daily_loss),
    weekly_loss: lim(g.weekly_loss),
    monthly_loss: lim(g.monthly_loss),
    quarterly_loss: lim(g.quarterly_loss),
    drawdown: lim(g.drawdown),
  };
  return { limits, dailyReset: g.daily_reset, trimOverCap: c.risk.trim_over_cap };
}
