/**
 * Loading bar CSV files from disk (the Node side of `engine/data`): one file, or a folder of
 * `{SYMBOL}_{resolution}.csv` files with an optional symbol filter, resolution and time range.
 * Parsing and cleaning are `parseBarsCsv`'s (see its cleaning policy); this module adds reading and
 * the file-level errors:
 *
 * - `data.file_not_found`, `data.not_a_file`, `data.read_failed`, `data.file_too_large`
 * - `data.folder_not_found`, `data.not_a_folder`
 * - `data.bad_file_name` — a file name without a resolution, when none is given
 * - `data.symbol_not_found` — a requested symbol has no file in the folder
 * - `data.empty`, `data.bad_header` — from the parser
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Bar } from '../../core/bar';
import { EngineError } from '../../core/errors';
import { RESOLUTIONS, type Resolution } from '../../core/time';
import { parseBarFileName } from '../../data/bar-file-name';
import { parseBarsCsv } from '../../data/csv-bars';
import type { LoadReport } from '../../data/load-report';
import { errnoCode } from '../errno';

export interface LoadBarsOptions {
  /** Keep bars with `ts >= from` (epoch ms). */
  from?: number;
  /** Keep bars with `ts < to` (epoch ms). */
  to?: number;
  /** See `ParseBarsOptions.repairRangeTolerance` (default 0: reject open/close outside [low, high]). */
  repairRangeTolerance?: number;
  /** Cap on listed issues per file (default 100,000; counts stay complete). */
  maxIssues?: number;
}

export interface LoadBarFileOptions extends LoadBarsOptions {
  /** Default: the symbol in the file name. */
  instrumentId?: string;
  /** Default: the resolution in the file name. */
  resolution?: Resolution;
}

export interface LoadedBarSeries {
  symbol: string;
  resolution: Resolution;
  path: string;
  bars: Bar[];
  report: LoadReport;
}

export interface LoadBarFolderOptions extends LoadBarsOptions {
  /** Only these symbols (matched case-insensitively); each must have a file, or `data.symbol_not_found`. */
  symbols?: readonly string[];
  /** Only files of this resolution (default: all resolutions). */
  resolution?: Resolution;
}

export interface LoadedBarFolder {
  dir: string;
  /** In the order of `symbols` when given (then by resolution), otherwise by file name. */
  series: LoadedBarSeries[];
  /** `.csv` files skipped because their name has no resolution (e.g. `EUR_USD_ticks_2019-02-04.csv`) or because of the filters. */
  skippedFiles: string[];
}


async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const code = errnoCode(e);
    const message = e instanceof Error ? e.message : String(e);
    if (code === 'ENOENT') throw new EngineError('data.file_not_found', `${path}: no such file`, { path });
    if (code === 'EISDIR') throw new EngineError('data.not_a_file', `${path} is a directory`, { path });
    if (code === 'ERR_STRING_TOO_LONG' || code === 'ERR_FS_FILE_TOO_LARGE') {
      throw new EngineError('data.file_too_large', `${path} is too large to load at once`, { path });
    }
    throw new EngineError('data.read_failed', `${path}: ${message}`, { path, cause: code ?? message });
  }
}

/** Reads and parses one bar file. The symbol and resolution come from the name unless given. */
export async function loadBarFile(path: string, options: LoadBarFileOptions = {}): Promise<LoadedBarSeries> {
  const parsedName = parseBarFileName(basename(path));
  const resolution = options.resolution ?? parsedName?.resolution;
  if (resolution === undefined) {
    throw new EngineError('data.bad_file_name', `${path}: cannot tell the resolution from the name (expected SYMBOL_resolution.csv)`, { path });
  }
  const symbol = options.instrumentId ?? parsedName?.symbol ?? basename(path).replace(/\.csv$/i, '');
  const text = await readText(path);
  const { bars, report } = parseBarsCsv(text, {
    instrumentId: symbol,
    durationMs: RESOLUTIONS[resolution],
    file: path,
    from: options.from,
    to: options.to,
    repairRangeTolerance: options.repairRangeTolerance,
    maxIssues: options.maxIssues,
  });
  return { symbol, resolution, path, bars, report };
}

const RESOLUTION_ORDER = Object.keys(RESOLUTIONS);

/** Loads every matching `{SYMBOL}_{resolution}.csv` of a folder (not recursive). */
export async function loadBarFolder(dir: string, options: LoadBarFolderOptions = {}): Promise<LoadedBarFolder> {
  let names: string[];
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    names = entries.filter((e) => e.isFile() || e.isSymbolicLink()).map((e) => e.name);
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'ENOENT') throw new EngineError('data.folder_not_found', `${dir}: no such folder`, { dir });
    if (code === 'ENOTDIR') throw new EngineError('data.not_a_folder', `${dir} is not a folder`, { dir });
    throw new EngineError('data.read_failed', `${dir}: ${e instanceof Error ? e.message : String(e)}`, { dir, cause: code });
  }
  names.sort();
  const wanted = options.symbols?.map((s) => s.toUpperCase());
  const skippedFiles: string[] = [];
  const chosen: { name: string; symbol: string; resolution: Resolution }[] = [];
  for (const name of names) {
    if (!/\.csv$/i.test(name)) continue;
    const parsed = parseBarFileName(name);
    if (
      parsed === null ||
      (options.resolution !== undefined && parsed.resolution !== options.resolution) ||
      (wanted !== undefined && !wanted.includes(parsed.symbol.toUpperCase()))
    ) {
      skippedFiles.push(name);
      continue;
    }
    chosen.push({ name, ...parsed });
  }
  if (wanted !== undefined) {
    const found = new Set(chosen.map((c) => c.symbol.toUpperCase()));
    const missing = (options.symbols ?? []).filter((s) => !found.has(s.toUpperCase()));
    if (missing.length > 0) {
      const available = [...new Set(names.map((n) => parseBarFileName(n)?.symbol).filter((s): s is string => s !== undefined))];
      throw new EngineError(
        'data.symbol_not_found',
        `${dir}: no file${options.resolution === undefined ? '' : ` of resolution ${options.resolution}`} for ${missing.join(', ')}`,
        { dir, missing, available, resolution: options.resolution ?? null },
      );
    }
    const rank = (s: string) => wanted.indexOf(s.toUpperCase());
    chosen.sort((a, b) => rank(a.symbol) - rank(b.symbol) || RESOLUTION_ORDER.indexOf(a.resolution) - RESOLUTION_ORDER.indexOf(b.resolution));
  }
  const series: LoadedBarSeries[] = [];
  for (const c of chosen) {
    series.push(
      await loadBarFile(join(dir, c.name), {
        instrumentId: c.symbol,
        resolution: c.resolution,
        from: options.from,
        to: options.to,
        repairRangeTolerance: options.repairRangeTolerance,
        maxIssues: options.maxIssues,
      }),
    );
  }
  return { dir, series, skippedFiles };
}
