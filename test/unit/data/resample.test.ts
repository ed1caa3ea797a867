import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Bar } from '../../../engine/core/bar';
import { DAY_MS, HOUR_MS, MINUTE_MS, RESOLUTIONS } from '../../../engine/core/time';
import { BarResampler, resampleBars } from '../../../engine/data/resample';
import { generateSyntheticBars } from '../../../engine/data/synthetic';

const utc = (s: string): number => Date.parse(`${s.replace(' ', 'T')}Z`);

function m1(ts: number, o: number, h: number, l: number, c: number, v: number): Bar {
  return { instrumentId: 'X', ts, durationMs: MINUTE_MS, open: o, high: h, low: l, close: c, volume: v };
}

describe('resampleBars', () => {
  it('aggregates 1-minute bars into 5-minute UTC buckets (hand computed)', () => {
    const t0 = utc('2024-01-02 14:31:00');
    const bars = [
      m1(t0, 10, 11, 9.5, 10.5, 100), // 14:31 → bucket 14:30
      m1(t0 + 1 * MINUTE_MS, 10.5, 12, 10.4, 11.8, 50),
      m1(t0 + 3 * MINUTE_MS, 11.8, 11.9, 9, 9.2, 25), // 14:34, the bucket's last minute
      m1(t0 + 4 * MINUTE_MS, 9.2, 9.3, 9.1, 9.25, 10), // 14:35 → bucket 14:35
      m1(t0 + 10 * MINUTE_MS, 9.3, 9.4, 9.2, 9.35, 5), // 14:41 → bucket 14:40 (14:35 had one bar)
    ];
    expect(resampleBars(bars, '5min')).toEqual([
      { instrumentId: 'X', ts: utc('2024-01-02 14:30:00'), durationMs: 5 * MINUTE_MS, open: 10, high: 12, low: 9, close: 9.2, volume: 175 },
      { instrumentId: 'X', ts: utc('2024-01-02 14:35:00'), durationMs: 5 * MINUTE_MS, open: 9.2, high: 9.3, low: 9.1, close: 9.25, volume: 10 },
      { instrumentId: 'X', ts: utc('2024-01-02 14:40:00'), durationMs: 5 * MINUTE_MS, open: 9.3, high: 9.4, low: 9.2, close: 9.35, volume: 5 },
    ]);
  });

  it('makes 1h, 4h and UTC-day bars from 15-minute bars', () => {
    const [series] = generateSyntheticBars({ symbols: ['AAPL'], start: utc('2024-03-04 00:00:00'), resolution: '15min', count: 26 * 10, calendar: 'us_equity', seed: 7 });
    const bars = series!.bars;
    const daily = resampleBars(bars, '1d');
    expect(daily).toHaveLength(10);
    for (const d of daily) {
      const inDay = bars.filter((b) => b.ts >= d.ts && b.ts < d.ts + DAY_MS);
      expect(d.ts % DAY_MS).toBe(0);
      expect(d).toEqual({
        instrumentId: 'AAPL',
        ts: d.ts,
        durationMs: DAY_MS,
        open: inDay[0]!.open,
        high: Math.max(...inDay.map((b) => b.high)),
        low: Math.min(...inDay.map((b) => b.low)),
        close: inDay[inDay.length - 1]!.close,
        volume: inDay.reduce((s, b) => s + b.volume, 0),
      });
    }
    const hourly = resampleBars(bars, '1h');
    expect(hourly.every((b) => b.ts % HOUR_MS === 0)).toBe(true);
    expect(hourly.slice(0, 8).map((b) => new Date(b.ts).toISOString().slice(11, 16))).toEqual(['14:00', '15:00', '16:00', '17:00', '18:00', '19:00', '20:00', '14:00']);
    expect(resampleBars(bars, '4h').every((b) => b.ts % (4 * HOUR_MS) === 0)).toBe(true);
  });

  it('resamples bid and ask sides, and drops them when a bar of the bucket lacks them', () => {
    const side = (o: number, h: number, l: number, c: number) => ({ open: o, high: h, low: l, close: c });
    const t0 = utc('2024-01-02 10:00:00');
    const q = (k: number, bid: ReturnType<typeof side> | undefined): Bar => {
      const b: Bar = { instrumentId: 'EUR_USD', ts: t0 + k * MINUTE_MS, durationMs: MINUTE_MS, open: 1, high: 1, low: 1, close: 1, volume: 0 };
      if (bid) {
        b.bid = bid;
        b.ask = side(bid.open + 0.1, bid.high + 0.1, bid.low + 0.1, bid.close + 0.1);
      }
      return b;
    };
    const out = resampleBars([q(0, side(1, 3, 0.5, 2)), q(1, side(2, 2.5, 1.5, 1.8)), q(5, side(1, 1, 1, 1)), q(6, undefined)], '5min');
    expect(out[0]!.bid).toEqual(side(1, 3, 0.5, 1.8));
    expect(out[0]!.ask!.high).toBeCloseTo(3.1, 12);
    expect(out[0]!.ask!.close).toBeCloseTo(1.9, 12);
    expect(out[1]!.bid).toBeUndefined();
    expect(out[1]!.ask).toBeUndefined();
  });

  it('rejects unsorted input, mixed instruments and incompatible durations', () => {
    const a = m1(utc('2024-01-02 10:00:00'), 1, 1, 1, 1, 1);
    const b = m1(utc('2024-01-02 10:01:00'), 1, 1, 1, 1, 1);
    expect(() => resampleBars([b, a], '5min')).toThrow(expect.objectContaining({ code: 'data.unsorted' }));
    expect(() => resampleBars([a, { ...b, instrumentId: 'Y' }], '5min')).toThrow(expect.objectContaining({ code: 'data.instrument_mismatch' }));
    expect(() => resampleBars([{ ...a, durationMs: 7 * MINUTE_MS }], '15min')).toThrow(expect.objectContaining({ code: 'data.resample_incompatible' }));
    expect(() => resampleBars([{ ...a, durationMs: HOUR_MS }], '15min')).toThrow(expect.objectContaining({ code: 'data.resample_incompatible' }));
  });
});

