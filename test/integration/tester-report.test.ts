/**
 * The tester report of a real backtest (bundled sample data, long and short with brackets, fees and
 * slippage), rendered in real Chromium from a 127.0.0.1 HTTP server: the figures read back from the
 * page equal the tester figures exactly, and agree with the backtest's own metrics (metrics.ts) where
 * both compute the same thing; the page makes no request but its own; the report made from the
 * backtest's output folder (what `npm run report -- --backtest-dir` reads) has the same figures; and
 * the CLI writes it and refuses bad input with coded errors. A screenshot goes to test-artifacts/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { money } from '../../engine/core/money';
import { backtestFiles } from '../../engine/backtest/report-files';
import { runBacktest, type BacktestResult } from '../../engine/backtest/run-backtest';
import { buildTesterReport, type TesterReport } from '../../engine/backtest/tester-report';
import { testerInputFromBacktest } from '../../engine/backtest/tester-report-input';
import { loadBacktestData } from '../../engine/node/backtest/load-backtest-data';
import { backtestDirInput } from '../../engine/node/report/backtest-dir';
import type { TesterFigures } from '../../engine/portfolio/tester-metrics';
import { validateConfig } from '../../engine/runtime/config';
import { GOLDEN_CASES, ROOT } from './golden-cases';
import { readFigures, showInChromium, type DomFigure } from './report-browser';

const CASE = GOLDEN_CASES[1]!; // ema_cross long/short, 0.5 %/1 % brackets, percent fees, tick slippage
const MONEY_FIELDS = new Set([
  'initialDeposit',
  'totalNetProfit',
  'grossProfit',
  'grossLoss',
  'expectedPayoff',
  'finalBalance',
  'finalEquity',
  'largestProfitTrade',
  'largestLossTrade',
  'averageProfitTrade',
  'averageLossTrade',
  'balanceDrawdown.absolute',
  'balanceDrawdown.maximal',
  'balanceDrawdown.relative',
  'equityDrawdown.absolute',
  'equityDrawdown.maximal',
  'equityDrawdown.relative',
  'maxConsecutiveWins.money',
  'maxConsecutiveLosses.money',
  'maximalConsecutiveProfit.money',
  'maximalConsecutiveLoss.money',
]);
const NOT_SHOWN = new Set(['monthly', 'startTs', 'endTs', 'initialEquity', 'longWon', 'shortWon']);

/** The figures flattened to `name -> value` (nested with `.`). */
function flat(f: TesterFigures): Map<string, number | null> {
  const out = new Map<string, number | null>();
  for (const [k, v] of Object.entries(f)) {
    if (NOT_SHOWN.has(k)) continue;
    if (typeof v === 'object' && v !== null) for (const [s, x] of Object.entries(v as Record<string, number>)) out.set(`${k}.${s}`, x);
    else out.set(k, v as number | null);
  }
  return out;
}

/** Micro-units as a decimal with 6 places, written independently of the report's formatter. */
function micro(m: number): string {
  const b = BigInt(m);
  const a = b < 0n ? -b : b;
  return `${b < 0n ? '-' : ''}${a / 1_000_000n}.${(a % 1_000_000n).toString().padStart(6, '0')}`;
}

function expectedValue(name: string, v: number | null): string {
  if (v === null) return 'null';
  return MONEY_FIELDS.has(name) ? micro(v) : String(v);
}

let result: BacktestResult;
let startingCash: number;
let report: TesterReport;
let outDir: string;

beforeAll(async () => {
  const { config, strategies } = validateConfig(CASE.config);
  const data = await loadBacktestData(CASE.data, config);
  result = runBacktest({ bars: data.bars, instruments: data.instruments, config, strategies });
  startingCash = money(config.account.starting_cash);
  report = buildTesterReport({
    title: `Tester report: ${CASE.name}`,
    source: 'backtest',
    accountCurrency: config.account.currency,
    info: [['Case', CASE.name]],
    tester: testerInputFromBacktest(result, startingCash),
  });
  outDir = mkdtempSync(join(tmpdir(), 'tester-report-'));
  const run = { strategy: 'ema_cross', params: strategies[0]!.params, symbols: data.instruments.map((i) => i.id), account_currency: config.account.currency, starting_cash: config.account.starting_cash };
  for (const [name, text] of Object.entries(backtestFiles(result, run, Number(config.account.starting_cash)))) writeFileSync(join(outDir, name), text);
}, 60_000);

