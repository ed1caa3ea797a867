/**
 * The desktop engine supervisor under Node: the real engine entry (engine/node/main.ts) forked with
 * child_process.fork (standing in for Electron's utilityProcess.fork behind the ProcessLauncher
 * interface), its journal and trading-state file on a temporary data dir. The kill-switch path is
 * driven against a responsive engine, a wedged one (SIGSTOP) and a dead one (SIGKILL); restarts,
 * exit-code rules and shutdown against the engine and against small child scripts that crash, exit 78
 * or ignore SIGTERM.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FlattenReport } from '../../engine/core/flatten-report';
import { TRADING_STATE_FILE, type EmergencyFlattener, type EmergencyFlattenRequest } from '../../engine/node/desktop/emergency-flatten';
import { EngineSupervisor, type SupervisorOptions, type SupervisorStatus } from '../../engine/node/desktop/engine-supervisor';
import { NodeForkLauncher } from '../../engine/node/desktop/process-launcher';
import { STATE_FILE } from '../../engine/node/main';
import { ROOT } from './golden-cases';

const MAIN = join(ROOT, 'engine/node/main.ts');
const FEED = ['--speed', '60', '--symbols', 'AAPL', '--to', '2024-01-05', '--port', '0'];
const silent = pino({ level: 'silent' });

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The venue side of the emergency path for these tests: it checks that the engine process is gone
 * before it is called (the invariant the supervisor must keep) and reports one closed position.
 * The paper venue's and OANDA's flatteners implement the same interface against a real venue.
 */
class RecordingFlattener implements EmergencyFlattener {
  readonly venue = 'test-venue';
  readonly calls: { req: EmergencyFlattenRequest; enginePidAlive: boolean | null; stateFile: string }[] = [];
  enginePid: () => number | null = () => null;

  constructor(
    private readonly dataDir: string,
    private readonly behaviour: 'ok' | 'throw' | 'hang' = 'ok',
  ) {}

  flatten(req: EmergencyFlattenRequest): Promise<FlattenReport> {
    const pid = this.enginePid();
    this.calls.push({ req, enginePidAlive: pid === null ? null : isAlive(pid), stateFile: readFileSync(join(this.dataDir, TRADING_STATE_FILE), 'utf8') });
    if (this.behaviour === 'throw') return Promise.reject(new Error('connection refused'));
    if (this.behaviour === 'hang') return new Promise(() => {});
    const ts = Date.now();
    return Promise.resolve({
      flattenId: 0,
      reason: req.reason,
      source: req.source,
      startedAt: req.startedAt,
      completedAt: ts,
      status: 'completed',
      strategiesStopped: [],
      cancels: [],
      closes: [
        {
          instrumentId: 'AAPL',
          startQty: 10,
          attempts: [{ attempt: 1, clientOrderId: 'EMERGENCY-1', ts, side: 'SELL', qty: 10, outcome: 'filled' }],
          fills: [{ tradeId: 'T1', qty: 10, px: 185.5, pxTicks: 18550, ts }],
          closedQty: 10,
          avgPx: 185.5,
          status: 'closed',
        },
      ],
      failures: [],
      maxAttempts: 1,
    });
  }
}

function journalTail(dir: string, n: number): { seq: number; type: string; payload: Record<string, unknown> }[] {
  const db = new Database(join(dir, 'journal.sqlite'), { readonly: true });
  try {
    const rows = db.prepare('SELECT seq, type, payload FROM events ORDER BY seq DESC LIMIT ?').all(n) as { seq: number; type: string; payload: string }[];
    return rows.reverse().map((r) => ({ seq: r.seq, type: r.type, payload: JSON.parse(r.payload) as Record<string, unknown> }));
  } finally {
    db.close();
  }
}

