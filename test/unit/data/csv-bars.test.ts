import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../engine/core/errors';
import { RESOLUTIONS } from '../../../engine/core/time';
import { parseBarsCsv, type ParseBarsOptions } from '../../../engine/data/csv-bars';
import { formatBarsCsv } from '../../../engine/data/csv-write';
import { issueCount, renderLoadReport, renderLoadReports, type DataIssue } from '../../../engine/data/load-report';

const M15 = RESOLUTIONS['15min'];
const opts: ParseBarsOptions = { instrumentId: 'TEST', durationMs: M15, file: 'TEST_15min.csv' };
const t = (s: string): number => Date.parse(`${s.replace(' ', 'T')}Z`);

function issuesAt(issues: DataIssue[]): [number, string, string][] {
  return issues.map((i) => [i.line, i.reason, i.action]);
}

describe('parseBarsCsv: the standard format', () => {
  it('parses rows into bars with the exact numbers parseFloat gives', () => {
    const text = [
      'timestamp,open,high,low,close,volume',
      '2018-02-16 14:30:00,172.36,173.2788,171.77,172.8701,3928443',
      '2018-02-16 14:45:00,1.04858,1.04881,1.0485,1.04856,264.27',
      '2018-02-16 15:00:00,0.000123456789012,0.000123456789013,0.000123456789011,0.000123456789012,0',
    ].join('\n');
    const { bars, report } = parseBarsCsv(text, opts);
    expect(bars).toEqual([
      { instrumentId: 'TEST', ts: t('2018-02-16 14:30:00'), durationMs: M15, open: 172.36, high: 173.2788, low: 171.77, close: 172.8701, volume: 3928443 },
      { instrumentId: 'TEST', ts: t('2018-02-16 14:45:00'), durationMs: M15, open: 1.04858, high: 1.04881, low: 1.0485, close: 1.04856, volume: 264.27 },
      {
        instrumentId: 'TEST',
        ts: t('2018-02-16 15:00:00'),
        durationMs: M15,
        open: 0.000123456789012,
        high: 0.000123456789013,
        low: 0.000123456789011,
        close: 0.000123456789012,
        volume: 0,
      },
    ]);
    expect(report).toMatchObject({ rowsRead: 3, rowsLoaded: 3, rowsRejected: 0, rowsRepaired: 0, format: 'ohlcv', priceDecimals: 15 });
    expect(report.issues).toEqual([]);
    expect(report.firstTs).toBe(t('2018-02-16 14:30:00'));
    expect(report.lastTs).toBe(t('2018-02-16 15:00:00'));
  });

  it('reads numbers identically to Number() for many random decimals', () => {
    const rows = ['timestamp,open,high,low,close,volume'];
    const expected: number[] = [];
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let i = 0; i < 2000; i++) {
      const decimals = i % 9;
      const v = Number((rnd() * 10 ** (i % 7)).toFixed(decimals)) + 0.5 * 10 ** -decimals;
      const s = v.toFixed(decimals);
      expected.push(Number(s));
      rows.push(`${new Date(Date.UTC(2020, 0, 1) + i * M15).toISOString().slice(0, 19).replace('T', ' ')},${s},${s},${s},${s},1`);
    }
    const { bars, report } = parseBarsCsv(rows.join('\n'), opts);
    expect(report.rowsRejected).toBe(0);
    expect(bars.map((b) => b.close)).toEqual(expected);
  });

  it('tolerates a BOM, CRLF, surrounding spaces, quotes, blank lines and a trailing empty line', () => {
    const text =
      '\uFEFF Timestamp , OPEN ,High,low,"Close",VOLUME\r\n' +
      '2018-02-16 14:30:00,1.5,2,1,1.5,10\r\n' +
      '\r\n' +
      ' 2018-02-16 14:45:00 , 1.5 ,2, 1 ,"1.75", 10 \r\n' +
      '\r\n';
    const { bars, report } = parseBarsCsv(text, opts);
    expect(bars.map((b) => [b.ts, b.open, b.high, b.low, b.close, b.volume])).toEqual([
      [t('2018-02-16 14:30:00'), 1.5, 2, 1, 1.5, 10],
      [t('2018-02-16 14:45:00'), 1.5, 2, 1, 1.75, 10],
    ]);
    expect(report.rowsRejected).toBe(0);
    expect(report.blankLines).toBe(2);
    expect(report.columns).toEqual(['timestamp', 'open', 'high', 'low', 'close', 'volume']);
  });

  it('accepts the other timestamp forms, columns in any order and aliases', () => {
    const text = [
      'Close,Volume,High,Low,Open,Time',
      '1,5,1,1,1,2024-01-01T00:00:00Z',
      '1,5,1,1,1,2024-01-01T00:15:00.000+00:00',
      '1,5,1,1,1,2024-01-01 01:30:00+01:00',
      '1,5,1,1,1,1704070800',
      '1,5,1,1,1,1704071700000',
      '1,5,1,1,1,2024-01-02',
    ].join('\n');
    const { bars, report } = parseBarsCsv(text, opts);
    expect(report.rowsRejected).toBe(0);
    expect(bars.map((b) => new Date(b.ts).toISOString())).toEqual([
      '2024-01-01T00:00:00.000Z',
      '2024-01-01T00:15:00.000Z',
      '2024-01-01T00:30:00.000Z',
      '2024-01-01T01:00:00.000Z',
      '2024-01-01T01:15:00.000Z',
      '2024-01-02T00:00:00.000Z',
    ]);
  });

  it('accepts exponent notation on the slow path', () => {
    const text = 'timestamp,open,high,low,close,volume\n2024-01-01 00:00:00,1e-7,1.5e-7,0.5e-7,1E-7,2e3\n';
    const { bars, report } = parseBarsCsv(text, opts);
    expect(report.rowsRejected).toBe(0);
    expect(bars[0]).toMatchObject({ open: 1e-7, high: 1.5e-7, low: 0.5e-7, close: 1e-7, volume: 2000 });
    expect(report.priceDecimals).toBe(8);
  });

  it('makes volume 0 when the file has no volume column', () => {
    const { bars } = parseBarsCsv('timestamp,open,high,low,close\n2024-01-01 00:00:00,1,2,1,2\n', opts);
    expect(bars[0]!.volume).toBe(0);
  });
});

