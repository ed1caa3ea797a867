/**
 * US daylight saving time for America/New_York, by hand (no tz database): 2007 onwards DST runs from
 * the second Sunday of March to the first Sunday of November; 1987–2006 from the first Sunday of
 * April to the last Sunday of October. Clocks change at 02:00 local time (07:00 UTC in spring,
 * 06:00 UTC in autumn). Years before 1987 use the 1987 rule (nothing in this project goes back that far).
 */
import { DAY_MS, HOUR_MS } from '../core/time';
import { civilFromDays, dayNumber, lastWeekdayOfMonth, nthWeekdayOfMonth } from './civil-date';

const SUNDAY = 0;
const EDT_OFFSET_MS = -4 * HOUR_MS;
const EST_OFFSET_MS = -5 * HOUR_MS;
const cache = new Map<number, readonly [number, number]>();

/** Day numbers of the first DST day (the spring Sunday) and of the first standard-time day (the autumn Sunday). */
export function usDstDays(year: number): readonly [number, number] {
  let r = cache.get(year);
  if (r === undefined) {
    r =
      year >= 2007
        ? [nthWeekdayOfMonth(year, 3, SUNDAY, 2), nthWeekdayOfMonth(year, 11, SUNDAY, 1)]
        : [nthWeekdayOfMonth(year, 4, SUNDAY, 1), lastWeekdayOfMonth(year, 10, SUNDAY)];
    cache.set(year, r);
  }
  return r;
}

/**
 * True when New York keeps daylight time during the trading hours of local date `days` (a day
 * number). The switch Sundays themselves count as their new state (there is no session on Sundays).
 */
export function isUsEasternDstDate(days: number): boolean {
  const [start, end] = usDstDays(civilFromDays(days).year);
  return days >= start && days < end;
}

/** UTC offset of New York (ms, negative) at instant `ts`, exact to the 02:00-local switch. */
export function usEasternOffsetMs(ts: number): number {
  const { year } = civilFromDays(dayNumber(ts));
  const [start, end] = usDstDays(year);
  const dstStart = start * DAY_MS + 7 * HOUR_MS; // 02:00 EST
  const dstEnd = end * DAY_MS + 6 * HOUR_MS; // 02:00 EDT
  return ts >= dstStart && ts < dstEnd ? EDT_OFFSET_MS : EST_OFFSET_MS;
}
