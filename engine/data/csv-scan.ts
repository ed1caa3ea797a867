/**
 * The hot loop of CSV bar loading: one pass over the text with `charCodeAt`, numbers parsed digit by
 * digit, the standard timestamp form parsed at fixed offsets with a one-entry date cache, one Bar
 * object per accepted row. Everything unusual (odd cells, bad rows, messages) leaves the loop for a
 * slow path, so the common row costs a few comparisons per character. `csv-bars.ts` is the public
 * entry point and documents the cleaning policy implemented here.
 */
import type { Bar, Ohlc } from '../core/bar';
import { invariant } from '../core/errors';
import { isoUtc } from '../core/time';
import { daysFromCivil, daysInMonth } from './civil-date';
import type { DataIssueAction, DataIssueReason } from './load-report';
import { parseTimestampField } from './parse-timestamp';

export const ROLE_SKIP = 0;
export const ROLE_TS = 1;
export const ROLE_PRICE = 2;
export const ROLE_VOLUME = 3;

export interface ScanSpec {
  instrumentId: string;
  durationMs: number;
  bidAsk: boolean;
  /** Normalised column names. */
  columns: readonly string[];
  /** Role of each column (ROLE_*). */
  roles: Uint8Array;
  /** open, high, low, close columns (bid side first for bid/ask files, then ask). */
  priceCols: readonly number[];
  volumeCol: number;
  from: number;
  to: number;
  tolerance: number;
}

export type IssueSink = (line: number, reason: DataIssueReason, action: DataIssueAction, message: string, lineText: string) => void;

export interface ScanResult {
  bars: Bar[];
  /**
   * Lines that produced no bar (blank, rejected, outside the range), ascending: with the first data
   * line they give each bar's line number (`barLines`) without a per-row array on the hot path.
   */
  skippedLines: number[];
  /** The number of the first line scanned. */
  firstLine: number;
  /** Indexes into `bars` of rows that came after a later timestamp, or null when the file is in order. */
  outOfOrder: number[] | null;
  /** Lines of rows repaired for range (to count each row once). */
  repairedLines: Set<number> | null;
  rowsRead: number;
  rowsRejected: number;
  rowsRepaired: number;
  rowsOutsideRange: number;
  blankLines: number;
  maxFrac: number;
}

const DAY_MS = 86_400_000;
const MAX_TEXT = 160;
const POW10 = new Float64Array(23);
for (let i = 0; i < 23; i++) POW10[i] = Number(`1e${i}`);
const NAN_TOKENS = new Set(['', 'nan', 'null', 'none', 'na', 'n/a', '#n/a', 'inf', '+inf', '-inf', 'infinity', '+infinity', '-infinity']);
const DECIMAL_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

// Results of the last scanner call; module state keeps the hot loop free of allocations.
let scanEnd = 0;
let scanFrac = 0;
let cacheDateKey = -1;
let cacheDays = 0;

/**
 * Reads the cell starting at `start` as a plain decimal (`[+-]digits[.digits]`, spaces around it
 * allowed) of at most 15 digits; `mantissa / 10^k` with both exact is the correctly rounded double,
 * the same as `parseFloat`. Returns NaN for anything else (the caller then classifies the cell).
 * Sets `scanEnd` to the delimiter ending the cell (`,`, `\n` or the text length), `scanFrac` to the
 * number of fraction digits.
 */
function scanNumber(text: string, start: number, n: number): number {
  let i = start;
  let c = i < n ? text.charCodeAt(i) : 10;
  while (c === 32 || c === 9) c = ++i < n ? text.charCodeAt(i) : 10;
  let neg = false;
  if (c === 45) {
    neg = true;
    i++;
  } else if (c === 43) i++;
  let mant = 0;
  let nd = 0;
  let frac = 0;
  let dot = false;
  while (i < n) {
    c = text.charCodeAt(i);
    const d = c - 48;
    if (d >= 0 && d <= 9) {
      mant = mant * 10 + d;
      nd++;
      if (dot) frac++;
    } else if (c === 46 && !dot) {
      dot = true;
    } else break;
    i++;
  }
  let ok = nd > 0 && nd <= 15 && frac <= 22;
  while (i < n) {
    c = text.charCodeAt(i);
    if (c === 44 || c === 10) break;
    if (c !== 32 && c !== 9 && c !== 13) ok = false;
    i++;
  }
  scanEnd = i;
  if (!ok) return NaN;
  scanFrac = frac;
  const v = frac === 0 ? mant : mant / POW10[frac]!;
  return neg ? -v : v;
}

