/**
 * The benchmarks' log-bucketed histogram: percentiles within one bucket (<= 1/32 of the value) of the
 * exact order statistic, never below it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Histogram } from '../../bench/histogram';

function exact(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(1, Math.ceil((p / 100) * s.length)) - 1]!;
}

describe('Histogram', () => {
  it('small values land in 1 ns buckets (reported as the upper edge, at most the max); empty gives NaN', () => {
    const h = new Histogram();
    expect(h.percentile(50)).toBeNaN();
    for (let v = 1; v <= 10; v++) h.record(v);
    expect(h.percentile(50)).toBe(6); // 5 lies in [5, 6)
    expect(h.percentile(100)).toBe(10);
    expect(h).toMatchObject({ count: 10, min: 1, max: 10, mean: 5.5 });
  });

  it('percentiles are at or above the exact value and within 1/32 of it', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 40 }), { minLength: 1, maxLength: 300 }), fc.double({ min: 0, max: 100, noNaN: true }), (vals, p) => {
        const h = new Histogram();
        for (const v of vals) h.record(v);
        const want = exact(vals, p);
        const got = h.percentile(p);
        expect(got).toBeGreaterThanOrEqual(want);
        expect(got).toBeLessThanOrEqual(Math.max(want + 1, want * (1 + 1 / 32)));
      }),
    );
  });

  it('merge adds counts; invalid values are ignored', () => {
    const a = new Histogram();
    const b = new Histogram();
    a.record(100);
    b.record(1_000_000);
    b.record(Number.NaN);
    b.record(-1);
    a.merge(b);
    expect(a.count).toBe(2);
    expect(a.percentile(100)).toBe(1_000_000);
  });
});
