import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOLUTIONS } from '../../../engine/core/time';
import { parseBarFileName } from '../../../engine/data/bar-file-name';
import { formatBarsCsv } from '../../../engine/data/csv-write';
import { detectGaps } from '../../../engine/data/gaps';
import { inferInstrumentSpec } from '../../../engine/data/infer-instrument';
import { renderLoadReports } from '../../../engine/data/load-report';
import { generateSyntheticBars } from '../../../engine/data/synthetic';
import { generateSampleData, SAMPLE_SETS } from '../../../engine/node/data/generate-sample-data';
import { loadBarFile, loadBarFolder } from '../../../engine/node/data/load-bars';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const sharedDataDir = join(root, '..', 'shared', 'data');
const sampleDir = join(root, 'resources', 'sample-data');
let dir: string;

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bars-'));
  const stocks = generateSyntheticBars({ symbols: ['AAPL', 'MSFT'], start: Date.UTC(2024, 0, 2), resolution: '15min', count: 26 * 5, calendar: 'us_equity', seed: 5 });
  const fx = generateSyntheticBars({ symbols: ['EUR_USD'], start: Date.UTC(2024, 0, 2), resolution: '15min', count: 96 * 3, calendar: 'fx', seed: 5 });
  for (const s of [...stocks, ...fx]) await writeFile(join(dir, `${s.symbol}_15min.csv`), formatBarsCsv(s.bars));
  await writeFile(join(dir, 'AAPL_1h.csv'), 'timestamp,open,high,low,close,volume\n2024-01-02 14:00:00,1,2,1,2,5\n');
  await writeFile(join(dir, 'EUR_USD_ticks_2019-02-04.csv'), 'timestamp,bid,ask,bid_volume,ask_volume\n');
  await writeFile(join(dir, 'notes.txt'), 'not data');
  await mkdir(join(dir, 'bad'));
  await writeFile(join(dir, 'bad', 'X_15min.csv'), 'when,what\n1,2\n');
  await writeFile(join(dir, 'bad', 'EMPTY_15min.csv'), '');
  await writeFile(join(dir, 'bad', 'DIRTY_15min.csv'), 'timestamp,open,high,low,close,volume\r\n2024-01-02 14:30:00,1,2,1,2,5\r\n2024-01-02 14:30:00,1,2,1,2,5\r\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('parseBarFileName', () => {
  it('takes the resolution from the last underscore part', () => {
    expect(parseBarFileName('AAPL_15min.csv')).toEqual({ symbol: 'AAPL', resolution: '15min' });
    expect(parseBarFileName('EUR_USD_15min.csv')).toEqual({ symbol: 'EUR_USD', resolution: '15min' });
    expect(parseBarFileName('BTCUSDT_1H.CSV')).toEqual({ symbol: 'BTCUSDT', resolution: '1h' });
    expect(parseBarFileName('EUR_USD_1h_bidask.csv')).toBeNull();
    expect(parseBarFileName('EUR_USD_ticks_2019-02-04.csv')).toBeNull();
    expect(parseBarFileName('_15min.csv')).toBeNull();
    expect(parseBarFileName('AAPL_15min.txt')).toBeNull();
  });
});

describe('loadBarFolder', () => {
  it('loads every bar file and lists the skipped ones', async () => {
    const loaded = await loadBarFolder(dir);
    expect(loaded.series.map((s) => `${s.symbol}/${s.resolution}`)).toEqual(['AAPL/15min', 'AAPL/1h', 'EUR_USD/15min', 'MSFT/15min']);
    expect(loaded.skippedFiles).toEqual(['EUR_USD_ticks_2019-02-04.csv']);
    const eur = loaded.series.find((s) => s.symbol === 'EUR_USD')!;
    expect(eur.bars).toHaveLength(96 * 3);
    expect(eur.bars[0]!.instrumentId).toBe('EUR_USD');
    expect(eur.bars[0]!.durationMs).toBe(RESOLUTIONS['15min']);
    expect(eur.report.file).toBe(join(dir, 'EUR_USD_15min.csv'));
  });

  it('filters by symbols (case-insensitive, in the given order), resolution and time range', async () => {
    const from = Date.UTC(2024, 0, 3);
    const to = Date.UTC(2024, 0, 4);
    const loaded = await loadBarFolder(dir, { symbols: ['msft', 'EUR_USD'], resolution: '15min', from, to });
    expect(loaded.series.map((s) => s.symbol)).toEqual(['MSFT', 'EUR_USD']);
    for (const s of loaded.series) {
      expect(s.bars.length).toBeGreaterThan(0);
      expect(s.bars.every((b) => b.ts >= from && b.ts < to)).toBe(true);
      expect(s.report.rowsOutsideRange).toBeGreaterThan(0);
      expect(s.report.rowsRejected).toBe(0);
    }
    expect(loaded.series[0]!.bars).toHaveLength(26);
    expect(loaded.series[1]!.bars).toHaveLength(96);
    expect(loaded.skippedFiles).toContain('AAPL_15min.csv');
    expect(loaded.skippedFiles).toContain('AAPL_1h.csv');
  });

  it('gives coded errors for missing folders and symbols', async () => {
    expect(await codeOf(loadBarFolder(join(dir, 'nope')))).toBe('data.folder_not_found');
    expect(await codeOf(loadBarFolder(join(dir, 'notes.txt')))).toBe('data.not_a_folder');
    expect(await codeOf(loadBarFolder(dir, { symbols: ['AAPL', 'TSLA'] }))).toBe('data.symbol_not_found');
    expect(await codeOf(loadBarFolder(join(dir, 'bad')))).toBe('data.empty');
  });
});

