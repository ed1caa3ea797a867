/**
 * Cold start of the engine process, as it ships (the esbuild bundle of `npm run build:engine`, run by
 * plain `node`) and in development (`node --import tsx engine/node/main.ts`): from spawn to the first
 * `GET /readyz` 200 (polled every 5 ms on a port chosen beforehand), median of 5. Cold: a fresh data
 * dir (token generated, journal created); warm: a restart on a data dir holding the previous run's
 * journal. The replay is the bundled AAPL sample (one week) at speed 60. Target: cold start <= 1 s.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { buildEngine } from '../../engine/node/tools/build-engine';
import { fmt, median, type BenchContext, type BenchSection } from './harness';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const MAIN = join(ROOT, 'engine/node/main.ts');
const TARGET_MS = 1000;

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => res(port));
    });
  });
}

/** Spawns the engine, polls /readyz until 200; returns the ms from spawn, then stops the engine (SIGTERM). */
async function startToReady(dataDir: string, entry: string[]): Promise<number> {
  const port = await freePort();
  const env: Record<string, string | undefined> = { ...process.env };
  delete env['TW_ENGINE_TOKEN'];
  const t0 = performance.now();
  const child = spawn(process.execPath, [...entry, '--data-dir', dataDir, '--port', String(port), '--speed', '60', '--symbols', 'AAPL', '--to', '2024-01-09'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  let alive = true;
  void exited.then(() => (alive = false));
  let ms = Number.NaN;
  while (alive && performance.now() - t0 < 30_000) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (r.status === 200) {
        ms = performance.now() - t0;
        break;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  child.kill('SIGTERM');
  const code = await exited;
  if (Number.isNaN(ms)) throw new Error(`engine not ready (exit ${code}):\n${err}`);
  if (code !== 0) throw new Error(`engine exited ${code} on SIGTERM:\n${err}`);
  return ms;
}

export async function run(ctx: BenchContext): Promise<BenchSection[]> {
  const reps = ctx.quick ? 3 : 5;
  const base = mkdtempSync(join(tmpdir(), 'engine-start-bench-'));
  try {
    // Inside the project (out/ is as deep as engine/node/), so that node_modules and resources/ resolve.
    const bundle = await buildEngine(join(ROOT, 'out', 'bench-engine', 'main.mjs'));
    const cases = { bundled: [bundle], tsx: ['--import', 'tsx', MAIN] };
    const times: Record<string, { cold: number[]; warm: number[] }> = {};
    for (const [name, entry] of Object.entries(cases)) {
      const t = (times[name] = { cold: [] as number[], warm: [] as number[] });
      for (let i = 0; i < reps; i++) {
        const dir = join(base, `${name}-${i}`);
        t.cold.push(await startToReady(dir, entry));
        t.warm.push(await startToReady(dir, entry));
      }
    }
    const row = (name: string, xs: number[]) => [name, xs.length, fmt(median(xs)), fmt(Math.min(...xs)), fmt(Math.max(...xs))];
    const m = median(times.bundled!.cold);
    return [
      {
        title: 'Engine process start: spawn -> /readyz 200 (ms)',
        columns: ['case', 'runs', 'median ms', 'min ms', 'max ms'],
        rows: [
          row('bundled (npm run build:engine), cold: fresh data dir', times.bundled!.cold),
          row('bundled, warm: restart on the same data dir', times.bundled!.warm),
          row('tsx (npm run engine, development), cold', times.tsx!.cold),
          row('tsx, warm', times.tsx!.warm),
        ],
        notes: [
          `Target: cold start <= ${TARGET_MS} ms, as shipped (bundled); median ${fmt(m)} ms: ${m <= TARGET_MS ? 'met' : 'NOT met'}.`,
          'The tsx rows include transpiling the TypeScript at start-up, which a shipped build does not do.',
        ],
      },
    ];
  } finally {
    rmSync(base, { recursive: true, force: true });
    rmSync(join(ROOT, 'out', 'bench-engine'), { recursive: true, force: true });
  }
}
