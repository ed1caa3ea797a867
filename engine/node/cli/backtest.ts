/**
 * `npm run backtest -- [options]`: an event-driven backtest of one strategy over CSV bars, printing the
 * metrics and the processing rate and writing trades.csv, orders.csv, equity.csv and metrics.json.
 * With no options it runs `ema_cross` on the bundled sample data (resources/sample-data).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { EngineError } from '../../core/errors';
import { isoUtc } from '../../core/time';
import { backtestFiles } from '../../backtest/report-files';
import { runBacktest } from '../../backtest/run-backtest';
import { renderLoadReports } from '../../data/load-report';
import { formatMetricsTable } from '../../portfolio/metrics';
import { describeStrategies } from '../../strategies/registry';
import { parseFees, parseSlippage } from './parse-args';
import { ProgressLine, runCli } from './run-cli';
import { addSessionOptions, loadSessionData, resolveSessionConfig, type SessionOptions } from './session-options';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const SAMPLE_DATA = join(ROOT, 'resources/sample-data');

interface Options extends SessionOptions {
  cash?: string;
  currency?: string;
  fees?: string;
  slippage?: string;
  out: string;
  progress: boolean;
  listStrategies?: boolean;
}

async function main(argv: string[]): Promise<void> {
  const program = addSessionOptions(new Command().name('backtest').description('Event-driven backtest on CSV bars ({SYMBOL}_{resolution}.csv)'), SAMPLE_DATA)
    .option('--cash <amount>', 'starting cash in the account currency (default 100000)')
    .option('--currency <ccy>', 'account currency (default USD)')
    .option('--fees <spec>', 'fees, e.g. percent:0.05 or per_unit:0.005,spread_ticks:2')
    .option('--slippage <spec>', 'slippage, one of ticks:N, percent:P, range_fraction:F')
    .option('--out <dir>', 'where to write trades.csv, orders.csv, equity.csv, metrics.json', 'backtest-results')
    .option('--no-progress', 'no progress bar')
    .addOption(new Option('--list-strategies', 'print the strategies and their parameters as JSON'))
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  program.parse(argv, { from: 'user' });
  const o = program.opts<Options>();
  if (o.listStrategies) {
    process.stdout.write(JSON.stringify(describeStrategies(), null, 2) + '\n');
    return;
  }

  const { config, strategies } = await resolveSessionConfig(o, (raw, cfg) => {
    if (o.cash !== undefined || o.currency !== undefined) {
      const acct = { ...((raw.account ?? {}) as Record<string, unknown>) };
      if (o.cash !== undefined) acct.starting_cash = o.cash;
      if (o.currency !== undefined) acct.currency = o.currency;
      cfg.account = acct;
    }
    if (o.fees !== undefined || o.slippage !== undefined) {
      const bt = { ...((raw.backtest ?? {}) as Record<string, unknown>) };
      if (o.fees !== undefined) bt.fees = parseFees(o.fees);
      if (o.slippage !== undefined) bt.slippage = parseSlippage(o.slippage);
      cfg.backtest = bt;
    }
  });
  if (strategies.length !== 1) throw new EngineError('usage.multiple_strategies', `the backtest CLI runs one strategy; the configuration has ${strategies.length}`);
  const data = await loadSessionData(o, config);
  const issues = data.reports.reduce((n, r) => n + r.rowsRejected + r.rowsRepaired, 0);
  process.stdout.write(`data: ${data.series.length} series, ${data.bars.length.toLocaleString('en-US')} bars from ${o.data === SAMPLE_DATA ? 'the bundled sample data' : o.data}\n`);
  if (issues > 0) process.stdout.write(renderLoadReports(data.reports, { maxIssues: 10 }) + '\n');

  const progress = new ProgressLine('backtest', o.progress && process.stderr.isTTY === true && data.bars.length >= 200_000);
  const t0 = performance.now();
  const result = runBacktest({
    bars: data.bars,
    instruments: data.instruments,
    config,
    strategies,
    onProgress: (d, t) => progress.update(d, t),
    progressEvery: 50_000,
  });
  const seconds = (performance.now() - t0) / 1000;

  const s = strategies[0]!;
  const rows = formatMetricsTable(result.metrics);
  const w = Math.max(...rows.map((r) => r[0].length));
  process.stdout.write(`\nstrategy: ${s.name} ${JSON.stringify(s.params)}\n\n`);
  for (const [k, v] of rows) process.stdout.write(`  ${k.padEnd(w)}  ${v}\n`);
  process.stdout.write(
    `\nbars processed: ${result.barsProcessed.toLocaleString('en-US')} in ${seconds.toFixed(3)} s (${Math.round(result.barsProcessed / Math.max(seconds, 1e-9)).toLocaleString('en-US')} bars/s); orders: ${result.orders.length}, denied by risk: ${result.denials}\n`,
  );

  const out = resolve(o.out);
  await mkdir(out, { recursive: true });
  const runInfo = {
    strategy: s.name,
    params: s.params,
    symbols: data.instruments.map((i) => i.id),
    bars: result.barsProcessed,
    first_bar: data.bars.length ? isoUtc(data.bars[0]!.ts) : null,
    last_bar: data.bars.length ? isoUtc(data.bars[data.bars.length - 1]!.ts) : null,
    account_currency: config.account.currency,
    starting_cash: config.account.starting_cash,
    exposure: config.exposure,
    costs: config.backtest,
    rejected_rows: data.reports.reduce((n, r) => n + r.rowsRejected, 0),
    repaired_rows: data.reports.reduce((n, r) => n + r.rowsRepaired, 0),
  };
  const files = backtestFiles(result, runInfo, Number(config.account.starting_cash));
  await Promise.all(Object.entries(files).map(([name, text]) => writeFile(join(out, name), text)));
  process.stdout.write(`wrote trades.csv (${result.trades.length} trades), orders.csv, equity.csv, metrics.json to ${out}\n`);
}

void runCli(() => main(process.argv.slice(2)));
