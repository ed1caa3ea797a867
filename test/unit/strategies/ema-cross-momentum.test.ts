/**
 * `ema_cross_momentum` through a real engine, on small hand-made price paths (short/mid/long EMAs of
 * 2/4/8 bars so that every condition can be seen bar by bar), and against a reference of the
 * documented rule computed here from TA-Lib's EMA on random series.
 *
 * The rule (engine/strategies/ema-cross-momentum.ts): a short-over-mid cross arms a signal for
 * `confirm_bars` bars (the cross bar included); on the first armed bar where the trend filter (short
 * and mid above long) and, when `momentum_confirmations`, the momentum checks (mid rising, long not
 * falling, short-mid spread widening) hold, LONG is emitted with the configured SL/TP; a cross down
 * closes a long (or arms a short with `allow_short`).
 */
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../../engine/backtest/run-backtest';
import { validateConfig } from '../../../engine/runtime/config';
import { AAA, BAR_MS, EngineHarness, T0 } from '../runtime/engine-harness';
import { barsFromCloses, randomWalk, talibEma, toBars, type Ohlc, type RefTrade } from './reference';

const W = { short_window: 2, mid_window: 4, long_window: 8 };

interface Conditions {
  crossUp: boolean;
  crossDown: boolean;
  trend: boolean;
  momentum: boolean;
  d: number;
}

/** The documented conditions at every bar, from TA-Lib EMAs (index t uses t and t-1). */
function conditions(closes: readonly number[], s: number, m: number, l: number): Conditions[] {
  const sh = talibEma(closes, s);
  const mid = talibEma(closes, m);
  const lg = talibEma(closes, l);
  return closes.map((_, t) => {
    const d = sh[t]! - mid[t]!;
    const pd = sh[t - 1]! - mid[t - 1]!;
    return {
      crossUp: pd <= 0 && d > 0,
      crossDown: pd >= 0 && d < 0,
      trend: sh[t]! > lg[t]! && mid[t]! > lg[t]!,
      momentum: mid[t]! > mid[t - 1]! && lg[t]! >= lg[t - 1]! && d > pd,
      d,
    };
  });
}

/** Signals of the documented rule: bar index and direction. */
function referenceSignals(closes: readonly number[], p: { s: number; m: number; l: number; confirm: number; momentum: boolean; allowShort: boolean }) {
  const c = conditions(closes, p.s, p.m, p.l);
  const sh = talibEma(closes, p.s);
  const mid = talibEma(closes, p.m);
  const lg = talibEma(closes, p.l);
  const out: { t: number; dir: 'LONG' | 'SHORT' | 'CLOSE_LONG' | 'CLOSE_SHORT' }[] = [];
  let armed = 0;
  // The long EMA is ready at l-1; the first bar with a previous difference is l.
  for (let t = p.l; t < closes.length; t++) {
    const x = c[t]!;
    if (x.crossUp) {
      armed = p.confirm;
      out.push({ t, dir: 'CLOSE_SHORT' });
    } else if (x.crossDown) {
      armed = p.allowShort ? -p.confirm : 0;
      out.push({ t, dir: 'CLOSE_LONG' });
    }
    if (armed === 0) continue;
    const long = armed > 0;
    const trend = long ? x.trend : sh[t]! < lg[t]! && mid[t]! < lg[t]!;
    const pd = c[t - 1]!.d;
    const mom = !p.momentum || (long ? x.momentum : mid[t]! < mid[t - 1]! && lg[t]! <= lg[t - 1]! && x.d < pd);
    const still = long ? x.d > 0 : x.d < 0;
    if (still && trend && mom) {
      out.push({ t, dir: long ? 'LONG' : 'SHORT' });
      armed = 0;
      continue;
    }
    armed += long ? -1 : 1;
    if (!still) armed = 0;
  }
  return out;
}

/** Runs the engine's strategy over closes (bars open at the previous close); returns the bars at whose close an entry was placed. */
function run(closes: readonly number[], params: Record<string, unknown>) {
  const h = new EngineHarness({ config: { strategy: { name: 'ema_cross_momentum', ...W, ...params }, exposure: { max_portfolio_exposure_pct: null, max_open_positions: null } } });
  for (const b of barsFromCloses(closes)) h.bar(b.open, b.high, b.low, b.close);
  const entries = h.orders().filter((o) => o.role === 'ENTRY');
  const entryBars = entries.map((o) => (o.tsInit - T0) / BAR_MS - 1);
  return { h, entries, entryBars };
}

