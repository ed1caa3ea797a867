/**
 * Fast CSV → Bar parsing with validation and cleaning, from a string (pure: no file system here).
 *
 * The scanner (`csv-scan.ts`) walks the text once with `charCodeAt`, parsing numbers digit by digit
 * (a plain decimal of at most 15 significant digits is `mantissa / 10^k`, which is exactly what
 * `parseFloat` returns) and timestamps by hand (`parse-timestamp.ts`). Unusual cells (exponents,
 * spaces, quotes, very long numbers) take a slower exact path. A UTF-8 BOM, CRLF line ends, blank
 * lines and spaces around cells are tolerated.
 *
 * ## Cleaning policy
 * Loading never throws because of a bad row and never drops a row silently: every rejected or
 * repaired row becomes a `DataIssue` (file, line, reason, action). Each row gets at most one
 * validation issue (the first check it fails, in the order below), plus possibly `out_of_order`.
 *
 * | reason | action |
 * |---|---|
 * | `wrong_column_count` | rejected |
 * | `unparsable_timestamp` | rejected |
 * | `nan` — an empty cell or `NaN`/`null`/`None`/`NA`/`N/A`/`inf`/`Infinity` | rejected |
 * | `unparsable_number` — any other cell that is not a number (`1.2.3`, `abc`, `0x1f`) | rejected |
 * | `negative_price` — a price ≤ 0 (zero is treated as a broken price, too) | rejected |
 * | `negative_volume` | rejected |
 * | `high_below_low` | rejected |
 * | `open_outside_range` / `close_outside_range` — open or close outside [low, high] | rejected by default (widening would invent a price the source never printed); with `repairRangeTolerance` > 0, repaired (high/low widened to include it) when the excess is at most that fraction of the price, rejected beyond |
 * | `duplicate_timestamp` — a second row with an already-loaded timestamp | rejected; the FIRST row (by line) is kept; the message says whether it was an exact copy or had conflicting values |
 * | `out_of_order` — a timestamp earlier than one on a previous line | repaired: the row is kept and the output is sorted by time (stable); reported on the moved row. Sorting rather than rejecting means a file written newest-first still loads whole |
 * | `missing_header` — the first line is data (6 or 9 columns) | noted: the standard column order is assumed |
 * | `unknown_header` — an extra, unknown column | noted: the column is ignored |
 *
 * For bid/ask files the price checks run on each side; the bar's open..close are the bid/ask mids
 * (`(bid + ask) / 2`, floating point) and its volume is 0 unless the file has a volume column.
 *
 * Rows outside the optional `from` (inclusive) / `to` (exclusive) range are skipped after their
 * timestamp is read (counted in `rowsOutsideRange`, not validated further). Ordering and duplicate
 * checks apply to the rows inside the range.
 *
 * Whole-file problems throw `EngineError`: `data.empty` (no text, or a header without data rows),
 * `data.bad_header` (see `csv-header.ts`).
 */
import type { Bar } from '../core/bar';
import { EngineError } from '../core/errors';
import { isoUtc } from '../core/time';
import { layoutFromHeader, normaliseColumnName, STANDARD_BIDASK_COLUMNS, STANDARD_OHLCV_COLUMNS, type CsvLayout } from './csv-header';
import {
  barLines,
  clipLine,
  duplicateMessage,
  isBlankLine,
  lineEndAt,
  ROLE_PRICE,
  ROLE_TS,
  ROLE_VOLUME,
  sameBarValues,
  scanBarRows,
  type IssueSink,
} from './csv-scan';
import { DATA_ISSUE_REASONS, type DataIssue, type DataIssueAction, type DataIssueReason, type IssueCount, type LoadReport } from './load-report';
import { parseTimestampField } from './parse-timestamp';

