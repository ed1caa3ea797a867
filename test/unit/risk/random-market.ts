/**
 * Random bars for the risk property tests: each bar moves from the previous close by a gap `g`, a
 * body `h` and wicks `u`, in basis points, with prices rounded to cents.
 */
import fc from 'fast-check';
import type { Bar } from '../../../engine/core/bar';

export interface BarMove {
  g: number;
  h: number;
  u: number;
}

/** Gap and body up to ±0.5 % each, wicks up to 0.3 %. */
export const barMoveArb: fc.Arbitrary<BarMove> = fc.record({ g: fc.integer({ min: -50, max: 50 }), h: fc.integer({ min: -50, max: 50 }), u: fc.integer({ min: 0, max: 30 }) });

/** Largest move of any price of a bar from the previous close (gap, body, wick) plus cent rounding. */
export const MAX_MOVE = 1.005 * 1.005 * 1.003 - 1 + 0.0001;

export const round2 = (x: number): number => Math.round(x * 100) / 100;

/** The next bar of `instrumentId` after a close of `prevClose`. */
export function nextBar(instrumentId: string, ts: number, durationMs: number, prevClose: number, mv: BarMove): Bar {
  const open = round2(prevClose * (1 + mv.g / 10_000));
  const close = round2(open * (1 + mv.h / 10_000));
  const high = round2(Math.max(open, close) * (1 + mv.u / 10_000));
  const low = round2(Math.min(open, close) * (1 - mv.u / 10_000));
  return { instrumentId, ts, durationMs, open, high, low, close, volume: 1_000 };
}
