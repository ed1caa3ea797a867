/**
 * Summary times in a time zone (the runtime's Intl time-zone data), across daylight-saving changes,
 * and the scheduler on a SimClock: it fires at the configured local time with the period since the
 * previous one, and arms the next.
 */
import { describe, expect, it } from 'vitest';
import { SimClock } from '../../../engine/core/clock';
import { currentPeriod, nextDaily, nextWeekly, SummaryScheduler, zonedTimeToUtc, type Period, type SummaryKind } from '../../../engine/runtime/alerts/schedule';

const iso = (t: number) => new Date(t).toISOString();

describe('summary times in a time zone', () => {
  it('a wall time becomes the right instant in winter and in summer', () => {
    expect(iso(zonedTimeToUtc({ y: 2024, m: 1, d: 15 }, 17, 0, 'America/New_York'))).toBe('2024-01-15T22:00:00.000Z');
    expect(iso(zonedTimeToUtc({ y: 2024, m: 7, d: 15 }, 17, 0, 'America/New_York'))).toBe('2024-07-15T21:00:00.000Z');
    expect(iso(zonedTimeToUtc({ y: 2024, m: 7, d: 15 }, 9, 30, 'Asia/Kolkata'))).toBe('2024-07-15T04:00:00.000Z');
    expect(iso(zonedTimeToUtc({ y: 2024, m: 7, d: 15 }, 0, 0, 'UTC'))).toBe('2024-07-15T00:00:00.000Z');
  });

  it('a time that does not exist (spring forward) moves past the gap; one that happens twice takes the first', () => {
    expect(iso(zonedTimeToUtc({ y: 2024, m: 3, d: 10 }, 2, 30, 'America/New_York'))).toBe('2024-03-10T07:30:00.000Z'); // 03:30 EDT
    expect(iso(zonedTimeToUtc({ y: 2024, m: 11, d: 3 }, 1, 30, 'America/New_York'))).toBe('2024-11-03T05:30:00.000Z'); // first 01:30 (EDT)
    expect(iso(zonedTimeToUtc({ y: 2024, m: 3, d: 31 }, 1, 30, 'Europe/London'))).toBe('2024-03-31T01:30:00.000Z'); // 02:30 BST
  });

  it('next daily and weekly occurrence strictly after a time', () => {
    const t = Date.parse('2024-01-15T22:00:00Z'); // Monday 17:00 New York
    expect(iso(nextDaily(t - 1, '17:00', 'America/New_York'))).toBe('2024-01-15T22:00:00.000Z');
    expect(iso(nextDaily(t, '17:00', 'America/New_York'))).toBe('2024-01-16T22:00:00.000Z');
    expect(iso(nextWeekly(t, 'friday', '17:30', 'America/New_York'))).toBe('2024-01-19T22:30:00.000Z');
    expect(iso(nextWeekly(Date.parse('2024-01-19T22:30:00Z'), 'friday', '17:30', 'America/New_York'))).toBe('2024-01-26T22:30:00.000Z');
    expect(iso(nextWeekly(Date.parse('2024-01-19T22:29:59Z'), 'friday', '17:30', 'America/New_York'))).toBe('2024-01-19T22:30:00.000Z');
    // Friday 23:30 in Tokyo is still Friday 14:30 UTC
    expect(iso(nextWeekly(Date.parse('2024-01-19T00:00:00Z'), 'friday', '23:30', 'Asia/Tokyo'))).toBe('2024-01-19T14:30:00.000Z');
  });

  it('currentPeriod runs from the last scheduled time to now', () => {
    const s = { timezone: 'Europe/London', daily: { enabled: true, at: '22:00' }, weekly: { enabled: true, day: 'friday' as const, at: '22:30' } };
    const now = Date.parse('2024-07-10T12:00:00Z'); // Wednesday 13:00 BST
    expect(currentPeriod('daily', s, now)).toEqual({ from: Date.parse('2024-07-09T21:00:00Z'), to: now });
    expect(currentPeriod('weekly', s, now)).toEqual({ from: Date.parse('2024-07-05T21:30:00Z'), to: now });
  });
});

describe('SummaryScheduler', () => {
  it('fires at the local time with the period since the previous one, across a DST change', () => {
    const clock = new SimClock(Date.parse('2024-03-08T12:00:00Z')); // Friday
    const due: { kind: SummaryKind; period: Period; at: number }[] = [];
    const s = new SummaryScheduler({
      clock,
      schedule: { timezone: 'America/New_York', daily: { enabled: true, at: '17:00' }, weekly: { enabled: true, day: 'friday', at: '17:30' } },
      onDue: (kind, period) => due.push({ kind, period, at: clock.now() }),
    });
    s.start();
    expect(iso(s.nextAt('daily')!)).toBe('2024-03-08T22:00:00.000Z');
    expect(iso(s.nextAt('weekly')!)).toBe('2024-03-08T22:30:00.000Z');
    clock.advanceTo(Date.parse('2024-03-11T23:00:00Z'));
    expect(due.map((d) => [d.kind, iso(d.at), iso(d.period.from), iso(d.period.to)])).toEqual([
      ['daily', '2024-03-08T22:00:00.000Z', '2024-03-07T22:00:00.000Z', '2024-03-08T22:00:00.000Z'],
      ['weekly', '2024-03-08T22:30:00.000Z', '2024-03-01T22:30:00.000Z', '2024-03-08T22:30:00.000Z'],
      ['daily', '2024-03-09T22:00:00.000Z', '2024-03-08T22:00:00.000Z', '2024-03-09T22:00:00.000Z'],
      // Sunday 10 March: clocks went forward, 17:00 is now 21:00 UTC and the day had 23 hours
      ['daily', '2024-03-10T21:00:00.000Z', '2024-03-09T22:00:00.000Z', '2024-03-10T21:00:00.000Z'],
      ['daily', '2024-03-11T21:00:00.000Z', '2024-03-10T21:00:00.000Z', '2024-03-11T21:00:00.000Z'],
    ]);
    s.stop();
    clock.advanceTo(Date.parse('2024-03-20T00:00:00Z'));
    expect(due).toHaveLength(5);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('a failing summary is reported and the next one is still scheduled; disabled summaries are not armed', () => {
    const clock = new SimClock(Date.parse('2024-01-01T00:00:00Z'));
    const errors: string[] = [];
    let calls = 0;
    const s = new SummaryScheduler({
      clock,
      schedule: { timezone: 'UTC', daily: { enabled: true, at: '06:00' }, weekly: { enabled: false, day: 'monday', at: '06:00' } },
      onDue: () => {
        calls++;
        throw new Error('journal locked');
      },
      onError: (e, c) => errors.push(`${c}: ${(e as Error).message}`),
    });
    s.start();
    expect(s.nextAt('weekly')).toBeNull();
    clock.advanceTo(Date.parse('2024-01-03T07:00:00Z'));
    expect(calls).toBe(3);
    expect(errors).toEqual(['daily summary: journal locked', 'daily summary: journal locked', 'daily summary: journal locked']);
    expect(iso(s.nextAt('daily')!)).toBe('2024-01-04T06:00:00.000Z');
  });
});
