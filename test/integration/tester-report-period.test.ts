/**
 * Tester reports from an engine's journal: a real paper session (ema_cross long/short with brackets on
 * the bundled AAPL and MSFT bars, the paper venue's quote path) journaled to a temp data dir the way
 * the engine host does it (every input one journal batch). Then:
 *   - the report of a period [from, to) has the figures of exactly the trades the session closed in
 *     that period and of its equity there (from the engine's own portfolio, not from the journal);
 *   - `report.tester` over the protocol (in-process transport) answers the same page, which Chromium
 *     renders from 127.0.0.1 without any other request; bad arguments and a host without a report
 *     service get coded errors;
 *   - a backtest stored in the journal and one remembered by the service are reported too;
 *   - `npm run report -- --data-dir` writes the same figures.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimClock, WallClock } from '../../engine/core/clock';
import type { Instrument } from '../../engine/core/instrument';
import { money } from '../../engine/core/money';
import { PaperSession } from '../../engine/backtest/run-paper';
import { runBacktest } from '../../engine/backtest/run-backtest';
import { buildTesterReport } from '../../engine/backtest/tester-report';
import { testerInputFromBacktest } from '../../engine/backtest/tester-report-input';
import { loadBacktestData } from '../../engine/node/backtest/load-backtest-data';
import { Journal } from '../../engine/node/journal/journal';
import { createReportService, type ReportService } from '../../engine/node/report/report-service';
import { ProtocolClient, ProtocolError } from '../../engine/protocol/client';
import { createEngineProtocol, type EngineProtocol } from '../../engine/protocol/handlers';
import { connectInProcess } from '../../engine/protocol/transports/in-process';
import type { TradeRecord } from '../../engine/portfolio/types';
import type { EngineConfig, ResolvedStrategy } from '../../engine/runtime/config';
import { validateConfig } from '../../engine/runtime/config';
import { ROOT, SAMPLE } from './golden-cases';
import { readFigures, showInChromium } from './report-browser';

const RAW_CONFIG = {
  strategy: { name: 'ema_cross', fast: 8, slow: 21, allow_short: true, risk: { stop_loss_pct: 0.5, take_profit_pct: 1 } },
  exposure: { max_portfolio_exposure_pct: null, max_open_positions: null },
  backtest: { fees: { percent: 0.05 } },
};
// 15:10 UTC: a position is open at the last sample before the period (15:00), so it starts with equity != balance.
const FROM = Date.parse('2024-01-22T15:10:00Z');
const TO = Date.parse('2024-02-20T00:00:00Z');

let dir: string;
let journal: Journal;
let session: PaperSession;
let instruments: Instrument[];
let config: EngineConfig;
let strategies: ResolvedStrategy[];
let service: ReportService;
let protocol: EngineProtocol;
let client: ProtocolClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'report-period-'));
  ({ config, strategies } = validateConfig(RAW_CONFIG));
  const data = await loadBacktestData({ path: SAMPLE, symbols: ['AAPL', 'MSFT'], to: Date.parse('2024-03-01T00:00:00Z') }, config);
  instruments = data.instruments;
  journal = new Journal({ path: join(dir, 'journal.sqlite') });
  session = new PaperSession({
    bars: data.bars,
    instruments,
    config,
    strategies,
    pacer: new SimClock(0),
    speed: 0,
    onExit: 'keep',
    idPrefix: 'ENG',
    runInput: (fn) => journal.batch(fn),
  });
  journal.attach(session.engine);
  await session.start();
  service = createReportService({ journal, account: { instruments, accountCurrency: config.account.currency, startingCash: money(config.account.starting_cash) }, now: () => 0 });
  protocol = createEngineProtocol({ engine: session.engine, rawConfig: RAW_CONFIG, timer: new WallClock(), reports: service });
  client = new ProtocolClient(connectInProcess(protocol.server, 'user:test'));
}, 120_000);

afterAll(() => {
  client?.close();
  protocol?.close();
  journal?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The session's own trades and equity samples in [FROM, TO), and the sample before it. */
function expected() {
  const trades: TradeRecord[] = session.engine.portfolio.trades().filter((t) => t.exitTs >= FROM && t.exitTs < TO);
  const c = session.engine.portfolio.equityCurve();
  const idx = [...c.ts.keys()].filter((i) => c.ts[i]! >= FROM && c.ts[i]! < TO);
  const before = [...c.ts.keys()].filter((i) => c.ts[i]! < FROM).pop()!;
  const micro = (x: number) => Math.round(x * 1e6);
  return {
    trades,
    initialEquity: micro(c.equity[before]!),
    initialBalance: micro(c.cash[before]!),
    finalEquity: micro(c.equity[idx[idx.length - 1]!]!),
    finalBalance: micro(c.cash[idx[idx.length - 1]!]!),
    samples: idx.length,
  };
}