// Hand-made paths (closes). Bar indices in the comments; EMAs 2/4/8, first possible signal at bar 8.

/** Rise, a dip that crosses short under mid while both stay above long, then a rise: cross up at 14 with trend and momentum. */
const CLEAN = [100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 109, 108, 107.5, 108.5, 110, 111, 112];
/** Fall, then a bounce: short crosses mid at 15 but both stay under the long EMA; cross back down at 17. */
const NO_TREND = [110, 109, 108, 107, 106, 105, 104, 103, 102, 101, 100, 99, 98, 97, 98.5, 99, 98.8, 98.6, 98.4, 98];
/** Cross at 8 below the long EMA; trend only at 10, where the spread narrows (momentum fails); cross down at 12. */
const MOMENTUM_FAILS = [100, 100.48, 99.29, 98.53, 97.34, 96.44, 97.35, 97.44, 98.49, 99.17, 99.37, 98.76, 97.56, 98.51, 97.98, 97.68, 96.95, 97.03, 96.84, 97.48];
/** Cross at 10 below the long EMA; trend and momentum both arrive at 12 (the third armed bar); cross down at 13. */
const LATE = [100, 100.2, 99.37, 100.28, 99.05, 97.83, 97.56, 98.27, 99.35, 98.38, 98.77, 99.24, 99.54, 98.66, 98.79, 98.56, 97.67, 98.31, 97.85, 96.93];
/** Cross at 14 below the long EMA; confirmed at 15 (the second armed bar). */
const SECOND_BAR = [100, 100.37, 99.73, 98.64, 99.06, 99.29, 99.3, 98.84, 98.85, 97.74, 98.7, 97.96, 96.97, 98.17, 98.63, 99.13, 100.58, 99.98, 100.07, 99.9];

describe('the hand-made paths show what they claim (TA-Lib EMAs)', () => {
  it('CLEAN: cross, trend and momentum all on bar 14', () => {
    const c = conditions(CLEAN, 2, 4, 8);
    expect(c.map((x, t) => (x.crossUp ? t : -1)).filter((t) => t >= 8)).toEqual([14]);
    expect(c[14]).toMatchObject({ trend: true, momentum: true });
  });
  it('NO_TREND: cross up at 15 with short and mid under the long EMA, never in trend until the cross down at 17', () => {
    const c = conditions(NO_TREND, 2, 4, 8);
    expect(c.map((x, t) => (x.crossUp ? t : -1)).filter((t) => t >= 8)).toEqual([15]);
    expect([15, 16].map((t) => c[t]!.trend)).toEqual([false, false]);
    expect(c[17]!.crossDown).toBe(true);
  });
  it('MOMENTUM_FAILS: cross at 8, trend first at 10 where the spread narrows', () => {
    const c = conditions(MOMENTUM_FAILS, 2, 4, 8);
    expect(c[8]!.crossUp).toBe(true);
    expect([8, 9, 10].map((t) => c[t]!.trend)).toEqual([false, false, true]);
    expect(c[10]!.momentum).toBe(false);
    expect(c[10]!.d).toBeLessThan(c[9]!.d);
  });
  it('LATE: cross at 10, trend and momentum at 12', () => {
    const c = conditions(LATE, 2, 4, 8);
    expect(c[10]!.crossUp).toBe(true);
    expect([10, 11, 12].map((t) => c[t]!.trend)).toEqual([false, false, true]);
    expect(c[12]!.momentum).toBe(true);
    expect(c[13]!.crossDown).toBe(true);
  });
  it('SECOND_BAR: cross at 14, trend and momentum at 15', () => {
    const c = conditions(SECOND_BAR, 2, 4, 8);
    expect(c[14]).toMatchObject({ crossUp: true, trend: false });
    expect(c[15]).toMatchObject({ trend: true, momentum: true });
  });
});

