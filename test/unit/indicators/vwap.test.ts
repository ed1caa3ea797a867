/** Session-anchored VWAP: hand-computed values, the UTC-day anchor and resetSession(). */
import { describe, expect, it } from 'vitest';
import { Vwap, vwap } from '../../../engine/indicators';
import { expectEngineError } from './contract';
import { loadEurUsd, randomBars } from './data';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 2, 4); // a Monday, 00:00Z
const H = 3_600_000;

describe('VWAP', () => {
  it('hand-computed: Σ(typical × volume) / Σ volume, reset at the UTC day change', () => {
    // typical prices: (11+9+10)/3 = 10, (13+11+12)/3 = 12, (14+10+12)/3 = 12, next day (21+19+20)/3 = 20, (24+20+22)/3 = 22
    const bars = [
      [11, 9, 10, 100, T0 + 22 * H],
      [13, 11, 12, 300, T0 + 23 * H],
      [14, 10, 12, 0, T0 + 23 * H + 30 * 60_000],
      [21, 19, 20, 50, T0 + DAY],
      [24, 20, 22, 150, T0 + DAY + H],
    ] as const;
    const expected = [10, (10 * 100 + 12 * 300) / 400, (10 * 100 + 12 * 300) / 400, 20, (20 * 50 + 22 * 150) / 200];
    const v = new Vwap();
    bars.forEach(([h, l, c, vol, t], i) => {
      v.add(h, l, c, vol, t);
      expect(v.isReady).toBe(true);
      expect(v.value).toBeCloseTo(expected[i]!, 12);
    });
    const batch = vwap(
      bars.map((b) => b[0]),
      bars.map((b) => b[1]),
      bars.map((b) => b[2]),
      bars.map((b) => b[3]),
      bars.map((b) => b[4]),
    );
    expected.forEach((e, i) => expect(batch[i]).toBeCloseTo(e, 12));
  });

  it('without ts the session runs from the first bar until resetSession()', () => {
    const v = new Vwap();
    v.add(11, 9, 10, 100);
    v.add(13, 11, 12, 100);
    expect(v.value).toBeCloseTo(11, 12);
    v.resetSession();
    expect(v.value).toBeCloseTo(11, 12); // takes effect at the next bar
    v.add(31, 29, 30, 10);
    expect(v.value).toBeCloseTo(30, 12);
    v.add(34, 30, 32, 30);
    expect(v.value).toBeCloseTo((30 * 10 + 32 * 30) / 40, 12);
    const batch = vwap([11, 13], [9, 11], [10, 12], [100, 100]);
    expect(batch[1]).toBeCloseTo(11, 12);
  });

  it('resetSession() between a bar and its replace applies to the next bar, not the replaced one', () => {
    const v = new Vwap();
    v.add(11, 9, 10, 100);
    v.add(13, 11, 12, 100);
    v.resetSession();
    v.replace(15, 13, 14, 100); // still the first session: (10·100 + 14·100) / 200
    expect(v.value).toBeCloseTo(12, 12);
    v.add(31, 29, 30, 10); // the reset applies here
    expect(v.value).toBeCloseTo(30, 12);
  });

  it('replace can move the forming bar back across a day boundary', () => {
    const v = new Vwap();
    v.add(11, 9, 10, 100, T0 + 23 * H);
    v.add(21, 19, 20, 100, T0 + DAY); // new session
    expect(v.value).toBeCloseTo(20, 12);
    v.replace(13, 11, 12, 100, T0 + 23 * H + 30 * 60_000); // same day as the first bar after all
    expect(v.value).toBeCloseTo(11, 12);
  });

  it('zero session volume gives NaN; negative volume throws', () => {
    const v = new Vwap();
    v.add(11, 9, 10, 0, T0);
    expect(v.isReady).toBe(true);
    expect(v.value).toBeNaN();
    v.add(11, 9, 10, 5, T0 + H);
    expect(v.value).toBeCloseTo(10, 12);
    expectEngineError(() => v.add(11, 9, 10, -1, T0 + 2 * H), 'indicator.invalid_input');
    expectEngineError(() => v.add(11, 9, 10, 1, NaN), 'indicator.invalid_input');
    expect(v.count).toBe(2);
  });

  it('agrees with a per-day recomputation from scratch (15-minute bars over 20 days; EUR_USD when present)', () => {
    const check = (b: { high: Float64Array; low: Float64Array; close: Float64Array; volume: Float64Array; ts: Float64Array }): void => {
      const out = vwap(b.high, b.low, b.close, b.volume, b.ts);
      let start = 0;
      let worst = 0;
      for (let i = 0; i < b.close.length; i++) {
        if (i > 0 && Math.floor(b.ts[i]! / DAY) !== Math.floor(b.ts[i - 1]! / DAY)) start = i;
        let pv = 0;
        let vol = 0;
        for (let j = start; j <= i; j++) {
          pv += ((b.high[j]! + b.low[j]! + b.close[j]!) / 3) * b.volume[j]!;
          vol += b.volume[j]!;
        }
        if (vol === 0) expect(out[i]).toBeNaN();
        else worst = Math.max(worst, Math.abs(out[i]! - pv / vol) / (pv / vol));
      }
      expect(worst).toBeLessThanOrEqual(1e-12);
    };
    check(randomBars(96 * 20, 77));
    const eur = loadEurUsd();
    if (eur !== null) check(eur);
  });
});
