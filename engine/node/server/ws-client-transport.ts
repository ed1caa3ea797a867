/**
 * The client side of the WebSocket transport for Node (CLI tools, tests): a `ws` client as a
 * protocol `Transport`. Text frames are parsed here. A binary frame or one that is not JSON means the
 * other side does not speak the protocol: the connection is closed and the close reason says why
 * (`protocol.bad_frame` / `protocol.bad_json`), so the client's pending requests fail with it.
 * Browsers use their own WebSocket the same way.
 */
import WebSocket from 'ws';
import { EngineError } from '../../core/errors';
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
  let lastError = '';
  const refuse = (code: number, reason: string) => {
    shut(reason);
    socket.close(code, reason);
  };
  socket.on('message', (data, isBinary) => {
    if (isBinary) return refuse(1003, 'protocol.bad_frame: binary frame from the server');
    let frame: unknown;
    try {
      frame = JSON.parse(String(data));
    } catch (e) {
      return refuse(1007, `protocol.bad_json: ${e instanceof Error ? e.message : String(e)}`);
    }
    receiver?.(frame);
  });
  socket.on('close', (code, reason) => shut(`${code} ${reason.toString()}${lastError ? ` (${lastError})` : ''}`));
  // An 'error' is always followed by 'close'; its message goes into the close reason.
  socket.on('error', (e) => {
    lastError = e.message;
  });
  return {
    send(frame) {
      if (closed || socket.readyState !== WebSocket.OPEN) throw new EngineError('protocol.closed', 'the WebSocket connection is not open');
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
