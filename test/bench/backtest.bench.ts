/**
 * Backtest throughput through the whole kernel (strategy API, sizer, risk gate, order manager,
 * simulated venue, accounting) on 46 symbols x 26,000 15-minute bars, and peak RSS. Each scenario runs
 * in its own process (`backtest-worker.ts`, bundled with esbuild the way the engine ships) so that its
 * peak RSS is its own; a hand-fused loop over the same bars runs beside them as the floor.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { fmt, type BenchContext, type BenchSection } from './harness';

interface WorkerResult {
  name: string;
  bars: number;
  trades: number;
  orders: number;
  bestMs: number;
  medianMs: number;
  generateMs: number;
  rssAfterLoadMb: number;
  peakRssMb: number;
}

const HERE = dirname(fileURLToPath(import.meta.url));

const LABELS: Record<string, string> = {
  hand_loop: 'hand-fused loop (EMA 8/21, no engine)',
  ema_cross: 'engine: ema_cross 8/21, every signal trades',
  ema_cross_user_limits: 'engine: ema_cross 8/21, user limits (10 %, 5 positions)',
  ema_cross_momentum: 'engine: ema_cross_momentum 3/8/21, brackets, fees, slippage',
};

export async function run(ctx: BenchContext): Promise<BenchSection[]> {
  const symbols = 46;
  const barsPerSymbol = ctx.quick ? 4_000 : 26_000;
  const reps = ctx.quick ? 2 : 5;
  const dir = mkdtempSync(join(tmpdir(), 'bt-bench-'));
  try {
    const worker = join(dir, 'worker.mjs');
    await build({ entryPoints: [join(HERE, 'backtest-worker.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: worker, logLevel: 'warning' });
    const runWorker = (name: string, n: number): WorkerResult => {
      const out = execFileSync(process.execPath, ['--expose-gc', worker, name, String(symbols), String(barsPerSymbol), String(n)], { encoding: 'utf8', maxBuffer: 1 << 20 });
      return JSON.parse(out.trim().split('\n').pop()!) as WorkerResult;
    };
    const results: WorkerResult[] = [];
    const memory: WorkerResult[] = [];
    for (const name of Object.keys(LABELS)) {
      results.push(runWorker(name, reps));
      // Memory from a process that runs the backtest once (repeated runs leave garbage that inflates RSS).
      memory.push(runWorker(name, 1));
    }
    const floor = results.find((r) => r.name === 'hand_loop')!;
    const rows = results.map((r, i) => [
      LABELS[r.name] ?? r.name,
      fmt(r.bars),
      fmt(r.trades),
      fmt(r.orders),
      fmt(r.bestMs, 0),
      fmt(r.medianMs, 0),
      fmt(r.bars / (r.bestMs / 1000)),
      fmt(r.bars / (r.medianMs / 1000)),
      `${fmt(r.bestMs / floor.bestMs, 1)}x`,
      fmt(memory[i]!.rssAfterLoadMb, 0),
      fmt(memory[i]!.peakRssMb, 0),
    ]);
    const main = results.find((r) => r.name === 'ema_cross')!;
    const mainMem = memory[results.indexOf(main)]!;
    return [
      {
        title: `Backtest throughput: ${symbols} symbols x ${fmt(barsPerSymbol)} 15-minute bars (generated, seed 20260101), best and median of ${reps}`,
        columns: ['scenario', 'bars', 'trades', 'orders', 'best ms', 'median ms', 'bars/s (best)', 'bars/s (median)', 'vs floor', 'RSS with data MB', 'peak RSS MB'],
        rows,
        notes: [
          `Target >= 5,000,000 bars/s and <= 400 MB RSS. ema_cross reached ${fmt(main.bars / (main.bestMs / 1000))} bars/s (best run) with peak RSS ${fmt(mainMem.peakRssMb, 0)} MB for one run.`,
          '"RSS with data" is the process after generating the 1.2M Bar objects and a full GC, before the backtest; "peak RSS" is the maximum over the process (generation included) with one backtest run. The hand-fused loop row is the floor that the data alone costs.',
          'Where the time goes (cpu profile of ema_cross): the per-bar path (venue, cache, portfolio mark, strategy EMAs) is about a third; ' +
            'the order path (order, risk check, 4-6 events through the bus, venue matching, fill accounting) costs a few microseconds per order and ' +
            'with ~2 orders per trade it is the larger share; the rest is garbage collection, mostly major GCs that must mark the 1.2M bar objects ' +
            'while orders and fills are allocated.',
        ],
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
