/**
 * Browser entry of the chart benchmark (bundled by test/bench/renderer-ui.bench.ts with esbuild; not
 * part of the app bundle). Bars are made before the clock starts (15-minute bars, a seeded walk).
 *
 *  - `window.benchChart(n)`: the renderer's own ChartController with two EMA overlays, timed from
 *    `new ChartController` to the first painted frame (two animation frames after setBars), then to
 *    the frame after the whole history is in the series; checks that the series hold all n candles
 *    and that loading the history did not move the view; reports the longest main-thread task seen
 *    in each phase (PerformanceObserver 'longtask', tasks over 50 ms; the loading phase runs on to
 *    500 ms after the history is in, so that the garbage it leaves is counted to it); then feeds it a quote every
 *    50 ms (the store's 20 Hz) for `liveSeconds` and reports the longest task and the slowest
 *    quote-to-painted-frame time, then the frame time of one quote that opens a new candle.
 *  - `window.benchBare(n, liveSeconds)`: bare lightweight-charts in the same page, the floor to
 *    compare with: createChart + a candlestick series + setData of all n candles (plain objects
 *    built before the clock starts) to the first painted frame; then the same live updates
 *    (`series.update` of the last candle every 50 ms).
 */
import { CandlestickSeries, createChart, type CandlestickData, type Time } from 'lightweight-charts';
import type { BarSeriesDto } from '../../../engine/protocol/contract';
import { ChartController } from '../features/chart/chart-controller';
import { candleData, sec } from '../features/chart/series-data';

export interface ChartRun {
  setBarsMs: number;
  firstPaintMs: number;
  historyMs: number;
  bars: number;
  heldBars: number;
  viewKept: boolean;
  longestFirstTaskMs: number;
  longestHistoryTaskMs: number;
  live: LiveRun;
}

export interface BareRun {
  setDataMs: number;
  firstPaintMs: number;
  heldBars: number;
  live: LiveRun;
}

export interface LiveRun {
  updates: number;
  longestTaskMs: number;
  /** Slowest time from an update to the frame after it. */
  worstFrameMs: number;
  /** Time from the update that opens a new candle to the frame after it. */
  newCandleFrameMs: number;
}

declare global {
  interface Window {
    benchChart(n: number, liveSeconds: number): Promise<ChartRun>;
    benchBare(n: number, liveSeconds: number): Promise<BareRun>;
  }
}

const longTasks: { start: number; end: number }[] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) longTasks.push({ start: e.startTime, end: e.startTime + e.duration });
}).observe({ type: 'longtask', buffered: true });

/** Longest task over 50 ms that ran within [from, to] (0 when none). */
function longestTask(from: number, to: number): number {
  let max = 0;
  for (const t of longTasks) if (t.end > from && t.start < to) max = Math.max(max, t.end - t.start);
  return max;
}

const frames = () => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r())));
/** Lets the long-task observer deliver what it saw. */
const settle = () => new Promise((r) => setTimeout(r, 50));

/**
 * Calls `update(price, ms)` every 50 ms for `seconds`, the price walking around `px0` within the
 * forming candle (time t0 + 1 s per update); then once at t0 + 15 min, opening a new candle.
 */
async function liveUpdates(seconds: number, t0: number, px0: number, update: (px: number, ms: number) => void): Promise<LiveRun> {
  const start = performance.now();
  let worst = 0;
  let updates = 0;
  while (performance.now() - start < seconds * 1000) {
    await new Promise((r) => setTimeout(r, 50));
    const s = performance.now();
    update(px0 * (1 + Math.sin(updates / 7) * 0.001), t0 + (updates + 1) * 1000);
    updates++;
    await new Promise<void>((r) => requestAnimationFrame(() => r()));
    worst = Math.max(worst, performance.now() - s);
  }
  await new Promise((r) => setTimeout(r, 50));
  const s = performance.now();
  update(px0, t0 + 15 * 60_000);
  await new Promise<void>((r) => requestAnimationFrame(() => r()));
  const newCandleFrameMs = performance.now() - s;
  await settle();
  return { updates, longestTaskMs: longestTask(start, s), worstFrameMs: worst, newCandleFrameMs };
}

