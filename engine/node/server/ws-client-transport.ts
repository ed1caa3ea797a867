/**
 * The client side of the WebSocket transport for Node (CLI tools, tests): a `ws` client as a
 * protocol `Transport`. Text frames are parsed here; a frame that is not JSON is dropped (the server
 * never sends one). Browsers use their own WebSocket the same way.
 */
import WebSocket from 'ws';
import type { Transport } from '../../protocol/transport';

export interface WsConnectOptions {
  token?: string;
  /** How to give the token: the Authorization header (default) or `?token=` in the URL. */
  tokenIn?: 'header' | 'query';
  origin?: string;
  headers?: Record<string, string>;
}

/** Opens a WebSocket and resolves once it is open (rejects with the HTTP status when refused). */
export function connectWs(url: string, opts: WsConnectOptions = {}): Promise<{ transport: Transport; socket: WebSocket }> {
  const u = new URL(url);
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token !== undefined) {
    if (opts.tokenIn === 'query') u.searchParams.set('token', opts.token);
    else headers.authorization = `Bearer ${opts.token}`;
  }
  const socket = new WebSocket(u, { headers, ...(opts.origin !== undefined ? { origin: opts.origin } : {}) });
  return new Promise((resolve, reject) => {
    socket.once('unexpected-response', (_req, res) => {
      reject(Object.assign(new Error(`HTTP ${res.statusCode ?? 0}`), { status: res.statusCode ?? 0 }));
      socket.terminate();
    });
    socket.once('error', reject);
    socket.once('open', () => {
      socket.off('error', reject);
      resolve({ transport: wsTransport(socket), socket });
    });
  });
}

export function wsTransport(socket: WebSocket): Transport {
  let receiver: ((frame: unknown) => void) | null = null;
  const closers: ((reason: string) => void)[] = [];
  let closed = false;
  const shut = (reason: string) => {
    if (closed) return;
    closed = true;
    for (const cb of closers.splice(0)) cb(reason);
  };
  socket.on('message', (data, isBinary) => {
    if (isBinary) return;
    let frame: unknown;
    try {
      frame = JSON.parse(String(data));
    } catch {
      return;
    }
    receiver?.(frame);
  });
  socket.on('close', (code, reason) => shut(`${code} ${reason.toString()}`));
  socket.on('error', () => undefined);
  return {
    send(frame) {
      if (closed || socket.readyState !== WebSocket.OPEN) throw new Error('websocket is not open');
      socket.send(JSON.stringify(frame));
    },
    onMessage(cb) {
      receiver = cb;
    },
    onClose(cb) {
      closers.push(cb);
    },
    close() {
      socket.close();
      shut('closed');
    },
  };
}
