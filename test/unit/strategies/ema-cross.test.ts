/**
 * `ema_cross` through the whole engine (runBacktest: strategy -> sizer -> risk -> order manager ->
 * simulated venue -> portfolio) against an independent reference computed here from TA-Lib's EMA:
 * enter at the next bar's open when d[t-1] <= 0 < d[t], exit at the next bar's open when
 * d[t-1] >= 0 > d[t] (d = fast - slow), whatever is open closed at the last close at the end.
 */
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../../engine/backtest/run-backtest';
import { validateConfig } from '../../../engine/runtime/config';
import { AAA } from '../runtime/engine-harness';
import { randomWalk, talibEma, toBars, type Ohlc, type RefTrade } from './reference';

function reference(rows: readonly Ohlc[], ts: readonly number[], barMs: number, fast: number, slow: number, allowShort: boolean): RefTrade[] {
  const closes = rows.map((r) => r.close);
  const f = talibEma(closes, fast);
  const s = talibEma(closes, slow);
  const n = rows.length;
  const trades: RefTrade[] = [];
  let pos: 0 | 1 | -1 = 0;
  let entryTs = 0;
  let entryPx = 0;
  /** Records the open trade as closed; returns the new (flat) position. */
  const close = (exitTs: number, exitPx: number, exitReason: string): 0 => {
    trades.push({ direction: pos === 1 ? 'LONG' : 'SHORT', entryTs, entryPx, exitTs, exitPx, exitReason });
    return 0;
  };
  /** Opens a trade at bar t's open; returns the new position. */
  const open = (dir: 1 | -1, t: number): 1 | -1 => {
    entryTs = ts[t]!;
    entryPx = rows[t]!.open;
    return dir;
  };
  // d[t-1] needs both EMAs: t - 1 >= slow - 1. A signal on the last bar has no next bar to fill on.
  for (let t = slow; t < n - 1; t++) {
    const d = f[t]! - s[t]!;
    const pd = f[t - 1]! - s[t - 1]!;
    const next = t + 1;
    if (pd <= 0 && d > 0) {
      if (pos === -1) pos = close(ts[next]!, rows[next]!.open, 'reverse');
      if (pos === 0) pos = open(1, next);
    } else if (pd >= 0 && d < 0) {
      if (pos === 1) pos = close(ts[next]!, rows[next]!.open, allowShort ? 'reverse' : 'signal');
      if (pos === 0 && allowShort) pos = open(-1, next);
    }
  }
  if (pos !== 0) pos = close(ts[n - 1]! + barMs, rows[n - 1]!.close, 'end_of_data');
  return trades;
}

function engineTrades(rows: readonly Ohlc[], params: Record<string, unknown>) {
  const bars = toBars('AAA', rows);
  const { config, strategies } = validateConfig({
    strategy: { name: 'ema_cross', ...params },
    exposure: { max_portfolio_exposure_pct: null, max_open_positions: null },
  });
  const res = runBacktest({ bars, instruments: [AAA], config, strategies });
  return { res, bars };
}

const pick = (t: RefTrade): RefTrade => ({
  direction: t.direction,
  entryTs: t.entryTs,
  entryPx: t.entryPx,
  exitTs: t.exitTs,
  exitPx: t.exitPx,
  exitReason: t.exitReason,
});

describe('ema_cross against a TA-Lib reference', () => {
  const cases: [string, number, number, number, number, boolean][] = [
    ['8/21 long-only, 3,000 bars', 1, 3_000, 8, 21, false],
    ['8/21 long-only, another series', 2, 3_000, 8, 21, false],
    ['5/13 long-only', 3, 2_000, 5, 13, false],
    ['8/21 long/short', 4, 3_000, 8, 21, true],
    ['3/30 long/short', 5, 2_000, 3, 30, true],
  ];

  it.each(cases)('%s: identical trade list (times, prices, exit reasons)', (_name, seed, n, fast, slow, allowShort) => {
    const rows = randomWalk(seed, n);
    const { res, bars } = engineTrades(rows, { fast, slow, allow_short: allowShort });
    const ref = reference(
      rows,
      bars.map((b) => b.ts),
      bars[0]!.durationMs,
      fast,
      slow,
      allowShort,
    );
    expect(ref.length).toBeGreaterThan(30); // a meaningful comparison
    expect(res.trades.map(pick)).toEqual(ref);
    expect(res.denials).toBe(0);
    for (const t of res.trades) expect(t.qty).toBeGreaterThan(0);
    // The account adds up: equity at the end = start + the trades' P&L (no fees configured).
    const pnl = res.trades.reduce((a, t) => a + t.pnl, 0);
    expect(res.engine.portfolio.equity()).toBe(res.engine.portfolio.startingCash() + pnl);
    expect(res.engine.portfolio.openPositionCount()).toBe(0);
    if (allowShort) {
      expect(res.trades.some((t) => t.direction === 'SHORT')).toBe(true);
      // Long and short alternate, each reversal at the same open.
      for (let i = 1; i < res.trades.length; i++) {
        expect(res.trades[i]!.direction).not.toBe(res.trades[i - 1]!.direction);
        expect(res.trades[i]!.entryTs).toBe(res.trades[i - 1]!.exitTs);
      }
    } else {
      expect(res.trades.every((t) => t.direction === 'LONG')).toBe(true);
    }
  });

  it('entries are sized at 2 % of equity at the signal bar’s close (default sizing), tagged with the signal', () => {
    const rows = randomWalk(6, 1_500);
    const { res, bars } = engineTrades(rows, {});
    const entries = res.orders.filter((o) => o.role === 'ENTRY');
    expect(entries.length).toBe(res.trades.length);
    const t0 = bars[0]!.ts;
    const barMs = bars[0]!.durationMs;
    for (const [i, o] of entries.entries()) {
      expect(o).toMatchObject({ status: 'FILLED', type: 'MARKET', side: 'BUY', tag: 'ema 8/21 cross up', strategyId: 'ema_cross' });
      // Placed with the clock at the signal bar's close; the equity curve was sampled there.
      const k = (o.tsInit - t0) / barMs - 1;
      const j = res.equity.ts.indexOf(o.tsInit);
      expect(j).toBeGreaterThanOrEqual(0);
      const expected = Math.floor((res.equity.equity[j]! * 0.02) / rows[k]!.close + 1e-9);
      expect(o.qty).toBe(expected);
      expect(res.trades[i]!.qty).toBe(expected);
      expect(res.trades[i]!.entryTs).toBe(o.tsInit);
    }
  });

  it('a signal on the last bar is not traded; an open position is closed at the last close (end_of_data)', () => {
    // Falling, then rising into the end: one cross up, the position still open at the end.
    const closes = [...Array.from({ length: 30 }, (_, i) => 130 - i), ...Array.from({ length: 10 }, (_, i) => 101 + 2 * i)];
    const rows = closes.map((c, i) => ({ open: i === 0 ? c : closes[i - 1]!, high: Math.max(c, i === 0 ? c : closes[i - 1]!), low: Math.min(c, i === 0 ? c : closes[i - 1]!), close: c }));
    const { res, bars } = engineTrades(rows, { fast: 3, slow: 8 });
    const ref = reference(rows, bars.map((b) => b.ts), bars[0]!.durationMs, 3, 8, false);
    expect(ref).toHaveLength(1);
    expect(res.trades.map(pick)).toEqual(ref);
    expect(res.trades[0]).toMatchObject({ exitReason: 'end_of_data', exitPx: closes.at(-1), exitTs: bars.at(-1)!.ts + bars.at(-1)!.durationMs });
  });
});
