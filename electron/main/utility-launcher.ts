/**
 * The ProcessLauncher of the desktop app: Electron's `utilityProcess.fork` of the engine entry
 * (out/main/engine.js, built from engine/node/desktop/utility-entry.ts). The utility process has no
 * Node IPC channel; its `postMessage` / `message` carry the same `{channel, frame}` envelopes the
 * supervisor speaks over Node IPC, and `transferPort` hands it one end of a MessageChannelMain for a
 * renderer session (engine/node/desktop/host-port.ts). `kill('SIGTERM')` is utilityProcess.kill()
 * (a graceful SIGTERM on POSIX); SIGKILL goes through process.kill, which ends a wedged process too.
 */
import { utilityProcess, type MessagePortMain, type UtilityProcess } from 'electron';
import { ENGINE_ARGS_MARK, type EngineProcess, type EngineProcessExit, type LaunchSpec, type ProcessLauncher } from '../../engine/node/desktop/process-launcher';
import { ENGINE_PORT_CHANNEL } from '../../engine/node/desktop/host-port';
import type { IpcEndpoint } from '../../engine/node/server/ipc-transport';

class UtilityEngineProcess implements EngineProcess {
  private exited: EngineProcessExit | null = null;
  private readonly exitCbs: ((e: EngineProcessExit) => void)[] = [];
  private readonly disconnectCbs: (() => void)[] = [];
  readonly ipc: IpcEndpoint;

  constructor(private readonly child: UtilityProcess) {
    child.once('exit', (code) => {
      this.exited = { code, signal: null };
      for (const cb of this.disconnectCbs.splice(0)) cb();
      for (const cb of this.exitCbs.splice(0)) cb(this.exited);
    });
    const isOpen = () => this.exited === null;
    const disconnectCbs = this.disconnectCbs;
    const ipc = {
      send(message: unknown): boolean {
        if (!isOpen()) return false;
        child.postMessage(message);
        return true;
      },
      on(event: 'message' | 'disconnect' | 'exit', cb: (m?: unknown) => void) {
        if (event === 'message') child.on('message', cb);
        else disconnectCbs.push(cb as () => void);
        return ipc;
      },
      off(_event: 'message', cb: (m: unknown) => void) {
        child.off('message', cb);
        return ipc;
      },
      get connected() {
        return isOpen();
      },
    };
    this.ipc = ipc as IpcEndpoint;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  onExit(cb: (exit: EngineProcessExit) => void): void {
    if (this.exited) queueMicrotask(() => cb(this.exited!));
    else this.exitCbs.push(cb);
  }

  kill(signal: 'SIGTERM' | 'SIGKILL'): void {
    if (this.exited) return;
    if (signal === 'SIGTERM') {
      this.child.kill();
      return;
    }
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(pid, 'SIGKILL');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }

  /** Gives the engine one end of a MessageChannelMain: a new renderer session. */
  transferPort(port: MessagePortMain): void {
    this.child.postMessage({ channel: ENGINE_PORT_CHANNEL }, [port]);
  }
}

export class UtilityProcessLauncher implements ProcessLauncher {
  constructor(private readonly entry: string) {}

  launch(spec: LaunchSpec): UtilityEngineProcess {
    const child = utilityProcess.fork(this.entry, [ENGINE_ARGS_MARK, ...spec.args], {
      serviceName: 'Trading Engine',
      stdio: 'inherit',
      ...(spec.env !== undefined ? { env: spec.env as Record<string, string> } : {}),
    });
    return new UtilityEngineProcess(child);
  }
}

export function isUtilityEngineProcess(p: EngineProcess): p is UtilityEngineProcess {
  return p instanceof UtilityEngineProcess;
}