const dirs: string[] = [];
const supervisors: EngineSupervisor[] = [];
function tmp(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

function engineSupervisor(dataDir: string, flattener: EmergencyFlattener, over: Partial<SupervisorOptions> = {}): EngineSupervisor {
  const env: Record<string, string | undefined> = { ...process.env };
  delete env['TW_ENGINE_TOKEN'];
  const s = new EngineSupervisor({
    launcher: new NodeForkLauncher(MAIN, { execArgv: ['--import', 'tsx'], cwd: ROOT, output: 'ignore' }),
    args: ['--data-dir', dataDir, ...FEED],
    env,
    dataDir,
    emergency: flattener,
    flattenAckMs: 1_500,
    flattenDoneMs: 5_000,
    logger: silent,
    ...over,
  });
  supervisors.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.stop()));
});
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('kill switch through the supervisor (real engine process)', () => {
  it('the engine is the one trading-state file the supervisor writes', () => {
    expect(TRADING_STATE_FILE).toBe(STATE_FILE);
  });

  it('a responsive engine confirms the flatten itself: no emergency, the engine is HALTED', async () => {
    const dir = tmp('tw-sup-ok-');
    const flattener = new RecordingFlattener(dir);
    const s = engineSupervisor(dir, flattener);
    s.start();
    await s.whenRunning();
    const pid = s.engine!.proc.pid!;
    expect((await s.engine!.client.request('engine.status', {})).tradingState).toBe('ACTIVE');

    const out = await s.requestFlatten('desktop:menu', 'test flatten');
    expect(out.path).toBe('engine');
    if (out.path !== 'engine') return;
    expect(out.report.status).toBe('completed');
    expect(out.report.source).toBe('user:ipc');
    expect(out.report.reason).toBe('test flatten (desktop:menu)');
    expect(flattener.calls).toHaveLength(0);
    expect(s.engine!.proc.pid).toBe(pid);
    expect((await s.engine!.client.request('engine.status', {})).tradingState).toBe('HALTED');
  }, 60_000);

  it('a wedged engine (SIGSTOP) is killed after the deadline; the venue is flattened directly, journaled, and the engine restarts HALTED', async () => {
    const dir = tmp('tw-sup-wedged-');
    const flattener = new RecordingFlattener(dir);
    const s = engineSupervisor(dir, flattener);
    const states: SupervisorStatus['state'][] = [];
    s.onStatus((st) => states.push(st.state));
    s.start();
    await s.whenRunning();
    const pid = s.engine!.proc.pid!;
    const before = (await s.engine!.client.request('engine.status', {})).lastEventId;
    flattener.enginePid = () => pid;

    process.kill(pid, 'SIGSTOP');
    const t0 = Date.now();
    const out = await s.requestFlatten('desktop:shortcut', 'engine stuck');
    const ms = Date.now() - t0;
    expect(out.path).toBe('emergency');
    if (out.path !== 'emergency') return;
    expect(out.trigger.code).toBe('engine.no_answer');
    expect(ms).toBeGreaterThanOrEqual(1_500);
    expect(ms).toBeLessThan(10_000);
    expect(out.errors).toEqual([]);
    expect(out.report.status).toBe('completed');
    // the venue was touched only after the engine was gone, and after HALTED was on disk
    expect(flattener.calls).toHaveLength(1);
    expect(flattener.calls[0]!.enginePidAlive).toBe(false);
    expect(JSON.parse(flattener.calls[0]!.stateFile)).toMatchObject({ state: 'HALTED', source: 'desktop:shortcut' });
    expect(flattener.calls[0]!.req).toMatchObject({ source: 'desktop:shortcut', reason: 'engine stuck (desktop:shortcut)' });
    expect(isAlive(pid)).toBe(false);

    // journaled after the engine's last event, in order
    expect(out.journaled).toHaveLength(3);
    const tail = journalTail(dir, 3);
    expect(tail.map((r) => r.type)).toEqual(['KillSwitchActivated', 'FlattenCompleted', 'TradingStateChanged']);
    expect(tail.map((r) => r.seq)).toEqual(out.journaled);
    expect(tail[0]!.seq).toBeGreaterThan(before);
    expect(tail[0]!.payload).toMatchObject({ action: 'flatten', source: 'desktop:shortcut' });
    expect(tail[1]!.payload).toMatchObject({ report: { status: 'completed', closes: [{ instrumentId: 'AAPL', closedQty: 10 }] } });
    expect(tail[2]!.payload).toMatchObject({ from: 'ACTIVE', to: 'HALTED', source: 'desktop:shortcut' });

    // a new engine, HALTED, continuing the journal's ids
    await s.whenRunning();
    const again = s.engine!;
    expect(again.proc.pid).not.toBe(pid);
    const st = await again.client.request('engine.status', {});
    expect(st.tradingState).toBe('HALTED');
    expect(st.lastEventId).toBeGreaterThanOrEqual(out.journaled![2]!);
    expect(states).toContain('emergency');
    expect(s.status.restarts).toBe(1);
  }, 90_000);

  it('a dead engine (SIGKILL) goes straight to the emergency path; a venue that fails is journaled as a failed flatten', async () => {
    const dir = tmp('tw-sup-dead-');
    const flattener = new RecordingFlattener(dir, 'throw');
    const s = engineSupervisor(dir, flattener, { backoff: { initialMs: 5_000 } });
    s.start();
    await s.whenRunning();
    const pid = s.engine!.proc.pid!;
    process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    expect(s.status.state).toBe('backoff');

    const t0 = Date.now();
    const out = await s.requestFlatten('desktop:renderer', 'kill everything');
    expect(Date.now() - t0).toBeLessThan(1_500); // no deadline to wait for: nothing to ask
    expect(out.path).toBe('emergency');
    if (out.path !== 'emergency') return;
    expect(out.trigger.code).toBe('engine.not_running');
    expect(out.report.status).toBe('failed');
    expect(out.report.failures).toEqual([expect.objectContaining({ code: 'emergency.venue_unreachable', reason: 'test-venue: connection refused' })]);
    const tail = journalTail(dir, 3);
    expect(tail.map((r) => r.type)).toEqual(['KillSwitchActivated', 'FlattenCompleted', 'TradingStateChanged']);
    expect(tail[1]!.payload).toMatchObject({ report: { status: 'failed' } });

    // the backoff restart was replaced by the emergency restart: one new engine, HALTED, at once
    await s.whenRunning();
    expect((await s.engine!.client.request('engine.status', {})).tradingState).toBe('HALTED');
    expect(s.status.restarts).toBe(1);
  }, 90_000);

  it('concurrent requests share one run; a venue that hangs is cut off at the time limit', async () => {
    const dir = tmp('tw-sup-hang-');
    const flattener = new RecordingFlattener(dir, 'hang');
    const s = engineSupervisor(dir, flattener, { emergencyTimeoutMs: 800 });
    s.start();
    await s.whenRunning();
    const pid = s.engine!.proc.pid!;
    process.kill(pid, 'SIGSTOP');
    const [a, b] = await Promise.all([s.requestFlatten('desktop:menu'), s.requestFlatten('desktop:tray')]);
    expect(a).toBe(b);
    expect(flattener.calls).toHaveLength(1);
    expect(a.path).toBe('emergency');
    if (a.path !== 'emergency') return;
    expect(a.report.failures[0]).toMatchObject({ code: 'emergency.timeout' });
    expect(flattener.calls[0]!.req.signal.aborted).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, TRADING_STATE_FILE), 'utf8'))).toMatchObject({ state: 'HALTED' });
  }, 90_000);
});

