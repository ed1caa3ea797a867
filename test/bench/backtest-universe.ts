/**
 * The benchmark universe: 46 US-stock-like symbols x 26,000 15-minute bars of regular-hours trading,
 * generated deterministically (same seed, same bars), merged into one time-ordered stream.
 */
import type { Bar } from '../../engine/core/bar';
import type { Instrument } from '../../engine/core/instrument';
import { mergeBars } from '../../engine/data/merge';
import { generateSyntheticBars, syntheticSymbolNames } from '../../engine/data/synthetic';
import { instrumentFor } from '../../engine/runtime/instruments';

export interface Universe {
  bars: Bar[];
  instruments: Instrument[];
}

export function benchUniverse(symbols = 46, barsPerSymbol = 26_000): Universe {
  const series = generateSyntheticBars({
    symbols: syntheticSymbolNames(symbols),
    start: Date.UTC(2022, 0, 3),
    resolution: '15min',
    count: barsPerSymbol,
    calendar: 'us_equity',
    seed: 20_260_101,
  });
  const instruments = series.map((s) => instrumentFor(s.symbol, s.bars.slice(0, 200).map((b) => b.close), {}));
  return { bars: mergeBars(series.map((s) => s.bars)), instruments };
}
