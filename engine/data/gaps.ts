/**
 * Gap detection aware of market hours. Between each pair of consecutive bars, every slot of the bar
 * duration (stepping from the earlier bar's open time) that the calendar expects (see
 * `market-calendar.ts`) is a missing bar. Consecutive missing slots of the same kind inside one hole
 * form one `Gap` (closed time inside the hole, such as a weekend, does not split it):
 * `holiday_likely` when the calendar flags those slots as probable holidays or early closes, `gap`
 * otherwise. Nothing is reported before the first or after the last bar.
 */
import type { Bar } from '../core/bar';
import { EngineError } from '../core/errors';
import { isoUtc } from '../core/time';
import { marketCalendar, type CalendarKind, type MarketCalendar } from './market-calendar';

export type GapKind = 'gap' | 'holiday_likely';

export interface Gap {
  instrumentId: string;
  /** Open time of the first missing bar. */
  from: number;
  /** Close time of the last missing bar (exclusive end of the gap). */
  to: number;
  missingBars: number;
  kind: GapKind;
}

/** JSON-safe summary of one series. */
export interface GapReport {
  instrumentId: string;
  calendar: CalendarKind;
  durationMs: number;
  bars: number;
  firstTs: number | null;
  lastTs: number | null;
  /** Bars present in expected slots plus missing bars. */
  expectedBars: number;
  /** Missing bars of kind `gap` (real holes in the data). */
  missingBars: number;
  /** Missing bars in `holiday_likely` slots. */
  holidayLikelyMissingBars: number;
  /** Bars present where the calendar expects none (e.g. pre-market, a 16:00 auction bar, FX Friday evening). */
  outOfSessionBars: number;
  gapCount: number;
  holidayLikelyCount: number;
  /** The longest gap of kind `gap`, or null. */
  largestGap: Gap | null;
  /** All gaps (both kinds), in time order. */
  gaps: Gap[];
}

export interface DetectGapsOptions {
  calendar: CalendarKind | MarketCalendar;
  /** Defaults to the first bar's instrument id. */
  instrumentId?: string;
  /** Defaults to the first bar's duration. */
  durationMs?: number;
}

/**
 * Finds the gaps in one instrument's bars (sorted by time; throws `data.unsorted` otherwise).
 */
export function detectGaps(bars: readonly Bar[], options: DetectGapsOptions): GapReport {
  const cal = typeof options.calendar === 'string' ? marketCalendar(options.calendar) : options.calendar;
  const first = bars[0];
  const instrumentId = options.instrumentId ?? first?.instrumentId ?? '';
  const dur = options.durationMs ?? first?.durationMs ?? 0;
  if (bars.length > 0 && !(dur > 0)) throw new EngineError('data.bad_duration', `bar duration must be positive, got ${dur}`, { durationMs: dur });
  const gaps: Gap[] = [];
  let inSession = 0;
  let outOfSession = 0;
  let missing = 0;
  let holidayMissing = 0;
  for (let i = 0; i < bars.length; i++) {
    const ts = bars[i]!.ts;
    if (cal.slotState(ts, dur) === 'closed') outOfSession++;
    else inSession++;
    if (i === 0) continue;
    const prev = bars[i - 1]!.ts;
    if (ts <= prev) {
      throw new EngineError('data.unsorted', `${instrumentId}: bars not in strictly increasing time order at index ${i} (${isoUtc(ts)})`, {
        instrumentId,
        index: i,
      });
    }
    if (ts - prev <= dur) continue;
    let run: Gap | null = null;
    for (let t = prev + dur; t < ts; t += dur) {
      const state = cal.slotState(t, dur);
      if (state === 'closed') continue;
      const kind: GapKind = state === 'open' ? 'gap' : 'holiday_likely';
      if (kind === 'gap') missing++;
      else holidayMissing++;
      if (run !== null && run.kind === kind) {
        run.to = t + dur;
        run.missingBars++;
      } else {
        if (run !== null) gaps.push(run);
        run = { instrumentId, from: t, to: t + dur, missingBars: 1, kind };
      }
    }
    if (run !== null) gaps.push(run);
  }
  let largest: Gap | null = null;
  let gapCount = 0;
  for (const g of gaps) {
    if (g.kind !== 'gap') continue;
    gapCount++;
    if (largest === null || g.missingBars > largest.missingBars) largest = g;
  }
  return {
    instrumentId,
    calendar: cal.kind,
    durationMs: dur,
    bars: bars.length,
    firstTs: first?.ts ?? null,
    lastTs: bars.length > 0 ? bars[bars.length - 1]!.ts : null,
    expectedBars: inSession + missing + holidayMissing,
    missingBars: missing,
    holidayLikelyMissingBars: holidayMissing,
    outOfSessionBars: outOfSession,
    gapCount,
    holidayLikelyCount: gaps.length - gapCount,
    largestGap: largest,
    gaps,
  };
}

function span(ms: number): string {
  const m = Math.round(ms / 60_000);
  const d = Math.floor(m / 1440);
  const h = Math.floor((m % 1440) / 60);
  const mm = m % 60;
  return [d > 0 ? `${d}d` : '', h > 0 ? `${h}h` : '', mm > 0 || m === 0 ? `${mm}m` : ''].join('');
}

/** A human summary: totals, then up to `maxGaps` gaps (default 10), e.g. `gap 2025-09-08T00:45:00Z → 06:00 (21 bars, 5h15m)`. */
export function renderGapReport(report: GapReport, options: { maxGaps?: number } = {}): string {
  const maxGaps = options.maxGaps ?? 10;
  const coverage = report.expectedBars > 0 ? ((report.expectedBars - report.missingBars - report.holidayLikelyMissingBars) / report.expectedBars) * 100 : 100;
  const out = [
    `${report.instrumentId} (${report.calendar}, ${span(report.durationMs)} bars): ${report.bars.toLocaleString('en-US')} bars, ` +
      `${report.gapCount} gaps (${report.missingBars.toLocaleString('en-US')} missing bars), ` +
      `${report.holidayLikelyCount} holiday-likely (${report.holidayLikelyMissingBars.toLocaleString('en-US')} bars), ` +
      `${report.outOfSessionBars.toLocaleString('en-US')} out-of-session bars, coverage ${coverage.toFixed(2)}%`,
  ];
  for (const g of report.gaps.slice(0, maxGaps)) {
    out.push(`  ${g.kind === 'gap' ? 'gap    ' : 'holiday'} ${isoUtc(g.from)} → ${isoUtc(g.to)} (${g.missingBars} bars, ${span(g.to - g.from)})`);
  }
  if (report.gaps.length > maxGaps) out.push(`  … ${report.gaps.length - maxGaps} more`);
  return out.join('\n');
}
