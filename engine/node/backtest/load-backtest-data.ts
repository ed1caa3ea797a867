/**
 * Loads the bars of a backtest from a file or a folder, builds the instruments and merges every
 * series into one time-ordered stream. Every rejected or repaired row stays in the returned reports.
 */
import { stat } from 'node:fs/promises';
import type { Bar } from '../../core/bar';
import { EngineError } from '../../core/errors';
import type { Instrument } from '../../core/instrument';
import type { Resolution } from '../../core/time';
import type { LoadReport } from '../../data/load-report';
import { mergeBars } from '../../data/merge';
import type { EngineConfig } from '../../runtime/config';
import { instrumentFor } from '../../runtime/instruments';
import { loadBarFile, loadBarFolder, type LoadedBarSeries } from '../data/load-bars';
import { errnoCode } from '../errno';

export interface BacktestDataRequest {
  path: string;
  symbols?: readonly string[];
  from?: number;
  to?: number;
  resolution?: Resolution;
}

export interface BacktestData {
  bars: Bar[];
  instruments: Instrument[];
  reports: LoadReport[];
  series: { symbol: string; resolution: Resolution; path: string; bars: number }[];
}

export async function loadBacktestData(req: BacktestDataRequest, config: EngineConfig): Promise<BacktestData> {
  let isDir: boolean;
  try {
    isDir = (await stat(req.path)).isDirectory();
  } catch (e) {
    const code = (errnoCode(e) ?? '');
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new EngineError('data.file_not_found', `${req.path}: no such file or folder`);
    throw new EngineError('data.read_failed', `${req.path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const opts = { from: req.from, to: req.to };
  let series: LoadedBarSeries[];
  if (isDir) {
    series = (await loadBarFolder(req.path, { ...opts, symbols: req.symbols, resolution: req.resolution })).series;
  } else {
    series = [await loadBarFile(req.path, { ...opts, resolution: req.resolution })];
    if (req.symbols && !req.symbols.some((s) => s.toUpperCase() === series[0]!.symbol.toUpperCase())) {
      throw new EngineError('data.symbol_not_found', `${req.path} holds ${series[0]!.symbol}, not ${req.symbols.join(', ')}`);
    }
  }
  if (series.length === 0) throw new EngineError('data.empty', `no {SYMBOL}_{resolution}.csv files in ${req.path}`);
  const seen = new Set<string>();
  for (const s of series) {
    if (seen.has(s.symbol)) {
      throw new EngineError('data.ambiguous_symbol', `${s.symbol} has files in more than one resolution; choose one with --resolution`);
    }
    seen.add(s.symbol);
  }
  const kept = series.filter((s) => s.bars.length > 0);
  if (kept.length === 0) throw new EngineError('data.empty', 'no bars left in the chosen files and time range');
  const instruments = kept.map((s) => instrumentFor(s.symbol, s.bars.slice(0, 500).map((b) => b.close), config.instruments));
  return {
    bars: mergeBars(kept.map((s) => s.bars)),
    instruments,
    reports: series.map((s) => s.report),
    series: series.map((s) => ({ symbol: s.symbol, resolution: s.resolution, path: s.path, bars: s.bars.length })),
  };
}
