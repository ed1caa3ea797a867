/**
 * The child-process transport: frames over a Node IPC channel (`process.send` / `'message'`), which
 * both `child_process.fork` and Electron's `utilityProcess` offer. Frames are the protocol's JSON
 * frames, carried in an envelope `{channel, frame}` so that the host can use the same channel for its
 * own messages (supervision, test control); messages of another channel are ignored.
 */
import type { ChildProcess } from 'node:child_process';
import type { ProtocolServer } from '../../protocol/server';
import { serveTransport } from '../../protocol/transports/in-process';
import type { Transport } from '../../protocol/transport';

export const ENGINE_CHANNEL = 'engine';

/** What both ends of an IPC channel offer: the child's `process` and the parent's ChildProcess. */
export interface IpcEndpoint {
  send?(message: unknown): boolean;
  on(event: 'message', cb: (message: unknown) => void): unknown;
  on(event: 'disconnect' | 'exit', cb: () => void): unknown;
  off(event: 'message', cb: (message: unknown) => void): unknown;
  readonly connected?: boolean;
}

interface Envelope {
  channel: string;
  frame: unknown;
}

function isEnvelope(m: unknown, channel: string): m is Envelope {
  return typeof m === 'object' && m !== null && (m as { channel?: unknown }).channel === channel && 'frame' in m;
}

export function ipcTransport(endpoint: IpcEndpoint | ChildProcess | NodeJS.Process, channel = ENGINE_CHANNEL): Transport {
  const ep = endpoint as IpcEndpoint;
  let receiver: ((frame: unknown) => void) | null = null;
  const closers: ((reason: string) => void)[] = [];
  let closed = false;
  const onMessage = (m: unknown) => {
    if (!closed && isEnvelope(m, channel)) receiver?.(m.frame);
  };
  const shut = (reason: string) => {
    if (closed) return;
    closed = true;
    ep.off('message', onMessage);
    for (const cb of closers.splice(0)) cb(reason);
  };
  ep.on('message', onMessage);
  ep.on('disconnect', () => shut('ipc disconnected'));
  return {
    send(frame: unknown): void {
      if (closed || !ep.send || ep.connected === false) throw new Error('ipc channel is closed');
      ep.send({ channel, frame } satisfies Envelope);
    },
    onMessage(cb) {
      receiver = cb;
    },
    onClose(cb) {
      closers.push(cb);
    },
    close() {
      shut('closed');
    },
  };
}

/** Serves the protocol over this process's IPC channel (the engine-process entry calls this). */
export function serveIpc(server: ProtocolServer, endpoint: IpcEndpoint | NodeJS.Process = process, source = 'user:ipc'): () => void {
  return serveTransport(server, ipcTransport(endpoint), source);
}
