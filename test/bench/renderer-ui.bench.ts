/**
 * Renderer performance in real Chromium (playwright-core, /usr/bin/chromium or CHROMIUM_PATH):
 *
 *  1. Quote storm: the built workstation (out/renderer, built first if missing) served by the real
 *     engine server (startEngineServer + createEngineProtocol over a TradingEngine with 46
 *     instruments), each instrument quoted 10 times a second for the run; the page shows the
 *     watchlist, chart, ticket, account and risk meters. A PerformanceObserver('longtask') installed
 *     before the app loads records every main-thread task over 50 ms. Target: none.
 *  2. Chart load: the renderer's ChartController (bundled with esbuild into a test page) given
 *     100,000 bars with two EMA overlays, timed to the first painted frame. Target: <= 300 ms.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { SimClock, WallClock } from '../../engine/core/clock';
import { makeInstrument, type Instrument } from '../../engine/core/instrument';
import { startEngineServer } from '../../engine/node/server/ws-server';
import { createEngineProtocol } from '../../engine/protocol/handlers';
import { validateConfig } from '../../engine/runtime/config';
import { TradingEngine } from '../../engine/runtime/trading-engine';
import { SimulatedVenue } from '../../engine/sim';
import { ensureRendererBuilt, launchChromium, RENDERER_OUT, ROOT } from '../e2e/support';
import { fmt, median, type BenchContext, type BenchSection } from './harness';

const LONGTASK_OBSERVER = `
  window.__longtasks = [];
  new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longtasks.push(e.duration); })
    .observe({ type: 'longtask', buffered: true });
`;

async function quoteStorm(ctx: BenchContext): Promise<BenchSection> {
  await ensureRendererBuilt();
  const seconds = ctx.quick ? 5 : 15;
  const instruments: Instrument[] = Array.from({ length: 46 }, (_, i) => makeInstrument({ id: `I${String(i).padStart(2, '0')}`, assetClass: 'equity', quoteCurrency: 'USD', pricePrecision: 2 }));
  const { config, strategies } = validateConfig({ exposure: { max_open_positions: 10 } });
  const clock = new SimClock(Date.now() - 600 * 15 * 60_000);
  const byId = new Map(instruments.map((i) => [i.id, i]));
  const venue = new SimulatedVenue({ instruments: (id) => byId.get(id), clock });
  const engine = new TradingEngine({ clock, venue, instruments, config, strategies, idPrefix: 'B', enforceStrategyBudget: false });
  engine.start(strategies);
  const protocol = createEngineProtocol({ engine, rawConfig: {}, timer: new WallClock() });
  // History: 600 bars per instrument for the chart.
  const px = instruments.map((_, i) => 50 + i);
  const barMs = 15 * 60_000;
  let ts = clock.now();
  for (let k = 0; k < 600; k++) {
    clock.advanceTo(ts + barMs);
    instruments.forEach((inst, i) => {
      const o = px[i]!;
      const c = Math.round(o * (1 + (Math.sin(k * 0.37 + i) * 0.004)) * 100) / 100;
      px[i] = c;
      engine.onBar({ instrumentId: inst.id, ts, durationMs: barMs, open: o, high: Math.max(o, c) + 0.05, low: Math.min(o, c) - 0.05, close: c, volume: 1000 });
    });
    engine.endOfTimestamp(ts + barMs);
    ts += barMs;
  }
  const server = await startEngineServer({ protocol: protocol.server, token: 'bench-token', port: 0, staticRoot: RENDERER_OUT, rateLimit: { perSecond: 1000, burst: 1000 } });
  const browser = await launchChromium();
  let quotes = 0;
  let timer: NodeJS.Timeout | undefined;
  try {
    const page = await browser.context.newPage();
    await page.addInitScript(LONGTASK_OBSERVER);
    await page.goto(`${server.httpUrl}#token=bench-token`);
    await page.locator('[data-testid=connection][data-status=connected]').waitFor({ timeout: 30_000 });
    await page.locator('[data-quote=I45]').waitFor({ timeout: 30_000 });
    await page.waitForTimeout(1000);
    await page.evaluate('window.__longtasks.length = 0');
    // 46 instruments x 10 quotes/s: a round of 46 quotes every 100 ms.
    let step = 0;
    timer = setInterval(() => {
      step++;
      const now = Math.max(clock.now() + 1, Date.now());
      clock.advanceTo(now);
      instruments.forEach((inst, i) => {
        const mid = px[i]! + Math.sin(step * 0.3 + i) * 0.5;
        const bid = Math.round((mid - 0.01) * 100) / 100;
        engine.onQuote({ instrumentId: inst.id, ts: now, bid, ask: Math.round((bid + 0.02) * 100) / 100 });
        quotes++;
      });
    }, 100);
    await page.waitForTimeout(seconds * 1000);
    clearInterval(timer);
    const tasks = (await page.evaluate('window.__longtasks.slice()')) as number[];
    const bid = await page.locator('[data-quote=I45] [data-field=bid]').textContent();
    const over50 = tasks.filter((d) => d > 50);
    return {
      title: 'Renderer: 46 instruments x 10 quotes/s (Chromium, real engine server)',
      columns: ['seconds', 'quotes sent', 'quotes/s', 'long tasks (>50 ms)', 'longest task ms', 'watchlist live'],
      rows: [[seconds, quotes, fmt(quotes / seconds), over50.length, tasks.length ? fmt(Math.max(...tasks), 1) : '0 (none)', bid && bid !== '—' ? 'yes' : 'no']],
      notes: [
        `Target: no long task over 50 ms. ${over50.length === 0 ? 'Met.' : `MISSED: ${over50.map((d) => d.toFixed(0)).join(', ')} ms`} Machine load average at the run: ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores.`,
        'The engine coalesces the quotes view to <= 20 patches/s; the store applies each batch in one update; the chart takes quotes outside React.',
      ],
    };
  } finally {
    clearInterval(timer);
    await browser.close();
    await server.close();
    protocol.close();
  }
}

async function chartLoad(ctx: BenchContext): Promise<BenchSection> {
  const dir = mkdtempSync(join(tmpdir(), 'tw-bench-chart-'));
  await build({ entryPoints: [join(ROOT, 'renderer/src/bench/chart-bench-entry.ts')], bundle: true, format: 'esm', outfile: join(dir, 'assets/bench.js'), minify: true, logLevel: 'silent' });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><html><head><script type="module" src="/assets/bench.js"></script></head><body style="margin:0;background:#0f1216"><div id="chart" style="width:1400px;height:700px"></div></body></html>');
  const { createFixtureEngine } = await import('../contract/fixture-engine');
  const fx = createFixtureEngine();
  const server = await startEngineServer({ protocol: fx.protocol.server, token: 'bench', port: 0, staticRoot: dir });
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    await page.goto(server.httpUrl);
    await page.waitForFunction('typeof window.benchChart === "function"');
    const n = 100_000;
    const reps = ctx.quick ? 3 : 7;
    type Run = { setBarsMs: number; paintedMs: number; overlaysMs: number; bars: number };
    const runs: Run[] = [];
    await page.evaluate(`window.benchChart(${n})`);
    for (let i = 0; i < reps; i++) runs.push((await page.evaluate(`window.benchChart(${n})`)) as Run);
    const painted = median(runs.map((r) => r.paintedMs));
    return {
      title: 'Renderer: chart load of 100,000 bars (Chromium, ChartController + 2 EMAs)',
      columns: ['bars', 'runs', 'setBars ms (median)', 'candles painted ms (median)', 'worst ms', 'with 2 EMAs ms (median)'],
      rows: [[fmt(runs[0]!.bars), reps, fmt(median(runs.map((r) => r.setBarsMs)), 1), fmt(painted, 1), fmt(Math.max(...runs.map((r) => r.paintedMs)), 1), fmt(median(runs.map((r) => r.overlaysMs)), 1)]],
      notes: [`Target: <= 300 ms to the first painted frame. ${painted <= 300 ? 'Met.' : 'MISSED.'} Machine load average at the run: ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores.`],
    };
  } finally {
    await browser.close();
    await server.close();
    fx.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(ctx: BenchContext): Promise<BenchSection[]> {
  return [await chartLoad(ctx), await quoteStorm(ctx)];
}
