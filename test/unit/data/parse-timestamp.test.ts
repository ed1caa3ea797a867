import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { civilFromDays, daysFromCivil, easterSunday, weekdayOf } from '../../../engine/data/civil-date';
import { formatCsvTimestamp } from '../../../engine/data/csv-write';
import { parseTimestamp } from '../../../engine/data/parse-timestamp';

describe('parseTimestamp', () => {
  it.each([
    ['2018-02-16 14:30:00', '2018-02-16T14:30:00.000Z'],
    ['2018-02-16T14:30:00', '2018-02-16T14:30:00.000Z'],
    ['2018-02-16T14:30:00Z', '2018-02-16T14:30:00.000Z'],
    ['2018-02-16 14:30', '2018-02-16T14:30:00.000Z'],
    ['2019-02-04 00:00:00.994', '2019-02-04T00:00:00.994Z'],
    ['2019-02-04 00:00:00.5', '2019-02-04T00:00:00.500Z'],
    ['2019-02-04 00:00:00.123456', '2019-02-04T00:00:00.123Z'],
    ['2025-02-16 22:00:00+00:00', '2025-02-16T22:00:00.000Z'],
    ['2018-03-12 09:30:00-04:00', '2018-03-12T13:30:00.000Z'],
    ['2018-03-12 09:30:00+0530', '2018-03-12T04:00:00.000Z'],
    ['2018-03-12 09:30:00+01', '2018-03-12T08:30:00.000Z'],
    ['2020-02-29', '2020-02-29T00:00:00.000Z'],
    [' "2020-02-29" ', '2020-02-29T00:00:00.000Z'],
    ['1704067200', '2024-01-01T00:00:00.000Z'],
    ['1704067200000', '2024-01-01T00:00:00.000Z'],
    ['1704067200.5', '2024-01-01T00:00:00.500Z'],
    ['0', '1970-01-01T00:00:00.000Z'],
  ])('%j → %s', (input, iso) => {
    const ts = parseTimestamp(input);
    expect(ts).not.toBeNull();
    expect(new Date(ts!).toISOString()).toBe(iso);
  });

  it.each([
    '',
    'x',
    '2019-02-29',
    '2018-13-01 00:00:00',
    '2018-00-01',
    '2018-04-31',
    '2018-02-16 24:00:00',
    '2018-02-16 12:60:00',
    '2018-02-16 12:00:60',
    '2018-02-16 12:00:00.',
    '2018-02-16 12:00:00 UTC',
    '2018-02-16X12:00:00',
    '2018/02/16 12:00:00',
    '12:00:00',
    '1.2.3',
    '-5',
    '1e9',
  ])('rejects %j', (input) => {
    expect(parseTimestamp(input)).toBeNull();
  });

  it('agrees with Date.parse on any instant from 1900 to 2200 (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2200, 0, 1) }), fc.boolean(), (ts, withT) => {
        const iso = new Date(ts).toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
        const text = withT ? iso : iso.replace('T', ' ').replace('Z', '');
        expect(parseTimestamp(text)).toBe(Date.parse(iso));
        expect(parseTimestamp(formatCsvTimestamp(ts))).toBe(ts);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('civil-date', () => {
  it('converts day numbers both ways like Date does', () => {
    fc.assert(
      fc.property(fc.integer({ min: -200_000, max: 200_000 }), (days) => {
        const d = new Date(days * 86_400_000);
        expect(civilFromDays(days)).toEqual({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() });
        expect(daysFromCivil(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate())).toBe(days);
        expect(weekdayOf(days)).toBe(d.getUTCDay());
      }),
    );
  });

  it('computes Easter Sunday', () => {
    const easter = (y: number) => new Date(easterSunday(y) * 86_400_000).toISOString().slice(0, 10);
    expect([2000, 2008, 2011, 2018, 2019, 2024, 2025, 2038].map(easter)).toEqual([
      '2000-04-23',
      '2008-03-23',
      '2011-04-24',
      '2018-04-01',
      '2019-04-21',
      '2024-03-31',
      '2025-04-20',
      '2038-04-25',
    ]);
  });
});