describe('parseBarsCsv: the bid/ask format', () => {
  it('makes mid bars with bid and ask sides and volume 0', () => {
    const text = [
      'timestamp,bid_open,bid_high,bid_low,bid_close,ask_open,ask_high,ask_low,ask_close',
      '2018-01-02 00:00:00,1.19995,1.20174,1.19995,1.20152,1.20055,1.20189,1.20055,1.20166',
    ].join('\r\n');
    const { bars, report } = parseBarsCsv(text, { ...opts, durationMs: RESOLUTIONS['1h'] });
    expect(report.format).toBe('bidask');
    expect(bars).toHaveLength(1);
    const b = bars[0]!;
    expect(b.bid).toEqual({ open: 1.19995, high: 1.20174, low: 1.19995, close: 1.20152 });
    expect(b.ask).toEqual({ open: 1.20055, high: 1.20189, low: 1.20055, close: 1.20166 });
    expect(b.open).toBe((1.19995 + 1.20055) / 2);
    expect(b.high).toBe((1.20174 + 1.20189) / 2);
    expect(b.low).toBe((1.19995 + 1.20055) / 2);
    expect(b.close).toBe((1.20152 + 1.20166) / 2);
    expect(b.volume).toBe(0);
  });

  it('validates each side', () => {
    const text = [
      'timestamp,bid_open,bid_high,bid_low,bid_close,ask_open,ask_high,ask_low,ask_close',
      '2018-01-02 00:00:00,1.2,1.3,1.1,1.2,1.21,1.31,1.11,1.21',
      '2018-01-02 01:00:00,1.2,1.3,1.1,1.2,1.21,1.1,1.31,1.21',
      '2018-01-02 02:00:00,1.2,1.3,1.1,1.2,1.21,1.31,1.11,1.4',
      '2018-01-02 03:00:00,1.2,1.3,1.1,1.2,-1.21,1.31,1.11,1.21',
    ].join('\n');
    const { bars, report } = parseBarsCsv(text, { ...opts, durationMs: RESOLUTIONS['1h'] });
    expect(bars).toHaveLength(1);
    expect(issuesAt(report.issues)).toEqual([
      [3, 'high_below_low', 'rejected'],
      [4, 'close_outside_range', 'rejected'],
      [5, 'negative_price', 'rejected'],
    ]);
    expect(report.issues[0]!.message).toContain('ask high');
  });
});