describe('tester report of a paper period from the journal', () => {
  it('has exactly the figures of the trades closed in the period and of the equity there', async () => {
    const e = expected();
    const all = session.engine.portfolio.trades();
    expect(all.length).toBeGreaterThan(e.trades.length); // trades outside the period exist
    expect(e.trades.length).toBeGreaterThan(10);
    expect(e.trades.some((t) => t.direction === 'SHORT') && e.trades.some((t) => t.direction === 'LONG')).toBe(true);

    const r = await client.request('report.tester', { source: 'period', from: FROM, to: TO });
    const { dom, requests, url } = await showInChromium(r.html, async ({ page, requests, url }) => ({ dom: await readFigures(page), requests: [...requests], url }));
    expect(requests).toEqual([url]);
    const v = (name: string) => dom.get(name)!.value;
    const m = (x: number) => (x / 1e6).toFixed(6);

    const pnl = e.trades.map((t) => t.pnl);
    const wins = pnl.filter((p) => p > 0);
    const losses = pnl.filter((p) => p < 0);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(v('totalTrades')).toBe(String(e.trades.length));
    expect(v('totalNetProfit')).toBe(m(sum(pnl)));
    expect(v('grossProfit')).toBe(m(sum(wins)));
    expect(v('grossLoss')).toBe(m(sum(losses)));
    expect(v('profitTrades')).toBe(String(wins.length));
    expect(v('lossTrades')).toBe(String(losses.length));
    expect(v('profitFactor')).toBe(String(sum(wins) / -sum(losses)));
    expect(v('largestProfitTrade')).toBe(m(Math.max(...wins)));
    expect(v('largestLossTrade')).toBe(m(Math.min(...losses)));
    expect(v('longTrades')).toBe(String(e.trades.filter((t) => t.direction === 'LONG').length));
    expect(v('shortTrades')).toBe(String(e.trades.filter((t) => t.direction === 'SHORT').length));
    expect(v('longWonPct')).toBe(String(e.trades.filter((t) => t.direction === 'LONG' && t.pnl > 0).length / e.trades.filter((t) => t.direction === 'LONG').length));
    // The curve: the period's samples, starting from the account as it stood before the period.
    expect(v('initialDeposit')).toBe(m(e.initialBalance));
    expect(v('finalEquity')).toBe(m(e.finalEquity));
    expect(v('finalBalance')).toBe(m(e.finalBalance));
    expect(e.initialEquity).not.toBe(e.initialBalance);
    expect(v('initialEquity')).toBe(m(e.initialEquity));
    expect(r.title).toBe('Tester report: trading period');
    // A live host passing its restored portfolio's trades (no journal replay) makes the same figures.
    const live = createReportService({ journal, account: { instruments, accountCurrency: 'USD', startingCash: money(config.account.starting_cash) }, trades: () => session.engine.portfolio.trades() });
    const figs = (html: string) => [...html.matchAll(/data-figure="[^"]+" data-kind="[a-z]+" data-value="[^"]*"/g)].map((x) => x[0]);
    expect(figs((await live.tester({ source: 'period', from: FROM, to: TO })).html)).toEqual(figs(r.html));
    expect(r.html).toContain('2024-01-22T15:10:00Z to 2024-02-20T00:00:00Z (end exclusive)');
  }, 60_000);

  it('refuses bad arguments with coded errors; a host without a report service answers report.unavailable', async () => {
    const err = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (e) {
        return e instanceof ProtocolError ? e.code : `not a protocol error: ${String(e)}`;
      }
      return 'no error';
    };
    expect(await err(client.request('report.tester', { source: 'period', from: TO, to: FROM }))).toBe('report.bad_period');
    expect(await err(client.request('report.tester', { source: 'backtest', runId: 'bt-99' }))).toBe('report.unknown_run');
    expect(await err(client.request('report.tester', { source: 'backtest', runId: '42' }))).toBe('report.unknown_run');
    expect(await err(client.request('report.tester', { source: 'everything' } as never))).toBe('protocol.invalid_args');
    const bare = createEngineProtocol({ engine: session.engine, rawConfig: RAW_CONFIG, timer: new WallClock() });
    const c2 = new ProtocolClient(connectInProcess(bare.server));
    expect(await err(c2.request('report.tester', { source: 'period' }))).toBe('report.unavailable');
    c2.close();
    bare.close();
  });

  it('reports a backtest stored in the journal and one remembered by the service', async () => {
    const data = await loadBacktestData({ path: SAMPLE, symbols: ['AAPL', 'MSFT'], to: Date.parse('2024-03-01T00:00:00Z') }, config);
    const bt = runBacktest({ bars: data.bars, instruments, config, strategies });
    const full = buildTesterReport({ title: 'x', source: 'backtest', accountCurrency: 'USD', info: [], tester: testerInputFromBacktest(bt, money(config.account.starting_cash)) }).figures;
    const id = journal.recordBacktestRun({ name: 'ema 8/21 ls', startedAt: 1, finishedAt: 2, config: RAW_CONFIG, metrics: bt.metrics, bars: bt.barsProcessed, trades: bt.trades });

    // Stored: trades and metrics only; the trade figures are the run's, the curve is the closed-trade balance.
    const stored = await client.request('report.tester', { source: 'backtest', runId: String(id) });
    const dom = await showInChromium(stored.html, async ({ page }) => readFigures(page));
    for (const k of ['totalTrades', 'totalNetProfit', 'grossProfit', 'grossLoss', 'profitFactor', 'expectedPayoff', 'longTrades', 'shortTrades', 'largestLossTrade', 'averageProfitTrade'] as const) {
      const want = full[k];
      expect(dom.get(k)!.value, k).toBe(want === null ? 'null' : dom.get(k)!.kind === 'money' ? (want / 1e6).toFixed(6) : String(want));
    }
    expect(dom.get('maxConsecutiveLosses.count')!.value).toBe(String(full.maxConsecutiveLosses.count));
    expect(stored.html).toContain('not its equity curve');

    // Remembered (e.g. a backtest.run result): the full curve, the same figures as the in-memory report.
    service.rememberBacktest('bt-7', bt, money(config.account.starting_cash), { name: 'ema_cross', accountCurrency: 'USD' });
    const kept = await client.request('report.tester', { source: 'backtest', runId: 'bt-7' });
    expect(kept.title).toBe('Tester report: ema_cross (bt-7)');
    const keptDom = await showInChromium(kept.html, async ({ page }) => readFigures(page));
    expect(keptDom.get('sharpe')!.value).toBe(String(full.sharpe));
    expect(keptDom.get('equityDrawdown.maximal')!.value).toBe((full.equityDrawdown.maximal / 1e6).toFixed(6));
  }, 60_000);

  it('a backtest run from the app (backtest.run) is reportable by its run id', async () => {
    // An engine whose protocol records the bars it sees (backtest.run replays those), with the report service.
    const data = await loadBacktestData({ path: SAMPLE, symbols: ['AAPL', 'MSFT'], to: Date.parse('2024-02-01T00:00:00Z') }, config);
    const s2 = new PaperSession({ bars: data.bars, instruments, config, strategies, pacer: new SimClock(0), speed: 0, onExit: 'keep', idPrefix: 'APP' });
    const stored: number[] = [];
    const p2 = createEngineProtocol({
      engine: s2.engine,
      rawConfig: RAW_CONFIG,
      timer: new WallClock(),
      reports: service,
      // as engine/node/main.ts stores it
      onBacktestFinished: (b) => stored.push(journal.recordBacktestRun({ name: `${b.name} (${b.runId})`, startedAt: b.startedAt, finishedAt: b.finishedAt, config: b.config, metrics: b.result.metrics, bars: b.result.barsProcessed, trades: b.result.trades })),
    });
    const c2 = new ProtocolClient(connectInProcess(p2.server, 'user:test'));
    try {
      await s2.start();
      const run = await c2.request('backtest.run', { strategy: { name: 'ema_cross', fast: 3, slow: 8 } });
      expect(run.runId).toMatch(/^bt-\d+$/);
      const rep = await c2.request('report.tester', { source: 'backtest', runId: run.runId });
      expect(rep.title).toContain(run.runId);
      const dom = await showInChromium(rep.html, async ({ page }) => readFigures(page));
      expect(dom.get('totalTrades')!.value).toBe(String(run.trades.length));
      // ... and it is stored in the journal with its trades (a later engine can report it by its journal id).
      expect(stored).toHaveLength(1);
      expect(journal.backtestTrades(stored[0]!)).toHaveLength(run.trades.length);
      const again = await c2.request('report.tester', { source: 'backtest', runId: String(stored[0]) });
      expect(again.html).toContain('not its equity curve');
    } finally {
      c2.close();
      p2.close();
    }
  }, 60_000);

  it('npm run report -- --data-dir writes the same figures', async () => {
    const out = join(dir, 'period.html');
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'engine/node/cli/report.ts'), '--data-dir', dir, '--from', '2024-01-22T15:10', '--to', '2024-02-20', '--data', SAMPLE, '--symbols', 'AAPL,MSFT', '--out', out],
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const cli = readFileSync(out, 'utf8');
    const viaProtocol = (await client.request('report.tester', { source: 'period', from: FROM, to: TO })).html;
    const figs = (html: string) => [...html.matchAll(/data-figure="[^"]+" data-kind="[a-z]+" data-value="[^"]*"/g)].map((x) => x[0]);
    expect(figs(cli)).toEqual(figs(viaProtocol));
    expect(figs(cli).length).toBeGreaterThan(40);
  }, 60_000);
});
