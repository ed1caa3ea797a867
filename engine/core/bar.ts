import type { EpochMs } from './time';

/** Open/high/low/close of one side of a quote bar. */
export interface Ohlc {
  open: number;
  high: number;
  low: number;
  close: number;
}

/**
 * One bar of market data. Prices are market data as received (floating point); they become exact
 * integer ticks only where an order meets the venue. `ts` is the bar's OPEN time; the bar is complete
 * at `ts + durationMs`.
 * `open..close` are trade prices, or mid prices for a quote (bid/ask) bar, in which case `bid` and
 * `ask` hold the two sides.
 */
export interface Bar {
  instrumentId: string;
  ts: EpochMs;
  durationMs: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  bid?: Ohlc;
  ask?: Ohlc;
}

/** Top of book at one instant. */
export interface Quote {
  instrumentId: string;
  ts: EpochMs;
  bid: number;
  ask: number;
  bidSize?: number;
  askSize?: number;
}

/** Time at which a bar is complete (its close time). */
export function barCloseTs(bar: Bar): EpochMs {
  return bar.ts + bar.durationMs;
}