/**
 * The standard `YYYY-MM-DD HH:MM:SS` (or `T`) cell at fixed offsets, ending at `,`, `\r`, `\n` or
 * the end of the text; NaN when the cell has any other form (the caller then uses the general
 * parser). The date part is cached: consecutive rows mostly share it.
 */
function fastTimestamp(text: string, i: number, n: number): number {
  if (i + 19 > n) return NaN;
  if (text.charCodeAt(i + 4) !== 45 || text.charCodeAt(i + 7) !== 45 || text.charCodeAt(i + 13) !== 58 || text.charCodeAt(i + 16) !== 58) return NaN;
  const sep = text.charCodeAt(i + 10);
  if (sep !== 32 && sep !== 84) return NaN;
  if (i + 19 < n) {
    const end = text.charCodeAt(i + 19);
    if (end !== 44 && end !== 13 && end !== 10) return NaN;
  }
  const y0 = text.charCodeAt(i) - 48;
  const y1 = text.charCodeAt(i + 1) - 48;
  const y2 = text.charCodeAt(i + 2) - 48;
  const y3 = text.charCodeAt(i + 3) - 48;
  const m0 = text.charCodeAt(i + 5) - 48;
  const m1 = text.charCodeAt(i + 6) - 48;
  const d0 = text.charCodeAt(i + 8) - 48;
  const d1 = text.charCodeAt(i + 9) - 48;
  const h0 = text.charCodeAt(i + 11) - 48;
  const h1 = text.charCodeAt(i + 12) - 48;
  const n0 = text.charCodeAt(i + 14) - 48;
  const n1 = text.charCodeAt(i + 15) - 48;
  const s0 = text.charCodeAt(i + 17) - 48;
  const s1 = text.charCodeAt(i + 18) - 48;
  // Any non-digit makes one of these negative or > 9; OR-ing the unsigned values catches all at once.
  if (((y0 | y1 | y2 | y3 | m0 | m1 | d0 | d1 | h0 | h1 | n0 | n1 | s0 | s1) & ~15) !== 0) return NaN;
  if (y0 > 9 || y1 > 9 || y2 > 9 || y3 > 9 || m0 > 9 || m1 > 9 || d0 > 9 || d1 > 9 || h0 > 9 || h1 > 9 || n0 > 9 || n1 > 9 || s0 > 9 || s1 > 9) return NaN;
  const key = ((y0 * 1000 + y1 * 100 + y2 * 10 + y3) * 100 + m0 * 10 + m1) * 100 + d0 * 10 + d1;
  let days: number;
  if (key === cacheDateKey) {
    days = cacheDays;
  } else {
    const year = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
    const month = m0 * 10 + m1;
    const day = d0 * 10 + d1;
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return NaN;
    days = daysFromCivil(year, month, day);
    cacheDateKey = key;
    cacheDays = days;
  }
  const hour = h0 * 10 + h1;
  const minute = n0 * 10 + n1;
  const second = s0 * 10 + s1;
  if (hour > 23 || minute > 59 || second > 59) return NaN;
  return days * DAY_MS + hour * 3_600_000 + minute * 60_000 + second * 1000;
}

/** Slow path for a cell the scanner refused: a value, or why it is not one. */
function classifyCell(cell: string): { value: number; frac: number } | { reason: 'nan' | 'unparsable_number' } {
  let s = cell.trim();
  if (s.length >= 2 && s.startsWith('"') && s.endsWith('"')) s = s.slice(1, -1).trim();
  if (NAN_TOKENS.has(s.toLowerCase())) return { reason: 'nan' };
  if (!DECIMAL_RE.test(s)) return { reason: 'unparsable_number' };
  const value = Number(s);
  if (!Number.isFinite(value)) return { reason: 'nan' };
  return { value, frac: decimalsOfText(s) };
}