function makeBars(n: number): BarSeriesDto {
  const tf = 15 * 60_000;
  const start = Date.UTC(2020, 0, 1);
  const bars = { ts: new Array<number>(n), open: new Array<number>(n), high: new Array<number>(n), low: new Array<number>(n), close: new Array<number>(n), volume: new Array<number>(n) };
  let px = 100;
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let i = 0; i < n; i++) {
    const o = px;
    px = Math.max(1, px * (1 + (rnd() - 0.5) * 0.01));
    bars.ts[i] = start + i * tf;
    bars.open[i] = o;
    bars.close[i] = px;
    bars.high[i] = Math.max(o, px) * (1 + rnd() * 0.002);
    bars.low[i] = Math.min(o, px) * (1 - rnd() * 0.002);
    bars.volume[i] = 1000;
  }
  return bars;
}

function freshContainer(): HTMLElement {
  const el = document.getElementById('chart')!;
  el.replaceChildren();
  for (const k of Object.keys(el.dataset)) delete el.dataset[k];
  return el;
}

window.benchChart = async (n: number, liveSeconds: number) => {
  const bars = makeBars(n);
  const el = freshContainer();
  const t0 = performance.now();
  const ctl = new ChartController(el);
  ctl.setBars(bars, 15 * 60_000, [20, 50]);
  const t1 = performance.now();
  await frames();
  const t2 = performance.now();
  const view = ctl.chart.timeScale().getVisibleRange();
  await ctl.historyLoaded();
  await frames();
  const t3 = performance.now();
  const after = ctl.chart.timeScale().getVisibleRange();
  const heldBars = ctl.heldBars();
  const count = Number(el.dataset.bars);
  // What the load left behind (garbage collection of the converted arrays) counts to the load.
  await new Promise((r) => setTimeout(r, 500));
  const t4 = performance.now();
  await settle();
  const lastTs = bars.ts[n - 1]!;
  const live = await liveUpdates(liveSeconds, lastTs, bars.close[n - 1]!, (px, ms) => {
    const p = px.toFixed(4);
    ctl.onQuote({ instrumentId: 'BENCH', bid: p, ask: p, spread: '0', last: p, ts: ms, bar: null });
  });
  const run: ChartRun = {
    setBarsMs: t1 - t0,
    firstPaintMs: t2 - t0,
    historyMs: t3 - t0,
    bars: count,
    heldBars,
    viewKept: view !== null && after !== null && view.from === after.from && view.to === after.to,
    longestFirstTaskMs: longestTask(t0, t2),
    longestHistoryTaskMs: longestTask(t2, t4),
    live,
  };
  ctl.dispose();
  return run;
};

window.benchBare = async (n: number, liveSeconds: number) => {
  const bars = makeBars(n);
  const data: CandlestickData<Time>[] = candleData(bars, 0, n);
  const el = freshContainer();
  const t0 = performance.now();
  const chart = createChart(el, { autoSize: true });
  const series = chart.addSeries(CandlestickSeries);
  series.setData(data);
  const t1 = performance.now();
  await frames();
  const t2 = performance.now();
  const heldBars = series.data().length;
  await new Promise((r) => setTimeout(r, 500));
  const last = { ...data[n - 1]! };
  const live = await liveUpdates(liveSeconds, bars.ts[n - 1]!, last.close, (px, ms) => {
    const time = sec(Math.floor(ms / (15 * 60_000)) * 15 * 60_000);
    if (time !== last.time) Object.assign(last, { time, open: px, high: px, low: px });
    last.high = Math.max(last.high, px);
    last.low = Math.min(last.low, px);
    last.close = px;
    series.update({ ...last });
  });
  chart.remove();
  return { setDataMs: t1 - t0, firstPaintMs: t2 - t0, heldBars, live };
};