describe('loadBarFile', () => {
  it('gives coded errors for files that cannot be read at all', async () => {
    expect(await codeOf(loadBarFile(join(dir, 'MISSING_15min.csv')))).toBe('data.file_not_found');
    expect(await codeOf(loadBarFile(join(dir, 'bad', 'X_15min.csv')))).toBe('data.bad_header');
    expect(await codeOf(loadBarFile(join(dir, 'bad', 'EMPTY_15min.csv')))).toBe('data.empty');
    expect(await codeOf(loadBarFile(join(dir, 'notes.txt')))).toBe('data.bad_file_name');
    expect(await codeOf(loadBarFile(join(dir, 'bad'), { resolution: '15min' }))).toBe('data.not_a_file');
  });

  it('reports bad rows with the file path instead of throwing', async () => {
    const s = await loadBarFile(join(dir, 'bad', 'DIRTY_15min.csv'));
    expect(s.bars).toHaveLength(1);
    expect(s.report.issues).toEqual([
      expect.objectContaining({ file: join(dir, 'bad', 'DIRTY_15min.csv'), line: 3, reason: 'duplicate_timestamp', action: 'rejected' }),
    ]);
  });

  it('takes symbol and resolution overrides', async () => {
    const s = await loadBarFile(join(dir, 'AAPL_15min.csv'), { instrumentId: 'NASDAQ:AAPL', resolution: '15min' });
    expect(s.bars[0]!.instrumentId).toBe('NASDAQ:AAPL');
  });
});

describe('sample data (resources/sample-data)', () => {
  it('regenerates byte for byte', async () => {
    const out = await mkdtemp(join(tmpdir(), 'sample-'));
    try {
      const files = await generateSampleData(out);
      expect(files).toHaveLength(SAMPLE_SETS.reduce((n, s) => n + s.symbols.length, 0));
      for (const f of files) expect(await readFile(join(out, f), 'utf8'), f).toBe(await readFile(join(sampleDir, f), 'utf8'));
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('loads cleanly, without gaps, including the licensed copies', async () => {
    for (const folder of [sampleDir, join(sampleDir, 'licensed')]) {
      const loaded = await loadBarFolder(folder);
      expect(loaded.series.length).toBeGreaterThan(0);
      for (const s of loaded.series) {
        expect(s.report.rowsRejected, renderLoadReports([s.report])).toBe(0);
        if (folder === sampleDir) {
          const { calendar } = inferInstrumentSpec(s.symbol);
          expect(detectGaps(s.bars, { calendar }).gapCount, s.symbol).toBe(0);
        }
      }
    }
    const names = (await readdir(sampleDir)).filter((n) => n.endsWith('.csv'));
    expect(names.sort()).toEqual(['AAPL', 'AMZN', 'EUR_USD', 'GOOGL', 'JPM', 'MSFT', 'USD_JPY', 'XOM'].map((s) => `${s}_15min.csv`));
  });
});

describe('shared real data (../shared/data)', () => {
  it('loads every *_15min.csv with zero rejected rows, when the folder exists', async () => {
    if (existsSync(sharedDataDir)) {
      const loaded = await loadBarFolder(sharedDataDir, { resolution: '15min' });
      expect(loaded.series.length).toBeGreaterThanOrEqual(15);
      for (const s of loaded.series) {
        expect(s.report.rowsRejected, renderLoadReports([s.report])).toBe(0);
        expect(s.report.rowsRepaired).toBe(0);
        expect(s.bars.length).toBe(s.report.rowsRead);
      }
      const all = await loadBarFolder(sharedDataDir);
      expect(all.series.every((s) => s.report.rowsRejected === 0)).toBe(true);
    }
  });
});
