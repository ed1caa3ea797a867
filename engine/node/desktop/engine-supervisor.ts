/**
 * The desktop host's engine supervisor: starts the engine process (through a `ProcessLauncher`:
 * Electron's utilityProcess in the app, child_process.fork under Node), speaks the contract to it over
 * its IPC channel, restarts it with backoff when it ends (engine/node/desktop/restart-policy.ts), stops
 * it on quit, and owns the kill-switch path.
 *
 * Readiness: an engine is `running` once it answers `engine.status` over IPC (polled; messages sent
 * before it serves IPC are lost, so the poll repeats). An engine that does not answer within
 * `readyTimeoutMs` is ended and counted as a crash.
 *
 * Kill switch (`requestFlatten`): `risk.flatten` goes to the engine; it must answer within
 * `flattenAckMs` and, when the flatten is not done at once, push `flatten.completed` for it within
 * `flattenDoneMs`. Otherwise (no answer: busy or wedged; closed channel: dead; no engine at all;
 * still in backoff) the supervisor ends the engine process (SIGKILL: it works on a stopped or wedged
 * process), persists HALTED, runs the emergency flatten directly against the venue, journals it
 * (engine/node/desktop/emergency-flatten.ts) and starts the engine again, which comes up HALTED.
 * Concurrent requests share one run. The restart after an emergency is on purpose: the crash count
 * starts again.
 *
 * Shutdown (`stop`): no more restarts; SIGTERM (the engine journals, closes and exits 0), then SIGKILL
 * after `stopGraceMs`.
 *
 * Every state change is reported through `onStatus` (the desktop shows it); nothing is swallowed:
 * a failed step is in the status (`error`) or in the flatten outcome (`errors`), and in the log.
 */
import pino, { type Logger } from 'pino';
import type { FlattenReport } from '../../core/flatten-report';
import { ProtocolClient, ProtocolError } from '../../protocol/client';
import { PROTOCOL_ERRORS, type FlattenReportDto } from '../../protocol/contract';
import { ipcTransport } from '../server/ipc-transport';
import {
  EMERGENCY_ERRORS,
  journalEmergencyFlatten,
  persistHalted,
  runFlattener,
  type EmergencyFlattener,
  type EmergencyStepError,
} from './emergency-flatten';
import type { EngineProcess, EngineProcessExit, LaunchSpec, ProcessLauncher } from './process-launcher';
import { RestartPolicy, type BackoffOptions } from './restart-policy';

export type SupervisorState = 'idle' | 'starting' | 'running' | 'backoff' | 'emergency' | 'stopping' | 'stopped' | 'failed';

export interface SupervisorStatus {
  state: SupervisorState;
  pid: number | null;
  /** Engine starts after the first. */
  restarts: number;
  lastExit: (EngineProcessExit & { uptimeMs: number }) | null;
  /** Why the supervisor stopped restarting (state `failed`), or the last restart's reason. */
  error: { code: string; message: string } | null;
  /** When the next start is due (state `backoff`), epoch ms. */
  nextStartAt: number | null;
}

export interface SupervisorOptions {
  launcher: ProcessLauncher;
  /** The engine's arguments (`--data-dir` must name `dataDir`). */
  args: readonly string[];
  env?: LaunchSpec['env'];
  /** The engine's data dir: its journal and trading-state file (the emergency path writes both). */
  dataDir: string;
  emergency: EmergencyFlattener;
  backoff?: BackoffOptions;
  /** Default 30 s. */
  readyTimeoutMs?: number;
  /** Default 250 ms. */
  readyPollMs?: number;
  /** The engine must answer `risk.flatten` within this (default 2 s). */
  flattenAckMs?: number;
  /** ... and complete it within this after answering (default 15 s). */
  flattenDoneMs?: number;
  /** Time limit of the emergency flatten at the venue (default 30 s). */
  emergencyTimeoutMs?: number;
  /** How long to wait for the process to go after SIGKILL (default 5 s). */
  killWaitMs?: number;
  /** SIGTERM → SIGKILL on stop (default 15 s: the engine's own shutdown takes up to 10 s). */
  stopGraceMs?: number;
  logger?: Logger;
  now?: () => number;
}

