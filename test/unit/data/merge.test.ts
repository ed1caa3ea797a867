import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Bar } from '../../../engine/core/bar';
import { RESOLUTIONS } from '../../../engine/core/time';
import { mergeBars, mergedBars, seriesInOrder } from '../../../engine/data/merge';
import { generateSyntheticBars, syntheticSymbolNames } from '../../../engine/data/synthetic';

const M15 = RESOLUTIONS['15min'];

function mk(instrumentId: string, ts: number, close = 1): Bar {
  return { instrumentId, ts, durationMs: M15, open: close, high: close, low: close, close, volume: 0 };
}

/** Arbitrary per-instrument sorted series (timestamps on a coarse grid, so ties are common). */
const seriesArb = fc
  .array(fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 60 }), { minLength: 0, maxLength: 12 })
  .map((lists) => lists.map((ticks, s) => [...ticks].sort((a, b) => a - b).map((k, i) => mk(`I${s}`, k * M15, i))));

describe('mergeBars', () => {
  it('orders by time, then by the caller’s instrument order', () => {
    const a = [mk('A', 0), mk('A', 2 * M15)];
    const b = [mk('B', 0), mk('B', M15), mk('B', 2 * M15)];
    const c = [mk('C', M15)];
    const ids = (bars: Bar[]) => bars.map((x) => `${x.instrumentId}${x.ts / M15}`);
    expect(ids(mergeBars([a, b, c]))).toEqual(['A0', 'B0', 'B1', 'C1', 'A2', 'B2']);
    expect(ids(mergeBars([c, b, a]))).toEqual(['B0', 'A0', 'C1', 'B1', 'B2', 'A2']);
    expect(ids(mergeBars(seriesInOrder(new Map([['A', a], ['B', b], ['C', c]]), ['C', 'A', 'B'])))).toEqual(['A0', 'B0', 'C1', 'B1', 'A2', 'B2']);
    expect(mergeBars([])).toEqual([]);
    expect(mergeBars([[], a, []])).toEqual(a);
  });

  it('is sorted by (ts, instrument order), a permutation of the inputs, and equal to the iterator (property)', () => {
    fc.assert(
      fc.property(seriesArb, (series) => {
        const merged = mergeBars(series);
        const rank = (b: Bar) => Number(b.instrumentId.slice(1));
        for (let i = 1; i < merged.length; i++) {
          const p = merged[i - 1]!;
          const q = merged[i]!;
          expect(p.ts < q.ts || (p.ts === q.ts && rank(p) <= rank(q))).toBe(true);
        }
        // Permutation: the same multiset of bar objects, and each series' own order is kept.
        expect(merged.length).toBe(series.reduce((s, x) => s + x.length, 0));
        expect(new Set(merged).size).toBe(merged.length);
        for (const s of series) for (const b of s) expect(merged.includes(b)).toBe(true);
        series.forEach((s, k) => expect(merged.filter((b) => rank(b) === k)).toEqual(s));
        expect([...mergedBars(series)]).toEqual(merged);
        // Deterministic.
        expect(mergeBars(series)).toEqual(merged);
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same order when poorly aligned series make it switch to the heap', () => {
    // 16 series with mostly distinct timestamps (and some ties): few bars per sweep pass.
    const series = Array.from({ length: 16 }, (_, s) =>
      Array.from({ length: 400 }, (_, i) => mk(`I${s}`, (i * 16 + ((s * 7) % 16)) * 1000 - (i % 50 === 0 ? (s % 3) * 1000 : 0), i)).sort((a, b) => a.ts - b.ts),
    );
    const reference = series
      .flatMap((bars, s) => bars.map((b, i) => ({ b, s, i })))
      .sort((x, y) => x.b.ts - y.b.ts || x.s - y.s || x.i - y.i)
      .map((x) => x.b);
    expect(mergeBars(series)).toEqual(reference);
    expect([...mergedBars(series)]).toEqual(reference);
  });

  it('throws data.unsorted for an unsorted series and data.series_missing for an unknown instrument', () => {
    expect(() => mergeBars([[mk('A', M15), mk('A', 0)]])).toThrow(expect.objectContaining({ code: 'data.unsorted' }));
    expect(() => [...mergedBars([[], [mk('B', M15), mk('B', 0)]])]).toThrow(expect.objectContaining({ code: 'data.unsorted' }));
    expect(() => seriesInOrder(new Map(), ['A'])).toThrow(expect.objectContaining({ code: 'data.series_missing' }));
  });

  it('merges 46 symbols × 2,600 bars quickly', () => {
    const series = generateSyntheticBars({
      symbols: syntheticSymbolNames(46),
      start: Date.UTC(2024, 0, 2),
      resolution: '15min',
      count: 2600,
      calendar: 'us_equity',
      seed: 1,
    }).map((s) => s.bars);
    const t0 = performance.now();
    const merged = mergeBars(series);
    const ms = performance.now() - t0;
    expect(merged).toHaveLength(46 * 2600);
    expect(merged[0]!.instrumentId).toBe('SYN01');
    expect(merged[45]!.instrumentId).toBe('SYN46');
    expect(merged[46]!.ts).toBe(merged[0]!.ts + M15);
    expect(ms).toBeLessThan(2000);
  });
});
