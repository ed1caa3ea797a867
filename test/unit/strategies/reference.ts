/**
 * Independent references for the strategy tests: TA-Lib's EMA (npm `talib`, a native CommonJS addon,
 * loaded with createRequire), a seeded price-series generator and bar builders.
 */
import { createRequire } from 'node:module';
import type { Bar } from '../../../engine/core/bar';
import { BAR_MS, T0 } from '../runtime/engine-harness';
import { mulberry32 } from '../../../engine/data/prng';

interface Talib {
  execute(params: Record<string, unknown>): { begIndex: number; nbElement: number; result: Record<string, number[]> };
}
const talib = createRequire(import.meta.url)('talib') as Talib;

/** TA-Lib EMA aligned to the input (NaN before index period - 1). */
export function talibEma(closes: readonly number[], period: number): number[] {
  const n = closes.length;
  const r = talib.execute({ name: 'EMA', startIdx: 0, endIdx: n - 1, inReal: [...closes], optInTimePeriod: period });
  const out = new Array<number>(n).fill(Number.NaN);
  const values = r.result.outReal ?? [];
  values.forEach((v, i) => (out[r.begIndex + i] = v));
  return out;
}

/** mulberry32: a small seeded generator (the engine's own, so the sequence is the same everywhere). */
export const rng = mulberry32;

export interface Ohlc {
  open: number;
  high: number;
  low: number;
  close: number;
}

/**
 * A random walk in whole cents (prices are cents / 100, so ticks/100 gives back the same double):
 * each bar opens a few cents away from the previous close (so that "next bar's open" differs from
 * the signal bar's close), then moves; high/low add wicks. Kept within 20.00 .. 1,000.00.
 */
export function randomWalk(seed: number, n: number, start = 100_00, stepCents = 60): Ohlc[] {
  const r = rng(seed);
  const out: Ohlc[] = [];
  let prev = start;
  for (let i = 0; i < n; i++) {
    const clampC = (c: number) => Math.min(1_000_00, Math.max(20_00, c));
    const open = clampC(prev + Math.round((r() - 0.5) * stepCents * 0.3));
    const close = clampC(open + Math.round((r() - 0.5) * 2 * stepCents));
    const high = Math.max(open, close) + Math.round(r() * stepCents * 0.5);
    const low = Math.max(1, Math.min(open, close) - Math.round(r() * stepCents * 0.5));
    out.push({ open: open / 100, high: high / 100, low: low / 100, close: close / 100 });
    prev = close;
  }
  return out;
}

/** Bars for one instrument from OHLC rows, BAR_MS apart from T0. */
export function toBars(instrumentId: string, rows: readonly Ohlc[], start = T0, durationMs = BAR_MS): Bar[] {
  return rows.map((p, i) => ({ instrumentId, ts: start + i * durationMs, durationMs, ...p, volume: 1_000_000 }));
}

/** Bars from closes only: each bar opens at the previous close (the first at its own close). */
export function barsFromCloses(closes: readonly number[]): Ohlc[] {
  return closes.map((c, i) => {
    const open = i === 0 ? c : closes[i - 1]!;
    return { open, high: Math.max(open, c), low: Math.min(open, c), close: c };
  });
}

/** A trade as the tests compare it. */
export interface RefTrade {
  direction: 'LONG' | 'SHORT';
  entryTs: number;
  entryPx: number;
  exitTs: number;
  exitPx: number;
  exitReason: string;
}
