/**
 * One backtest benchmark scenario in a fresh process (so that peak RSS is this scenario's own):
 * `tsx test/bench/backtest-worker.ts <scenario> <symbols> <barsPerSymbol> <reps>`; prints one JSON line.
 */
import { performance } from 'node:perf_hooks';
import { runBacktest } from '../../engine/backtest/run-backtest';
import { validateConfig } from '../../engine/runtime/config';
import { benchUniverse } from './backtest-universe';
import { SCENARIOS, handLoop } from './backtest-scenarios';

const [name = 'ema_cross', symArg = '46', barsArg = '26000', repsArg = '3'] = process.argv.slice(2);
const scenario = SCENARIOS[name];
if (!scenario && name !== 'hand_loop') throw new Error(`unknown scenario ${name}`);
const t0 = performance.now();
const u = benchUniverse(Number(symArg), Number(barsArg));
const loadMs = performance.now() - t0;
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const rssAfterLoadMb = process.memoryUsage().rss / 2 ** 20;
const times: number[] = [];
let trades = 0;
let orders = 0;
for (let r = 0; r < Number(repsArg); r++) {
  const t = performance.now();
  if (scenario) {
    const { config, strategies } = validateConfig(scenario);
    const res = runBacktest({ bars: u.bars, instruments: u.instruments, config, strategies });
    trades = res.trades.length;
    orders = res.orders.length;
  } else {
    trades = handLoop(u.bars, u.instruments.map((i) => i.id));
  }
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
const best = times[0]!;
const med = times[times.length >> 1]!;
process.stdout.write(
  JSON.stringify({ name, bars: u.bars.length, trades, orders, bestMs: best, medianMs: med, generateMs: loadMs, rssAfterLoadMb, peakRssMb: process.resourceUsage().maxRSS / 1024 }) + '\n',
);
