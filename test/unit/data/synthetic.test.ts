import { describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS, RESOLUTIONS } from '../../../engine/core/time';
import { parseBarsCsv } from '../../../engine/data/csv-bars';
import { formatBarsCsv } from '../../../engine/data/csv-write';
import { detectGaps } from '../../../engine/data/gaps';
import { decimalsOf } from '../../../engine/data/infer-instrument';
import { fnv1a32, gaussian, mulberry32 } from '../../../engine/data/prng';
import { generateSyntheticBars, openSlots, syntheticSymbolNames, type SyntheticOptions } from '../../../engine/data/synthetic';

const M15 = RESOLUTIONS['15min'];
const base: SyntheticOptions = {
  symbols: ['AAPL', 'MSFT', 'EUR_USD', 'USD_JPY'],
  start: Date.UTC(2024, 2, 1),
  resolution: '15min',
  count: 26 * 30,
  calendar: 'us_equity',
  seed: 42,
};

describe('prng', () => {
  it('mulberry32 is deterministic and uniform-looking', () => {
    const a = mulberry32(1);
    const b = mulberry32(1);
    const xs = Array.from({ length: 10_000 }, () => a());
    expect(Array.from({ length: 10_000 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
    expect(mulberry32(2)()).not.toBe(mulberry32(1)());
    // Pinned values: a change to the generator would silently change every synthetic file.
    expect(mulberry32(42)()).toBe(0.6011037519201636);
    expect(fnv1a32('AAPL')).toBe(fnv1a32('AAPL'));
  });

  it('gaussian has mean ~0 and variance ~1', () => {
    const g = gaussian(mulberry32(9));
    const xs = Array.from({ length: 20_000 }, () => g());
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });
});

describe('generateSyntheticBars', () => {
  it('is deterministic: same seed, same bars; another seed, other bars', () => {
    const a = generateSyntheticBars(base);
    expect(generateSyntheticBars(base)).toEqual(a);
    const other = generateSyntheticBars({ ...base, seed: 43 });
    expect(other[0]!.bars.map((b) => b.close)).not.toEqual(a[0]!.bars.map((b) => b.close));
    // Each symbol has its own stream: dropping one does not change the others.
    const fewer = generateSyntheticBars({ ...base, symbols: ['MSFT'] });
    expect(fewer[0]).toEqual(a[1]);
  });

  it('generates only regular-session bars for us_equity 15min: 26 a day, 09:30 … 15:45 ET', () => {
    const [aapl] = generateSyntheticBars({ ...base, symbols: ['AAPL'], start: Date.UTC(2024, 2, 4), count: 26 * 10 });
    const bars = aapl!.bars;
    const byDay = new Map<number, number[]>();
    for (const b of bars) {
      const day = Math.floor(b.ts / DAY_MS);
      byDay.set(day, [...(byDay.get(day) ?? []), b.ts]);
    }
    expect([...byDay.values()].every((ts) => ts.length === 26)).toBe(true);
    // 2024-03-08 (EST) and 2024-03-11 (EDT, after the switch on the 10th).
    const first = (d: string) => byDay.get(Date.parse(`${d}T00:00:00Z`) / DAY_MS)!;
    expect(new Date(first('2024-03-08')[0]!).toISOString()).toBe('2024-03-08T14:30:00.000Z');
    expect(new Date(first('2024-03-08')[25]!).toISOString()).toBe('2024-03-08T20:45:00.000Z');
    expect(new Date(first('2024-03-11')[0]!).toISOString()).toBe('2024-03-11T13:30:00.000Z');
    expect(detectGaps(bars, { calendar: 'us_equity' })).toMatchObject({ gapCount: 0, outOfSessionBars: 0 });
  });

  it('respects the fx 24x5 and crypto 24x7 calendars', () => {
    const fx = openSlots('fx', Date.UTC(2024, 3, 5, 12), M15, 200); // Friday noon
    expect(fx.some((t) => new Date(t).getUTCDay() === 6)).toBe(false);
    expect(new Date(fx[32]!).toISOString()).toBe('2024-04-07T23:00:00.000Z'); // Fri 12:00–19:45 = 32 bars, then Sunday 23:00
    const crypto = openSlots('crypto', Date.UTC(2024, 3, 6), RESOLUTIONS['1h'], 48);
    expect(crypto[47]! - crypto[0]!).toBe(47 * HOUR_MS);
  });

  it('keeps OHLC consistent, rounds to the instrument precision and survives a CSV round trip', () => {
    const series = generateSyntheticBars({ ...base, calendar: 'fx', count: 2000 });
    const precision = Object.fromEntries(series.map((s) => [s.symbol, s.pricePrecision]));
    expect(precision).toEqual({ AAPL: 2, MSFT: 2, EUR_USD: 5, USD_JPY: 3 });
    for (const s of series) {
      const broken = s.bars.filter(
        (b) =>
          !(b.low > 0 && b.high >= Math.max(b.open, b.close) && b.low <= Math.min(b.open, b.close) && b.volume > 0) ||
          [b.open, b.high, b.low, b.close].some((v) => decimalsOf(v) > s.pricePrecision),
      );
      expect(broken).toEqual([]);
      const { bars, report } = parseBarsCsv(formatBarsCsv(s.bars), { instrumentId: s.symbol, durationMs: M15 });
      expect(report.rowsRejected).toBe(0);
      expect(bars).toEqual(s.bars);
    }
  });

  it('has realistic intraday ranges (median 15-minute stock range between 0.1 % and 1 %)', () => {
    const [s] = generateSyntheticBars({ ...base, symbols: ['AAPL'], count: 26 * 60 });
    const ranges = s!.bars.map((b) => (b.high - b.low) / b.open).sort((x, y) => x - y);
    const median = ranges[ranges.length >> 1]!;
    expect(median).toBeGreaterThan(0.001);
    expect(median).toBeLessThan(0.01);
  });

  it('names synthetic universes', () => {
    expect(syntheticSymbolNames(3)).toEqual(['SYN01', 'SYN02', 'SYN03']);
    expect(syntheticSymbolNames(120, 'S')[119]).toBe('S120');
  });
});