afterAll(() => {
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

describe('tester report of a backtest, in Chromium', () => {
  it('shows the tester figures exactly, agrees with metrics.ts, loads nothing external', async () => {
    const f = report.figures;
    const m = result.metrics;
    expect(f.totalTrades).toBeGreaterThan(100);
    expect(f.shortTrades).toBeGreaterThan(0);
    expect(f.longTrades).toBeGreaterThan(0);

    const { dom, requests, url, boxes } = await showInChromium(report.html, async ({ page, requests, url }) => {
      const dom = await readFigures(page);
      const boxes = await page.$$eval('svg.chart', (els) => els.map((e) => e.getBoundingClientRect()).map((r) => ({ w: r.width, h: r.height })));
      const dir = join(ROOT, 'test-artifacts');
      mkdirSync(dir, { recursive: true });
      await page.screenshot({ path: join(dir, 'tester-report-backtest.png'), fullPage: true });
      return { dom, requests: [...requests], url, boxes };
    });

    // No request but the page itself: no script, font, image or stylesheet from anywhere.
    expect(requests).toEqual([url]);
    // Three SVG charts, drawn with a size.
    expect(boxes).toHaveLength(3);
    for (const b of boxes) expect(b.w > 500 && b.h > 100).toBe(true);

    // Every figure is on the page with its exact value; its text is the rounded display.
    const want = flat(f);
    expect([...dom.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [name, v] of want) expect(dom.get(name)!.value, name).toBe(expectedValue(name, v));
    const shown = (name: string): DomFigure => dom.get(name)!;
    expect(shown('totalTrades').text).toBe(String(f.totalTrades));
    expect(shown('grossProfit').text.replace(/,/g, '')).toBe((f.grossProfit / 1e6).toFixed(2));
    expect(shown('profitFactor').text).toBe(f.profitFactor!.toFixed(2));
    expect(shown('equityDrawdown.relativePct').text).toBe(`${(f.equityDrawdown.relativePct * 100).toFixed(2)}%`);

    // What metrics.ts computes too (the run ends flat, so net profit = final equity - start).
    const num = (name: string) => Number(shown(name).value);
    expect(num('totalNetProfit')).toBeCloseTo(m.netPnl, 6);
    expect(money(shown('totalNetProfit').value)).toBe(money(shown('finalEquity').value) - startingCash);
    expect(num('grossProfit')).toBeCloseTo(m.grossProfit, 6);
    expect(num('grossLoss')).toBeCloseTo(m.grossLoss, 6);
    expect(num('profitFactor')).toBeCloseTo(m.profitFactor!, 12);
    expect(num('expectedPayoff')).toBeCloseTo(m.expectancy!, 6);
    expect(num('sharpe')).toBe(m.sharpe);
    expect(num('sortino')).toBe(m.sortino);
    expect(num('calmar')).toBe(m.calmar);
    expect(num('var95')).toBe(m.var95);
    expect(num('expectedShortfall95')).toBe(m.cvar95);
    expect(num('tradingDays')).toBe(m.tradingDays);
    expect(num('equityDrawdown.relativePct')).toBeCloseTo(m.maxDrawdown, 12);
    expect(num('totalTrades')).toBe(m.numTrades);
    expect(num('profitTrades')).toBe(m.wins);
    expect(num('lossTrades')).toBe(m.losses);
    expect(num('profitTradesPct')).toBeCloseTo(m.winRate!, 12);
    expect(num('largestProfitTrade')).toBe(m.largestWin);
    expect(num('largestLossTrade')).toBe(m.largestLoss);
    expect(num('averageProfitTrade')).toBeCloseTo(m.avgWin!, 6);
    expect(num('averageLossTrade')).toBeCloseTo(m.avgLoss!, 6);
    expect(num('maxConsecutiveWins.count')).toBe(m.maxConsecutiveWins);
    expect(num('maxConsecutiveLosses.count')).toBe(m.maxConsecutiveLosses);
    expect(num('finalEquity')).toBe(m.finalEquity);
    // Long + short = all; wins by side add up.
    expect(f.longTrades + f.shortTrades).toBe(f.totalTrades);
    expect(f.longWon + f.shortWon).toBe(f.profitTrades);
  }, 60_000);

  it('the report from the backtest output folder has the same figures', async () => {
    const fromDir = buildTesterReport(await backtestDirInput(outDir));
    expect(fromDir.figures).toEqual(report.figures);
  });
});

describe('npm run report -- --backtest-dir', () => {
  const CLI = join(ROOT, 'engine/node/cli/report.ts');
  const run = (args: string[]) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  it('writes the report; bad input gives one coded line and a sysexits code, and no file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'report-cli-'));
    try {
      const out = join(dir, 'r.html');
      const ok = run(['--backtest-dir', outDir, '--out', out]);
      expect(ok.err).toBe('');
      expect(ok.code).toBe(0);
      expect(ok.out).toMatch(/trades \d+, net profit -?[\d,]+\.\d\d USD/);
      const html = readFileSync(out, 'utf8');
      expect(html.startsWith('<!doctype html>')).toBe(true);
      expect(html).toContain(`data-figure="totalTrades" data-kind="count" data-value="${report.figures.totalTrades}"`);

      const bad = join(dir, 'bad');
      mkdirSync(bad);
      for (const f of ['trades.csv', 'equity.csv', 'metrics.json']) writeFileSync(join(bad, f), readFileSync(join(outDir, f), 'utf8'));
      writeFileSync(join(bad, 'trades.csv'), readFileSync(join(outDir, 'trades.csv'), 'utf8').replace(/\n([^,\n]+),LONG,/, '\n$1,SIDEWAYS,'));
      const cases: [string[], number, RegExp][] = [
        [['--backtest-dir', join(dir, 'nope'), '--out', join(dir, 'x.html')], 66, /^error \[report\.not_found\]/],
        [['--backtest-dir', bad, '--out', join(dir, 'x.html')], 65, /^error \[report\.bad_file\]: .*trades\.csv:\d+: side "SIDEWAYS"/],
        [['--data-dir', join(dir, 'empty'), '--out', join(dir, 'x.html')], 66, /^error \[report\.no_journal\]/],
        [['--data-dir', dir, '--from', '2024-02-01', '--to', '2024-01-01', '--out', join(dir, 'x.html')], 64, /^error \[report\.bad_period\]/],
        [['--data-dir', dir, '--from', 'yesterday', '--out', join(dir, 'x.html')], 64, /^error \[usage\.bad_time\]/],
      ];
      for (const [args, code, msg] of cases) {
        const r = run(args);
        expect(r.code, args.join(' ')).toBe(code);
        expect(r.err, args.join(' ')).toMatch(msg);
        expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
      }
      expect(existsSync(join(dir, 'x.html'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