describe('ema_cross_momentum entries', () => {
  it('enters at the close of the bar where cross, trend and momentum hold; fills at the next open', () => {
    const { h, entries, entryBars } = run(CLEAN, {});
    expect(entryBars).toEqual([14]);
    expect(entries[0]).toMatchObject({ side: 'BUY', type: 'MARKET', tag: 'ema 2/4/8 up with momentum', strategyId: 'ema_cross_momentum' });
    expect(h.of('OrderFilled', entries[0]!.clientOrderId)[0]).toMatchObject({ lastPx: 108_50, tsEvent: T0 + 15 * BAR_MS });
  });

  it('the trend filter: a cross with short and mid under the long EMA never enters (momentum on or off)', () => {
    expect(run(NO_TREND, {}).entryBars).toEqual([]);
    expect(run(NO_TREND, { momentum_confirmations: false }).entryBars).toEqual([]);
  });

  it('momentum_confirmations true: no entry when the trend arrives while the spread narrows', () => {
    expect(run(MOMENTUM_FAILS, {}).entryBars).toEqual([]);
  });

  it('momentum_confirmations false: enters on the first armed bar in trend', () => {
    expect(run(MOMENTUM_FAILS, { momentum_confirmations: false }).entryBars).toEqual([10]);
    expect(run(CLEAN, { momentum_confirmations: false }).entryBars).toEqual([14]);
    expect(run(LATE, { momentum_confirmations: false }).entryBars).toEqual([12]);
  });

  it('confirm_bars: the window includes the cross bar', () => {
    // Confirmed on the third armed bar: needs confirm_bars >= 3.
    expect(run(LATE, { confirm_bars: 3 }).entryBars).toEqual([12]);
    expect(run(LATE, { confirm_bars: 2 }).entryBars).toEqual([]);
    // Confirmed on the second armed bar: needs confirm_bars >= 2.
    expect(run(SECOND_BAR, { confirm_bars: 2 }).entryBars).toEqual([15]);
    expect(run(SECOND_BAR, { confirm_bars: 1 }).entryBars).toEqual([]);
    // On the cross bar itself: confirm_bars 1 is enough.
    expect(run(CLEAN, { confirm_bars: 1 }).entryBars).toEqual([14]);
  });

  it('brackets are attached: SL/TP distances on the entry order, children placed from the fill', () => {
    const { h, entries } = run(SECOND_BAR, { risk: { stop_loss_pct: 0.2, take_profit_pct: 0.3 } });
    const e = entries[0]!;
    // Reference price: bar 15's close 99.13 -> 0.2 % = 19.826 -> 20 ticks; 0.3 % = 29.739 -> 30 ticks.
    expect(e.bracket).toEqual({ stopLossDistance: 20, takeProfitDistance: 30 });
    const fill = h.of('OrderFilled', e.clientOrderId)[0]!;
    expect(fill.lastPx).toBe(99_13); // bar 16 opens at 99.13
    const children = h.orders().filter((o) => o.parentId === e.clientOrderId);
    expect(children.map((o) => [o.role, o.type, o.side, o.triggerPrice ?? o.price, o.qty])).toEqual([
      ['STOP_LOSS', 'STOP', 'SELL', 98_93, e.qty],
      ['TAKE_PROFIT', 'LIMIT', 'SELL', 99_43, e.qty],
    ]);
    // Bar 16 closes at 100.58, above the target, but it is the entry bar: the target is not matched
    // there. Bar 17 opens at 100.58, through the 99.43 limit: it fills at that better open.
    expect(h.trades()[0]).toMatchObject({ entryPx: 99.13, exitPx: 100.58, exitReason: 'take_profit', exitTs: T0 + 17 * BAR_MS });
  });

  it('the default parameters carry SL 0.2 % / TP 0.3 % (the user’s example)', () => {
    const { entries } = run(CLEAN, {});
    // 0.2 % and 0.3 % of 108.50 (bar 14's close): 21.7 -> 22 ticks, 32.55 -> 33 ticks.
    expect(entries[0]!.bracket).toEqual({ stopLossDistance: 22, takeProfitDistance: 33 });
  });

  it('a cross down closes the long at the next open (exit_reason signal)', () => {
    const { h, entryBars } = run(LATE, { risk: { stop_loss_pct: null, take_profit_pct: null } });
    expect(entryBars).toEqual([12]);
    expect(h.trades()).toEqual([
      expect.objectContaining({ direction: 'LONG', entryPx: 99.54, entryTs: T0 + 13 * BAR_MS, exitPx: 98.66, exitTs: T0 + 14 * BAR_MS, exitReason: 'signal' }),
    ]);
    expect(h.position()).toBe(0);
  });

  it('allow_short: the mirror image of a path enters short on the same bar', () => {
    const mirror = (xs: readonly number[]) => xs.map((x) => Math.round((200 - x) * 100) / 100);
    const { entries, entryBars } = run(mirror(SECOND_BAR), { allow_short: true });
    expect(entryBars).toEqual([15]);
    expect(entries[0]).toMatchObject({ side: 'SELL', tag: 'ema 2/4/8 down with momentum' });
    // Without allow_short the mirror image is never traded.
    expect(run(mirror(SECOND_BAR), {}).entryBars).toEqual([]);
  });
});

