/**
 * Backtest benchmark scenarios (engine configurations) and the hand-fused baseline loop.
 */
import type { Bar } from '../../engine/core/bar';

/** Every account-wide cap and guard off, so that every signal trades (the per-order checks still run). */
const NO_CAPS = {
  max_trades_per_day: null,
  max_position_pct: null,
  max_sector_pct: null,
  max_leverage: null,
  guards: {
    daily_loss: { limit_pct: null },
    weekly_loss: { limit_pct: null },
    monthly_loss: { limit_pct: null },
    quarterly_loss: { limit_pct: null },
    drawdown: { limit_pct: null },
  },
};

export const SCENARIOS: Record<string, unknown> = {
  /** EMA 8/21, every signal trades (no caps): the reference scenario of ../shared/reference/indicators.md. */
  ema_cross: {
    strategy: { name: 'ema_cross', fast: 8, slow: 21 },
    exposure: { max_portfolio_exposure_pct: null, max_open_positions: null },
    risk: NO_CAPS,
    sizing: { method: 'fixed_fraction', fraction_pct: 1 },
  },
  /** EMA 8/21 under the user's account limits (every default: 10 % exposure, 5 positions, 50 trades a day, guards): most entries are denied. */
  ema_cross_user_limits: {
    strategy: { name: 'ema_cross', fast: 8, slow: 21 },
  },
  /** The user's 3/8/21 momentum system with 0.2 % / 0.3 % brackets, 0.05 % fees and 1 tick slippage, no caps. */
  ema_cross_momentum: {
    strategy: { name: 'ema_cross_momentum', short_window: 3, mid_window: 8, long_window: 21, momentum_confirmations: true, risk: { stop_loss_pct: 0.2, take_profit_pct: 0.3 } },
    exposure: { max_portfolio_exposure_pct: null, max_open_positions: null },
    risk: NO_CAPS,
    sizing: { method: 'fixed_fraction', fraction_pct: 1 },
    backtest: { fees: { percent: 0.05 }, slippage: { ticks: 1 } },
  },
};

/**
 * The floor: an EMA 8/21 crossover fused into one loop over the merged bars (no engine, no events,
 * no orders; entries and exits at the next bar's open, P&L summed as floats). Returns the trade count.
 */
export function handLoop(bars: readonly Bar[], symbols: readonly string[]): number {
  const idx = new Map(symbols.map((s, i) => [s, i]));
  const n = symbols.length;
  const a8 = 2 / 9;
  const a21 = 2 / 22;
  const fast = new Float64Array(n);
  const slow = new Float64Array(n);
  const sum8 = new Float64Array(n);
  const sum21 = new Float64Array(n);
  const count = new Int32Array(n);
  const prevD = new Float64Array(n).fill(NaN);
  const pos = new Int8Array(n);
  const pending = new Int8Array(n);
  const entry = new Float64Array(n);
  let pnl = 0;
  let trades = 0;
  for (let i = 0; i < bars.length; i++) {
    const b = bars[i]!;
    const k = idx.get(b.instrumentId)!;
    if (pending[k] === 1) {
      pos[k] = 1;
      entry[k] = b.open;
      pending[k] = 0;
    } else if (pending[k] === -1) {
      pnl += b.open - entry[k]!;
      pos[k] = 0;
      trades++;
      pending[k] = 0;
    }
    const c = b.close;
    const m = ++count[k]!;
    if (m <= 8) sum8[k] = sum8[k]! + c;
    if (m <= 21) sum21[k] = sum21[k]! + c;
    fast[k] = m < 8 ? NaN : m === 8 ? sum8[k]! / 8 : (c - fast[k]!) * a8 + fast[k]!;
    slow[k] = m < 21 ? NaN : m === 21 ? sum21[k]! / 21 : (c - slow[k]!) * a21 + slow[k]!;
    if (m < 21) continue;
    const d = fast[k]! - slow[k]!;
    const p = prevD[k]!;
    prevD[k] = d;
    if (p !== p) continue;
    if (p <= 0 && d > 0 && pos[k] === 0) pending[k] = 1;
    else if (p >= 0 && d < 0 && pos[k] === 1) pending[k] = -1;
  }
  return pnl === pnl ? trades : -1;
}
