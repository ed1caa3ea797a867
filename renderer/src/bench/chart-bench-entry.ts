/**
 * Browser entry of the chart benchmark (bundled by test/bench/renderer-ui.bench.ts with esbuild; not part of the app bundle): exposes
 * `window.benchChart(n)`, which makes n 15-minute bars, then times ChartController.setBars (the
 * renderer's own chart code) to the first painted frame of the candles, and to the frame after its
 * two EMA overlays are drawn.
 */
import { ChartController } from '../features/chart/chart-controller';

declare global {
  interface Window {
    benchChart(n: number): Promise<{ setBarsMs: number; paintedMs: number; overlaysMs: number; bars: number }>;
  }
}

window.benchChart = async (n: number) => {
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
  const el = document.getElementById('chart')!;
  el.replaceChildren();
  const t0 = performance.now();
  const ctl = new ChartController(el);
  ctl.setBars(bars, tf, [20, 50]);
  const t1 = performance.now();
  await new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r())));
  const t2 = performance.now();
  while (el.dataset.overlays === undefined) await new Promise((r) => setTimeout(r, 0));
  await new Promise<void>((r) => requestAnimationFrame(() => r()));
  const t3 = performance.now();
  const count = Number(el.dataset.bars);
  ctl.dispose();
  return { setBarsMs: t1 - t0, paintedMs: t2 - t0, overlaysMs: t3 - t0, bars: count };
};
