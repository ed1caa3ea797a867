/**
 * Header recognition for bar CSV files. Two layouts are understood (column names are matched
 * case-insensitively, after trimming spaces and quotes, in any order):
 * - `ohlcv`: `timestamp,open,high,low,close,volume` (volume optional: 0 when absent);
 * - `bidask`: `timestamp,bid_open,bid_high,bid_low,bid_close,ask_open,ask_high,ask_low,ask_close`
 *   (a `volume` column is used when present).
 * Aliases: `time`, `date`, `datetime`, `date_time`, `time_utc`, `timestamp_utc`, `ts` for the
 * timestamp; `o/h/l/c/v`, `vol` for the OHLCV columns. Other columns are ignored (and noted in the
 * report). A header naming the timestamp twice (e.g. separate `date` and `time` columns) is refused.
 */
import { EngineError } from '../core/errors';

export type BarCsvFormat = 'ohlcv' | 'bidask';

export type ColumnKey =
  | 'ts'
  | 'open'
  | 'high'
  | 'low'
  | 'close'
  | 'volume'
  | 'bid_open'
  | 'bid_high'
  | 'bid_low'
  | 'bid_close'
  | 'ask_open'
  | 'ask_high'
  | 'ask_low'
  | 'ask_close';

const ALIASES: Readonly<Record<string, ColumnKey>> = {
  timestamp: 'ts',
  time: 'ts',
  date: 'ts',
  datetime: 'ts',
  date_time: 'ts',
  time_utc: 'ts',
  timestamp_utc: 'ts',
  ts: 'ts',
  tod: 'ts',
  open: 'open',
  o: 'open',
  high: 'high',
  h: 'high',
  low: 'low',
  l: 'low',
  close: 'close',
  c: 'close',
  volume: 'volume',
  vol: 'volume',
  v: 'volume',
  bid_open: 'bid_open',
  bid_high: 'bid_high',
  bid_low: 'bid_low',
  bid_close: 'bid_close',
  ask_open: 'ask_open',
  ask_high: 'ask_high',
  ask_low: 'ask_low',
  ask_close: 'ask_close',
};

const OHLC_KEYS = ['open', 'high', 'low', 'close'] as const;
const BIDASK_KEYS = ['bid_open', 'bid_high', 'bid_low', 'bid_close', 'ask_open', 'ask_high', 'ask_low', 'ask_close'] as const;

/** The standard column lists, assumed for a file without a header (by column count: 6 or 9). */
export const STANDARD_OHLCV_COLUMNS = ['timestamp', 'open', 'high', 'low', 'close', 'volume'] as const;
export const STANDARD_BIDASK_COLUMNS = ['timestamp', ...BIDASK_KEYS] as const;

export interface CsvLayout {
  format: BarCsvFormat;
  /** Normalised column names, as in the file. */
  columns: string[];
  /** Column index of each used key; -1 when absent (only `volume` may be absent). */
  index: Record<ColumnKey, number>;
  /** Columns that are ignored (neither used nor known), by index. */
  ignored: number[];
}

/** Lower-cases, trims and unquotes one header cell. */
export function normaliseColumnName(cell: string): string {
  let s = cell.trim();
  if (s.length >= 2 && s.startsWith('"') && s.endsWith('"')) s = s.slice(1, -1).trim();
  return s.toLowerCase();
}

/** Recognises a header; throws `data.bad_header` (details: file, columns, problem) when it cannot. */
export function layoutFromHeader(columns: readonly string[], file: string): CsvLayout {
  const index = {
    ts: -1,
    open: -1,
    high: -1,
    low: -1,
    close: -1,
    volume: -1,
    bid_open: -1,
    bid_high: -1,
    bid_low: -1,
    bid_close: -1,
    ask_open: -1,
    ask_high: -1,
    ask_low: -1,
    ask_close: -1,
  } satisfies Record<ColumnKey, number>;
  const bad = (problem: string): EngineError =>
    new EngineError('data.bad_header', `${file}: unrecognised header (${problem}): ${columns.join(',')}`, {
      file,
      columns: [...columns],
      problem,
    });
  const unknown: number[] = [];
  columns.forEach((name, i) => {
    const key = ALIASES[name];
    if (key === undefined) {
      unknown.push(i);
      return;
    }
    if (index[key] !== -1) throw bad(`column "${key}" appears twice (${columns[index[key]]}, ${name})`);
    index[key] = i;
  });
  if (index.ts === -1) throw bad('no timestamp column');
  const hasBidAsk = BIDASK_KEYS.every((k) => index[k] !== -1);
  const hasOhlc = OHLC_KEYS.every((k) => index[k] !== -1);
  if (!hasBidAsk && !hasOhlc) {
    const missing = OHLC_KEYS.filter((k) => index[k] === -1);
    throw bad(`missing ${missing.join(', ')}`);
  }
  const format: BarCsvFormat = hasBidAsk ? 'bidask' : 'ohlcv';
  const ignored = [...unknown];
  if (format === 'bidask') {
    // open..close next to bid/ask columns are not used: the bar's prices are the bid/ask mids.
    for (const k of OHLC_KEYS) if (index[k] !== -1) ignored.push(index[k]);
  } else {
    for (const k of BIDASK_KEYS) if (index[k] !== -1) ignored.push(index[k]);
  }
  ignored.sort((a, b) => a - b);
  return { format, columns: [...columns], index, ignored };
}
