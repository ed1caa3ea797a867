/**
 * `npm run report -- ...`: a tester report (one self-contained HTML file: MetaTrader-style figures,
 * equity / drawdown / monthly / trade-distribution charts) of
 *
 *   a backtest output folder      --backtest-dir <dir> --out report.html
 *   a backtest stored in a journal --data-dir <dir> --run <id> --out report.html
 *   a live / paper period          --data-dir <dir> [--from D] [--to D] --out report.html
 *                                  [--config file.yaml] [--data file|dir] [--symbols A,B] [--resolution r]
 *   the stored runs                --data-dir <dir> --list-runs
 *
 * A period is [from, to) in UTC (`--to` exclusive, as everywhere); its trades are rebuilt from the
 * journal with the instruments and account the engine ran with, so give the same --config and --data
 * as the engine (defaults: the built-in configuration and the bundled sample data, as `npm run engine`).
 * --data-dir defaults to the per-user data dir. The file is written whole or not at all (a temp file
 * renamed into place).
 *
 * Exit codes (sysexits): 0 ok, 64 usage (bad or conflicting options, an empty period), 65 bad input
 * data (a file that is not a backtest's output, a stored run without a starting cash), 66 no input (no
 * such folder, journal or run), 73 the report file cannot be written, 78 bad configuration, 70 internal error.
 */