describe('restarts and shutdown', () => {
  it('a crashed engine is restarted after the backoff delay, and stops cleanly with SIGTERM (exit 0)', async () => {
    const dir = tmp('tw-sup-crash-');
    const s = engineSupervisor(dir, new RecordingFlattener(dir), { backoff: { initialMs: 300 } });
    s.start();
    await s.whenRunning();
    const pid = s.engine!.proc.pid!;
    const seen: SupervisorStatus[] = [];
    s.onStatus((st) => seen.push(st));
    const inBackoff = new Promise<void>((res) => s.onStatus((st) => st.state === 'backoff' && res()));
    process.kill(pid, 'SIGKILL');
    await inBackoff;
    await s.whenRunning();
    const backoff = seen.find((x) => x.state === 'backoff');
    expect(backoff).toMatchObject({ lastExit: { code: null, signal: 'SIGKILL' }, error: { code: 'engine.restarting' } });
    expect(backoff!.nextStartAt! - Date.now()).toBeLessThanOrEqual(300);
    expect(s.engine!.proc.pid).not.toBe(pid);
    expect(s.status.restarts).toBe(1);

    await s.stop();
    expect(s.status).toMatchObject({ state: 'stopped', lastExit: { code: 0, signal: null } });
  }, 90_000);

  it('exit 78 (bad configuration) is not restarted', async () => {
    const dir = tmp('tw-sup-78-');
    const cfg = join(dir, 'bad.yaml');
    writeFileSync(cfg, 'risk:\n  max_trades_per_day: -3\n');
    const s = engineSupervisor(dir, new RecordingFlattener(dir), { args: ['--data-dir', dir, '--config', cfg, ...FEED] });
    s.start();
    await expect(s.whenRunning()).rejects.toThrow(/engine\.bad_config/);
    expect(s.status).toMatchObject({ state: 'failed', restarts: 0, lastExit: { code: 78 } });
  }, 60_000);

  describe('with small child scripts', () => {
    let scripts: string;
    beforeAll(() => {
      scripts = tmp('tw-sup-scripts-');
      writeFileSync(join(scripts, 'crash.mjs'), 'process.exit(70);\n');
      writeFileSync(join(scripts, 'tempfail.mjs'), 'process.exit(75);\n');
      // Answers engine.status like the engine, and ignores SIGTERM.
      writeFileSync(
        join(scripts, 'stubborn.mjs'),
        [
          "process.on('SIGTERM', () => {});",
          "process.on('message', (m) => { if (m && m.channel === 'engine' && m.frame.cmd === 'engine.status') process.send({ channel: 'engine', frame: { id: m.frame.id, ok: true, result: {} } }); });",
          'setInterval(() => {}, 1000);',
        ].join('\n'),
      );
    });

    const launcherFor = (name: string) => {
      let launches = 0;
      const inner = new NodeForkLauncher(join(scripts, name), { output: 'ignore' });
      return {
        count: () => launches,
        launcher: { launch: (spec: Parameters<NodeForkLauncher['launch']>[0]) => (launches++, inner.launch(spec)) },
      };
    };

    it('gives up after N fast crashes in a row, with growing delays', async () => {
      const l = launcherFor('crash.mjs');
      const dir = tmp('tw-sup-loop-');
      const s = engineSupervisor(dir, new RecordingFlattener(dir), { launcher: l.launcher, backoff: { initialMs: 50, factor: 2, maxFastCrashes: 4 } });
      const delays: number[] = [];
      s.onStatus((st) => {
        if (st.state === 'backoff') delays.push(st.nextStartAt! - Date.now());
      });
      s.start();
      await expect(s.whenRunning(10_000)).rejects.toThrow(/engine\.crash_loop/);
      expect(l.count()).toBe(4);
      expect(delays).toHaveLength(3);
      expect(delays[0]).toBeLessThanOrEqual(50);
      expect(delays[1]).toBeGreaterThan(50);
      expect(delays[2]).toBeGreaterThan(100);
      expect(s.status).toMatchObject({ state: 'failed', lastExit: { code: 70 } });
    }, 30_000);

    it('exit 75 (temporary failure) keeps being retried', async () => {
      const l = launcherFor('tempfail.mjs');
      const dir = tmp('tw-sup-75-');
      const s = engineSupervisor(dir, new RecordingFlattener(dir), { launcher: l.launcher, backoff: { initialMs: 20, maxMs: 40, maxFastCrashes: 2 } });
      s.start();
      await new Promise((r) => setTimeout(r, 2_000));
      expect(l.count()).toBeGreaterThan(3);
      expect(s.status.state).not.toBe('failed');
      await s.stop();
      expect(s.status.state).toBe('stopped');
    }, 30_000);

    it('stop() kills a process that ignores SIGTERM after the grace period', async () => {
      const l = launcherFor('stubborn.mjs');
      const dir = tmp('tw-sup-stubborn-');
      const s = engineSupervisor(dir, new RecordingFlattener(dir), { launcher: l.launcher, stopGraceMs: 500 });
      s.start();
      await s.whenRunning();
      const pid = s.engine!.proc.pid!;
      const t0 = Date.now();
      await s.stop();
      expect(Date.now() - t0).toBeGreaterThanOrEqual(450);
      expect(isAlive(pid)).toBe(false);
      expect(s.status).toMatchObject({ state: 'stopped', lastExit: { signal: 'SIGKILL' } });
      expect(l.count()).toBe(1);
    }, 30_000);
  });
});
