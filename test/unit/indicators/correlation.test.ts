/** Rolling Pearson correlation against a two-pass computation, plus hand-checked cases. */
import { describe, expect, it } from 'vitest';
import { Correlation, correlation } from '../../../engine/indicators';
import { loadEurUsd, mulberry32, randomWalk } from './data';

const TOL = 1e-9;

function twoPassPearson(x: ArrayLike<number>, y: ArrayLike<number>, p: number): Float64Array {
  const n = x.length;
  const out = new Float64Array(n).fill(NaN);
  for (let i = p - 1; i < n; i++) {
    let sx = 0;
    let sy = 0;
    for (let j = i - p + 1; j <= i; j++) {
      sx += x[j]!;
      sy += y[j]!;
    }
    const mx = sx / p;
    const my = sy / p;
    let cxy = 0;
    let vx = 0;
    let vy = 0;
    for (let j = i - p + 1; j <= i; j++) {
      const dx = x[j]! - mx;
      const dy = y[j]! - my;
      cxy += dx * dy;
      vx += dx * dx;
      vy += dy * dy;
    }
    out[i] = cxy / Math.sqrt(vx * vy);
  }
  return out;
}

/** Largest absolute difference (r is in [-1, 1], so absolute is the meaningful scale). */
function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>, from: number): number {
  let m = 0;
  for (let i = from; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Two correlated FX-like random walks around 1.1 and 1.3. */
function pair(n: number, seed: number, rho: number): { x: Float64Array; y: Float64Array } {
  const rnd = mulberry32(seed);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  let a = 1.1;
  let b = 1.3;
  for (let i = 0; i < n; i++) {
    const e1 = rnd() - 0.5;
    const e2 = rnd() - 0.5;
    a += 2e-4 * e1;
    b += 2e-4 * (rho * e1 + Math.sqrt(1 - rho * rho) * e2);
    x[i] = a;
    y[i] = b;
  }
  return { x, y };
}

describe('rolling correlation', () => {
  it('matches two-pass Pearson on 100k FX-like points, several periods', () => {
    const { x, y } = pair(100_000, 5, 0.6);
    for (const p of [2, 5, 20, 100]) {
      const ours = correlation(x, y, p);
      const ref = twoPassPearson(x, y, p);
      for (let i = 0; i < p - 1; i++) expect(ours[i]).toBeNaN();
      expect(maxAbsDiff(ours, ref, p - 1), `period ${p}`).toBeLessThanOrEqual(TOL);
    }
  });

  it('streaming equals batch over a long series', () => {
    const { x, y } = pair(50_000, 6, -0.3);
    const c = new Correlation(30);
    const batch = correlation(x, y, 30);
    let same = 0;
    for (let i = 0; i < x.length; i++) {
      c.add(x[i]!, y[i]!);
      if (Object.is(c.value, batch[i])) same++;
    }
    expect(same).toBe(x.length);
  });

  it('exact linear relations give ±1', () => {
    const x = randomWalk(500, 8, 100, 0.01);
    const up = x.map((v) => 3 * v + 7);
    const down = x.map((v) => 5 - 0.5 * v);
    const r1 = correlation(x, up, 10);
    const r2 = correlation(x, down, 10);
    for (let i = 9; i < 500; i++) {
      expect(r1[i]).toBeCloseTo(1, 12);
      expect(r2[i]).toBeCloseTo(-1, 12);
      expect(Math.abs(r1[i]!)).toBeLessThanOrEqual(1);
    }
  });

  it('hand-computed: x = 1..5, y = 2, 4, 5, 4, 5 → r = 0.7745966692414834 (√0.6)', () => {
    const c = new Correlation(5);
    const y = [2, 4, 5, 4, 5];
    for (let i = 0; i < 5; i++) c.add(i + 1, y[i]!);
    expect(c.isReady).toBe(true);
    expect(c.value).toBeCloseTo(Math.sqrt(0.6), 14);
  });

  it('a window where either series is constant has no correlation (NaN), also after a move', () => {
    const x = [1.1, 1.2, 1.15, 1.3, 1.3, 1.3, 1.3, 1.3, 1.4, 1.35];
    const y = [5, 6, 7, 6, 5, 6, 7, 8, 9, 8];
    const r = correlation(x, y, 4);
    const ref = twoPassPearson(x, y, 4);
    expect(r[3]).toBeCloseTo(ref[3]!, 12);
    expect(r[6]).toBeNaN(); // x = 1.3 four times
    expect(r[7]).toBeNaN();
    expect(r[8]).toBeCloseTo(ref[8]!, 12);
    const c = new Correlation(4);
    for (let i = 0; i < x.length; i++) {
      c.add(x[i]!, y[i]!);
      expect(Object.is(c.value, r[i])).toBe(true);
    }
    expect(Array.from(correlation([0, 0, 0, 0, 0], [1, 2, 3, 4, 5], 3)).every(Number.isNaN)).toBe(true);
  });

  it('series with jumps and flat stretches stay within 1e-9 of two-pass', () => {
    const rnd = mulberry32(21);
    const n = 30_000;
    const x = new Float64Array(n);
    const y = new Float64Array(n);
    let a = 1e5;
    let b = 0;
    for (let i = 0; i < n; i++) {
      const r = rnd();
      if (r < 0.002) a += (rnd() - 0.5) * 1e4;
      else if (r < 0.7) a += (rnd() - 0.5) * 0.1;
      b += rnd() - 0.5 + (r < 0.7 ? 0.3 * (a - x[Math.max(0, i - 1)]!) : 0);
      x[i] = a;
      y[i] = b;
    }
    const ours = correlation(x, y, 20);
    const ref = twoPassPearson(x, y, 20);
    let worst = 0;
    for (let i = 19; i < n; i++) {
      if (Number.isNaN(ours[i]!)) {
        // only where x really is flat over the window
        let flat = true;
        for (let j = i - 19; j <= i; j++) if (x[j] !== x[i]) flat = false;
        expect(flat, `NaN at ${i}`).toBe(true);
        continue;
      }
      worst = Math.max(worst, Math.abs(ours[i]! - ref[i]!));
    }
    expect(worst).toBeLessThanOrEqual(TOL);
  });

  it('shared EUR_USD closes vs their own 1-bar-lagged copy, when ../shared/data exists', () => {
    const eur = loadEurUsd();
    if (eur === null) return;
    const x = eur.close.subarray(1);
    const y = eur.close.subarray(0, eur.close.length - 1);
    const ours = correlation(x, y, 20);
    const ref = twoPassPearson(x, y, 20);
    let worst = 0;
    for (let i = 19; i < x.length; i++) {
      if (Number.isNaN(ours[i]!) && Number.isNaN(ref[i]!)) continue;
      worst = Math.max(worst, Math.abs(ours[i]! - ref[i]!));
    }
    expect(worst).toBeLessThanOrEqual(TOL);
  });
});
