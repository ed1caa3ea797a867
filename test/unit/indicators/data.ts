/** Deterministic test data for the indicator tests (no dependency on files outside the project). */
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A multiplicative random walk starting at `start`, each step ± up to `step` (relative). */
export function randomWalk(n: number, seed: number, start = 100, step = 0.01): Float64Array {
  const rnd = mulberry32(seed);
  const out = new Float64Array(n);
  let x = start;
  for (let i = 0; i < n; i++) {
    x *= 1 + (rnd() * 2 - 1) * step;
    out[i] = x;
  }
  return out;
}

export interface Bars {
  ts: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

/**
 * OHLCV bars around a random walk; `barMs` apart starting at 2024-01-01T00:00Z. Closes are rounded to
 * `decimals` so that unchanged closes (OBV's third case) occur.
 */
export function randomBars(n: number, seed: number, barMs = 15 * 60_000, start = 100, decimals = 2): Bars {
  const rnd = mulberry32(seed);
  const ts = new Float64Array(n);
  const open = new Float64Array(n);
  const high = new Float64Array(n);
  const low = new Float64Array(n);
  const close = new Float64Array(n);
  const volume = new Float64Array(n);
  const scale = 10 ** decimals;
  const t0 = Date.UTC(2024, 0, 1);
  let prev = start;
  for (let i = 0; i < n; i++) {
    const o = prev;
    let c = Math.round(o * (1 + (rnd() * 2 - 1) * 0.004) * scale) / scale;
    if (rnd() < 0.1) c = o;
    const h = Math.max(o, c) + Math.round(rnd() * o * 0.002 * scale) / scale;
    const l = Math.min(o, c) - Math.round(rnd() * o * 0.002 * scale) / scale;
    ts[i] = t0 + i * barMs;
    open[i] = o;
    high[i] = h;
    low[i] = l;
    close[i] = c;
    volume[i] = 1 + Math.round(rnd() * 10_000);
    prev = c;
  }
  return { ts, open, high, low, close, volume };
}

/** Relative difference |a - b| / max(|a|, |b|, floor); 0 when both are NaN. */
export function relDiff(a: number, b: number, floor = 1e-300): number {
  if (Number.isNaN(a) && Number.isNaN(b)) return 0;
  if (Number.isNaN(a) || Number.isNaN(b)) return Infinity;
  if (a === b) return 0;
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), floor);
}

/** Largest relative difference over two aligned series (NaN must match NaN). */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>, from = 0, floor = 1e-300): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = from; i < a.length; i++) {
    const d = relDiff(a[i]!, b[i]!, floor);
    if (d > m) m = d;
  }
  return m;
}

const EUR_USD = fileURLToPath(new URL('../../../../shared/data/EUR_USD_15min.csv', import.meta.url));

/** The shared EUR_USD 15-minute bars when `../shared/data` exists beside the project, else null. */
export function loadEurUsd(): Bars | null {
  if (!existsSync(EUR_USD)) return null;
  const lines = readFileSync(EUR_USD, 'utf8').trim().split('\n').slice(1);
  const n = lines.length;
  const bars: Bars = {
    ts: new Float64Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
  };
  lines.forEach((line, i) => {
    const [t, o, h, l, c, v] = line.split(',');
    bars.ts[i] = Date.parse(`${t!.replace(' ', 'T')}Z`);
    bars.open[i] = Number(o);
    bars.high[i] = Number(h);
    bars.low[i] = Number(l);
    bars.close[i] = Number(c);
    bars.volume[i] = Number(v);
  });
  return bars;
}
