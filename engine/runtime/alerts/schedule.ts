/**
 * When the daily and weekly summaries are due: a wall time (`HH:MM`) in an IANA time zone, every day
 * or on one weekday, turned into epoch ms with the runtime's time-zone database (Intl), and a
 * scheduler that arms one timer per summary on an injected clock (a WallClock in the engine process, a
 * SimClock in tests: no fake timers).
 *
 * Daylight saving: a wall time that does not exist on a spring-forward day (02:30 in New York on the
 * second Sunday of March) fires at the same distance after the gap (03:30 local), and a wall time that
 * happens twice on a fall-back day fires at the first of the two, as JavaScript's Temporal does with
 * `disambiguation: 'compatible'`. A summary covers the time since the previous scheduled time, so a
 * daily summary on a DST day covers 23 or 25 hours of wall time.
 *
 * A scheduler that wakes late (the machine slept) sends the summary that was due once, for its own
 * period, then schedules the next occurrence after the present: missed occurrences are not replayed.
 */
import type { Clock } from '../../core/clock';
import { WEEKDAYS } from './config-schema';

export interface LocalDate {
  y: number;
  /** 1..12 */
  m: number;
  d: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function fmt(tz: string): Intl.DateTimeFormat {
  let f = formats.get(tz);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formats.set(tz, f);
  }
  return f;
}

/** The wall-clock fields of an instant in a time zone. */
export function localParts(ts: number, tz: string): { y: number; m: number; d: number; h: number; mi: number; s: number } {
  const out = { y: 0, m: 0, d: 0, h: 0, mi: 0, s: 0 };
  for (const p of fmt(tz).formatToParts(new Date(ts))) {
    const v = Number(p.value);
    if (p.type === 'year') out.y = v;
    else if (p.type === 'month') out.m = v;
    else if (p.type === 'day') out.d = v;
    else if (p.type === 'hour') out.h = v;
    else if (p.type === 'minute') out.mi = v;
    else if (p.type === 'second') out.s = v;
  }
  return out;
}

/** Local time minus UTC at an instant, ms (whole seconds). */
export function zoneOffsetMs(ts: number, tz: string): number {
  const t = Math.floor(ts / 1000) * 1000;
  const p = localParts(t, tz);
  return Date.UTC(p.y, p.m - 1, p.d, p.h, p.mi, p.s) - t;
}

/** The instant a wall time happens in `tz` (DST gaps shift forward, repeated times take the first). */
export function zonedTimeToUtc(date: LocalDate, h: number, mi: number, tz: string): number {
  const wall = Date.UTC(date.y, date.m - 1, date.d, h, mi);
  // The offsets in force a little before and a little after: every zone changes its offset at most
  // once within a day, so one of them applies (or, in a gap, neither does exactly).
  const before = zoneOffsetMs(wall - 86_400_000 / 2, tz);
  const after = zoneOffsetMs(wall + 86_400_000 / 2, tz);
  const candidates = [wall - before, wall - after].filter((t) => {
    const p = localParts(t, tz);
    return Date.UTC(p.y, p.m - 1, p.d, p.h, p.mi) === wall;
  });
  if (candidates.length > 0) return Math.min(...candidates);
  // A gap: the wall time does not exist; the offset from before the jump lands after the gap.
  return wall - before;
}

export function localDate(ts: number, tz: string): LocalDate {
  const p = localParts(ts, tz);
  return { y: p.y, m: p.m, d: p.d };
}

