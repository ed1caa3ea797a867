import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../engine/node/config/load-config';
import { ROOT } from './golden-cases';

describe('resources/config/engine.example.yaml', () => {
  it('loads and validates as shipped', async () => {
    const { config, strategies } = await loadConfigFile(join(ROOT, 'resources/config/engine.example.yaml'));
    expect(strategies).toHaveLength(1);
    expect(strategies[0]).toMatchObject({
      id: 'ema_cross_momentum',
      params: { short_window: 3, mid_window: 8, long_window: 21, stop_loss_pct: 0.2, take_profit_pct: 0.3 },
      limits: { maxTradesPerDay: 50, maxConcurrentTrades: 10 },
    });
    expect(config.exposure).toEqual({ max_portfolio_exposure_pct: 10, max_open_positions: 5, scale_to_cap: true });
    expect(config.instruments.AAPL?.sector).toBe('Technology');
    expect(config.execution).toEqual({ rate_limit: { orders_per_second: 100, burst: 100 } });
    expect(config.risk).toMatchObject({ max_position_pct: 5, max_sector_pct: 25, max_leverage: 2, price_sanity_pct: 10, trim_over_cap: true });
    expect(config.risk.guards).toMatchObject({ daily_loss: { limit_pct: 3, action: 'halted' }, daily_reset: false, monthly_loss: { limit_pct: 8 }, drawdown: { limit_pct: 15 } });
  });
});
