/**
 * A MessagePort as a protocol Transport: the desktop app's path. Electron's main process creates a
 * MessageChannel to the engine (utilityProcess) and sends one end to the preload, which forwards it
 * into the page with `window.postMessage({ type: ENGINE_PORT_MESSAGE }, location.origin, [port])`
 * (a port cannot cross contextBridge; postMessage with a transfer list is Electron's documented way).
 * Frames are structured-clone objects, no JSON text.
 *
 * The page asks for a port with `window.desktop.requestEnginePort()` (when the preload offers it) and
 * takes the first `message` event from its own window whose data is `{type: ENGINE_PORT_MESSAGE}` and
 * that carries exactly one port. A MessagePort has no close event in the DOM standard; the preload
 * posts `{type: ENGINE_PORT_CLOSED}` when main reports the engine gone, which closes the transport.
 */
import type { Transport } from '../../../engine/protocol/transport';

export const ENGINE_PORT_MESSAGE = 'tw:engine-port';
export const ENGINE_PORT_CLOSED = 'tw:engine-port-closed';

export class MessagePortTransport implements Transport {
  private receiver: ((frame: unknown) => void) | null = null;
  private readonly backlog: unknown[] = [];
  private readonly closers: ((reason: string) => void)[] = [];
  private closedReason: string | null = null;

  constructor(private readonly port: MessagePort) {
    port.onmessage = (e: MessageEvent) => {
      if (this.closedReason !== null) return;
      if (this.receiver) this.receiver(e.data);
      else this.backlog.push(e.data);
    };
    port.onmessageerror = () => this.shut('a frame from the engine could not be read');
    port.start();
  }

  send(frame: unknown): void {
    if (this.closedReason !== null) throw new Error('the engine port is closed');
    this.port.postMessage(frame);
  }

  onMessage(cb: (frame: unknown) => void): void {
    this.receiver = cb;
    for (const f of this.backlog.splice(0)) cb(f);
  }

  onClose(cb: (reason: string) => void): void {
    if (this.closedReason !== null) cb(this.closedReason);
    else this.closers.push(cb);
  }

  close(): void {
    this.port.close();
    this.shut('closed by the user');
  }

  /** The engine went away (the preload's ENGINE_PORT_CLOSED message). */
  shut(reason: string): void {
    if (this.closedReason !== null) return;
    this.closedReason = reason;
    this.port.onmessage = null;
    for (const cb of this.closers.splice(0)) cb(reason);
  }
}

/** Waits for the port the preload forwards (see the header); rejects after `timeoutMs`. */
export function receiveEnginePort(win: Window, timeoutMs = 10_000): Promise<MessagePortTransport> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      win.removeEventListener('message', onMessage);
      reject(new Error(`the desktop app did not hand over an engine port within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (e: MessageEvent) => {
      if (e.source !== win || !isTyped(e.data, ENGINE_PORT_MESSAGE) || e.ports.length !== 1) return;
      clearTimeout(timer);
      win.removeEventListener('message', onMessage);
      const t = new MessagePortTransport(e.ports[0]!);
      const onClosed = (c: MessageEvent) => {
        if (c.source === win && isTyped(c.data, ENGINE_PORT_CLOSED)) {
          win.removeEventListener('message', onClosed);
          t.shut('the engine process ended');
        }
      };
      win.addEventListener('message', onClosed);
      resolve(t);
    };
    win.addEventListener('message', onMessage);
  });
}

function isTyped(data: unknown, type: string): boolean {
  return typeof data === 'object' && data !== null && (data as { type?: unknown }).type === type;
}
