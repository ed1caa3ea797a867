/**
 * Hand-rolled timestamp parsing for CSV cells (no `Date.parse`, no regex on the hot path).
 *
 * Accepted forms (surrounding spaces and double quotes are ignored):
 * - `YYYY-MM-DD HH:MM:SS` (UTC) — the project's standard; also `T` instead of the space, `HH:MM`
 *   without seconds, fractional seconds (`.5`, `.994`, `.123456`: digits beyond milliseconds are
 *   truncated), and a trailing `Z` or a numeric offset (`+00:00`, `-05:00`, `+0530`, `+01`), which is
 *   applied to give UTC.
 * - `YYYY-MM-DD` (a daily bar): midnight UTC of that date.
 * - Integer epoch seconds or milliseconds: values below 1e11 are seconds (1e11 s is the year 5138),
 *   larger ones milliseconds. Decimal epoch values are seconds (`1700000000.25`).
 *
 * Calendar fields are range-checked (month 1..12, day within the month, hour 0..23, minute and second
 * 0..59); anything else gives NaN.
 */
import { DAY_MS } from '../core/time';
import { daysFromCivil, daysInMonth } from './civil-date';

const EPOCH_MS_THRESHOLD = 1e11;

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 34; // space, tab, CR, double quote
}

/** Two decimal digits at `i`, or -1. */
function two(text: string, i: number): number {
  const a = text.charCodeAt(i) - 48;
  const b = text.charCodeAt(i + 1) - 48;
  if (a < 0 || a > 9 || b < 0 || b > 9) return -1;
  return a * 10 + b;
}

/**
 * Parses the timestamp in `text[start, end)` to epoch milliseconds (UTC); NaN when it is not one of
 * the accepted forms.
 */
export function parseTimestampField(text: string, start: number, end: number): number {
  let s = start;
  let e = end;
  while (s < e && isBlank(text.charCodeAt(s))) s++;
  while (e > s && isBlank(text.charCodeAt(e - 1))) e--;
  if (e - s >= 10 && text.charCodeAt(s + 4) === 45) return parseIso(text, s, e);
  return parseEpoch(text, s, e);
}

/** Convenience wrapper: epoch ms, or null when `s` is not an accepted timestamp. */
export function parseTimestamp(s: string): number | null {
  const v = parseTimestampField(s, 0, s.length);
  return Number.isNaN(v) ? null : v;
}

function parseIso(text: string, s: number, e: number): number {
  const y1 = two(text, s);
  const y2 = two(text, s + 2);
  if (y1 < 0 || y2 < 0) return NaN;
  const year = y1 * 100 + y2;
  if (text.charCodeAt(s + 7) !== 45) return NaN;
  const month = two(text, s + 5);
  const day = two(text, s + 8);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return NaN;
  const days = daysFromCivil(year, month, day);
  let i = s + 10;
  if (i === e) return days * DAY_MS;
  const sep = text.charCodeAt(i);
  if (sep !== 32 && sep !== 84 && sep !== 116) return NaN; // ' ', 'T', 't'
  if (e - i < 6 || text.charCodeAt(i + 3) !== 58) return NaN;
  const hour = two(text, i + 1);
  const minute = two(text, i + 4);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return NaN;
  i += 6;
  let second = 0;
  let ms = 0;
  if (i < e && text.charCodeAt(i) === 58) {
    if (e - i < 3) return NaN;
    second = two(text, i + 1);
    if (second < 0 || second > 59) return NaN;
    i += 3;
    if (i < e && text.charCodeAt(i) === 46) {
      i++;
      let nd = 0;
      while (i < e) {
        const d = text.charCodeAt(i) - 48;
        if (d < 0 || d > 9) break;
        if (nd < 3) ms = ms * 10 + d;
        nd++;
        i++;
      }
      if (nd === 0) return NaN;
      if (nd === 1) ms *= 100;
      else if (nd === 2) ms *= 10;
    }
  }
  let offsetMs = 0;
  if (i < e) {
    const c = text.charCodeAt(i);
    if (c === 90 || c === 122) {
      // 'Z' / 'z'
      i++;
    } else if (c === 43 || c === 45) {
      const sign = c === 45 ? -1 : 1;
      const oh = two(text, i + 1);
      if (oh < 0 || oh > 23 || i + 3 > e) return NaN;
      i += 3;
      let om = 0;
      if (i < e) {
        if (text.charCodeAt(i) === 58) i++;
        if (e - i < 2) return NaN;
        om = two(text, i);
        if (om < 0 || om > 59) return NaN;
        i += 2;
      }
      offsetMs = sign * (oh * 3_600_000 + om * 60_000);
    }
  }
  if (i !== e) return NaN;
  return days * DAY_MS + hour * 3_600_000 + minute * 60_000 + second * 1000 + ms - offsetMs;
}

function parseEpoch(text: string, s: number, e: number): number {
  if (s === e) return NaN;
  let v = 0;
  let i = s;
  for (; i < e; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    v = v * 10 + d;
  }
  if (i === e) {
    if (e - s > 16) return NaN;
    return v < EPOCH_MS_THRESHOLD ? v * 1000 : v;
  }
  if (text.charCodeAt(i) !== 46 || i === s || i === e - 1) return NaN;
  for (let j = i + 1; j < e; j++) {
    const d = text.charCodeAt(j) - 48;
    if (d < 0 || d > 9) return NaN;
  }
  const n = Number(text.slice(s, e));
  if (!Number.isFinite(n)) return NaN;
  return n < EPOCH_MS_THRESHOLD ? Math.round(n * 1000) : Math.round(n);
}
