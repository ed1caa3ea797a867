/**
 * Bollinger Bands against a two-pass computation (not TA-Lib, whose running sums drift), on series
 * where the naive Σx² − (Σx)²/p formula breaks: prices far from zero with small steps.
 */
import { describe, expect, it } from 'vitest';
import { BollingerBands, bollinger } from '../../../engine/indicators';
import { loadEurUsd, mulberry32, randomWalk } from './data';

const TOL = 1e-9;

/** Two-pass mean and population standard deviation of each window, NaN during warm-up. */
function twoPass(values: ArrayLike<number>, p: number): { mean: Float64Array; sd: Float64Array } {
  const n = values.length;
  const mean = new Float64Array(n).fill(NaN);
  const sd = new Float64Array(n).fill(NaN);
  for (let i = p - 1; i < n; i++) {
    let s = 0;
    for (let j = i - p + 1; j <= i; j++) s += values[j]!;
    const m = s / p;
    let q = 0;
    for (let j = i - p + 1; j <= i; j++) q += (values[j]! - m) ** 2;
    mean[i] = m;
    sd[i] = Math.sqrt(q / p);
  }
  return { mean, sd };
}

const EPS = Number.EPSILON;

/**
 * Largest errors against two-pass: `mean` relative to the mean; `sd` of the streaming `stdDev`
 * relative to σ; `bands` of the batch upper/lower bands in units of k·σ, after allowing for the
 * rounding of mean ± kσ itself (a few ulps of the price).
 */
function errors(values: ArrayLike<number>, p: number, k: number): { mean: number; sd: number; bands: number } {
  const bb = bollinger(values, p, k);
  const stream = new BollingerBands(p, k);
  const ref = twoPass(values, p);
  let em = 0;
  let es = 0;
  let eb = 0;
  for (let i = 0; i < values.length; i++) {
    stream.add(values[i]!);
    if (i < p - 1) {
      expect(bb.middle[i]).toBeNaN();
      expect(stream.stdDev).toBeNaN();
      continue;
    }
    const m = ref.mean[i]!;
    const s = ref.sd[i]!;
    const am = Math.abs(m);
    em = Math.max(em, Math.abs(bb.middle[i]! - m) / am);
    // for a flat window (σ = 0) compare to the price's rounding level instead
    es = Math.max(es, Math.abs(stream.stdDev - s) / Math.max(s, am * 1e-15));
    if (s > 0) {
      const slack = 4 * EPS * am;
      const du = Math.max(0, Math.abs(bb.upper[i]! - (m + k * s)) - slack);
      const dl = Math.max(0, Math.abs(bb.lower[i]! - (m - k * s)) - slack);
      if (k > 0) eb = Math.max(eb, du / (k * s), dl / (k * s));
    }
  }
  return { mean: em, sd: es, bands: eb };
}

function expectWithin(e: { mean: number; sd: number; bands: number }, label: string): void {
  expect(e.mean, `${label} middle`).toBeLessThanOrEqual(TOL);
  expect(e.sd, `${label} stdDev`).toBeLessThanOrEqual(TOL);
  expect(e.bands, `${label} bands`).toBeLessThanOrEqual(TOL);
}

/** The naive running Σx and Σx² that TA-Lib-style implementations use: largest relative σ error. */
function naiveSdError(values: ArrayLike<number>, p: number): number {
  const ref = twoPass(values, p);
  let s1 = 0;
  let s2 = 0;
  let worst = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    s1 += x;
    s2 += x * x;
    if (i >= p) {
      const o = values[i - p]!;
      s1 -= o;
      s2 -= o * o;
    }
    if (i >= p - 1) {
      const m = s1 / p;
      const sd = Math.sqrt(Math.max(s2 / p - m * m, 0));
      worst = Math.max(worst, Math.abs(sd - ref.sd[i]!) / ref.sd[i]!);
    }
  }
  return worst;
}

describe('Bollinger Bands vs two-pass', () => {
  const walk = randomWalk(100_000, 3, 1.1, 0.0002);

  it('100k-point random walk around 1.1 with small steps: within 1e-9 (naive sums are far off)', () => {
    expectWithin(errors(walk, 20, 2), 'BB(20,2)');
    // the stress is real: the running-sums formula is off by far more than the tolerance here
    expect(naiveSdError(walk, 20)).toBeGreaterThan(1e-6);
  });

  it('the streaming class does not drift either (equal to batch at every index of the 100k walk)', () => {
    const bb = new BollingerBands(20, 2);
    const batch = bollinger(walk, 20, 2);
    let same = 0;
    for (let i = 0; i < walk.length; i++) {
      bb.add(walk[i]!);
      if (Object.is(bb.upper, batch.upper[i]) && Object.is(bb.middle, batch.middle[i]) && Object.is(bb.lower, batch.lower[i])) same++;
    }
    expect(same).toBe(walk.length);
  });

  it('other periods and multipliers', () => {
    for (const [p, k] of [
      [2, 1],
      [5, 2.5],
      [50, 2],
      [200, 3],
      [1000, 2],
    ] as const) {
      expectWithin(errors(walk.subarray(0, 30_000), p, k), `BB(${p},${k})`);
    }
  });

  it('level shifts, flat stretches and a price level of 1e6', () => {
    const rnd = mulberry32(9);
    const n = 40_000;
    const x = new Float64Array(n);
    let v = 1e6;
    for (let i = 0; i < n; i++) {
      const r = rnd();
      if (r < 0.002) v += (rnd() - 0.5) * 5e4; // jump
      else if (r < 0.6) v += (rnd() - 0.5) * 0.01; // small step
      // else: unchanged, so windows are sometimes entirely flat
      x[i] = v;
    }
    expectWithin(errors(x, 20, 2), 'BB(20,2) with jumps and flat stretches');
  });

  it('a constant series has zero width', () => {
    const bb = bollinger(new Float64Array(100).fill(1.2345), 20, 2);
    for (let i = 19; i < 100; i++) {
      expect(bb.middle[i]).toBeCloseTo(1.2345, 14);
      expect(bb.upper[i]! - bb.lower[i]!).toBeLessThan(1e-14);
    }
  });

  it('hand-computed window: 2, 4, 4, 4, 5, 5, 7, 9 → mean 5, σ 2', () => {
    const b = new BollingerBands(8, 2);
    for (const x of [2, 4, 4, 4, 5, 5, 7, 9]) b.add(x);
    expect(b.middle).toBe(5);
    expect(b.upper).toBe(9);
    expect(b.lower).toBe(1);
    expect(b.stdDev).toBe(2);
  });

  it('shared EUR_USD 15-minute closes, when ../shared/data exists', () => {
    const eur = loadEurUsd();
    if (eur === null) return;
    expectWithin(errors(eur.close, 20, 2), 'EUR_USD BB(20,2)');
  });
});
