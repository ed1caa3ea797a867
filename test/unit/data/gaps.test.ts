import { describe, expect, it } from 'vitest';
import type { Bar } from '../../../engine/core/bar';
import { DAY_MS, HOUR_MS, RESOLUTIONS } from '../../../engine/core/time';
import { detectGaps, renderGapReport } from '../../../engine/data/gaps';
import { fxCalendar, usEquityCalendar, usEquitySession } from '../../../engine/data/market-calendar';
import { isNyseEarlyClose, isNyseHoliday, nyseHolidays } from '../../../engine/data/nyse-holidays';
import { isUsEasternDstDate, usEasternOffsetMs } from '../../../engine/data/us-dst';

const M15 = RESOLUTIONS['15min'];
const utc = (s: string): number => Date.parse(`${s.replace(' ', 'T')}Z`);
const dayOf = (s: string): number => Math.floor(utc(`${s} 00:00:00`) / DAY_MS);

function bar(instrumentId: string, ts: number, durationMs = M15): Bar {
  return { instrumentId, ts, durationMs, open: 1, high: 1, low: 1, close: 1, volume: 1 };
}

/**
 * US stock 15-minute bars built by hand, the way the Alpha Vantage data looks: 09:30–15:45 ET plus a
 * 16:00 ET closing-auction bar, ET → UTC with the offset written out (EST before 2018-03-11, EDT after),
 * trading days listed explicitly (no 2018-03-30, Good Friday).
 */
function handBuiltUsEquity(): Bar[] {
  const days = [
    ['2018-03-07', 5], ['2018-03-08', 5], ['2018-03-09', 5],
    ['2018-03-12', 4], ['2018-03-13', 4], ['2018-03-14', 4], ['2018-03-15', 4], ['2018-03-16', 4],
    ['2018-03-19', 4], ['2018-03-20', 4], ['2018-03-21', 4], ['2018-03-22', 4], ['2018-03-23', 4],
    ['2018-03-26', 4], ['2018-03-27', 4], ['2018-03-28', 4], ['2018-03-29', 4],
    ['2018-04-02', 4], ['2018-04-03', 4],
  ] as const;
  const bars: Bar[] = [];
  for (const [date, offsetH] of days) {
    const open = utc(`${date} 09:30:00`) + offsetH * HOUR_MS;
    for (let k = 0; k <= 26; k++) bars.push(bar('AAPL', open + k * M15));
  }
  return bars;
}