export type FlattenPath = 'engine' | 'emergency';

export type FlattenOutcome =
  | { path: 'engine'; report: FlattenReportDto; elapsedMs: number }
  | {
      path: 'emergency';
      /** Why the engine path was not enough: `engine.no_answer`, `engine.not_completed`, `engine.dead`, `engine.not_running`. */
      trigger: { code: string; message: string };
      report: FlattenReport;
      /** Journal event ids of the record, or null when journaling failed (see errors). */
      journaled: number[] | null;
      errors: EmergencyStepError[];
      elapsedMs: number;
    };

interface Run {
  proc: EngineProcess;
  client: ProtocolClient;
  startedAt: number;
  ready: boolean;
  exit: EngineProcessExit | null;
  exited: Promise<EngineProcessExit>;
  /** Ended on purpose (stop, emergency): its exit is not a crash. */
  intentional: boolean;
}

const DEFAULTS = {
  readyTimeoutMs: 30_000,
  readyPollMs: 250,
  flattenAckMs: 2_000,
  flattenDoneMs: 15_000,
  emergencyTimeoutMs: 30_000,
  killWaitMs: 5_000,
  stopGraceMs: 15_000,
};

export class EngineSupervisor {
  private readonly o: SupervisorOptions & typeof DEFAULTS;
  private readonly policy: RestartPolicy;
  private readonly log: Logger;
  private readonly now: () => number;
  private run: Run | null = null;
  private starts = 0;
  private restartTimer: ReturnType<typeof setTimeout> | null = null;
  private flattening: Promise<FlattenOutcome> | null = null;
  private readonly statusCbs = new Set<(s: SupervisorStatus) => void>();
  private readonly readyCbs = new Set<(proc: EngineProcess, client: ProtocolClient) => void>();
  private st: SupervisorStatus = { state: 'idle', pid: null, restarts: 0, lastExit: null, error: null, nextStartAt: null };

  constructor(opts: SupervisorOptions) {
    this.o = { ...DEFAULTS, ...opts };
    this.policy = new RestartPolicy(opts.backoff);
    this.log = opts.logger ?? pino({ name: 'supervisor' }, pino.destination({ dest: 2, sync: true }));
    this.now = opts.now ?? Date.now;
  }

  get status(): SupervisorStatus {
    return { ...this.st };
  }

  /** The running engine's process and contract client, or null. */
  get engine(): { proc: EngineProcess; client: ProtocolClient } | null {
    const r = this.run;
    return r && r.ready && r.exit === null ? { proc: r.proc, client: r.client } : null;
  }

  onStatus(cb: (s: SupervisorStatus) => void): () => void {
    this.statusCbs.add(cb);
    return () => this.statusCbs.delete(cb);
  }

  /** Called each time an engine process becomes ready (the desktop hands the renderer a new port then). */
  onEngineReady(cb: (proc: EngineProcess, client: ProtocolClient) => void): () => void {
    this.readyCbs.add(cb);
    return () => this.readyCbs.delete(cb);
  }

  /** Starts the engine (from idle, stopped or failed). */
  start(): void {
    if (this.st.state !== 'idle' && this.st.state !== 'stopped' && this.st.state !== 'failed') return;
    this.policy.reset();
    this.launch();
  }

