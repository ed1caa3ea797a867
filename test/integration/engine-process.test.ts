/**
 * The headless engine process as a service manager runs it: `node --import tsx engine/node/main.ts`
 * on a temporary data dir, a slow replay of the bundled sample data, operated over a real WebSocket on
 * 127.0.0.1 and with `npm run ctl`; stopped with SIGTERM, restarted on the same data dir.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectWs } from '../../engine/node/server/ws-client-transport';
import { ProtocolClient } from '../../engine/protocol/client';
import { ROOT } from './golden-cases';

const MAIN = join(ROOT, 'engine/node/main.ts');
const CTL = join(ROOT, 'engine/node/cli/ctl.ts');
const FEED = ['--speed', '60', '--symbols', 'AAPL', '--to', '2024-01-05'];

interface RunningEngine {
  child: ChildProcess;
  url: string;
  http: string;
  logs: () => string;
  exit: Promise<number | null>;
}

/** Spawns the engine and resolves once it logs `ready` (rejects if it exits first). */
function startEngine(args: string[]): Promise<RunningEngine> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, env: envWithoutToken(), stdio: ['ignore', 'pipe', 'pipe'] });
  return engineReady(child);
}

function engineReady(child: ChildProcess): Promise<RunningEngine> {
  let err = '';
  const exit = new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
  return new Promise((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      const m = /"event":"ready","url":"([^"]+)","http":"([^"]+)"/.exec(err);
      if (m) resolve({ child, url: m[1]!, http: m[2]!, logs: () => err, exit });
    });
    void exit.then((code) => reject(new Error(`engine exited ${code} before ready:\n${err}`)));
  });
}

function envWithoutToken(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  delete env['TW_ENGINE_TOKEN'];
  return env;
}

function ctl(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CTL, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000, env: envWithoutToken() });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function client(url: string, token: string): Promise<ProtocolClient> {
  const { transport } = await connectWs(url, { token });
  return new ProtocolClient(transport);
}

function lastEvents(dir: string, n: number): { seq: number; type: string; payload: string }[] {
  const db = new Database(join(dir, 'journal.sqlite'), { readonly: true });
  try {
    return db.prepare('SELECT seq, type, payload FROM events ORDER BY seq DESC LIMIT ?').all(n) as { seq: number; type: string; payload: string }[];
  } finally {
    db.close();
  }
}

