/**
 * NYSE full-day closures and 13:00 ET early closes, computed by rule (any year) plus a table of
 * unscheduled closures 1998–2030.
 *
 * Rules (NYSE Rule 7.2 as applied since 1998): New Year's Day (Sunday → Monday; Saturday → not
 * observed), Martin Luther King Jr. Day (3rd Monday of January, from 1998), Washington's Birthday
 * (3rd Monday of February), Good Friday, Memorial Day (last Monday of May), Juneteenth (June 19,
 * from 2022), Independence Day, Labor Day (1st Monday of September), Thanksgiving (4th Thursday of
 * November), Christmas. Except for New Year's Day, a holiday on Saturday is observed on Friday and
 * one on Sunday on Monday.
 *
 * Early closes (13:00 ET): the day after Thanksgiving, December 24 and July 3 when they fall Monday to
 * Thursday, plus a short table of other early closes (2002-07-05, 2003-12-26). The rule matches
 * 2010–2030; some earlier years differ, which is why missing afternoon bars on these days are
 * reported as `holiday_likely` rather than treated as closed.
 */
import { civilFromDays, daysFromCivil, easterSunday, lastWeekdayOfMonth, nthWeekdayOfMonth, weekdayOf } from './civil-date';

export interface MarketHoliday {
  /** Day number (days since 1970-01-01). */
  day: number;
  /** `YYYY-MM-DD`. */
  date: string;
  name: string;
}

/** Unscheduled full-day closures. */
const SPECIAL_CLOSURES: readonly (readonly [string, string])[] = [
  ['2001-09-11', 'September 11 attacks'],
  ['2001-09-12', 'September 11 attacks'],
  ['2001-09-13', 'September 11 attacks'],
  ['2001-09-14', 'September 11 attacks'],
  ['2004-06-11', 'Day of mourning, President Reagan'],
  ['2007-01-02', 'Day of mourning, President Ford'],
  ['2012-10-29', 'Hurricane Sandy'],
  ['2012-10-30', 'Hurricane Sandy'],
  ['2018-12-05', 'Day of mourning, President G. H. W. Bush'],
  ['2025-01-09', 'Day of mourning, President Carter'],
];

/** Early closes not given by the rule. */
const SPECIAL_EARLY_CLOSES: readonly string[] = ['2002-07-05', '2003-12-26'];

const MONDAY = 1;
const THURSDAY = 4;
const SATURDAY = 6;
const SUNDAY = 0;

function isoDate(day: number): string {
  const { year, month, day: d } = civilFromDays(day);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** Saturday → Friday, Sunday → Monday. */
function observed(day: number): number {
  const wd = weekdayOf(day);
  if (wd === SATURDAY) return day - 1;
  if (wd === SUNDAY) return day + 1;
  return day;
}

const holidayCache = new Map<number, MarketHoliday[]>();
const holidaySetCache = new Map<number, Set<number>>();
const earlyCloseCache = new Map<number, Set<number>>();

/** NYSE full-day closures of `year`, in date order. */
export function nyseHolidays(year: number): readonly MarketHoliday[] {
  const cached = holidayCache.get(year);
  if (cached) return cached;
  const list: [number, string][] = [];
  const newYear = daysFromCivil(year, 1, 1);
  if (weekdayOf(newYear) !== SATURDAY) list.push([observed(newYear), "New Year's Day"]);
  if (year >= 1998) list.push([nthWeekdayOfMonth(year, 1, MONDAY, 3), 'Martin Luther King Jr. Day']);
  list.push([nthWeekdayOfMonth(year, 2, MONDAY, 3), "Washington's Birthday"]);
  list.push([easterSunday(year) - 2, 'Good Friday']);
  list.push([lastWeekdayOfMonth(year, 5, MONDAY), 'Memorial Day']);
  if (year >= 2022) list.push([observed(daysFromCivil(year, 6, 19)), 'Juneteenth']);
  list.push([observed(daysFromCivil(year, 7, 4)), 'Independence Day']);
  list.push([nthWeekdayOfMonth(year, 9, MONDAY, 1), 'Labor Day']);
  list.push([nthWeekdayOfMonth(year, 11, THURSDAY, 4), 'Thanksgiving Day']);
  list.push([observed(daysFromCivil(year, 12, 25)), 'Christmas Day']);
  const prefix = `${String(year).padStart(4, '0')}-`;
  for (const [date, name] of SPECIAL_CLOSURES) {
    if (!date.startsWith(prefix)) continue;
    list.push([daysFromCivil(year, Number(date.slice(5, 7)), Number(date.slice(8, 10))), name]);
  }
  list.sort((a, b) => a[0] - b[0]);
  const out = list.map(([day, name]) => ({ day, date: isoDate(day), name }));
  holidayCache.set(year, out);
  return out;
}

/** True when the NYSE is closed all day on day number `day` for a holiday (weekends not included). */
export function isNyseHoliday(day: number): boolean {
  const { year } = civilFromDays(day);
  let set = holidaySetCache.get(year);
  if (set === undefined) {
    set = new Set(nyseHolidays(year).map((h) => h.day));
    holidaySetCache.set(year, set);
  }
  return set.has(day);
}

/** True when day number `day` is a scheduled 13:00 ET early close (see the module comment). */
export function isNyseEarlyClose(day: number): boolean {
  const { year } = civilFromDays(day);
  let set = earlyCloseCache.get(year);
  if (set === undefined) {
    set = new Set<number>([nthWeekdayOfMonth(year, 11, THURSDAY, 4) + 1]);
    for (const d of [daysFromCivil(year, 7, 3), daysFromCivil(year, 12, 24)]) {
      const wd = weekdayOf(d);
      if (wd >= MONDAY && wd <= THURSDAY) set.add(d);
    }
    for (const date of SPECIAL_EARLY_CLOSES) {
      if (Number(date.slice(0, 4)) === year) set.add(daysFromCivil(year, Number(date.slice(5, 7)), Number(date.slice(8, 10))));
    }
    earlyCloseCache.set(year, set);
  }
  return set.has(day) && !isNyseHoliday(day);
}

/** True when the NYSE trades (at least part of) day number `day`. */
export function isNyseTradingDay(day: number): boolean {
  const wd = weekdayOf(day);
  return wd !== SATURDAY && wd !== SUNDAY && !isNyseHoliday(day);
}