export interface ParseBarsOptions {
  /** Instrument id put on every bar. */
  instrumentId: string;
  /** Bar duration in ms (e.g. `RESOLUTIONS['15min']`). */
  durationMs: number;
  /** File name used in the report (default: the instrument id). */
  file?: string;
  /** Keep only bars with `ts >= from`. */
  from?: number;
  /** Keep only bars with `ts < to`. */
  to?: number;
  /**
   * Repair open/close outside [low, high] by widening high/low when the excess is at most this
   * fraction of the price (e.g. 0.001 = 0.1 %; `Infinity` repairs any excess). Default 0: reject.
   */
  repairRangeTolerance?: number;
  /** Cap on listed issues (counts stay complete). Default 100,000. */
  maxIssues?: number;
}

export interface ParsedBars {
  bars: Bar[];
  report: LoadReport;
}

const ACTIONS: readonly DataIssueAction[] = ['rejected', 'repaired', 'noted'];
const REASON_INDEX = new Map<DataIssueReason, number>(DATA_ISSUE_REASONS.map((r, i) => [r, i]));

/**
 * Parses and cleans a bar CSV text. Never throws for bad rows (see the policy above); throws
 * `data.empty` / `data.bad_header` when the text has no usable header or no data rows.
 */
export function parseBarsCsv(text: string, options: ParseBarsOptions): ParsedBars {
  const { instrumentId, durationMs } = options;
  const file = options.file ?? instrumentId;
  const maxIssues = options.maxIssues ?? 100_000;
  const n = text.length;

  const counts = new Int32Array(DATA_ISSUE_REASONS.length * ACTIONS.length);
  const issues: DataIssue[] = [];
  let issuesOmitted = 0;
  const addIssue: IssueSink = (line, reason, action, message, lineText) => {
    counts[REASON_INDEX.get(reason)! * ACTIONS.length + ACTIONS.indexOf(action)]! += 1;
    if (issues.length < maxIssues) issues.push({ file, line, reason, action, message, text: lineText });
    else issuesOmitted++;
  };

  // ---- header: the first non-blank line
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 0;
  let leadingBlank = 0;
  let headerEnd = -1;
  while (pos < n) {
    const e = lineEndAt(text, pos);
    line++;
    if (!isBlankLine(text, pos, e)) {
      headerEnd = e;
      break;
    }
    leadingBlank++;
    pos = e + 1;
  }
  if (headerEnd === -1) throw new EngineError('data.empty', `${file}: the file is empty`, { file });
  const firstCells = text.slice(pos, headerEnd).replace(/\r$/, '').split(',');
  const firstCell = firstCells[0] ?? '';
  let layout: CsvLayout;
  if (!Number.isNaN(parseTimestampField(firstCell, 0, firstCell.length))) {
    // No header: the first line is already data.
    const std = firstCells.length === 9 ? STANDARD_BIDASK_COLUMNS : firstCells.length === 6 ? STANDARD_OHLCV_COLUMNS : null;
    if (std === null) {
      throw new EngineError('data.bad_header', `${file}: no header, and ${firstCells.length} columns match no standard layout (6 or 9)`, {
        file,
        columns: [],
        problem: 'missing header',
      });
    }
    layout = layoutFromHeader([...std], file);
    addIssue(line, 'missing_header', 'noted', `no header line; assumed ${std.join(',')}`, clipLine(text, pos, headerEnd));
    line--; // the first line is read again, as data
  } else {
    layout = layoutFromHeader(firstCells.map(normaliseColumnName), file);
    for (const i of layout.ignored) {
      addIssue(line, 'unknown_header', 'noted', `column ${i + 1} "${layout.columns[i]}" is not used`, clipLine(text, pos, headerEnd));
    }
    pos = headerEnd + 1;
  }

  const bidAsk = layout.format === 'bidask';
  const ix = layout.index;
  const roles = new Uint8Array(layout.columns.length);
  roles[ix.ts] = ROLE_TS;
  const priceCols = bidAsk
    ? [ix.bid_open, ix.bid_high, ix.bid_low, ix.bid_close, ix.ask_open, ix.ask_high, ix.ask_low, ix.ask_close]
    : [ix.open, ix.high, ix.low, ix.close];
  for (const c of priceCols) roles[c] = ROLE_PRICE;
  if (ix.volume !== -1) roles[ix.volume] = ROLE_VOLUME;

  const scan = scanBarRows(
    text,
    pos,
    line,
    {
      instrumentId,
      durationMs,
      bidAsk,
      columns: layout.columns,
      roles,
      priceCols,
      volumeCol: ix.volume,
      from: options.from ?? -Infinity,
      to: options.to ?? Infinity,
      tolerance: options.repairRangeTolerance ?? 0,
    },
    addIssue,
  );
  if (scan.rowsRead === 0) throw new EngineError('data.empty', `${file}: no data rows after the header`, { file });

  let bars = scan.bars;
  let rowsRejected = scan.rowsRejected;
  let rowsRepaired = scan.rowsRepaired;
  if (scan.outOfOrder !== null) {
    const sorted = sortAndDedupe(text, scan.bars, barLines(scan), new Set(scan.outOfOrder), scan.repairedLines ?? new Set(), addIssue);
    bars = sorted.bars;
    rowsRejected += sorted.rejected;
    rowsRepaired += sorted.repaired;
  }
  issues.sort((a, b) => a.line - b.line);

  const countList: IssueCount[] = [];
  DATA_ISSUE_REASONS.forEach((reason, ri) => {
    ACTIONS.forEach((action, ai) => {
      const count = counts[ri * ACTIONS.length + ai]!;
      if (count > 0) countList.push({ reason, action, count });
    });
  });
  const report: LoadReport = {
    file,
    instrumentId,
    format: layout.format,
    columns: layout.columns,
    rowsRead: scan.rowsRead,
    rowsLoaded: bars.length,
    rowsRejected,
    rowsRepaired,
    rowsOutsideRange: scan.rowsOutsideRange,
    blankLines: leadingBlank + scan.blankLines,
    firstTs: bars.length > 0 ? bars[0]!.ts : null,
    lastTs: bars.length > 0 ? bars[bars.length - 1]!.ts : null,
    priceDecimals: scan.maxFrac,
    counts: countList,
    issues,
    issuesOmitted,
  };
  return { bars, report };
}

