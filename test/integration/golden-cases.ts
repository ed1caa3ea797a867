/**
 * The golden backtests: bundled data only (resources/sample-data), so they run on a fresh clone.
 */
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backtestFiles } from '../../engine/backtest/report-files';
import { runBacktest, type BacktestResult } from '../../engine/backtest/run-backtest';
import { loadBacktestData } from '../../engine/node/backtest/load-backtest-data';
import { validateConfig } from '../../engine/runtime/config';

export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
export const SAMPLE = join(ROOT, 'resources/sample-data');

export interface GoldenCase {
  name: string;
  data: { path: string; symbols?: string[] };
  config: Record<string, unknown>;
}

export const GOLDEN_CASES: GoldenCase[] = [
  { name: 'ema_cross defaults, all sample symbols, user limits', data: { path: SAMPLE }, config: { strategy: { name: 'ema_cross' } } },
  {
    name: 'ema_cross long/short with 0.5 %/1 % brackets, percent fees, tick slippage, no caps',
    data: { path: SAMPLE, symbols: ['AAPL', 'MSFT', 'XOM'] },
    config: {
      strategy: { name: 'ema_cross', fast: 8, slow: 21, allow_short: true, risk: { stop_loss_pct: 0.5, take_profit_pct: 1 } },
      exposure: { max_portfolio_exposure_pct: null, max_open_positions: null },
      backtest: { fees: { percent: 0.05 }, slippage: { ticks: 1 } },
    },
  },
  {
    name: "the user's ema_cross_momentum config, FX and stocks, percent fees",
    data: { path: SAMPLE },
    config: {
      strategy: {
        name: 'ema_cross_momentum',
        short_window: 3,
        mid_window: 8,
        long_window: 21,
        momentum_confirmations: true,
        risk: { stop_loss_pct: 0.2, take_profit_pct: 0.3 },
        limits: { max_trades_per_day: 50, max_concurrent_trades: 10 },
      },
      exposure: { max_portfolio_exposure_pct: 10, max_open_positions: 5 },
      backtest: { fees: { percent: 0.01 } },
    },
  },
  {
    name: 'ema_cross on real NFLX and TSLA 15-minute bars (MIT), volatility slippage',
    data: { path: join(SAMPLE, 'licensed'), symbols: ['NFLX', 'TSLA'] },
    config: {
      strategy: { name: 'ema_cross', fast: 8, slow: 21 },
      exposure: { max_portfolio_exposure_pct: 50, max_open_positions: 2 },
      // Two 20 % positions on purpose: the 5 % per-symbol and 25 % per-sector defaults (both stocks are in
      // the default sector "Unclassified") would resize them.
      risk: { max_position_pct: null, max_sector_pct: null },
      sizing: { method: 'fixed_fraction', fraction_pct: 20 },
      backtest: { slippage: { range_fraction: 0.1 } },
    },
  },
];

export interface GoldenRun {
  result: BacktestResult;
  files: Record<string, string>;
}

export async function runGolden(c: GoldenCase): Promise<GoldenRun> {
  const { config, strategies } = validateConfig(c.config);
  const data = await loadBacktestData(c.data, config);
  const result = runBacktest({ bars: data.bars, instruments: data.instruments, config, strategies });
  const files = backtestFiles(result, { case: c.name }, Number(config.account.starting_cash));
  return { result, files };
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
