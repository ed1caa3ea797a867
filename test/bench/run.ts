/**
 * `npm run bench [-- --quick] [-- --only name,...]`: runs every `*.bench.ts` beside this file, prints
 * each section as a table and writes all of them to bench-results/results.json.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchContext, BenchSection } from './harness';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');

const MODULES: Record<string, () => Promise<{ run: (ctx: BenchContext) => Promise<BenchSection[]> }>> = {
  backtest: () => import('./backtest.bench'),
  indicators: () => import('./indicators.bench'),
  data: () => import('./data.bench'),
  risk: () => import('./risk.bench'),
  execution: () => import('./execution.bench'),
  journal: () => import('./journal.bench'),
  'engine-start': () => import('./engine-start.bench'),
  'renderer-ui': () => import('./renderer-ui.bench'),
  oanda: () => import('./oanda.bench'),
};

function table(s: BenchSection): string {
  const cells = [s.columns, ...s.rows.map((r) => r.map(String))];
  const widths = s.columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => '| ' + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ') + ' |';
  const sep = '|' + widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|';
  return [`\n## ${s.title}\n`, line(cells[0]!), sep, ...cells.slice(1).map(line), ...(s.notes ?? []).map((n) => `\n${n}`)].join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const onlyArg = args[args.indexOf('--only') + 1];
  const only = args.includes('--only') && onlyArg ? onlyArg.split(',') : Object.keys(MODULES);
  const shared = resolve(ROOT, '../shared/data');
  const ctx: BenchContext = { sharedDataDir: existsSync(shared) ? shared : null, quick };
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  process.stdout.write(`# Benchmarks${quick ? ' (quick)' : ''}\n\n${machine}; shared data: ${ctx.sharedDataDir ?? 'absent (generated data only)'}\n`);
  const all: Record<string, BenchSection[]> = {};
  for (const name of only) {
    const load = MODULES[name];
    if (!load) throw new Error(`unknown bench "${name}" (known: ${Object.keys(MODULES).join(', ')})`);
    const sections = await (await load()).run(ctx);
    all[name] = sections;
    for (const s of sections) process.stdout.write(table(s) + '\n');
  }
  const outDir = join(ROOT, 'bench-results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, quick ? 'results-quick.json' : 'results.json'), JSON.stringify({ machine, quick, date: new Date().toISOString(), results: all }, null, 2) + '\n');
  process.stdout.write(`\nwrote bench-results/${quick ? 'results-quick.json' : 'results.json'}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