describe('ema_cross_momentum against the documented rule on random series', () => {
  function referenceTrades(rows: readonly Ohlc[], ts: readonly number[], barMs: number, p: Parameters<typeof referenceSignals>[1]): RefTrade[] {
    const sig = referenceSignals(
      rows.map((r) => r.close),
      p,
    );
    const n = rows.length;
    const trades: RefTrade[] = [];
    let pos: 0 | 1 | -1 = 0;
    let entryTs = 0;
    let entryPx = 0;
    for (const { t, dir } of sig) {
      if (t >= n - 1) continue; // nothing fills after the last bar
      const next = t + 1;
      const close = (reason: string) => {
        trades.push({ direction: pos === 1 ? 'LONG' : 'SHORT', entryTs, entryPx, exitTs: ts[next]!, exitPx: rows[next]!.open, exitReason: reason });
        pos = 0;
      };
      if ((dir === 'CLOSE_LONG' && pos === 1) || (dir === 'CLOSE_SHORT' && pos === -1)) close('signal');
      else if ((dir === 'LONG' || dir === 'SHORT') && pos === 0) {
        pos = dir === 'LONG' ? 1 : -1;
        entryTs = ts[next]!;
        entryPx = rows[next]!.open;
      }
    }
    if (pos !== 0) trades.push({ direction: pos === 1 ? 'LONG' : 'SHORT', entryTs, entryPx, exitTs: ts[n - 1]! + barMs, exitPx: rows[n - 1]!.close, exitReason: 'end_of_data' });
    return trades;
  }

  const cases: [string, number, Record<string, unknown>][] = [
    ['3/8/21 defaults, long-only', 11, {}],
    ['3/8/21 without momentum confirmations', 12, { momentum_confirmations: false }],
    ['3/8/21 confirm_bars 1', 13, { confirm_bars: 1 }],
    ['3/8/21 long/short', 14, { allow_short: true }],
    ['5/13/50 long/short, confirm 5', 15, { short_window: 5, mid_window: 13, long_window: 50, allow_short: true, confirm_bars: 5 }],
  ];

  it.each(cases)('%s: identical trade list', (_name, seed, params) => {
    const rows = randomWalk(seed, 3_000);
    const bars = toBars('AAA', rows);
    const { config, strategies } = validateConfig({
      strategy: { name: 'ema_cross_momentum', ...params, risk: { stop_loss_pct: null, take_profit_pct: null } },
      exposure: { max_portfolio_exposure_pct: null, max_open_positions: null },
    });
    const p = strategies[0]!.params as { short_window: number; mid_window: number; long_window: number; confirm_bars: number; momentum_confirmations: boolean; allow_short: boolean };
    const res = runBacktest({ bars, instruments: [AAA], config, strategies });
    const ref = referenceTrades(
      rows,
      bars.map((b) => b.ts),
      BAR_MS,
      { s: p.short_window, m: p.mid_window, l: p.long_window, confirm: p.confirm_bars, momentum: p.momentum_confirmations, allowShort: p.allow_short },
    );
    expect(ref.length).toBeGreaterThan(20);
    expect(
      res.trades.map((t) => ({ direction: t.direction, entryTs: t.entryTs, entryPx: t.entryPx, exitTs: t.exitTs, exitPx: t.exitPx, exitReason: t.exitReason })),
    ).toEqual(ref);
  });
});
