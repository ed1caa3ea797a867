/**
 * The engine's side of the desktop host when it runs in an Electron utilityProcess. There is no Node
 * IPC channel there (`process.send` is absent); the parent talks through `process.parentPort`, whose
 * messages arrive as `{data, ports}` events. This module serves the contract over it:
 *
 *   - `{channel: 'engine', frame}` messages: the supervisor's own session (the same envelope as the
 *     Node IPC transport, engine/node/server/ipc-transport.ts, so the supervisor code is one);
 *   - `{channel: 'engine.port'}` with one transferred MessagePort: a renderer session over that port
 *     (main made a MessageChannelMain and gave the other end to the renderer). Frames on the port are
 *     the protocol's objects as they are (structured clone, no envelope); the session ends when the
 *     port closes (the renderer reloaded or went away).
 *
 * Electron-shaped interfaces only (no electron import): tested under Node with worker_threads ports.
 */
import type { ProtocolServer } from '../../protocol/server';
import { serveTransport } from '../../protocol/transports/in-process';
import type { Transport } from '../../protocol/transport';
import { ENGINE_CHANNEL, ipcTransport, type IpcEndpoint } from '../server/ipc-transport';

export const ENGINE_PORT_CHANNEL = 'engine.port';

export interface PortMessageEvent {
  data: unknown;
  ports: readonly MessagePortLike[];
}

/** Electron's MessagePortMain, as used here. */
export interface MessagePortLike {
  postMessage(message: unknown): void;
  on(event: 'message', cb: (e: PortMessageEvent) => void): unknown;
  on(event: 'close', cb: () => void): unknown;
  start(): void;
  close(): void;
}

/** Electron's `process.parentPort`, as used here. */
export interface ParentPortLike {
  postMessage(message: unknown): void;
  on(event: 'message', cb: (e: PortMessageEvent) => void): unknown;
  off(event: 'message', cb: (e: PortMessageEvent) => void): unknown;
}

/** The parent port as an IPC endpoint (for ipcTransport). It never disconnects: the process ends with its parent. */
export function parentPortEndpoint(pp: ParentPortLike): IpcEndpoint {
  const wrapped = new Map<(m: unknown) => void, (e: PortMessageEvent) => void>();
  const ep = {
    send(message: unknown): boolean {
      pp.postMessage(message);
      return true;
    },
    on(event: string, cb: (m?: unknown) => void) {
      if (event === 'message') {
        const w = (e: PortMessageEvent) => cb(e.data);
        wrapped.set(cb, w);
        pp.on('message', w);
      }
      return ep;
    },
    off(event: string, cb: (m: unknown) => void) {
      const w = wrapped.get(cb);
      if (event === 'message' && w) {
        pp.off('message', w);
        wrapped.delete(cb);
      }
      return ep;
    },
    connected: true,
  };
  return ep as IpcEndpoint;
}

/** A protocol transport over one MessagePort. */
export function messagePortTransport(port: MessagePortLike): Transport {
  let receiver: ((frame: unknown) => void) | null = null;
  const backlog: unknown[] = [];
  const closers: ((reason: string) => void)[] = [];
  let closed = false;
  const shut = (reason: string) => {
    if (closed) return;
    closed = true;
    for (const cb of closers.splice(0)) cb(reason);
  };
  port.on('message', (e) => {
    if (closed) return;
    if (receiver) receiver(e.data);
    else backlog.push(e.data);
  });
  port.on('close', () => shut('port closed'));
  port.start();
  return {
    send(frame: unknown): void {
      if (closed) throw new Error('port is closed');
      port.postMessage(frame);
    },
    onMessage(cb) {
      receiver = cb;
      for (const f of backlog.splice(0)) cb(f);
    },
    onClose(cb) {
      closers.push(cb);
    },
    close() {
      shut('closed');
      port.close();
    },
  };
}

function isPortMessage(data: unknown): boolean {
  return typeof data === 'object' && data !== null && (data as { channel?: unknown }).channel === ENGINE_PORT_CHANNEL;
}

/**
 * Serves the protocol to the desktop host over `parentPort`: the supervisor's session and one session
 * per transferred port. Returns a closer (ends every session).
 */
export function serveHost(server: ProtocolServer, pp: ParentPortLike, onError: (err: unknown) => void = () => {}): () => void {
  const closers = new Set<() => void>();
  const supervisor = serveTransport(server, ipcTransport(parentPortEndpoint(pp), ENGINE_CHANNEL), 'user:desktop-host');
  const onPort = (e: PortMessageEvent) => {
    if (!isPortMessage(e.data)) return;
    const port = e.ports[0];
    if (!port || e.ports.length !== 1) {
      onError(new Error(`${ENGINE_PORT_CHANNEL} message with ${e.ports.length} ports (want 1)`));
      for (const p of e.ports) p.close();
      return;
    }
    const t = messagePortTransport(port);
    const close = serveTransport(server, t, 'user:desktop');
    closers.add(close);
    t.onClose(() => closers.delete(close));
  };
  pp.on('message', onPort);
  return () => {
    pp.off('message', onPort);
    supervisor();
    for (const c of [...closers]) c();
    closers.clear();
  };
}
