/**
 * Market calendars: when is a bar expected? Used by gap detection and the synthetic generator.
 *
 * - `us_equity`: NYSE regular hours 09:30–16:00 America/New_York (DST by `us-dst.ts`), Monday to
 *   Friday, without the holidays of `nyse-holidays.ts`. On early-close days (13:00 ET) the afternoon
 *   is `holiday_likely`. Pre- and post-market are closed: bars there are allowed, never expected.
 * - `fx`: 24x5. Closed from Friday 20:00 UTC to Sunday 23:00 UTC. The real weekly close and open are
 *   Friday ~21:00/22:00 and Sunday ~21:00/22:00 UTC depending on US DST; the window is deliberately
 *   generous so that neither side's edge is reported as a gap. December 24 20:00 → December 25 23:00
 *   UTC and December 31 20:00 → January 1 23:00 UTC are `holiday_likely`.
 * - `crypto`: 24x7, always open.
 *
 * A slot is the bar interval `[ts, ts + durationMs)`. Intraday slots (shorter than a day) are
 * expected when they overlap open time (an hourly bar 09:00–10:00 ET overlaps the 09:30 open). Slots
 * of a day or more are judged by UTC calendar day: expected when one of their days is a trading day
 * (us_equity: a NYSE trading day; fx: Monday–Friday, with December 25 and January 1 `holiday_likely`;
 * crypto: every day) — daily bars are labelled with their date at 00:00 UTC.
 */
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../core/time';
import { civilFromDays, dayNumber, weekdayOf } from './civil-date';
import { isNyseEarlyClose, isNyseTradingDay } from './nyse-holidays';
import { isUsEasternDstDate } from './us-dst';

export const CALENDAR_KINDS = ['fx', 'us_equity', 'crypto'] as const;
export type CalendarKind = (typeof CALENDAR_KINDS)[number];

/** `open`: a bar is expected; `closed`: none is; `holiday_likely`: expected by the weekly rule, but probably a holiday or early close. */
export type SlotState = 'open' | 'closed' | 'holiday_likely';

export interface MarketCalendar {
  readonly kind: CalendarKind;
  /** Is a bar covering `[ts, ts + durationMs)` expected? */
  slotState(ts: number, durationMs: number): SlotState;
}

export function isCalendarKind(s: string): s is CalendarKind {
  return (CALENDAR_KINDS as readonly string[]).includes(s);
}

// ---------------------------------------------------------------- us_equity

export interface UsEquitySession {
  /** Session open, epoch ms (09:30 ET). */
  open: number;
  /** Actual close, epoch ms (16:00 ET, or 13:00 ET on early-close days). */
  close: number;
  /** Regular close (16:00 ET), also on early-close days. */
  regularClose: number;
  earlyClose: boolean;
}

let sessionCacheDay = NaN;
let sessionCacheValue: UsEquitySession | null = null;

/** The NYSE regular session on UTC day number `day` (the session lies within one UTC day), or null when closed. */
export function usEquitySession(day: number): UsEquitySession | null {
  if (day === sessionCacheDay) return sessionCacheValue;
  let session: UsEquitySession | null = null;
  if (isNyseTradingDay(day)) {
    const offsetH = isUsEasternDstDate(day) ? 4 : 5;
    const midnightEt = day * DAY_MS + offsetH * HOUR_MS;
    const early = isNyseEarlyClose(day);
    const regularClose = midnightEt + 16 * HOUR_MS;
    session = {
      open: midnightEt + 9 * HOUR_MS + 30 * MINUTE_MS,
      close: early ? midnightEt + 13 * HOUR_MS : regularClose,
      regularClose,
      earlyClose: early,
    };
  }
  sessionCacheDay = day;
  sessionCacheValue = session;
  return session;
}

function usEquitySlot(ts: number, durationMs: number): SlotState {
  const end = ts + durationMs;
  const firstDay = dayNumber(ts);
  const lastDay = dayNumber(end - 1);
  if (durationMs >= DAY_MS) {
    for (let d = firstDay; d <= lastDay; d++) if (isNyseTradingDay(d)) return 'open';
    return 'closed';
  }
  let state: SlotState = 'closed';
  for (let d = firstDay; d <= lastDay; d++) {
    const s = usEquitySession(d);
    if (s === null) continue;
    if (ts < s.close && end > s.open) return 'open';
    if (s.earlyClose && ts < s.regularClose && end > s.close) state = 'holiday_likely';
  }
  return state;
}

export const usEquityCalendar: MarketCalendar = { kind: 'us_equity', slotState: usEquitySlot };

// ---------------------------------------------------------------- fx

const WEEK_MS = 7 * DAY_MS;
/** 1970-01-04 was a Sunday: week-relative time is measured from Sunday 00:00 UTC. */
const SUNDAY_EPOCH = 3 * DAY_MS;
const FX_CLOSE = 5 * DAY_MS + 20 * HOUR_MS; // Friday 20:00 UTC
const FX_OPEN = 23 * HOUR_MS; // Sunday 23:00 UTC

/** In [Dec 24 20:00, Dec 25 23:00) or [Dec 31 20:00, Jan 1 23:00) UTC. */
function fxHolidayLikely(ts: number): boolean {
  const day = dayNumber(ts);
  const { month, day: d } = civilFromDays(day);
  const intoDay = ts - day * DAY_MS;
  if (month === 12 && (d === 24 || d === 31)) return intoDay >= 20 * HOUR_MS;
  if ((month === 12 && d === 25) || (month === 1 && d === 1)) return intoDay < 23 * HOUR_MS;
  return false;
}

function fxDayState(day: number): SlotState {
  const wd = weekdayOf(day);
  if (wd === 0 || wd === 6) return 'closed';
  const { month, day: d } = civilFromDays(day);
  if ((month === 12 && d === 25) || (month === 1 && d === 1)) return 'holiday_likely';
  return 'open';
}

function fxSlot(ts: number, durationMs: number): SlotState {
  if (durationMs >= DAY_MS) {
    let state: SlotState = 'closed';
    for (let d = dayNumber(ts), last = dayNumber(ts + durationMs - 1); d <= last; d++) {
      const s = fxDayState(d);
      if (s === 'open') return 'open';
      if (s === 'holiday_likely') state = s;
    }
    return state;
  }
  const w = (((ts - SUNDAY_EPOCH) % WEEK_MS) + WEEK_MS) % WEEK_MS;
  let openAt = ts; // first open instant at or after ts
  if (w >= FX_CLOSE) openAt = ts + (WEEK_MS - w) + FX_OPEN;
  else if (w < FX_OPEN) openAt = ts + (FX_OPEN - w);
  if (openAt >= ts + durationMs) return 'closed';
  return fxHolidayLikely(openAt) ? 'holiday_likely' : 'open';
}

export const fxCalendar: MarketCalendar = { kind: 'fx', slotState: fxSlot };

// ---------------------------------------------------------------- crypto

export const cryptoCalendar: MarketCalendar = { kind: 'crypto', slotState: () => 'open' };

export function marketCalendar(kind: CalendarKind): MarketCalendar {
  switch (kind) {
    case 'fx':
      return fxCalendar;
    case 'us_equity':
      return usEquityCalendar;
    case 'crypto':
      return cryptoCalendar;
  }
}
