/**
 * Shared pieces of `npm run bench`: every benchmark module (`*.bench.ts` beside this file) exports
 * `run(ctx)` returning one or more sections; `run.ts` prints each as a table and writes all of them to
 * `bench-results/results.json`.
 */
import { performance } from 'node:perf_hooks';

export interface BenchContext {
  /** `../shared/data` when it exists beside the project, else null (benches then generate data). */
  sharedDataDir: string | null;
  /** True for `npm run bench -- --quick`: smaller sizes, fewer repetitions (used by CI smoke runs). */
  quick: boolean;
}

export interface BenchSection {
  title: string;
  columns: string[];
  rows: (string | number)[][];
  /** Free text printed under the table: targets, what was reached, where the time goes. */
  notes?: string[];
}

/** Median of a list of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Runs `fn` `reps` times after `warmup` runs and returns the median wall time in milliseconds. */
export function timeMedianMs(fn: () => unknown, reps = 5, warmup = 1): number {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** Formats a number with thousands separators and `digits` decimals. */
export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