describe('US DST and NYSE holidays', () => {
  it('switches on the second Sunday of March and the first Sunday of November (old rule before 2007)', () => {
    expect(isUsEasternDstDate(dayOf('2018-03-09'))).toBe(false);
    expect(isUsEasternDstDate(dayOf('2018-03-12'))).toBe(true);
    expect(isUsEasternDstDate(dayOf('2018-11-02'))).toBe(true);
    expect(isUsEasternDstDate(dayOf('2018-11-05'))).toBe(false);
    expect(isUsEasternDstDate(dayOf('2006-03-31'))).toBe(false);
    expect(isUsEasternDstDate(dayOf('2006-04-03'))).toBe(true);
    expect(isUsEasternDstDate(dayOf('2006-10-27'))).toBe(true);
    expect(isUsEasternDstDate(dayOf('2006-10-30'))).toBe(false);
    expect(usEasternOffsetMs(utc('2024-03-10 06:59:59'))).toBe(-5 * HOUR_MS);
    expect(usEasternOffsetMs(utc('2024-03-10 07:00:00'))).toBe(-4 * HOUR_MS);
    expect(usEasternOffsetMs(utc('2024-11-03 05:59:59'))).toBe(-4 * HOUR_MS);
    expect(usEasternOffsetMs(utc('2024-11-03 06:00:00'))).toBe(-5 * HOUR_MS);
  });

  it('lists the NYSE full-day holidays', () => {
    const dates = (y: number) => nyseHolidays(y).map((h) => h.date);
    expect(dates(2024)).toEqual([
      '2024-01-01', '2024-01-15', '2024-02-19', '2024-03-29', '2024-05-27', '2024-06-19', '2024-07-04', '2024-09-02', '2024-11-28', '2024-12-25',
    ]);
    // New Year's Day on a Saturday is not observed; Juneteenth on a Sunday moves to Monday.
    expect(dates(2022)).toEqual([
      '2022-01-17', '2022-02-21', '2022-04-15', '2022-05-30', '2022-06-20', '2022-07-04', '2022-09-05', '2022-11-24', '2022-12-26',
    ]);
    expect(dates(2021)).toEqual([
      '2021-01-01', '2021-01-18', '2021-02-15', '2021-04-02', '2021-05-31', '2021-07-05', '2021-09-06', '2021-11-25', '2021-12-24',
    ]);
    expect(dates(2001)).toContain('2001-09-11');
    expect(dates(2001)).toContain('2001-09-14');
    expect(dates(2012)).toContain('2012-10-29');
    expect(dates(2025)).toContain('2025-01-09');
    expect(isNyseHoliday(dayOf('2018-03-30'))).toBe(true);
    expect(isNyseHoliday(dayOf('2018-03-29'))).toBe(false);
    expect(isNyseEarlyClose(dayOf('2023-11-24'))).toBe(true);
    expect(isNyseEarlyClose(dayOf('2023-07-03'))).toBe(true);
    expect(isNyseEarlyClose(dayOf('2020-07-03'))).toBe(false); // the observed Independence Day holiday
    expect(isNyseEarlyClose(dayOf('2021-12-24'))).toBe(false); // the observed Christmas holiday
  });

  it('places the regular session in UTC on both sides of the switch', () => {
    expect(usEquitySession(dayOf('2018-03-09'))).toMatchObject({ open: utc('2018-03-09 14:30:00'), close: utc('2018-03-09 21:00:00') });
    expect(usEquitySession(dayOf('2018-03-12'))).toMatchObject({ open: utc('2018-03-12 13:30:00'), close: utc('2018-03-12 20:00:00') });
    expect(usEquitySession(dayOf('2018-03-10'))).toBeNull();
    expect(usEquitySession(dayOf('2018-03-30'))).toBeNull();
    expect(usEquitySession(dayOf('2023-11-24'))).toMatchObject({ close: utc('2023-11-24 18:00:00'), earlyClose: true });
  });
});

describe('detectGaps: us_equity', () => {
  it('reports no false gaps across the DST switch, weekends and Good Friday', () => {
    const bars = handBuiltUsEquity();
    const report = detectGaps(bars, { calendar: 'us_equity' });
    expect(report.gaps).toEqual([]);
    expect(report.missingBars).toBe(0);
    expect(report.outOfSessionBars).toBe(19); // the 16:00 ET auction bars: allowed, never expected
    expect(report.expectedBars).toBe(19 * 26);
  });

  it('reports a real missing bar', () => {
    const bars = handBuiltUsEquity().filter((b) => b.ts !== utc('2018-03-13 15:00:00'));
    const report = detectGaps(bars, { calendar: 'us_equity' });
    expect(report.gaps).toEqual([{ instrumentId: 'AAPL', from: utc('2018-03-13 15:00:00'), to: utc('2018-03-13 15:15:00'), missingBars: 1, kind: 'gap' }]);
    expect(report).toMatchObject({ gapCount: 1, missingBars: 1, holidayLikelyCount: 0 });
    expect(report.largestGap).toEqual(report.gaps[0]);
    expect(renderGapReport(report)).toContain('gap     2018-03-13T15:00:00Z → 2018-03-13T15:15:00Z (1 bars, 15m)');
  });

  it('reports a missing trading day of daily bars, but not weekends or holidays', () => {
    const dates = ['2024-03-26', '2024-03-27', '2024-03-28', '2024-04-01', '2024-04-02', '2024-04-04'];
    const bars = dates.map((d) => bar('MSFT', utc(`${d} 00:00:00`), DAY_MS));
    const report = detectGaps(bars, { calendar: 'us_equity' });
    expect(report.gaps.map((g) => [new Date(g.from).toISOString().slice(0, 10), g.missingBars, g.kind])).toEqual([['2024-04-03', 1, 'gap']]);
  });

  it('flags the missing afternoon of an early-close day as holiday_likely', () => {
    const open = utc('2023-11-24 14:30:00');
    const bars = Array.from({ length: 14 }, (_, k) => bar('X', open + k * M15)); // 09:30 … 12:45 ET
    bars.push(bar('X', utc('2023-11-27 14:30:00')));
    const report = detectGaps(bars, { calendar: 'us_equity' });
    expect(report.gaps).toEqual([{ instrumentId: 'X', from: utc('2023-11-24 18:00:00'), to: utc('2023-11-24 21:00:00'), missingBars: 12, kind: 'holiday_likely' }]);
    expect(report.gapCount).toBe(0);
  });

  it('treats hourly slots that overlap the 09:30 open as expected', () => {
    expect(usEquityCalendar.slotState(utc('2018-03-12 13:00:00'), HOUR_MS)).toBe('open'); // 09:00–10:00 EDT
    expect(usEquityCalendar.slotState(utc('2018-03-12 12:00:00'), HOUR_MS)).toBe('closed');
    expect(usEquityCalendar.slotState(utc('2018-03-12 20:00:00'), M15)).toBe('closed'); // 16:00 EDT
    expect(usEquityCalendar.slotState(utc('2018-03-12 19:45:00'), M15)).toBe('open');
  });
});

