/**
 * Bar file names: `{SYMBOL}_{resolution}.csv`, e.g. `AAPL_15min.csv`, `EUR_USD_15min.csv`. Symbols
 * may contain `_`; the resolution is the part after the last `_` and must be one of `RESOLUTIONS`
 * (matched case-insensitively; the `.csv` extension too).
 */
import { isResolution, type Resolution } from '../core/time';

export interface BarFileName {
  symbol: string;
  resolution: Resolution;
}

/** The symbol and resolution in a bar file name (no directories), or null when it does not follow the pattern. */
export function parseBarFileName(fileName: string): BarFileName | null {
  if (!/\.csv$/i.test(fileName)) return null;
  const stem = fileName.slice(0, -4);
  const cut = stem.lastIndexOf('_');
  if (cut <= 0) return null;
  const resolution = stem.slice(cut + 1).toLowerCase();
  if (!isResolution(resolution)) return null;
  return { symbol: stem.slice(0, cut), resolution };
}

export function barFileName(symbol: string, resolution: Resolution): string {
  return `${symbol}_${resolution}.csv`;
}