describe('parseBarsCsv: cleaning and the report', () => {
  // Each bad row is on a known line; the comment column says which reason it must produce.
  const lines = [
    /* 1 */ 'timestamp,open,high,low,close,volume',
    /* 2 */ '2024-01-02 14:30:00,10,11,9,10.5,100',
    /* 3 */ '2024-01-02 14:45:00,10,11,9,10.5',
    /* 4 */ '2024-13-02 15:00:00,10,11,9,10.5,100',
    /* 5 */ '2024-01-02 15:00:00,10,11,abc,10.5,100',
    /* 6 */ '2024-01-02 15:00:00,10,NaN,9,10.5,100',
    /* 7 */ '2024-01-02 15:00:00,10,11,,10.5,100',
    /* 8 */ '2024-01-02 15:00:00,-10,11,9,10.5,100',
    /* 9 */ '2024-01-02 15:00:00,10,11,9,10.5,-1',
    /* 10 */ '2024-01-02 15:00:00,10,9,11,10.5,100',
    /* 11 */ '2024-01-02 15:00:00,12,11,9,10.5,100',
    /* 12 */ '2024-01-02 15:00:00,10,11,9,8.5,100',
    /* 13 */ '2024-01-02 15:00:00,10,11,9,10.5,100',
    /* 14 */ '2024-01-02 15:00:00,10,11,9,10.5,100',
    /* 15 */ '2024-01-02 15:00:00,10,11,9,10.75,100',
    /* 16 */ '2024-01-02 15:30:00,10,11,9,10.5,100',
    /* 17 */ '2024-01-02 15:15:00,10,11,9,10.5,100',
    /* 18 */ 'not a time,10,11,9,10.5,100',
    /* 19 */ '2024-01-02 15:45:00,10,11,9,10.5,100,7',
    /* 20 */ '2024-01-02 15:45:00,0,11,9,10.5,100',
    /* 21 */ '2024-01-02 15:45:00,10,11,9,10.5,1.2.3',
  ];
  const text = `${lines.join('\n')}\n`;

  it('rejects or repairs every bad row with its line number and reason, and never throws', () => {
    const { bars, report } = parseBarsCsv(text, opts);
    expect(issuesAt(report.issues)).toEqual([
      [3, 'wrong_column_count', 'rejected'],
      [4, 'unparsable_timestamp', 'rejected'],
      [5, 'unparsable_number', 'rejected'],
      [6, 'nan', 'rejected'],
      [7, 'nan', 'rejected'],
      [8, 'negative_price', 'rejected'],
      [9, 'negative_volume', 'rejected'],
      [10, 'high_below_low', 'rejected'],
      [11, 'open_outside_range', 'rejected'],
      [12, 'close_outside_range', 'rejected'],
      [14, 'duplicate_timestamp', 'rejected'],
      [15, 'duplicate_timestamp', 'rejected'],
      [17, 'out_of_order', 'repaired'],
      [18, 'unparsable_timestamp', 'rejected'],
      [19, 'wrong_column_count', 'rejected'],
      [20, 'negative_price', 'rejected'],
      [21, 'unparsable_number', 'rejected'],
    ]);
    expect(report.issues[10]!.message).toContain('exact duplicate of line 13');
    expect(report.issues[11]!.message).toContain('conflicting with line 13');
    expect(report.issues.every((i) => i.file === 'TEST_15min.csv')).toBe(true);
    expect(report.issues[0]!.text).toBe(lines[2]);
    // The good rows, sorted: 14:30, 15:00 (line 13), 15:15 (line 17, moved), 15:30.
    expect(bars.map((b) => new Date(b.ts).toISOString().slice(11, 16))).toEqual(['14:30', '15:00', '15:15', '15:30']);
    expect(bars[1]!.close).toBe(10.5); // the first of the duplicates is kept
    expect(report).toMatchObject({ rowsRead: 20, rowsLoaded: 4, rowsRejected: 16, rowsRepaired: 1, rowsOutsideRange: 0 });
    expect(report.rowsRead).toBe(report.rowsLoaded + report.rowsRejected + report.rowsOutsideRange);
    expect(issueCount(report, 'duplicate_timestamp')).toBe(2);
    expect(issueCount(report, 'nan', 'rejected')).toBe(2);
    expect(report.counts.map((c) => c.reason)).toEqual([
      'wrong_column_count',
      'unparsable_timestamp',
      'unparsable_number',
      'nan',
      'negative_price',
      'negative_volume',
      'high_below_low',
      'open_outside_range',
      'close_outside_range',
      'duplicate_timestamp',
      'out_of_order',
    ]);
  });

  it('produces a JSON-safe report and a readable summary', () => {
    const { report } = parseBarsCsv(text, opts);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    const summary = renderLoadReport(report, { maxIssues: 3 });
    expect(summary).toContain('TEST_15min.csv [TEST, ohlcv]: 20 rows read, 4 loaded, 16 rejected, 1 repaired');
    expect(summary).toContain('rejected duplicate_timestamp: 2');
    expect(summary).toContain('line 3: rejected wrong_column_count: 5 columns, expected 6');
    expect(summary).toContain('… 14 more issues');
    expect(summary.split('\n').filter((l) => l.startsWith('  line '))).toHaveLength(3);
    expect(renderLoadReports([report, report])).toMatch(/^2 files: 40 rows read, 8 loaded, 32 rejected, 2 repaired/);
  });

  it('repairs open/close slightly outside [low, high] when a tolerance is given', () => {
    const csv = [
      'timestamp,open,high,low,close,volume',
      '2024-01-02 14:30:00,10.01,10,9,9.5,1',
      '2024-01-02 14:45:00,9.5,10,9,8.99,1',
      '2024-01-02 15:00:00,12,10,9,9.5,1',
    ].join('\n');
    const strict = parseBarsCsv(csv, opts);
    expect(strict.bars).toHaveLength(0);
    const lenient = parseBarsCsv(csv, { ...opts, repairRangeTolerance: 0.005 });
    expect(issuesAt(lenient.report.issues)).toEqual([
      [2, 'open_outside_range', 'repaired'],
      [3, 'close_outside_range', 'repaired'],
      [4, 'open_outside_range', 'rejected'],
    ]);
    expect(lenient.bars.map((b) => [b.open, b.high, b.low, b.close])).toEqual([
      [10.01, 10.01, 9, 9.5],
      [9.5, 10, 8.99, 8.99],
    ]);
    expect(lenient.report.rowsRepaired).toBe(2);
    expect(lenient.report.issues[0]!.message).toContain('widened');
  });

  it('sorts a file written newest first and reports each moved row', () => {
    const csv = [
      'timestamp,open,high,low,close,volume',
      '2024-01-02 15:00:00,3,3,3,3,1',
      '2024-01-02 14:45:00,2,2,2,2,1',
      '2024-01-02 14:30:00,1,1,1,1,1',
      '2024-01-02 14:45:00,9,9,9,9,1',
    ].join('\n');
    const { bars, report } = parseBarsCsv(csv, opts);
    expect(bars.map((b) => b.close)).toEqual([1, 2, 3]);
    expect(issuesAt(report.issues)).toEqual([
      [3, 'out_of_order', 'repaired'],
      [4, 'out_of_order', 'repaired'],
      [5, 'duplicate_timestamp', 'rejected'],
    ]);
    expect(report.issues[2]!.message).toContain('conflicting with line 3');
    expect(report.issues[2]!.text).toBe('2024-01-02 14:45:00,9,9,9,9,1');
  });

  it('keeps only the requested time range', () => {
    const csv = ['timestamp,open,high,low,close,volume', '2024-01-02 14:30:00,1,1,1,1,1', '2024-01-02 14:45:00,2,2,2,2,1', '2024-01-02 15:00:00,3,3,3,3,1'].join('\n');
    const { bars, report } = parseBarsCsv(csv, { ...opts, from: t('2024-01-02 14:45:00'), to: t('2024-01-02 15:00:00') });
    expect(bars.map((b) => b.close)).toEqual([2]);
    expect(report).toMatchObject({ rowsRead: 3, rowsLoaded: 1, rowsOutsideRange: 2, rowsRejected: 0 });
  });

  it('caps the listed issues but keeps the counts complete', () => {
    const rows = ['timestamp,open,high,low,close,volume'];
    for (let i = 0; i < 50; i++) rows.push('bad,1,1,1,1,1');
    const { report } = parseBarsCsv(rows.join('\n'), { ...opts, maxIssues: 10 });
    expect(report.issues).toHaveLength(10);
    expect(report.issuesOmitted).toBe(40);
    expect(issueCount(report, 'unparsable_timestamp')).toBe(50);
    expect(renderLoadReport(report)).toContain('… 40 more issues');
  });
});