describe('engine process (--engine-only entry)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tw-engine-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the protocol with a generated token, halts through ctl, stops on SIGTERM, restarts HALTED with event ids continued', async () => {
    const e = await startEngine(['--data-dir', dir, '--port', '0', ...FEED]);
    try {
      const ready = await fetch(`${e.http}/readyz`);
      expect(ready.status).toBe(200);
      const tokenFile = join(dir, 'engine-token');
      expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
      const token = readFileSync(tokenFile, 'utf8').trim();
      expect(token).toMatch(/^[0-9a-f]{64}$/);
      expect(e.logs()).not.toContain(token);
      expect(e.logs()).toContain(tokenFile);

      const c = await client(e.url, token);
      const st = await c.request('engine.status', {});
      expect(st).toMatchObject({ state: 'ready', tradingState: 'ACTIVE', instruments: ['AAPL'] });
      c.close();

      await expect(connectWs(e.url, { token: 'not-the-token' })).rejects.toMatchObject({ status: 401 });
      await expect(connectWs(e.url, {})).rejects.toMatchObject({ status: 401 });

      const halt = ctl(['--url', e.url, '--token-file', tokenFile, 'halt', 'maintenance']);
      expect(halt.err).toBe('');
      expect(halt.code).toBe(0);
      expect(halt.out).toContain('trading HALTED');
      const status = ctl(['--url', e.url, '--token-file', tokenFile, 'status']);
      expect(status.code).toBe(0);
      expect(status.out).toMatch(/trading\s+HALTED \(user:ws\)/);
      const json = ctl(['--url', e.url, '--token-file', tokenFile, 'status', '--json']);
      expect(JSON.parse(json.out)).toMatchObject({ tradingState: 'HALTED' });
      const wrong = join(dir, 'wrong-token');
      writeFileSync(wrong, 'f'.repeat(64) + '\n', { mode: 0o600 });
      const refused = ctl(['--url', e.url, '--token-file', wrong, 'status']);
      expect(refused.code).toBe(77);
      expect(refused.err).toContain('auth.unauthorized');
    } finally {
      e.child.kill('SIGTERM');
    }
    expect(await e.exit).toBe(0);
    expect(e.logs()).toMatch(/"event":"journal_closed"/);
    expect(e.logs()).toMatch(/"event":"shutdown","exitCode":0/);

    const tail = lastEvents(dir, 20);
    const haltRow = tail.find((r) => r.type === 'TradingStateChanged');
    expect(haltRow).toBeDefined();
    expect(JSON.parse(haltRow!.payload)).toMatchObject({ to: 'HALTED', reason: 'maintenance' });
    const lastSeq = tail[0]!.seq;

    const again = await startEngine(['--data-dir', dir, '--port', '0', ...FEED]);
    try {
      const token = readFileSync(join(dir, 'engine-token'), 'utf8').trim();
      const c = await client(again.url, token);
      const st = await c.request('engine.status', {});
      expect(st.tradingState).toBe('HALTED');
      expect(st.lastEventId).toBeGreaterThanOrEqual(lastSeq);
      // a new event after the restart continues the sequence
      await c.request('strategies.stop', { id: 'ema_cross' });
      const st2 = await c.request('engine.status', {});
      expect(st2.lastEventId).toBeGreaterThan(lastSeq);
      c.close();
    } finally {
      again.child.kill('SIGTERM');
    }
    expect(await again.exit).toBe(0);
    const seqs = lastEvents(dir, 1000).map((r) => r.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(Math.max(...seqs)).toBeGreaterThan(lastSeq);
  }, 90_000);

  it('refuses an invalid configuration with every problem listed, exit 78, before touching the data dir', () => {
    const d = mkdtempSync(join(tmpdir(), 'tw-engine-bad-'));
    try {
      const cfg = join(d, 'bad.yaml');
      writeFileSync(cfg, 'engine:\n  server:\n    port: 99999\n  on_shutdown: explode\naccount:\n  currency: usd\n');
      const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, '--config', cfg, '--data-dir', join(d, 'data'), '--port', '0'], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
      expect(r.status).toBe(78);
      for (const path of ['engine.server.port', 'engine.on_shutdown', 'account.currency']) expect(r.stderr).toContain(path);
      expect(r.stderr).toContain('config.invalid');
      expect(() => statSync(join(d, 'data'))).toThrow();
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('exits 75 when the port is in use and 78 on an empty token', async () => {
    const d = mkdtempSync(join(tmpdir(), 'tw-engine-port-'));
    const blocker: Server = createServer();
    await new Promise<void>((res) => blocker.listen(0, '127.0.0.1', () => res()));
    try {
      const port = (blocker.address() as AddressInfo).port;
      const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, '--data-dir', d, '--port', String(port), ...FEED], { cwd: ROOT, encoding: 'utf8', timeout: 30_000, env: { ...process.env, TW_ENGINE_TOKEN: 'x'.repeat(32) } });
      expect(r.status).toBe(75);
      expect(r.stderr).toContain('EADDRINUSE');
      writeFileSync(join(d, 'engine-token'), '\n');
      const t = spawnSync(process.execPath, ['--import', 'tsx', MAIN, '--data-dir', d, '--port', '0', ...FEED], { cwd: ROOT, encoding: 'utf8', timeout: 30_000, env: envWithoutToken() });
      expect(t.status).toBe(78);
      expect(t.stderr).toContain('config.empty_token');
    } finally {
      blocker.close();
      rmSync(d, { recursive: true, force: true });
    }
  });
});