/** The rare path for files not in time order: stable sort by time, drop later duplicates, report moved rows. */
function sortAndDedupe(
  text: string,
  bars: Bar[],
  lines: number[],
  moved: Set<number>,
  repairedLines: Set<number>,
  addIssue: IssueSink,
): { bars: Bar[]; rejected: number; repaired: number } {
  // Offsets of every line start, to quote rows in the report.
  const lineStarts: number[] = [0, text.charCodeAt(0) === 0xfeff ? 1 : 0];
  for (let p = text.indexOf('\n'); p !== -1; p = text.indexOf('\n', p + 1)) lineStarts.push(p + 1);
  const lineText = (ln: number): string => {
    const s = lineStarts[ln] ?? text.length;
    return clipLine(text, s, lineEndAt(text, s));
  };
  const order = bars.map((_, k) => k);
  order.sort((a, b) => bars[a]!.ts - bars[b]!.ts || a - b);
  const out: Bar[] = [];
  let rejected = 0;
  let repaired = 0;
  let prev = -1;
  for (const k of order) {
    const bar = bars[k]!;
    const ln = lines[k]!;
    if (prev !== -1 && bars[prev]!.ts === bar.ts) {
      rejected++;
      if (repairedLines.has(ln)) repaired--; // its range repair was counted, but the row is dropped after all
      addIssue(ln, 'duplicate_timestamp', 'rejected', duplicateMessage(bar.ts, sameBarValues(bars[prev]!, bar), lines[prev]!), lineText(ln));
      continue;
    }
    if (moved.has(k)) {
      if (!repairedLines.has(ln)) repaired++;
      addIssue(ln, 'out_of_order', 'repaired', `${isoUtc(bar.ts)} comes after a later timestamp; moved into time order`, lineText(ln));
    }
    out.push(bar);
    prev = k;
  }
  return { bars: out, rejected, repaired };
}
