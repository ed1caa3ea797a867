/**
 * When the engine process ends on its own, what the host does next: restart it after a delay, or stop
 * and tell the user. Pure decision code (no timers, no processes) so that every rule is tested alone.
 *
 * Rules (exit codes are the engine's, engine/node/main.ts; sysexits):
 *   78 bad configuration, 64 bad command line, 65 bad market data: never restarted (restarting cannot
 *      help); the host reports the code and waits for the user.
 *   75 temporary failure (port in use, data dir locked): retried with backoff for as long as it lasts;
 *      it does not count towards giving up.
 *   anything else (0 when nobody asked it to stop, 70, killed by a signal): a crash. Restarted after
 *      `initialMs * factor^(n-1)`, capped at `maxMs`, where n counts the crashes in a row; a run that
 *      stayed up for `stableMs` resets n. After `maxFastCrashes` crashes in a row, each within
 *      `stableMs` of its start, the host gives up and reports.
 * Delays are integer milliseconds.
 */

export const ENGINE_EXIT_CODES = { ok: 0, usage: 64, data: 65, internal: 70, tempfail: 75, config: 78 } as const;

export interface BackoffOptions {
  /** First delay after a crash, ms (default 500). */
  initialMs?: number;
  /** Growth per crash in a row (default 2). */
  factor?: number;
  /** Longest delay, ms (default 30 s). */
  maxMs?: number;
  /** A run at least this long is stable: the next crash starts the count again (default 60 s). */
  stableMs?: number;
  /** Crashes in a row, each before `stableMs`, after which the host gives up (default 5). */
  maxFastCrashes?: number;
}

export const BACKOFF_DEFAULTS: Required<BackoffOptions> = { initialMs: 500, factor: 2, maxMs: 30_000, stableMs: 60_000, maxFastCrashes: 5 };

export interface EngineExit {
  /** Exit code, or null when a signal ended the process. */
  code: number | null;
  signal: string | null;
  /** How long the process ran, ms. */
  uptimeMs: number;
}

export type RestartDecision =
  | { action: 'restart'; delayMs: number; attempt: number; reason: string }
  | { action: 'stop'; code: string; reason: string };

const NO_RESTART: ReadonlyMap<number, { code: string; reason: string }> = new Map([
  [ENGINE_EXIT_CODES.config, { code: 'engine.bad_config', reason: 'the engine refused its configuration (exit 78); fix it and start the engine again' }],
  [ENGINE_EXIT_CODES.usage, { code: 'engine.bad_arguments', reason: 'the engine refused its command line (exit 64)' }],
  [ENGINE_EXIT_CODES.data, { code: 'engine.bad_data', reason: 'the engine refused its market data (exit 65)' }],
]);

/** Keeps the count of crashes in a row and decides each restart. One per supervised engine. */
export class RestartPolicy {
  private readonly o: Required<BackoffOptions>;
  private crashes = 0;
  private tempfails = 0;

  constructor(opts: BackoffOptions = {}) {
    this.o = { ...BACKOFF_DEFAULTS, ...opts };
    const { initialMs, factor, maxMs, stableMs, maxFastCrashes } = this.o;
    if (!(initialMs >= 0 && factor >= 1 && maxMs >= initialMs && stableMs >= 0 && Number.isInteger(maxFastCrashes) && maxFastCrashes >= 1)) {
      throw new RangeError(`restart policy: bad options ${JSON.stringify(this.o)}`);
    }
  }

  /** Crashes in a row so far (reset by a stable run). */
  get consecutiveCrashes(): number {
    return this.crashes;
  }

  /** The host started the engine on purpose (after the user fixed something, or a kill-switch restart): counts start again. */
  reset(): void {
    this.crashes = 0;
    this.tempfails = 0;
  }

  decide(exit: EngineExit): RestartDecision {
    const stable = exit.uptimeMs >= this.o.stableMs;
    if (exit.code !== null) {
      const fatal = NO_RESTART.get(exit.code);
      if (fatal) return { action: 'stop', ...fatal };
      if (exit.code === ENGINE_EXIT_CODES.tempfail) {
        this.tempfails = stable ? 1 : this.tempfails + 1;
        return { action: 'restart', delayMs: this.delay(this.tempfails), attempt: this.tempfails, reason: 'temporary failure (exit 75): retrying' };
      }
    }
    this.tempfails = 0;
    if (stable) this.crashes = 0;
    this.crashes++;
    const how = exit.code !== null ? `exit ${exit.code}` : `signal ${exit.signal ?? 'unknown'}`;
    if (!stable && this.crashes >= this.o.maxFastCrashes) {
      return { action: 'stop', code: 'engine.crash_loop', reason: `the engine crashed ${this.crashes} times in a row, each within ${this.o.stableMs} ms of its start (last: ${how}); not restarting` };
    }
    return { action: 'restart', delayMs: this.delay(this.crashes), attempt: this.crashes, reason: `the engine ended (${how}) after ${exit.uptimeMs} ms` };
  }

  private delay(n: number): number {
    return Math.round(Math.min(this.o.maxMs, this.o.initialMs * this.o.factor ** (n - 1)));
  }
}
