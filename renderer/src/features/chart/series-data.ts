/**
 * Wire bars (parallel arrays, ms times) to lightweight-charts series data, built for long histories:
 * one pass over a range into a preallocated array of plain objects with numeric UTC-second times
 * (lightweight-charts' UTCTimestamp: no Date parsing, no spreads, no intermediate arrays). Pure
 * functions, no DOM: the chart controller calls them, the unit tests check them.
 *
 * Ranges are [from, to) bar indices. `historyWindow` decides how a history loads: the last `window`
 * bars first (what is on screen at load), all of it later, when the history is long enough for the
 * split to pay.
 */
import type { CandlestickData, LineData, Time, UTCTimestamp } from 'lightweight-charts';
import type { BarSeriesDto } from '../../../../engine/protocol/contract';

/** UTC seconds of a ms time (lightweight-charts' UTCTimestamp). */
export const sec = (ms: number): UTCTimestamp => Math.floor(ms / 1000) as UTCTimestamp;

/** Bars drawn first when a history loads: a screenful (about 230 at the default spacing) many times over. */
export const FIRST_WINDOW = 2000;

/**
 * Index of the first bar to draw at once, out of n: 0 (all at once) when the history is at most
 * twice the window, else n - window (the rest follows in an idle slice).
 */
export function historyWindow(n: number, window = FIRST_WINDOW): number {
  return n > 2 * window ? n - window : 0;
}

/** Candles of bars [from, to), in one pass. */
export function candleData(bars: Pick<BarSeriesDto, 'ts' | 'open' | 'high' | 'low' | 'close'>, from: number, to: number): CandlestickData<Time>[] {
  const { ts, open, high, low, close } = bars;
  const out = new Array<CandlestickData<Time>>(Math.max(0, to - from));
  for (let i = from, j = 0; i < to; i++, j++) out[j] = { time: Math.floor(ts[i]! / 1000) as UTCTimestamp, open: open[i]!, high: high[i]!, low: low[i]!, close: close[i]! };
  return out;
}

/** Line points of `values` over bars [from, to), skipping NaN (an indicator's warm-up). */
export function linePoints(ts: readonly number[], values: Float64Array, from: number, to: number): LineData<Time>[] {
  let first = from;
  while (first < to && values[first] !== values[first]) first++;
  const out = new Array<LineData<Time>>(Math.max(0, to - first));
  let k = 0;
  for (let i = first; i < to; i++) {
    const v = values[i]!;
    if (v === v) out[k++] = { time: Math.floor(ts[i]! / 1000) as UTCTimestamp, value: v };
  }
  out.length = k;
  return out;
}
