/**
 * The report produced when bar data is loaded: every rejected or repaired row with its file, line
 * number and a stable reason code, plus counts. JSON-safe (plain objects, strings, finite numbers
 * and null) so it can travel to the UI as is; `renderLoadReport` prints a human summary.
 */
import { isoUtc } from '../core/time';

/** Stable reason codes, in the order reports list them. */
export const DATA_ISSUE_REASONS = [
  'missing_header',
  'unknown_header',
  'wrong_column_count',
  'unparsable_timestamp',
  'unparsable_number',
  'nan',
  'negative_price',
  'negative_volume',
  'high_below_low',
  'open_outside_range',
  'close_outside_range',
  'duplicate_timestamp',
  'out_of_order',
] as const;

export type DataIssueReason = (typeof DATA_ISSUE_REASONS)[number];

/**
 * What loading did about an issue: `rejected` — the row is not in the output; `repaired` — the row
 * is in the output, changed or moved as the message says; `noted` — a file-level remark, nothing was
 * dropped (an ignored extra column, an assumed header).
 */
export type DataIssueAction = 'rejected' | 'repaired' | 'noted';

export interface DataIssue {
  file: string;
  /** 1-based physical line number in the file (the header is line 1). */
  line: number;
  reason: DataIssueReason;
  action: DataIssueAction;
  message: string;
  /** The offending line as read (trimmed to 160 characters). */
  text: string;
}

export interface IssueCount {
  reason: DataIssueReason;
  action: DataIssueAction;
  count: number;
}

export interface LoadReport {
  file: string;
  instrumentId: string;
  format: 'ohlcv' | 'bidask';
  /** Column names as found in the header (lower-cased, trimmed). */
  columns: string[];
  /** Non-blank data lines seen. Always `rowsLoaded + rowsRejected + rowsOutsideRange`. */
  rowsRead: number;
  rowsLoaded: number;
  rowsRejected: number;
  /** Rows in the output that were changed or moved (each counted once). */
  rowsRepaired: number;
  /** Valid-timestamp rows skipped because they fall outside the requested `from`/`to` range. */
  rowsOutsideRange: number;
  blankLines: number;
  firstTs: number | null;
  lastTs: number | null;
  /** Most decimals seen in any price cell (a hint for the instrument's price precision). */
  priceDecimals: number;
  /** Issue counts by reason and action, in `DATA_ISSUE_REASONS` order. Complete even when `issues` is capped. */
  counts: IssueCount[];
  /** Issues sorted by line (at most `maxIssues` of the load options). */
  issues: DataIssue[];
  /** Issues counted but not listed because of the cap. */
  issuesOmitted: number;
}

/** Total of the issues with `reason` (and `action`, when given). */
export function issueCount(report: LoadReport, reason: DataIssueReason, action?: DataIssueAction): number {
  let n = 0;
  for (const c of report.counts) if (c.reason === reason && (action === undefined || c.action === action)) n += c.count;
  return n;
}

/** True when loading rejected or repaired nothing. */
export function isCleanLoad(report: LoadReport): boolean {
  return report.rowsRejected === 0 && report.rowsRepaired === 0;
}

export interface RenderReportOptions {
  /** How many individual issues to list per file (default 10). */
  maxIssues?: number;
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * A human summary: one headline, the time span, counts by reason, then the first N issues, e.g.
 * ```
 * AAPL_15min.csv [AAPL, ohlcv]: 1,190 rows read, 1,188 loaded, 2 rejected, 0 repaired
 *   span 2018-02-16T14:30:00Z .. 2018-04-20T20:00:00Z
 *   rejected duplicate_timestamp: 1
 *   line 5: rejected duplicate_timestamp: exact duplicate of line 4 | 2018-02-16 15:00:00,...
 * ```
 */
export function renderLoadReport(report: LoadReport, options: RenderReportOptions = {}): string {
  const maxIssues = options.maxIssues ?? 10;
  const out: string[] = [];
  let head =
    `${report.file} [${report.instrumentId}, ${report.format}]: ${plural(report.rowsRead, 'row')} read, ` +
    `${report.rowsLoaded.toLocaleString('en-US')} loaded, ${report.rowsRejected.toLocaleString('en-US')} rejected, ` +
    `${report.rowsRepaired.toLocaleString('en-US')} repaired`;
  if (report.rowsOutsideRange > 0) head += `, ${report.rowsOutsideRange.toLocaleString('en-US')} outside the time range`;
  out.push(head);
  if (report.firstTs !== null && report.lastTs !== null) out.push(`  span ${isoUtc(report.firstTs)} .. ${isoUtc(report.lastTs)}`);
  for (const c of report.counts) out.push(`  ${c.action} ${c.reason}: ${c.count.toLocaleString('en-US')}`);
  const shown = report.issues.slice(0, maxIssues);
  for (const i of shown) out.push(`  line ${i.line}: ${i.action} ${i.reason}: ${i.message} | ${i.text}`);
  const more = report.issues.length - shown.length + report.issuesOmitted;
  if (more > 0) out.push(`  … ${plural(more, 'more issue')}`);
  return out.join('\n');
}

/** Summary of several files: a totals line, then each file's `renderLoadReport`. */
export function renderLoadReports(reports: readonly LoadReport[], options: RenderReportOptions = {}): string {
  let read = 0;
  let loaded = 0;
  let rejected = 0;
  let repaired = 0;
  for (const r of reports) {
    read += r.rowsRead;
    loaded += r.rowsLoaded;
    rejected += r.rowsRejected;
    repaired += r.rowsRepaired;
  }
  const lines = [
    `${plural(reports.length, 'file')}: ${plural(read, 'row')} read, ${loaded.toLocaleString('en-US')} loaded, ` +
      `${rejected.toLocaleString('en-US')} rejected, ${repaired.toLocaleString('en-US')} repaired`,
  ];
  for (const r of reports) lines.push(renderLoadReport(r, options));
  return lines.join('\n');
}