export function addDays(date: LocalDate, n: number): LocalDate {
  const t = new Date(Date.UTC(date.y, date.m - 1, date.d + n));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

/** 0 = Monday .. 6 = Sunday. */
export function weekdayOf(date: LocalDate): number {
  return (new Date(Date.UTC(date.y, date.m - 1, date.d)).getUTCDay() + 6) % 7;
}

function hm(at: string): [number, number] {
  const m = /^(\d{2}):(\d{2})$/.exec(at);
  if (m === null) throw new Error(`bad time of day "${at}"`);
  return [Number(m[1]), Number(m[2])];
}

export type Weekday = (typeof WEEKDAYS)[number];

export interface SummarySchedule {
  timezone: string;
  daily: { enabled: boolean; at: string };
  weekly: { enabled: boolean; day: Weekday; at: string };
}

export type SummaryKind = 'daily' | 'weekly';

/** The first time after `ts` (strictly) that a daily summary at `at` is due. */
export function nextDaily(ts: number, at: string, tz: string): number {
  const [h, mi] = hm(at);
  let date = addDays(localDate(ts, tz), -1);
  for (let i = 0; i < 4; i++, date = addDays(date, 1)) {
    const t = zonedTimeToUtc(date, h, mi, tz);
    if (t > ts) return t;
  }
  throw new Error('unreachable: no daily occurrence within three days');
}

/** The first time after `ts` (strictly) that a weekly summary on `day` at `at` is due. */
export function nextWeekly(ts: number, day: Weekday, at: string, tz: string): number {
  const [h, mi] = hm(at);
  const target = WEEKDAYS.indexOf(day);
  const today = localDate(ts, tz);
  let date = addDays(today, ((target - weekdayOf(today) + 7) % 7) - 7);
  for (let i = 0; i < 3; i++, date = addDays(date, 7)) {
    const t = zonedTimeToUtc(date, h, mi, tz);
    if (t > ts) return t;
  }
  throw new Error('unreachable: no weekly occurrence within three weeks');
}

/** The occurrence before the one at `due` (one local day or week earlier, same wall time). */
export function previousOccurrence(kind: SummaryKind, due: number, at: string, tz: string): number {
  const [h, mi] = hm(at);
  return zonedTimeToUtc(addDays(localDate(due, tz), kind === 'daily' ? -1 : -7), h, mi, tz);
}

export interface Period {
  from: number;
  to: number;
}

/** The period a summary asked for now covers: from the last scheduled time at or before `now` to `now`. */
export function currentPeriod(kind: SummaryKind, s: SummarySchedule, now: number): Period {
  const next = kind === 'daily' ? nextDaily(now, s.daily.at, s.timezone) : nextWeekly(now, s.weekly.day, s.weekly.at, s.timezone);
  return { from: previousOccurrence(kind, next, kind === 'daily' ? s.daily.at : s.weekly.at, s.timezone), to: now };
}

export interface SummarySchedulerOptions {
  clock: Pick<Clock, 'now' | 'setTimer'>;
  schedule: SummarySchedule;
  /** Called when a summary is due, with the period it covers. Must not throw (failures go to onError). */
  onDue: (kind: SummaryKind, period: Period) => void;
  onError?: (err: unknown, context: string) => void;
}

export class SummaryScheduler {
  private readonly cancels = new Map<SummaryKind, () => void>();
  private readonly due = new Map<SummaryKind, number>();
  private running = false;

  constructor(private readonly o: SummarySchedulerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    const now = this.o.clock.now();
    if (this.o.schedule.daily.enabled) this.arm('daily', now);
    if (this.o.schedule.weekly.enabled) this.arm('weekly', now);
  }

  stop(): void {
    this.running = false;
    for (const c of this.cancels.values()) c();
    this.cancels.clear();
    this.due.clear();
  }

  /** When the next summary of `kind` is due, or null when it is off. */
  nextAt(kind: SummaryKind): number | null {
    return this.due.get(kind) ?? null;
  }

  private next(kind: SummaryKind, after: number): number {
    const s = this.o.schedule;
    return kind === 'daily' ? nextDaily(after, s.daily.at, s.timezone) : nextWeekly(after, s.weekly.day, s.weekly.at, s.timezone);
  }

  private arm(kind: SummaryKind, after: number): void {
    const at = this.next(kind, after);
    this.due.set(kind, at);
    this.cancels.set(
      kind,
      this.o.clock.setTimer(at, () => this.fire(kind, at)),
    );
  }

  private fire(kind: SummaryKind, at: number): void {
    if (!this.running) return;
    const s = this.o.schedule;
    try {
      this.o.onDue(kind, { from: previousOccurrence(kind, at, kind === 'daily' ? s.daily.at : s.weekly.at, s.timezone), to: at });
    } catch (err) {
      try {
        this.o.onError?.(err, `${kind} summary`);
      } catch {
        // nowhere further to report it
      }
    }
    if (this.running) this.arm(kind, Math.max(at, this.o.clock.now()));
  }
}
