/**
 * The browser's WebSocket as a protocol Transport (engine/protocol/transport.ts): one JSON frame per
 * text message. The token goes in the URL query (`?token=`), the only place a browser can put it on
 * a WebSocket; the engine checks it and the page's Origin before the upgrade (ws-server.ts).
 *
 * `opened` resolves when the socket is open and rejects when it closes first (a refused upgrade:
 * wrong token, origin not allowed, engine down — the browser does not tell which; `checkToken` in
 * session.ts does, before connecting). A text frame that is not JSON closes the transport: the
 * engine never sends one, so it means the stream is broken.
 */
import type { Transport } from '../../../engine/protocol/transport';

export class WebSocketTransport implements Transport {
  private readonly ws: WebSocket;
  private receiver: ((frame: unknown) => void) | null = null;
  private readonly backlog: unknown[] = [];
  private readonly closers: ((reason: string) => void)[] = [];
  private closedReason: string | null = null;
  readonly opened: Promise<void>;

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.opened = new Promise<void>((resolve, reject) => {
      this.ws.addEventListener('open', () => resolve(), { once: true });
      this.ws.addEventListener('close', (e) => reject(new Error(`the engine closed the connection (${e.code}${e.reason ? `: ${e.reason}` : ''})`)), { once: true });
    });
    this.ws.addEventListener('message', (e: MessageEvent) => {
      if (typeof e.data !== 'string') return this.shut('binary frame from the engine');
      let frame: unknown;
      try {
        frame = JSON.parse(e.data);
      } catch {
        this.ws.close(1007, 'bad json');
        return this.shut('the engine sent a frame that is not JSON');
      }
      if (this.receiver) this.receiver(frame);
      else this.backlog.push(frame);
    });
    this.ws.addEventListener('close', (e) => this.shut(`closed (${e.code}${e.reason ? ` ${e.reason}` : ''})`));
  }

  send(frame: unknown): void {
    if (this.closedReason !== null || this.ws.readyState !== WebSocket.OPEN) throw new Error('the connection is not open');
    this.ws.send(JSON.stringify(frame));
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
    this.ws.close(1000, 'closed by the user');
    this.shut('closed by the user');
  }

  private shut(reason: string): void {
    if (this.closedReason !== null) return;
    this.closedReason = reason;
    for (const cb of this.closers.splice(0)) cb(reason);
  }
}

/** `ws://host/ws?token=…` of the page's own origin (wss:// under https). */
export function engineSocketUrl(loc: { protocol: string; host: string }, token: string): string {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}/ws?token=${encodeURIComponent(token)}`;
}