import { existsSync } from 'node:fs';
import { rename, writeFile, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { EngineError, isEngineError } from '../../core/errors';
import { money } from '../../core/money';
import { isoUtc } from '../../core/time';
import { buildTesterReport, displayMoney, type TesterReportInput } from '../../backtest/tester-report';
import { validateConfig } from '../../runtime/config';
import { loadConfigFile } from '../config/load-config';
import { JOURNAL_FILE, resolveDataDir } from '../journal';
import { backtestDirInput } from '../report/backtest-dir';
import { periodInput, storedRunInput, type AccountSpec } from '../report/journal-reports';
import { withJournal } from '../report/report-service';
import { parseTimestampText } from './parse-args';
import { EXIT, runCli } from './run-cli';
import { loadSessionData } from './session-options';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const SAMPLE_DATA = join(ROOT, 'resources/sample-data');

export const REPORT_EXIT = { ...EXIT, noinput: 66, cantcreat: 73 } as const;

/** Exit code of a `report.*` error. */
export function reportExitCode(code: string): number {
  switch (code) {
    case 'report.bad_period':
      return REPORT_EXIT.usage;
    case 'report.not_found':
    case 'report.no_journal':
    case 'report.unknown_run':
      return REPORT_EXIT.noinput;
    case 'report.write_failed':
      return REPORT_EXIT.cantcreat;
    default:
      return REPORT_EXIT.data;
  }
}

interface Options {
  backtestDir?: string;
  dataDir?: string;
  run?: string;
  from?: string;
  to?: string;
  out?: string;
  listRuns?: boolean;
  config?: string;
  data: string;
  symbols?: string;
  resolution?: string;
}

function usage(message: string): never {
  throw new EngineError('usage.bad_options', message);
}

async function accountSpec(o: Options): Promise<AccountSpec> {
  const raw = o.config ? (await loadConfigFile(o.config)).raw : {};
  const { config } = validateConfig(raw);
  const data = await loadSessionData({ data: o.data, param: [], ...(o.symbols !== undefined ? { symbols: o.symbols } : {}), ...(o.resolution !== undefined ? { resolution: o.resolution } : {}) }, config);
  return { instruments: data.instruments, accountCurrency: config.account.currency, startingCash: money(config.account.starting_cash) };
}

async function writeWhole(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, text);
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw new EngineError('report.write_failed', `${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

async function main(argv: string[]): Promise<void> {
  const program = new Command()
    .name('report')
    .description('A tester report (self-contained HTML) of a backtest or of a live / paper period of the journal')
    .option('--backtest-dir <dir>', 'a backtest output folder (trades.csv, equity.csv, metrics.json)')
    .option('--data-dir <dir>', "the engine's data dir, holding journal.sqlite (default: the per-user data dir)")
    .option('--run <id>', 'a backtest run stored in the journal')
    .option('--from <date>', 'period start, UTC (2024-03-01 or 2024-03-01T14:30)')
    .option('--to <date>', 'period end, UTC, exclusive')
    .option('--out <file.html>', 'where to write the report')
    .option('--list-runs', 'list the backtest runs stored in the journal')
    .option('--config <file.yaml>', "the engine's configuration (account currency and starting cash, instruments)")
    .option('--data <file|dir>', "the engine's bar data (its instruments)", SAMPLE_DATA)
    .option('--symbols <A,B>', "the engine's symbols (folder data)")
    .option('--resolution <res>', "the engine's bar resolution (folder data)")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  program.parse(argv, { from: 'user' });
  const o = program.opts<Options>();

  if (o.backtestDir !== undefined && (o.dataDir !== undefined || o.run !== undefined || o.from !== undefined || o.to !== undefined || o.listRuns)) {
    usage('--backtest-dir cannot be combined with --data-dir, --run, --from, --to or --list-runs');
  }
  if (o.run !== undefined && (o.from !== undefined || o.to !== undefined)) usage('--run (a stored backtest) cannot be combined with --from / --to (a period)');
  const journalPath = join(resolve(resolveDataDir(o.dataDir, { platform: process.platform, env: process.env, home: homedir() })), JOURNAL_FILE);

  if (o.listRuns) {
    const runs = withJournal(journalPath, (j) => j.backtestRuns());
    if (runs.length === 0) process.stdout.write(`no backtest runs in ${journalPath}\n`);
    for (const r of runs) process.stdout.write(`${r.id}\t${isoUtc(r.finishedAt)}\t${r.tradeCount} trades\t${r.name}\n`);
    return;
  }
  if (o.out === undefined) usage('--out <file.html> is required');

  let input: TesterReportInput;
  if (o.backtestDir !== undefined) input = await backtestDirInput(resolve(o.backtestDir));
  else if (o.run !== undefined) {
    if (!/^\d{1,15}$/.test(o.run.trim())) usage(`--run expects a run id (an integer), got "${o.run}"`);
    input = withJournal(journalPath, (j) => storedRunInput(j, Number(o.run)));
  } else {
    const from = o.from !== undefined ? parseTimestampText(o.from, '--from') : undefined;
    const to = o.to !== undefined ? parseTimestampText(o.to, '--to') : undefined;
    if (from !== undefined && to !== undefined && !(from < to)) throw new EngineError('report.bad_period', `--from ${o.from} is not before --to ${o.to}`);
    if (!existsSync(journalPath)) throw new EngineError('report.no_journal', `${journalPath}: no journal there`);
    const account = await accountSpec(o);
    input = withJournal(journalPath, (j) => periodInput(j, account, { from, to }));
  }
  const report = buildTesterReport({ ...input, generatedAt: Date.now() });
  const out = resolve(o.out);
  await writeWhole(out, report.html);
  const f = report.figures;
  process.stdout.write(
    `${report.title}\n` +
      `  trades ${f.totalTrades}, net profit ${displayMoney(f.totalNetProfit)} ${input.accountCurrency}, profit factor ${f.profitFactor === null ? 'n/a' : f.profitFactor.toFixed(2)}, ` +
      `equity drawdown ${(f.equityDrawdown.relativePct * 100).toFixed(2)}%\n` +
      `wrote ${out} (${Buffer.byteLength(report.html).toLocaleString('en-US')} bytes)\n`,
  );
}

void runCli(async () => {
  try {
    await main(process.argv.slice(2));
  } catch (e) {
    if (isEngineError(e) && e.code.startsWith('report.')) {
      process.stderr.write(`error [${e.code}]: ${e.message}\n`);
      process.exitCode = reportExitCode(e.code);
      return;
    }
    throw e;
  }
});
