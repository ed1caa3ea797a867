/**
 * What the browser tests share: the built renderer (built once when out/renderer is missing or older
 * than its sources; a lock directory serializes parallel test files), a real headless engine child
 * process (`node --import tsx engine/node/main.ts` on a temporary data dir, paper-trading the bundled
 * sample data, token from TW_ENGINE_TOKEN), and Chromium through playwright-core with a fresh profile.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const RENDERER_OUT = join(ROOT, 'out/renderer');
export const ARTIFACTS = join(ROOT, 'test-artifacts/e2e');

const SOURCES = ['renderer', 'engine/protocol', 'engine/core', 'electron.vite.config.ts', 'tsconfig.renderer.json'];

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const e of readdirSync(path)) max = Math.max(max, newestMtime(join(path, e)));
  return max;
}

function rendererStale(): boolean {
  const index = join(RENDERER_OUT, 'index.html');
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  return SOURCES.some((s) => existsSync(join(ROOT, s)) && newestMtime(join(ROOT, s)) > built);
}

/** Builds out/renderer with `electron-vite build` when it is missing or stale. */
export async function ensureRendererBuilt(): Promise<void> {
  const lock = join(ROOT, 'out/.e2e-build.lock');
  mkdirSync(join(ROOT, 'out'), { recursive: true });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`renderer build lock ${lock} held for over 2 minutes`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    if (!rendererStale()) return;
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' } });
    if (r.status !== 0) throw new Error(`electron-vite build failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface EngineChild {
  child: ChildProcess;
  /** `http://127.0.0.1:port/` */
  http: string;
  token: string;
  dataDir: string;
  logs(): string;
  stop(): Promise<void>;
}

export async function startEngine(extra: string[] = [], token = `e2e-${Math.random().toString(36).slice(2)}-token`): Promise<EngineChild> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tw-e2e-'));
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'engine/node/main.ts'), '--data-dir', dataDir, '--port', '0', ...extra], {
    cwd: ROOT,
    env: { ...process.env, TW_ENGINE_TOKEN: token },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const exit = new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
  const http = await new Promise<string>((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      const m = /"event":"ready".*?"http":"([^"]+)"/.exec(err);
      if (m) resolve(`${m[1]!}/`);
    });
    void exit.then((code) => reject(new Error(`engine exited ${code} before ready:\n${err}`)));
  });
  return {
    child,
    http,
    token,
    dataDir,
    logs: () => err,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(t);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'tw-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1600, height: 1000 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}