describe('parseBarsCsv: robustness (property)', () => {
  const cell = fc.oneof(
    fc.constantFrom('1', '2.5', '-1', '0', '', 'NaN', 'abc', '1e3', ' 3 ', '"4"', '1.2.3', '99999999999999999999'),
    fc.double({ min: 0.0001, max: 1e6, noNaN: true }).map(String),
  );
  const stamp = fc.oneof(
    fc.integer({ min: 0, max: 200 }).map((k) => new Date(Date.UTC(2024, 0, 1) + k * M15).toISOString().slice(0, 19).replace('T', ' ')),
    fc.constantFrom('2024-02-30 00:00:00', 'x', '', '1704067200'),
  );
  const row = fc.tuple(stamp, fc.array(cell, { minLength: 3, maxLength: 7 })).map(([ts, cells]) => [ts, ...cells].join(','));

  it('never throws for bad rows; every row is loaded, rejected or outside the range; output is sorted and unique', () => {
    fc.assert(
      fc.property(fc.array(row, { maxLength: 40 }), fc.constantFrom('\n', '\r\n'), fc.double({ min: 0, max: 0.1, noNaN: true }), (rows, eol, tol) => {
        const text = ['timestamp,open,high,low,close,volume', ...rows].join(eol);
        if (rows.length === 0) return;
        const { bars, report } = parseBarsCsv(text, { ...opts, repairRangeTolerance: tol, from: t('2024-01-01 00:30:00') });
        expect(report.rowsRead).toBe(report.rowsLoaded + report.rowsRejected + report.rowsOutsideRange);
        expect(report.rowsLoaded).toBe(bars.length);
        const rejectedIssues = report.issues.filter((i) => i.action === 'rejected').length;
        expect(rejectedIssues).toBe(report.rowsRejected);
        for (let i = 1; i < bars.length; i++) expect(bars[i]!.ts).toBeGreaterThan(bars[i - 1]!.ts);
        for (const b of bars) {
          expect(b.low).toBeGreaterThan(0);
          expect(b.high).toBeGreaterThanOrEqual(Math.max(b.open, b.close));
          expect(b.low).toBeLessThanOrEqual(Math.min(b.open, b.close));
          expect(b.volume).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseBarsCsv: headers and whole-file errors', () => {
  it('assumes the standard columns when the header is missing, and says so', () => {
    const { bars, report } = parseBarsCsv('2024-01-02 14:30:00,1,2,1,2,5\n2024-01-02 14:45:00,2,3,2,3,5\n', opts);
    expect(bars).toHaveLength(2);
    expect(issuesAt(report.issues)).toEqual([[1, 'missing_header', 'noted']]);
    expect(report.rowsRead).toBe(2);
  });

  it('notes and ignores unknown extra columns', () => {
    const { bars, report } = parseBarsCsv('timestamp,open,high,low,close,adj_close,volume\n2024-01-02 14:30:00,1,2,1,2,1.9,5\n', opts);
    expect(bars[0]).toMatchObject({ open: 1, high: 2, low: 1, close: 2, volume: 5 });
    expect(issuesAt(report.issues)).toEqual([[1, 'unknown_header', 'noted']]);
    expect(report.issues[0]!.message).toContain('adj_close');
    expect(report.rowsRejected).toBe(0);
  });

  it.each([
    ['', 'data.empty'],
    ['\uFEFF\r\n  \n', 'data.empty'],
    ['timestamp,open,high,low,close,volume\n', 'data.empty'],
    ['timestamp,open,high,low,close,volume\r\n\r\n', 'data.empty'],
    ['time,bid,ask,bid_volume,ask_volume\n2019-02-04 00:00:00.994,1.1,1.2,1,1\n', 'data.bad_header'],
    ['date,tod,open,high,low,close,volume\n2018-02-16,09:30,1,1,1,1,1\n', 'data.bad_header'],
    ['foo,bar\n1,2\n', 'data.bad_header'],
    ['2024-01-02 14:30:00,1,2,1\n', 'data.bad_header'],
  ])('throws a coded EngineError for %j', (csv, code) => {
    let caught: unknown;
    try {
      parseBarsCsv(csv, opts);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(EngineError);
    expect((caught as EngineError).code).toBe(code);
  });

  it('does not throw when every row is bad', () => {
    const { bars, report } = parseBarsCsv('timestamp,open,high,low,close,volume\nx,1,1,1,1,1\n', opts);
    expect(bars).toEqual([]);
    expect(report.rowsRejected).toBe(1);
    expect(report.firstTs).toBeNull();
  });
});

describe('formatBarsCsv', () => {
  it('round-trips through parseBarsCsv, also for bid/ask bars', () => {
    const text = [
      'timestamp,bid_open,bid_high,bid_low,bid_close,ask_open,ask_high,ask_low,ask_close',
      '2018-01-02 00:00:00,1.19995,1.20174,1.19995,1.20152,1.20055,1.20189,1.20055,1.20166',
      '2018-01-02 01:00:00.250,1.20152,1.20229,1.20134,1.2015,1.20166,1.20246,1.20151,1.20163',
      '',
    ].join('\n');
    const { bars } = parseBarsCsv(text, opts);
    expect(formatBarsCsv(bars)).toBe(text);
    const ohlcv = 'timestamp,open,high,low,close,volume\n1999-11-01 00:00:00,80,80.69,77.37,77.62,2487300\n';
    expect(formatBarsCsv(parseBarsCsv(ohlcv, opts).bars)).toBe(ohlcv);
  });
});