describe('detectGaps: fx and crypto', () => {
  /** 15-minute FX bars from Sunday 22:00 to Friday 21:45 UTC, like the real files. */
  function fxWeeks(firstSunday: string, weeks: number, skip: (ts: number) => boolean = () => false): Bar[] {
    const bars: Bar[] = [];
    for (let w = 0; w < weeks; w++) {
      const start = utc(`${firstSunday} 22:00:00`) + w * 7 * DAY_MS;
      const end = start + 5 * DAY_MS;
      for (let t = start; t < end; t += M15) if (!skip(t)) bars.push(bar('EUR_USD', t));
    }
    return bars;
  }

  it('does not report the weekend as a gap', () => {
    const report = detectGaps(fxWeeks('2025-03-02', 3), { calendar: 'fx' });
    expect(report.gaps).toEqual([]);
    expect(fxCalendar.slotState(utc('2025-03-08 12:00:00'), M15)).toBe('closed');
    expect(fxCalendar.slotState(utc('2025-03-07 19:45:00'), M15)).toBe('open');
    expect(fxCalendar.slotState(utc('2025-03-09 23:00:00'), M15)).toBe('open');
    expect(fxCalendar.slotState(utc('2025-03-09 22:45:00'), HOUR_MS)).toBe('open'); // overlaps 23:00
  });

  it('reports a hole in the week, and Christmas as holiday_likely', () => {
    const hole = (t: number) => t >= utc('2025-03-05 10:00:00') && t < utc('2025-03-05 11:00:00');
    const report = detectGaps(fxWeeks('2025-03-02', 1, hole), { calendar: 'fx' });
    expect(report.gaps).toEqual([{ instrumentId: 'EUR_USD', from: utc('2025-03-05 10:00:00'), to: utc('2025-03-05 11:00:00'), missingBars: 4, kind: 'gap' }]);

    const christmas = (t: number) => t >= utc('2025-12-25 08:00:00') && t < utc('2025-12-25 22:00:00');
    const xmas = detectGaps(fxWeeks('2025-12-21', 1, christmas), { calendar: 'fx' });
    expect(xmas.gaps).toEqual([{ instrumentId: 'EUR_USD', from: utc('2025-12-25 08:00:00'), to: utc('2025-12-25 22:00:00'), missingBars: 56, kind: 'holiday_likely' }]);
    expect(xmas.gapCount).toBe(0);
  });

  it('expects every crypto bar', () => {
    const bars = Array.from({ length: 48 }, (_, k) => bar('BTCUSDT', utc('2024-01-06 00:00:00') + k * HOUR_MS, HOUR_MS)).filter((_, k) => k !== 30);
    const report = detectGaps(bars, { calendar: 'crypto' });
    expect(report.gaps).toEqual([{ instrumentId: 'BTCUSDT', from: utc('2024-01-07 06:00:00'), to: utc('2024-01-07 07:00:00'), missingBars: 1, kind: 'gap' }]);
    expect(report.expectedBars).toBe(48);
  });

  it('throws data.unsorted for bars out of order and handles an empty series', () => {
    expect(() => detectGaps([bar('X', 2 * M15), bar('X', M15)], { calendar: 'crypto' })).toThrow(expect.objectContaining({ code: 'data.unsorted' }));
    expect(detectGaps([], { calendar: 'fx', instrumentId: 'X', durationMs: M15 })).toMatchObject({ bars: 0, gaps: [], firstTs: null });
  });
});
