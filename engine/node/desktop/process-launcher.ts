/**
 * How the desktop host starts the engine process, behind one small interface that both Electron's
 * `utilityProcess.fork` (electron/main/utility-launcher.ts) and Node's `child_process.fork`
 * (`NodeForkLauncher`, here: used by the tests and by plain Node hosts) satisfy. The supervisor only
 * needs: the IPC endpoint (to speak the contract, engine/node/server/ipc-transport.ts), the exit, and
 * a way to end the process (SIGTERM asks it to stop cleanly; SIGKILL ends it even when it is wedged or
 * stopped).
 */
import { fork, type ChildProcess, type ForkOptions } from 'node:child_process';
import type { IpcEndpoint } from '../server/ipc-transport';

/** In a utility process the engine's own arguments follow this mark (engine/node/desktop/utility-entry.ts). */
export const ENGINE_ARGS_MARK = '--engine-args';

export interface EngineProcessExit {
  code: number | null;
  signal: string | null;
}

export interface EngineProcess {
  /** OS process id (undefined until spawned, or when spawning failed). */
  readonly pid: number | undefined;
  /** The IPC channel to the engine (messages `{channel, frame}`). */
  readonly ipc: IpcEndpoint;
  /** Called once, when the process has ended (also when it could not be spawned). */
  onExit(cb: (exit: EngineProcessExit) => void): void;
  /** SIGTERM: stop cleanly (the engine journals, closes and exits 0). SIGKILL: end it now. */
  kill(signal: 'SIGTERM' | 'SIGKILL'): void;
}

export interface LaunchSpec {
  /** Arguments of the engine entry (`--data-dir`, `--config`, ...). */
  args: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
}

export interface ProcessLauncher {
  launch(spec: LaunchSpec): EngineProcess;
}

export interface NodeForkLauncherOptions {
  /** Node flags of the child, e.g. `['--import', 'tsx']` for a TypeScript entry. */
  execArgv?: string[];
  cwd?: string;
  /** stdout/stderr of the child (stdin is always ignored; the IPC channel is always open). */
  output?: 'inherit' | 'pipe' | 'ignore';
}

class NodeEngineProcess implements EngineProcess {
  private exited: EngineProcessExit | null = null;
  private readonly exitCbs: ((e: EngineProcessExit) => void)[] = [];

  constructor(readonly child: ChildProcess) {
    child.once('exit', (code, signal) => this.finish({ code, signal }));
    // A spawn failure emits 'error' (and no 'exit'): report it as an exit.
    child.once('error', (err) => {
      if (child.pid === undefined) this.finish({ code: null, signal: `spawn failed: ${err.message}` });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get ipc(): IpcEndpoint {
    return this.child as unknown as IpcEndpoint;
  }

  onExit(cb: (exit: EngineProcessExit) => void): void {
    if (this.exited) queueMicrotask(() => cb(this.exited!));
    else this.exitCbs.push(cb);
  }

  kill(signal: 'SIGTERM' | 'SIGKILL'): void {
    if (this.exited) return;
    this.child.kill(signal);
  }

  private finish(e: EngineProcessExit): void {
    if (this.exited) return;
    this.exited = e;
    for (const cb of this.exitCbs.splice(0)) cb(e);
  }
}

/** `child_process.fork` of an engine entry file. */
export class NodeForkLauncher implements ProcessLauncher {
  constructor(
    readonly entry: string,
    private readonly o: NodeForkLauncherOptions = {},
  ) {}

  launch(spec: LaunchSpec): EngineProcess {
    const out = this.o.output ?? 'inherit';
    const opts: ForkOptions = {
      execArgv: this.o.execArgv ?? [],
      stdio: ['ignore', out, out, 'ipc'],
      ...(this.o.cwd !== undefined ? { cwd: this.o.cwd } : {}),
      ...(spec.env !== undefined ? { env: spec.env as NodeJS.ProcessEnv } : {}),
    };
    return new NodeEngineProcess(fork(this.entry, [...spec.args], opts));
  }
}