/** Decimals needed to write a decimal text (`1.25e-3` → 5). */
function decimalsOfText(s: string): number {
  const m = /^[+-]?\d*(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
  if (!m) return 0;
  const frac = (m[1] ?? '').replace(/0+$/, '').length;
  const exp = m[2] === undefined ? 0 : Number(m[2]);
  return Math.max(0, frac - exp);
}

export function isBlankLine(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

export function lineEndAt(text: string, start: number): number {
  const e = text.indexOf('\n', start);
  return e === -1 ? text.length : e;
}

/** The line's text for a report (CR removed, cut to 160 characters). */
export function clipLine(text: string, start: number, end: number): string {
  let e = end;
  if (e > start && text.charCodeAt(e - 1) === 13) e--;
  const s = text.slice(start, Math.min(e, start + MAX_TEXT));
  return e - start > MAX_TEXT ? `${s}…` : s;
}

interface Verdict {
  reason: DataIssueReason;
  message: string;
  /** True when the row was repaired (high/low widened) rather than rejected. */
  repaired: boolean;
}

/**
 * Slow path for a row whose prices failed the combined check: finds the first failing rule, and for
 * open/close outside the range either repairs `p` in place (widening high/low, within `tolerance`)
 * or rejects. `p` holds open, high, low, close (and ask open..close for bid/ask rows).
 */
function judgePrices(p: Float64Array, bidAsk: boolean, volume: number, tolerance: number): Verdict {
  const sides = bidAsk ? ['bid ', 'ask '] : [''];
  for (let s = 0; s < sides.length; s++) {
    const b = s * 4;
    if (!(p[b]! > 0 && p[b + 1]! > 0 && p[b + 2]! > 0 && p[b + 3]! > 0)) {
      return {
        reason: 'negative_price',
        message: `${sides[s]}price ≤ 0 (open ${p[b]}, high ${p[b + 1]}, low ${p[b + 2]}, close ${p[b + 3]})`,
        repaired: false,
      };
    }
  }
  if (volume < 0) return { reason: 'negative_volume', message: `volume ${volume} < 0`, repaired: false };
  for (let s = 0; s < sides.length; s++) {
    const b = s * 4;
    if (p[b + 1]! < p[b + 2]!) return { reason: 'high_below_low', message: `${sides[s]}high ${p[b + 1]} < low ${p[b + 2]}`, repaired: false };
  }
  let reason: DataIssueReason | null = null;
  let worst = 0;
  const parts: string[] = [];
  for (let s = 0; s < sides.length; s++) {
    const b = s * 4;
    const h = p[b + 1]!;
    const l = p[b + 2]!;
    for (const [name, k, r] of [
      ['open', 0, 'open_outside_range'],
      ['close', 3, 'close_outside_range'],
    ] as const) {
      const v = p[b + k]!;
      if (v > h || v < l) {
        reason ??= r;
        worst = Math.max(worst, v > h ? (v - h) / v : (l - v) / v);
        parts.push(`${sides[s]}${name} ${v} outside [${l}, ${h}]`);
      }
    }
  }
  // The caller's combined check failed, so one of the rules above must have failed too.
  invariant(reason !== null, 'invariant.csv_price_check', 'a row failed the price check but no rule explains why');
  const message = parts.join('; ');
  if (worst > tolerance) return { reason, message, repaired: false };
  for (let s = 0; s < sides.length; s++) {
    const b = s * 4;
    p[b + 1] = Math.max(p[b + 1]!, p[b]!, p[b + 3]!);
    p[b + 2] = Math.min(p[b + 2]!, p[b]!, p[b + 3]!);
  }
  return { reason, message: `${message}; high/low widened`, repaired: true };
}

function sameOhlc(a: Ohlc | undefined, b: Ohlc | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.open === b.open && a.high === b.high && a.low === b.low && a.close === b.close;
}

/** Same prices and volume (and bid/ask sides). */
export function sameBarValues(a: Bar, b: Bar): boolean {
  return (
    a.open === b.open &&
    a.high === b.high &&
    a.low === b.low &&
    a.close === b.close &&
    a.volume === b.volume &&
    sameOhlc(a.bid, b.bid) &&
    sameOhlc(a.ask, b.ask)
  );
}

/** The line number of each bar of a scan. */
export function barLines(scan: Pick<ScanResult, 'bars' | 'skippedLines' | 'firstLine'>): number[] {
  const { skippedLines } = scan;
  const lines = new Array<number>(scan.bars.length);
  let ln = scan.firstLine;
  let s = 0;
  for (let k = 0; k < lines.length; k++) {
    while (s < skippedLines.length && skippedLines[s] === ln) {
      s++;
      ln++;
    }
    lines[k] = ln++;
  }
  return lines;
}

export function duplicateMessage(ts: number, same: boolean, keptLine: number): string {
  return `${isoUtc(ts)} ${same ? 'is an exact duplicate of' : 'has values conflicting with'} line ${keptLine}; the first row is kept`;
}

/**
 * Scans data rows from `start` (the first character after the header line); `line` is the number of
 * the line before it. Reports issues through `issue`.
 */
export function scanBarRows(text: string, start: number, line: number, spec: ScanSpec, issue: IssueSink): ScanResult {
  const n = text.length;
  const { instrumentId, durationMs, bidAsk, roles, volumeCol, from, to, tolerance } = spec;
  const ncols = spec.columns.length;
  const cO = spec.priceCols[0]!;
  const cH = spec.priceCols[1]!;
  const cL = spec.priceCols[2]!;
  const cC = spec.priceCols[3]!;
  const cAO = spec.priceCols[4] ?? 0;
  const cAH = spec.priceCols[5] ?? 0;
  const cAL = spec.priceCols[6] ?? 0;
  const cAC = spec.priceCols[7] ?? 0;
  const vals = new Float64Array(ncols + 1);
  const p = new Float64Array(8);
  const hasRange = from !== -Infinity || to !== Infinity;

  const bars: Bar[] = [];
  const skippedLines: number[] = [];
  const firstLine = line + 1;
  let outOfOrder: number[] | null = null;
  let repairedLines: Set<number> | null = null;
  let rowsRead = 0;
  let rowsRejected = 0;
  let rowsRepaired = 0;
  let rowsOutsideRange = 0;
  let blankLines = 0;
  let maxFrac = 0;
  let lastTs = -Infinity;
  let lastLine = 0;
  let maxTs = -Infinity;
  let pos = start;

  while (pos < n) {
    line++;
    const rowStart = pos;
    const c0 = text.charCodeAt(pos);
    if (c0 === 10 || c0 === 13 || c0 === 32 || c0 === 9) {
      const e = lineEndAt(text, pos);
      if (isBlankLine(text, pos, e)) {
        blankLines++;
        skippedLines.push(line);
        pos = e + 1;
        continue;
      }
    }
    rowsRead++;
    let i = pos;
    let col = 0;
    let badNumber = false;
    let ts = NaN;
    let tsStart = pos;
    let tsEnd = pos;
    let outside = false;
    for (;;) {
      const role = col < ncols ? roles[col]! : ROLE_SKIP;
      if (role >= ROLE_PRICE) {
        const v = scanNumber(text, i, n);
        vals[col] = v;
        if (v !== v) badNumber = true;
        else if (role === ROLE_PRICE && scanFrac > maxFrac) maxFrac = scanFrac;
        i = scanEnd;
      } else if (role === ROLE_TS) {
        tsStart = i;
        ts = fastTimestamp(text, i, n);
        if (ts === ts) {
          i += 19;
          if (i < n && text.charCodeAt(i) === 13) i++;
          tsEnd = i;
        } else {
          while (i < n) {
            const c = text.charCodeAt(i);
            if (c === 44 || c === 10) break;
            i++;
          }
          tsEnd = i;
          ts = parseTimestampField(text, tsStart, i);
        }
        if (hasRange && ts === ts && (ts < from || ts >= to)) {
          outside = true;
          i = lineEndAt(text, i);
          break;
        }
      } else {
        while (i < n) {
          const c = text.charCodeAt(i);
          if (c === 44 || c === 10) break;
          i++;
        }
      }
      col++;
      if (i >= n || text.charCodeAt(i) === 10) break;
      i++;
    }
    const lineEnd = i;
    pos = i + 1;
    if (outside) {
      rowsOutsideRange++;
      skippedLines.push(line);
      continue;
    }
    if (col !== ncols) {
      rowsRejected++;
      skippedLines.push(line);
      issue(line, 'wrong_column_count', 'rejected', `${col} columns, expected ${ncols}`, clipLine(text, rowStart, lineEnd));
      continue;
    }
    if (ts !== ts) {
      rowsRejected++;
      skippedLines.push(line);
      const cell = text.slice(tsStart, tsEnd).replace(/\r$/, '');
      issue(line, 'unparsable_timestamp', 'rejected', `cannot read timestamp "${cell}"`, clipLine(text, rowStart, lineEnd));
      continue;
    }
    if (badNumber) {
      // Slow path: split the line and classify each refused cell.
      const cells = text.slice(rowStart, lineEnd).replace(/\r$/, '').split(',');
      let failedCol = -1;
      let failedReason: 'nan' | 'unparsable_number' = 'nan';
      for (let k = 0; k < ncols; k++) {
        if (roles[k]! < ROLE_PRICE || vals[k] === vals[k]) continue;
        const r = classifyCell(cells[k] ?? '');
        if ('reason' in r) {
          failedCol = k;
          failedReason = r.reason;
          break;
        }
        vals[k] = r.value;
        if (roles[k] === ROLE_PRICE && r.frac > maxFrac) maxFrac = r.frac;
      }
      if (failedCol !== -1) {
        rowsRejected++;
        skippedLines.push(line);
        const what = failedReason === 'nan' ? 'missing or not finite' : 'not a number';
        const cell = (cells[failedCol] ?? '').trim();
        issue(line, failedReason, 'rejected', `${spec.columns[failedCol]} "${cell}" is ${what}`, clipLine(text, rowStart, lineEnd));
        continue;
      }
    }

    const volume = volumeCol === -1 ? 0 : vals[volumeCol]!;
    let o = vals[cO]!;
    let h = vals[cH]!;
    let l = vals[cL]!;
    let c = vals[cC]!;
    let ao = 0;
    let ah = 0;
    let al = 0;
    let ac = 0;
    let repair: Verdict | null = null;
    let fine = o > 0 && l > 0 && h >= l && o >= l && o <= h && c >= l && c <= h && volume >= 0;
    if (bidAsk) {
      ao = vals[cAO]!;
      ah = vals[cAH]!;
      al = vals[cAL]!;
      ac = vals[cAC]!;
      fine = fine && ao > 0 && al > 0 && ah >= al && ao >= al && ao <= ah && ac >= al && ac <= ah;
    }
    if (!fine) {
      p[0] = o;
      p[1] = h;
      p[2] = l;
      p[3] = c;
      p[4] = ao;
      p[5] = ah;
      p[6] = al;
      p[7] = ac;
      const verdict = judgePrices(p, bidAsk, volume, tolerance);
      if (!verdict.repaired) {
        rowsRejected++;
        skippedLines.push(line);
        issue(line, verdict.reason, 'rejected', verdict.message, clipLine(text, rowStart, lineEnd));
        continue;
      }
      repair = verdict;
      o = p[0];
      h = p[1];
      l = p[2];
      c = p[3];
      ah = p[5];
      al = p[6];
    }

    let bar: Bar;
    if (bidAsk) {
      bar = {
        instrumentId,
        ts,
        durationMs,
        open: (o + ao) / 2,
        high: (h + ah) / 2,
        low: (l + al) / 2,
        close: (c + ac) / 2,
        volume,
        bid: { open: o, high: h, low: l, close: c },
        ask: { open: ao, high: ah, low: al, close: ac },
      };
    } else {
      bar = { instrumentId, ts, durationMs, open: o, high: h, low: l, close: c, volume };
    }

    if (ts === lastTs) {
      rowsRejected++;
      skippedLines.push(line);
      const same = sameBarValues(bars[bars.length - 1]!, bar);
      issue(line, 'duplicate_timestamp', 'rejected', duplicateMessage(ts, same, lastLine), clipLine(text, rowStart, lineEnd));
      continue;
    }
    if (repair !== null) {
      rowsRepaired++;
      issue(line, repair.reason, 'repaired', repair.message, clipLine(text, rowStart, lineEnd));
      (repairedLines ??= new Set()).add(line);
    }
    if (ts < maxTs) (outOfOrder ??= []).push(bars.length);
    else maxTs = ts;
    bars.push(bar);
    lastTs = ts;
    lastLine = line;
  }
  return { bars, skippedLines, firstLine, outOfOrder, repairedLines, rowsRead, rowsRejected, rowsRepaired, rowsOutsideRange, blankLines, maxFrac };
}
