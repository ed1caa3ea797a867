/** Classic floor pivot points: hand-computed levels and the previous-UTC-day period rule. */
import { describe, expect, it } from 'vitest';
import { PivotPoints, pivotLevels, pivots } from '../../../engine/indicators';
import { randomBars } from './data';

const DAY = 86_400_000;
const H = 3_600_000;
const T0 = Date.UTC(2024, 2, 4);

describe('pivot points', () => {
  it('classic levels: H 110, L 100, C 105 → P 105, R1 110, S1 100, R2 115, S2 95, R3 120, S3 90', () => {
    expect(pivotLevels(110, 100, 105)).toEqual({ pivot: 105, r1: 110, s1: 100, r2: 115, s2: 95, r3: 120, s3: 90 });
    // H 1.1050, L 1.0950, C 1.1020: P = 1.1006666…
    const l = pivotLevels(1.105, 1.095, 1.102);
    const p = (1.105 + 1.095 + 1.102) / 3;
    expect(l.pivot).toBeCloseTo(p, 15);
    expect(l.r1).toBeCloseTo(2 * p - 1.095, 15);
    expect(l.s1).toBeCloseTo(2 * p - 1.105, 15);
    expect(l.r2).toBeCloseTo(p + 0.01, 15);
    expect(l.s2).toBeCloseTo(p - 0.01, 15);
    expect(l.r3).toBeCloseTo(1.105 + 2 * (p - 1.095), 15);
    expect(l.s3).toBeCloseTo(1.095 - 2 * (1.105 - p), 15);
  });

  it('intraday bars get the previous UTC day high/low/close; NaN during the first day', () => {
    const pp = new PivotPoints();
    // day 1: high 110 (2nd bar), low 100 (3rd bar), last close 105
    pp.add(104, 102, 103, T0 + 1 * H);
    pp.add(110, 103, 108, T0 + 2 * H);
    pp.add(108, 100, 101, T0 + 3 * H);
    pp.add(106, 101, 105, T0 + 23 * H);
    expect(pp.isReady).toBe(false);
    expect(pp.pivot).toBeNaN();
    expect(pp.r3).toBeNaN();
    // day 2: levels from day 1, unchanged by day-2 bars
    pp.add(120, 90, 95, T0 + DAY);
    expect(pp.isReady).toBe(true);
    expect([pp.pivot, pp.r1, pp.r2, pp.r3, pp.s1, pp.s2, pp.s3]).toEqual([105, 110, 115, 120, 100, 95, 90]);
    pp.add(96, 94, 95, T0 + DAY + H);
    expect(pp.value).toBe(105);
    // day 3: from day 2 (H 120, L 90, C 95): P = 305/3
    pp.add(100, 99, 99.5, T0 + 2 * DAY + 5 * H);
    const l = pivotLevels(120, 90, 95);
    expect([pp.pivot, pp.r1, pp.s1]).toEqual([l.pivot, l.r1, l.s1]);
    expect(pp.count).toBe(7);
  });

  it('daily bars (one per UTC day) get the previous bar levels', () => {
    const h = [110, 112, 108];
    const lo = [100, 104, 101];
    const c = [105, 106, 102];
    const ts = [T0, T0 + DAY, T0 + 2 * DAY];
    const out = pivots(h, lo, c, ts);
    expect(out.pivot[0]).toBeNaN();
    expect(out.pivot[1]).toBe(105);
    expect(out.r1[1]).toBe(110);
    expect(out.pivot[2]).toBeCloseTo((112 + 104 + 106) / 3, 14);
  });

  it('without ts, periods are delimited by resetSession()', () => {
    const pp = new PivotPoints();
    pp.add(104, 102, 103);
    pp.add(110, 100, 105);
    expect(pp.isReady).toBe(false);
    pp.resetSession();
    pp.add(200, 150, 160);
    expect(pp.isReady).toBe(true);
    expect(pp.pivot).toBe(105);
    pp.add(300, 100, 200); // same period
    expect(pp.pivot).toBe(105);
  });

  it('replace of the first bar of a new day can move it back into the previous day', () => {
    const pp = new PivotPoints();
    pp.add(110, 100, 105, T0 + 22 * H);
    pp.add(120, 115, 118, T0 + DAY);
    expect(pp.pivot).toBe(105);
    pp.replace(112, 101, 111, T0 + 23 * H);
    expect(pp.isReady).toBe(false);
    expect(pp.pivot).toBeNaN();
    pp.add(120, 115, 118, T0 + DAY);
    expect(pp.pivot).toBeCloseTo((112 + 100 + 111) / 3, 14);
  });

  it('batch matches a direct per-day computation on 15-minute bars', () => {
    const b = randomBars(96 * 10, 31);
    const out = pivots(b.high, b.low, b.close, b.ts);
    for (let d = 1; d < 10; d++) {
      let hi = -Infinity;
      let lo = Infinity;
      for (let i = (d - 1) * 96; i < d * 96; i++) {
        hi = Math.max(hi, b.high[i]!);
        lo = Math.min(lo, b.low[i]!);
      }
      const l = pivotLevels(hi, lo, b.close[d * 96 - 1]!);
      for (let i = d * 96; i < (d + 1) * 96; i++) {
        expect(out.pivot[i]).toBe(l.pivot);
        expect(out.s3[i]).toBe(l.s3);
      }
    }
  });
});