describe('BarResampler (streaming)', () => {
  it('emits a bucket as soon as its last bar arrives, and the same bars as the batch function', () => {
    const [series] = generateSyntheticBars({ symbols: ['EUR_USD'], start: utc('2024-01-05 18:00:00'), resolution: '1min', count: 600, calendar: 'fx', seed: 3 });
    const bars = series!.bars;
    const r = new BarResampler('15min');
    const streamed: Bar[] = [];
    for (const b of bars) {
      const done = r.add(b);
      for (const d of done) {
        // Emitted no later than the bar that completes it.
        expect(b.ts + b.durationMs).toBeGreaterThanOrEqual(d.ts + d.durationMs);
        streamed.push(d);
      }
    }
    const last = r.flush();
    if (last) streamed.push(last);
    expect(r.flush()).toBeNull();
    expect(streamed).toEqual(resampleBars(bars, '15min'));
  });

  it('equals the batch function for random gappy minute data and any target multiple (property)', () => {
    const targets = [RESOLUTIONS['5min'], RESOLUTIONS['15min'], RESOLUTIONS['30min'], RESOLUTIONS['1h'], RESOLUTIONS['4h'], RESOLUTIONS['1d'], 3 * MINUTE_MS];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 200 }), fc.double({ min: 1, max: 2, noNaN: true }), fc.integer({ min: 0, max: 1000 })), { minLength: 1, maxLength: 300 }),
        fc.constantFrom(...targets),
        (steps, target) => {
          let ts = utc('2024-01-01 00:00:00');
          const bars = steps.map(([step, price, vol]) => {
            ts += step * MINUTE_MS;
            return m1(ts, price, price + 0.01, price - 0.01, price, vol);
          });
          const r = new BarResampler(target);
          const streamed: Bar[] = [];
          for (const b of bars) {
            const forming = r.peek();
            if (forming) expect(forming.ts).toBeLessThanOrEqual(b.ts);
            streamed.push(...r.add(b));
          }
          const last = r.flush();
          if (last) streamed.push(last);
          const batch = resampleBars(bars, target);
          expect(streamed).toEqual(batch);
          // Buckets are aligned, ordered, and account for every input bar.
          expect(batch.every((b, i) => b.ts % target === 0 && (i === 0 || b.ts > batch[i - 1]!.ts))).toBe(true);
          expect(batch.reduce((s, b) => s + b.volume, 0)).toBe(bars.reduce((s, b) => s + b.volume, 0));
        },
      ),
      { numRuns: 200 },
    );
  });
});
