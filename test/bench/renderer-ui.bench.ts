/**
 * Renderer performance in real Chromium (playwright-core, /usr/bin/chromium or CHROMIUM_PATH):
 *
 *  1. Quote storm: the built workstation (out/renderer, built first if missing) served by the real
 *     engine server (startEngineServer + createEngineProtocol over a TradingEngine with 46
 *     instruments), each instrument quoted 10 times a second for the run; the page shows the
 *     watchlist, chart, ticket, account and risk meters. A PerformanceObserver('longtask') installed
 *     before the app loads records every main-thread task over 50 ms. Target: none.
 *  2. Chart load: the renderer's ChartController (bundled with esbuild into a test page,
 *     renderer/src/bench/chart-bench-entry.ts) given 100,000 bars with two EMA overlays, timed to the
 *     first painted frame (target: <= 300 ms) and to the frame after the whole history is in the
 *     series (checked: all 100,000 candles held, the view not moved by the load), then fed quotes at
 *     20 Hz (longest task); against bare lightweight-charts (setData of all 100,000 candles, its
 *     first frame, the same live updates) in the same page and run, the two alternating.
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
import type { BareRun, ChartRun, LiveRun } from '../../renderer/src/bench/chart-bench-entry';
import { FIRST_WINDOW } from '../../renderer/src/features/chart/series-data';
import { ensureRendererBuilt, launchChromium, RENDERER_OUT, ROOT } from '../e2e/support';
import { fmt, median, type BenchContext, type BenchSection } from './harness';

const LONGTASK_OBSERVER = `
  window.__longtasks = [];
  new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longtasks.push(e.duration); })
    .observe({ type: 'longtask', buffered: true });
  // One MutationObserver callback per DOM commit that touched the watchlist: React's commits per second.
  window.__commits = [];
  new MutationObserver((records) => {
    if (records.some((r) => (r.target.nodeType === 1 ? r.target : r.target.parentElement)?.closest?.('[data-testid=watchlist]')))
      window.__commits.push(performance.now());
  }).observe(document, { subtree: true, childList: true, characterData: true });
`;

/** Most events in any window of `ms` (times sorted ascending). */
function maxInWindow(times: readonly number[], ms: number): number {
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= ms) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

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
    // The quotes view's patches as they arrive on the wire (Node-side times).
    const patches: number[] = [];
    let counting = false;
    page.on('websocket', (ws) =>
      ws.on('framereceived', (f) => {
        if (counting && typeof f.payload === 'string' && f.payload.includes('"view.patch"') && f.payload.includes('"view":"quotes"')) patches.push(Date.now());
      }),
    );
    await page.goto(`${server.httpUrl}#token=bench-token`);
    await page.locator('[data-testid=connection][data-status=connected]').waitFor({ timeout: 30_000 });
    await page.locator('[data-quote=I45]').waitFor({ timeout: 30_000 });
    await page.waitForTimeout(1000);
    await page.evaluate('window.__longtasks.length = 0; window.__commits.length = 0');
    counting = true;
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
    counting = false;
    const tasks = (await page.evaluate('window.__longtasks.slice()')) as number[];
    const commits = (await page.evaluate('window.__commits.slice()')) as number[];
    const bid = await page.locator('[data-quote=I45] [data-field=bid]').textContent();
    const over50 = tasks.filter((d) => d > 50);
    return {
      title: 'Renderer: 46 instruments x 10 quotes/s (Chromium, real engine server)',
      columns: ['seconds', 'quotes sent', 'quotes/s', 'quote patches/s (max in 1 s)', 'watchlist commits/s (max in 1 s)', 'long tasks (>50 ms)', 'longest task ms', 'watchlist live'],
      rows: [
        [
          seconds,
          quotes,
          fmt(quotes / seconds),
          `${fmt(patches.length / seconds, 1)} (${maxInWindow(patches, 1000)})`,
          `${fmt(commits.length / seconds, 1)} (${maxInWindow(commits, 1000)})`,
          over50.length,
          tasks.length ? fmt(Math.max(...tasks), 1) : '0 (none)',
          bid && bid !== '—' ? 'yes' : 'no',
        ],
      ],
      notes: [
        `Target: no long task over 50 ms. ${over50.length === 0 ? 'Met.' : `MISSED: ${over50.map((d) => d.toFixed(0)).join(', ')} ms`} Machine load average at the run: ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores.`,
        `Coalescing: ${maxInWindow(patches, 1000) <= 20 && maxInWindow(commits, 1000) <= 20 ? 'at most 20 quote patches and 20 watchlist commits in any second. Met.' : 'MORE than 20 quote patches or watchlist commits in some second.'} The engine coalesces each view to <= 20 patches/s; the renderer's coalescer batches all views' frames to <= 20 store updates/s, each one state change (one React commit); the chart takes quotes outside React.`,
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
    const liveSeconds = ctx.quick ? 2 : 4;
    const ours: ChartRun[] = [];
    const bare: BareRun[] = [];
    await page.evaluate(`window.benchChart(${n}, 0.5)`);
    await page.evaluate(`window.benchBare(${n}, 0.5)`);
    for (let i = 0; i < reps; i++) {
      ours.push((await page.evaluate(`window.benchChart(${n}, ${liveSeconds})`)) as ChartRun);
      bare.push((await page.evaluate(`window.benchBare(${n}, ${liveSeconds})`)) as BareRun);
    }
    const med = (xs: number[]) => fmt(median(xs), 1);
    const live = (rs: { live: LiveRun }[]) => `${med(rs.map((r) => r.live.longestTaskMs))} / ${med(rs.map((r) => r.live.worstFrameMs))} / ${med(rs.map((r) => r.live.newCandleFrameMs))}`;
    const painted = median(ours.map((r) => r.firstPaintMs));
    const held = ours.every((r) => r.heldBars === n && r.bars === n);
    const kept = ours.every((r) => r.viewKept);
    return {
      title: 'Renderer: chart load of 100,000 bars (Chromium)',
      columns: ['chart', 'runs', 'sync ms', 'first paint ms (median)', 'first paint worst ms', 'full history ready ms (median)', 'candles held', 'longest task ms: to first paint / loading the rest', 'live 20 Hz ms: longest task / worst frame / new-candle frame'],
      rows: [
        [
          'ChartController + 2 EMAs',
          reps,
          med(ours.map((r) => r.setBarsMs)),
          fmt(painted, 1),
          fmt(Math.max(...ours.map((r) => r.firstPaintMs)), 1),
          med(ours.map((r) => r.historyMs)),
          fmt(Math.min(...ours.map((r) => r.heldBars))),
          `${med(ours.map((r) => r.longestFirstTaskMs))} / ${med(ours.map((r) => r.longestHistoryTaskMs))}`,
          live(ours),
        ],
        [
          'bare lightweight-charts setData(100,000), no EMAs',
          reps,
          med(bare.map((r) => r.setDataMs)),
          med(bare.map((r) => r.firstPaintMs)),
          fmt(Math.max(...bare.map((r) => r.firstPaintMs)), 1),
          med(bare.map((r) => r.firstPaintMs)),
          fmt(Math.min(...bare.map((r) => r.heldBars))),
          '—',
          live(bare),
        ],
      ],
      notes: [
        `Target: <= 300 ms from new ChartController to the first painted frame. ${painted <= 300 ? 'Met.' : 'MISSED.'} Full history: ${held ? `all ${fmt(n)} candles held after every run` : 'MISSING candles in some run'}; the view ${kept ? 'did not move' : 'MOVED'} when it loaded. Machine load average at the run: ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores.`,
        `The controller sets the last ${fmt(FIRST_WINDOW)} bars (candles and EMAs, EMAs computed over the whole history) for the first frame, then the whole history in idle slices after it, one series per slice. Long tasks are main-thread tasks over 50 ms (0: none). "live 20 Hz": ${liveSeconds} s of one quote every 50 ms on the loaded chart (median over runs of the longest task and of the slowest quote-to-frame time), then one quote opening a new candle (its quote-to-frame time); the controller keeps the forming candle in a small live series, bare lightweight-charts updates its 100,000-bar series. A new candle adds a time-scale point, on which lightweight-charts re-sets every series: one slow frame per timeframe period (15 min at the shortest) on a 100,000-bar chart.`,
      ],
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