  /** Resolves once an engine is running; rejects when the supervisor fails or stops first. */
  whenRunning(timeoutMs = this.o.readyTimeoutMs * 2): Promise<void> {
    if (this.st.state === 'running') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`engine not running after ${timeoutMs} ms (state ${this.st.state})`));
      }, timeoutMs);
      const off = this.onStatus((s) => {
        if (s.state === 'running') {
          off();
          clearTimeout(timer);
          resolve();
        } else if (s.state === 'failed' || s.state === 'stopped') {
          off();
          clearTimeout(timer);
          reject(new Error(`engine ${s.state}: ${s.error ? `[${s.error.code}] ${s.error.message}` : 'stopped'}`));
        }
      });
    });
  }

  /** The kill switch (see the header). Never rejects. */
  requestFlatten(source: string, reason = 'kill switch'): Promise<FlattenOutcome> {
    if (this.flattening) return this.flattening;
    const p = this.flatten(source, reason).finally(() => {
      this.flattening = null;
    });
    this.flattening = p;
    return p;
  }

  /** Stops the engine and every restart (app quit). Resolves once the process has ended. */
  async stop(): Promise<void> {
    if (this.st.state === 'stopped' || this.st.state === 'idle') {
      this.set({ state: 'stopped' });
      return;
    }
    this.set({ state: 'stopping', nextStartAt: null });
    this.clearRestart();
    if (this.flattening) await this.flattening;
    const r = this.run;
    if (r && r.exit === null) {
      r.intentional = true;
      r.proc.kill('SIGTERM');
      if (!(await this.waitExit(r, this.o.stopGraceMs))) {
        this.log.error({ event: 'engine_stop_timeout', pid: r.proc.pid, graceMs: this.o.stopGraceMs }, 'the engine did not stop after SIGTERM: killing it');
        r.proc.kill('SIGKILL');
        await this.waitExit(r, this.o.killWaitMs);
      }
    }
    this.run = null;
    this.set({ state: 'stopped', pid: null });
  }

  // ------------------------------------------------------------------ process lifecycle

  private launch(): void {
    this.restartTimer = null;
    const proc = this.o.launcher.launch({ args: this.o.args, ...(this.o.env !== undefined ? { env: this.o.env } : {}) });
    let resolveExit!: (e: EngineProcessExit) => void;
    const run: Run = {
      proc,
      client: new ProtocolClient(ipcTransport(proc.ipc), { timeoutMs: this.o.flattenAckMs }),
      startedAt: this.now(),
      ready: false,
      exit: null,
      exited: new Promise((res) => (resolveExit = res)),
      intentional: false,
    };
    this.run = run;
    proc.onExit((e) => {
      run.exit = e;
      resolveExit(e);
      run.client.close();
      this.onExit(run, e);
    });
    if (this.starts++ > 0) this.st.restarts++;
    this.set({ state: 'starting', pid: proc.pid ?? null, nextStartAt: null });
    this.log.info({ event: 'engine_launch', pid: proc.pid, restarts: this.st.restarts }, 'engine starting');
    void this.awaitReady(run);
  }

  private async awaitReady(run: Run): Promise<void> {
    const deadline = this.now() + this.o.readyTimeoutMs;
    while (run.exit === null && this.run === run) {
      try {
        await run.client.request('engine.status', {}, { timeoutMs: Math.min(1_000, this.o.readyTimeoutMs) });
        if (run.exit !== null || this.run !== run) return;
        run.ready = true;
        this.set({ state: 'running', pid: run.proc.pid ?? null, error: null });
        this.log.info({ event: 'engine_ready', pid: run.proc.pid, ms: this.now() - run.startedAt }, 'engine ready');
        for (const cb of [...this.readyCbs]) {
          try {
            cb(run.proc, run.client);
          } catch (err) {
            this.log.error({ event: 'ready_listener_failed', err: String(err) }, 'an engine-ready listener failed');
          }
        }
        return;
      } catch (err) {
        if (err instanceof ProtocolError && err.code === PROTOCOL_ERRORS.closed) return;
      }
      if (this.now() >= deadline) {
        this.log.error({ event: 'engine_not_ready', pid: run.proc.pid, timeoutMs: this.o.readyTimeoutMs }, 'the engine did not answer in time: ending it');
        run.proc.kill('SIGKILL');
        return;
      }
      await sleep(this.o.readyPollMs);
    }
  }

  private onExit(run: Run, e: EngineProcessExit): void {
    const uptimeMs = this.now() - run.startedAt;
    const lastExit = { ...e, uptimeMs };
    this.log.warn({ event: 'engine_exit', pid: run.proc.pid, code: e.code, signal: e.signal, uptimeMs, intentional: run.intentional }, 'engine process ended');
    if (this.run !== run) return;
    this.run = null;
    if (run.intentional || this.st.state === 'stopping' || this.st.state === 'stopped' || this.st.state === 'emergency') {
      this.set({ lastExit, pid: null });
      return;
    }
    const d = this.policy.decide({ code: e.code, signal: e.signal, uptimeMs });
    if (d.action === 'stop') {
      this.log.error({ event: 'engine_given_up', code: d.code, reason: d.reason }, d.reason);
      this.set({ state: 'failed', pid: null, lastExit, error: { code: d.code, message: d.reason }, nextStartAt: null });
      return;
    }
    this.log.warn({ event: 'engine_restart_scheduled', delayMs: d.delayMs, attempt: d.attempt, reason: d.reason }, `restarting the engine in ${d.delayMs} ms`);
    this.set({ state: 'backoff', pid: null, lastExit, error: { code: 'engine.restarting', message: d.reason }, nextStartAt: this.now() + d.delayMs });
    this.restartTimer = setTimeout(() => this.launch(), d.delayMs);
  }

  private clearRestart(): void {
    if (this.restartTimer !== null) clearTimeout(this.restartTimer);
    this.restartTimer = null;
  }

  private async waitExit(run: Run, ms: number): Promise<boolean> {
    if (run.exit !== null) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ok = await Promise.race([run.exited.then(() => true), new Promise<false>((res) => (timer = setTimeout(() => res(false), ms)))]);
    clearTimeout(timer);
    return ok;
  }

  private set(patch: Partial<SupervisorStatus>): void {
    this.st = { ...this.st, ...patch };
    const snap = this.status;
    for (const cb of [...this.statusCbs]) {
      try {
        cb(snap);
      } catch (err) {
        this.log.error({ event: 'status_listener_failed', err: String(err) }, 'a status listener failed');
      }
    }
  }

  // ------------------------------------------------------------------ kill switch

  private async flatten(source: string, reason: string): Promise<FlattenOutcome> {
    const t0 = this.now();
    const run = this.run;
    const fullReason = `${reason} (${source})`;
    let trigger: { code: string; message: string };
    if (run && run.exit === null && this.st.state !== 'stopping') {
      const r = await this.askEngine(run, fullReason);
      if (r.ok) {
        this.log.warn({ event: 'flatten_confirmed', path: 'engine', source, status: r.report.status, ms: this.now() - t0 }, 'the engine confirmed the flatten');
        return { path: 'engine', report: r.report, elapsedMs: this.now() - t0 };
      }
      trigger = r.trigger;
    } else {
      trigger = { code: 'engine.not_running', message: `no engine process is running (state ${this.st.state})` };
    }
    return this.emergencyFlatten(run, trigger, source, fullReason, t0);
  }

  private async askEngine(run: Run, reason: string): Promise<{ ok: true; report: FlattenReportDto } | { ok: false; trigger: { code: string; message: string } }> {
    const completed = new Map<number, FlattenReportDto>();
    let onCompleted: ((r: FlattenReportDto) => void) | null = null;
    const offPush = run.client.on('flatten.completed', (d) => {
      completed.set(d.report.flattenId, d.report);
      onCompleted?.(d.report);
    });
    let offClose: (() => void) | null = null;
    try {
      const res = await run.client.request('risk.flatten', { reason }, { timeoutMs: this.o.flattenAckMs });
      if (res.done) return { ok: true, report: res.report };
      const early = completed.get(res.flattenId);
      if (early) return { ok: true, report: early };
      return await new Promise((resolve) => {
        const timer = setTimeout(() => {
          resolve({ ok: false, trigger: { code: 'engine.not_completed', message: `the engine accepted flatten ${res.flattenId} but did not complete it within ${this.o.flattenDoneMs} ms` } });
        }, this.o.flattenDoneMs);
        onCompleted = (r) => {
          if (r.flattenId !== res.flattenId) return;
          clearTimeout(timer);
          resolve({ ok: true, report: r });
        };
        offClose = run.client.onClose((why) => {
          clearTimeout(timer);
          resolve({ ok: false, trigger: { code: 'engine.dead', message: `the engine went away during the flatten: ${why}` } });
        });
      });
    } catch (err) {
      const e = err instanceof ProtocolError ? err : null;
      if (e?.code === PROTOCOL_ERRORS.timeout) return { ok: false, trigger: { code: 'engine.no_answer', message: `the engine did not answer risk.flatten within ${this.o.flattenAckMs} ms` } };
      if (e?.code === PROTOCOL_ERRORS.closed) return { ok: false, trigger: { code: 'engine.dead', message: `the engine channel is closed: ${e.message}` } };
      return { ok: false, trigger: { code: e?.code ?? 'engine.refused', message: `the engine refused risk.flatten: ${err instanceof Error ? err.message : String(err)}` } };
    } finally {
      offPush();
      (offClose as (() => void) | null)?.();
    }
  }

  private async emergencyFlatten(run: Run | null, trigger: { code: string; message: string }, source: string, reason: string, t0: number): Promise<Extract<FlattenOutcome, { path: 'emergency' }>> {
    const wasStopping = this.st.state === 'stopping';
    this.log.error({ event: 'emergency_flatten', trigger, source, venue: this.o.emergency.venue }, `emergency flatten: ${trigger.message}`);
    this.clearRestart();
    if (!wasStopping) this.set({ state: 'emergency', nextStartAt: null });
    const errors: EmergencyStepError[] = [];

    // 1. the engine must be gone before anyone else touches the venue or the journal
    if (run && run.exit === null) {
      run.intentional = true;
      run.proc.kill('SIGKILL');
      if (!(await this.waitExit(run, this.o.killWaitMs))) {
        errors.push({ code: 'emergency.engine_alive', message: `the engine process ${run.proc.pid ?? '?'} did not end within ${this.o.killWaitMs} ms of SIGKILL` });
        this.log.error({ event: 'engine_unkillable', pid: run.proc.pid }, 'the engine did not end after SIGKILL; flattening anyway');
      }
    }
    if (this.run === run) this.run = null;

    // 2. HALTED first, so that the engine starts halted whatever happens next
    const startedAt = this.now();
    try {
      persistHalted(this.o.dataDir, reason, source, startedAt);
    } catch (err) {
      errors.push({ code: EMERGENCY_ERRORS.stateFile, message: err instanceof Error ? err.message : String(err) });
    }

    // 3. the venue, directly
    const report = await runFlattener(this.o.emergency, { reason, source, startedAt }, this.o.emergencyTimeoutMs, this.now);
    for (const f of report.failures) this.log.error({ event: 'emergency_failure', ...f }, `emergency flatten: ${f.code} ${f.reason}`);

    // 4. the journal
    let journaled: number[] | null = null;
    try {
      journaled = journalEmergencyFlatten(this.o.dataDir, report, this.now()).eventIds;
    } catch (err) {
      errors.push({ code: EMERGENCY_ERRORS.journal, message: err instanceof Error ? err.message : String(err) });
    }
    for (const e of errors) this.log.error({ event: 'emergency_step_failed', ...e }, e.message);
    this.log.warn({ event: 'emergency_flatten_done', status: report.status, closes: report.closes.length, failures: report.failures.length, journaled, ms: this.now() - t0 }, 'emergency flatten done');

    // 5. a new engine, which comes up HALTED (not when the app is quitting)
    if (!wasStopping && this.st.state === 'emergency') {
      this.policy.reset();
      this.launch();
    }
    return { path: 'emergency', trigger, report, journaled, errors, elapsedMs: this.now() - t0 };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((res) => setTimeout(res, ms));
}
