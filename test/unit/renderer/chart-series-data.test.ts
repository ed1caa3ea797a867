/**
 * The chart's series data (renderer/src/features/chart/series-data.ts) under Node: wire bars to
 * candles and line points in one pass (UTC-second times, ranges), EMA warm-up skipped, and how a
 * long history splits into the first window and the rest.
 */
import { describe, expect, it } from 'vitest';
import { emaSeries } from '../../../renderer/src/features/chart/indicators';
import { candleData, FIRST_WINDOW, historyWindow, linePoints, sec } from '../../../renderer/src/features/chart/series-data';

const bars = (n: number) => {
  const ts = Array.from({ length: n }, (_, i) => Date.UTC(2024, 0, 1) + i * 900_000);
  const close = ts.map((_, i) => 100 + i);
  return { ts, open: close.map((c) => c - 0.5), high: close.map((c) => c + 1), low: close.map((c) => c - 1), close, volume: close.map(() => 1) };
};

describe('chart series data', () => {
  it('builds candles of a range with UTC-second times and the bar values', () => {
    const b = bars(10);
    const c = candleData(b, 3, 6);
    expect(c).toEqual([3, 4, 5].map((i) => ({ time: b.ts[i]! / 1000, open: b.open[i], high: b.high[i], low: b.low[i], close: b.close[i] })));
    expect(candleData(b, 0, 10)).toHaveLength(10);
    expect(candleData(b, 5, 5)).toEqual([]);
    expect(sec(1_700_000_000_999)).toBe(1_700_000_000);
  });

  it('builds line points of a range, skipping the indicator warm-up (NaN)', () => {
    const b = bars(10);
    const v = emaSeries(b.close, 4);
    expect(linePoints(b.ts, v, 0, 10).map((p) => p.time)).toEqual(b.ts.slice(3).map((t) => t / 1000));
    expect(linePoints(b.ts, v, 5, 8)).toEqual([5, 6, 7].map((i) => ({ time: b.ts[i]! / 1000, value: v[i] })));
    expect(linePoints(b.ts, emaSeries(b.close, 20), 0, 10)).toEqual([]);
    // The window and the rest join without a gap or an overlap.
    expect([...linePoints(b.ts, v, 0, 6), ...linePoints(b.ts, v, 6, 10)]).toEqual(linePoints(b.ts, v, 0, 10));
  });

  it('splits only histories longer than twice the first window', () => {
    expect(historyWindow(0)).toBe(0);
    expect(historyWindow(2 * FIRST_WINDOW)).toBe(0);
    expect(historyWindow(100_000)).toBe(100_000 - FIRST_WINDOW);
    expect(historyWindow(10, 3)).toBe(7);
  });
});
