/**
 * Times on the v20 wire (v20.json definitions DateTime and AcceptDatetimeFormat; API-NOTES.md "Hosts,
 * auth, headers"): every DateTime is written per the request's `Accept-Datetime-Format` header —
 * RFC3339 with nine fraction digits ("2025-03-04T14:30:00.000000000Z", the default) or UNIX seconds
 * with nine decimals ("1741098600.000000000") — and DateTime request values are parsed the same way.
 *
 * Inside the server a time is a `V20Time` (integer epoch milliseconds); response objects hold
 * V20Time values and `jsonFor(format)` turns them into strings while serialising, so one stored
 * transaction serves both formats. Also here: the FX week (closed Friday 17:00 to Sunday 17:00
 * America/New_York) and wall-clock offsets of IANA time zones (Intl), for candle alignment.
 */

export type DatetimeFormat = 'RFC3339' | 'UNIX';

/** A DateTime value in a response: milliseconds since the epoch, written per the request's format. */
export class V20Time {
  constructor(readonly ms: number) {
    if (!Number.isInteger(ms)) throw new Error(`oanda-server: time must be integer ms, got ${ms}`);
  }
}

export function t(ms: number): V20Time {
  return new V20Time(ms);
}

export function formatTime(ms: number, format: DatetimeFormat): string {
  const sec = Math.floor(ms / 1000);
  const frac = String(ms - sec * 1000).padStart(3, '0') + '000000';
  if (format === 'UNIX') return `${sec}.${frac}`;
  const iso = new Date(sec * 1000).toISOString(); // 2025-03-04T14:30:00.000Z
  return `${iso.slice(0, 19)}.${frac}Z`;
}

/** JSON.stringify with V20Time values written per `format`. BigInts are a bug and throw. */
export function jsonFor(value: unknown, format: DatetimeFormat): string {
  return JSON.stringify(value, (_key, v: unknown) => (v instanceof V20Time ? formatTime(v.ms, format) : v));
}

/** The request's datetime format; null when the header holds something else (→ 400). */
export function datetimeFormatOf(header: string | string[] | undefined): DatetimeFormat | null {
  const v = Array.isArray(header) ? header[0] : header;
  if (v === undefined || v === '') return 'RFC3339';
  const u = v.trim().toUpperCase();
  return u === 'RFC3339' || u === 'UNIX' ? u : null;
}

const RFC3339_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?([Zz]|[+-]\d{2}:?\d{2})?$/;
const UNIX_RE = /^(\d{1,12})(?:\.(\d{1,9}))?$/;

/**
 * Parses a DateTime request value (milliseconds, sub-millisecond digits dropped). Both forms are
 * accepted whatever the header says, as the live service does; a `+` in an offset that arrived
 * unescaped in a query string (decoded as a space) is put back. Null when it is neither.
 */
export function parseTime(raw: string): number | null {
  const s = raw.trim();
  const u = UNIX_RE.exec(s);
  if (u) return Number(u[1]) * 1000 + Math.floor(Number((u[2] ?? '0').padEnd(9, '0')) / 1e6);
  const m = RFC3339_RE.exec(s.replace(/ (\d{2}:?\d{2})$/, '+$1'));
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', se = '0', frac = '', off = 'Z'] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(se));
  if (Number.isNaN(ms)) return null;
  ms += Math.floor(Number(frac.padEnd(9, '0')) / 1e6);
  if (off !== 'Z' && off !== 'z') {
    const sign = off.startsWith('-') ? -1 : 1;
    const digits = off.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
  }
  return ms;
}

// ---- Time zones -------------------------------------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** True when `tz` is an IANA zone this runtime knows. */
export function isTimeZone(tz: string): boolean {
  try {
    formatterFor(tz);
    return true;
  } catch {
    return false;
  }
}

/** Offset of `tz` from UTC at the instant `utcMs`, in ms (New York in winter: −5 h). */
export function tzOffsetMs(tz: string, utcMs: number): number {
  const parts = formatterFor(tz).formatToParts(new Date(Math.floor(utcMs / 1000) * 1000));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(utcMs / 1000) * 1000;
}

/** The UTC instant of a wall-clock time in `tz` (`localMs` = the wall time written as if it were UTC). */
export function localToUtc(tz: string, localMs: number): number {
  let utc = localMs - tzOffsetMs(tz, localMs);
  utc = localMs - tzOffsetMs(tz, utc); // second pass settles instants next to a DST change
  return utc;
}

export function utcToLocal(tz: string, utcMs: number): number {
  return utcMs + tzOffsetMs(tz, utcMs);
}

// ---- The FX week --------------------------------------------------------------------------------

const NY = 'America/New_York';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** FX trades from Sunday 17:00 to Friday 17:00 New York time. */
export function isFxOpen(utcMs: number): boolean {
  const local = utcToLocal(NY, utcMs);
  const dow = new Date(local).getUTCDay(); // 0 = Sunday
  const hour = new Date(local).getUTCHours();
  if (dow === 6) return false;
  if (dow === 5 && hour >= 17) return false;
  if (dow === 0 && hour < 17) return false;
  return true;
}

/** The next instant ≥ utcMs when the FX market is open. */
export function nextFxOpen(utcMs: number): number {
  if (isFxOpen(utcMs)) return utcMs;
  const local = utcToLocal(NY, utcMs);
  const d = new Date(local);
  const dow = d.getUTCDay();
  const daysToSunday = dow === 0 ? 0 : 7 - dow;
  const sundayLocal = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + daysToSunday, 17);
  return localToUtc(NY, sundayLocal);
}

/** The start of the latest FX weekend (Friday 17:00 New York) at or before utcMs. */
export function fxCloseBefore(utcMs: number): number {
  const local = utcToLocal(NY, utcMs);
  const d = new Date(local);
  const back = (d.getUTCDay() - 5 + 7) % 7;
  let friday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - back, 17);
  if (friday > local) friday -= 7 * DAY;
  return localToUtc(NY, friday);
}

export const MS = { HOUR, DAY } as const;
