/**
 * Regenerates the synthetic files of `resources/sample-data/` byte for byte:
 *
 *   npx tsx engine/node/data/generate-sample-data.ts [outDir] [--licensed-from <dir>]
 *
 * `--licensed-from` also copies the small MIT/Apache-2.0 files kept in `resources/sample-data/licensed/`
 * from a folder holding the shared real data (see that folder's README for their sources and licences).
 */
import { chmod, copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { RESOLUTIONS } from '../../core/time';
import { formatBarsCsv } from '../../data/csv-write';
import { marketCalendar, type CalendarKind } from '../../data/market-calendar';
import { generateSyntheticBars, type SyntheticSymbol } from '../../data/synthetic';

export const SAMPLE_SEED = 20240101;

interface SampleSet {
  calendar: CalendarKind;
  /** First and end (exclusive) UTC dates. */
  from: string;
  to: string;
  symbols: SyntheticSymbol[];
}

/** What the sample folder holds (all 15-minute bars). */
export const SAMPLE_SETS: readonly SampleSet[] = [
  {
    calendar: 'us_equity',
    from: '2024-01-02',
    to: '2024-07-01',
    symbols: [
      { symbol: 'AAPL', startPrice: 185, annualVol: 0.24 },
      { symbol: 'MSFT', startPrice: 372, annualVol: 0.24 },
      { symbol: 'AMZN', startPrice: 151, annualVol: 0.33 },
      { symbol: 'GOOGL', startPrice: 139, annualVol: 0.3 },
      { symbol: 'JPM', startPrice: 170, annualVol: 0.21 },
      { symbol: 'XOM', startPrice: 100, annualVol: 0.23 },
    ],
  },
  {
    calendar: 'fx',
    from: '2024-04-01',
    to: '2024-07-01',
    symbols: [{ symbol: 'EUR_USD', startPrice: 1.0792 }, { symbol: 'USD_JPY', startPrice: 151.35 }],
  },
];

/** Files copied from the shared data by `--licensed-from`. */
export const LICENSED_FILES = ['NFLX_15min.csv', 'TSLA_15min.csv', 'EUR_USD_1h.csv', 'EUR_USD_1h_bidask.csv'] as const;

function openSlotCount(calendar: CalendarKind, from: number, to: number, durationMs: number): number {
  const cal = marketCalendar(calendar);
  let n = 0;
  for (let t = from; t < to; t += durationMs) if (cal.slotState(t, durationMs) === 'open') n++;
  return n;
}

/** Writes the synthetic sample files into `outDir`; returns their names. */
export async function generateSampleData(outDir: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const durationMs = RESOLUTIONS['15min'];
  const written: string[] = [];
  for (const set of SAMPLE_SETS) {
    const from = Date.parse(`${set.from}T00:00:00Z`);
    const to = Date.parse(`${set.to}T00:00:00Z`);
    const series = generateSyntheticBars({
      symbols: set.symbols,
      start: from,
      resolution: '15min',
      count: openSlotCount(set.calendar, from, to, durationMs),
      calendar: set.calendar,
      seed: SAMPLE_SEED,
    });
    for (const s of series) {
      const name = `${s.symbol}_15min.csv`;
      await writeFile(join(outDir, name), formatBarsCsv(s.bars, { precision: s.pricePrecision }));
      written.push(name);
    }
  }
  return written;
}

/** Copies `LICENSED_FILES` from `sourceDir` into `outDir/licensed`. */
export async function copyLicensedSamples(sourceDir: string, outDir: string): Promise<string[]> {
  const target = join(outDir, 'licensed');
  await mkdir(target, { recursive: true });
  for (const f of LICENSED_FILES) {
    await copyFile(join(sourceDir, f), join(target, f));
    await chmod(join(target, f), 0o644); // the source may be read-only
  }
  return [...LICENSED_FILES];
}

async function main(argv: string[]): Promise<void> {
  const here = dirname(fileURLToPath(import.meta.url));
  const args = [...argv];
  const li = args.indexOf('--licensed-from');
  let licensedFrom: string | null = null;
  if (li !== -1) {
    licensedFrom = args[li + 1] ?? null;
    if (licensedFrom === null) throw new Error('--licensed-from needs a folder');
    args.splice(li, 2);
  }
  const outDir = resolve(args[0] ?? join(here, '../../../resources/sample-data'));
  const files = await generateSampleData(outDir);
  process.stdout.write(`wrote ${files.length} synthetic files to ${outDir}: ${files.join(', ')}\n`);
  if (licensedFrom !== null) {
    const copied = await copyLicensedSamples(licensedFrom, outDir);
    process.stdout.write(`copied ${copied.join(', ')} into ${join(outDir, 'licensed')}\n`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
