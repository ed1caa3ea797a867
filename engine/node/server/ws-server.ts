/**
 * The engine's network face: one HTTP server on 127.0.0.1 (by default) with
 *
 *   GET /healthz   200 while the process is alive
 *   GET /readyz    200 when the engine is ready (not RECONCILING, journal open: the host's callback), else 503
 *   GET /metrics   Prometheus text (prom-client)
 *   WS  /ws        the protocol (engine/protocol), one JSON frame per text message
 *   GET /api/session   204 with a valid token (`Authorization: Bearer`), else 401 `auth.unauthorized`:
 *                  lets the browser UI tell a wrong token from a network failure before it connects
 *   GET /...       with `staticRoot`: the built renderer (static-files.ts: strict CSP, no listing, no
 *                  traversal); the server's own origin is then an allowed WebSocket origin
 *
 * Authentication: a token is REQUIRED (an empty one refuses to start: `config.empty_token`). The
 * client gives it in the upgrade request, either as `Authorization: Bearer <token>` (Node clients,
 * tools) or as `?token=<token>` in the URL (browsers cannot set headers on a WebSocket). A missing or
 * wrong token is HTTP 401 before the upgrade. Comparison is constant-time (of SHA-256 digests).
 *
 * Origin: a request with an `Origin` header (a browser) is accepted only when `new URL(origin).origin`
 * equals one of `allowedOrigins` (also parsed with new URL, never a substring test); otherwise HTTP
 * 403 before the upgrade. Requests without Origin (non-browser clients) still need the token.
 *
 * Frames: text only; a frame over `maxFrameBytes` gets a final `protocol.frame_too_large` error frame
 * and close 1009; text that is not JSON gets `protocol.bad_json` and close 1007; a binary frame gets
 * `protocol.bad_frame` and close 1003 (ws itself drops anything over 4 x maxFrameBytes with 1009).
 * Each connection has a token bucket (`rateLimit`): a frame over the limit is answered
 * `protocol.rate_limited` without being run, so a flooding client cannot starve the others; one that
 * keeps flooding (`maxViolations` refusals in a row) or stops reading its replies (`maxBufferedBytes`)
 * is closed with 1008. None of this touches the engine: it stays up and loses nothing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { EngineError } from '../../core/errors';
import { TokenBucket } from '../../execution/rate-limiter';
import { PROTOCOL_ERRORS, type ServerFrame } from '../../protocol/contract';
import { errorFrame, requestIdOf, type ProtocolServer } from '../../protocol/server';
import type { EngineMetrics } from './metrics';
import { staticFiles } from './static-files';

export interface Readiness {
  ready: boolean;
  reasons: string[];
}

export interface EngineServerOptions {
  protocol: ProtocolServer;
  token: string;
  host?: string;
  /** 0 = any free port (tests). Default 8787. */
  port?: number;
  /** Browser origins allowed to connect, e.g. `http://localhost:5173`. */
  allowedOrigins?: readonly string[];
  maxFrameBytes?: number;
  rateLimit?: { perSecond: number; burst: number };
  /** Consecutive rate-limited frames before the connection is closed (default 1000). */
  maxViolations?: number;
  /** Unsent bytes to a client before it is closed as a slow consumer (default 16 MiB). */
  maxBufferedBytes?: number;
  readiness?: () => Readiness;
  metrics?: EngineMetrics;
  onError?: (err: unknown, context: string) => void;
  /** Folder of the built renderer (out/renderer) to serve over HTTP; none = no UI is served. */
  staticRoot?: string;
}

export interface RunningEngineServer {
  readonly host: string;
  readonly port: number;
  /** `ws://host:port/ws` */
  readonly url: string;
  /** `http://host:port/` — the workstation UI when `staticRoot` is set. */
  readonly httpUrl: string;
  readonly clientCount: number;
  close(): Promise<void>;
}

export const WS_PATH = '/ws';
export const CLOSE_BAD_FRAME = 1003;
export const CLOSE_BAD_JSON = 1007;
export const CLOSE_POLICY = 1008;
export const CLOSE_TOO_LARGE = 1009;

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Normalised origin of a URL text, or null when it does not parse as a URL with an origin. */
export function originOf(text: string): string | null {
  try {
    const o = new URL(text).origin;
    return o === 'null' ? null : o;
  } catch {
    return null;
  }
}

export async function startEngineServer(opts: EngineServerOptions): Promise<RunningEngineServer> {
  if (typeof opts.token !== 'string' || opts.token.trim() === '') {
    throw new EngineError('config.empty_token', 'the engine server requires a non-empty token');
  }
  const host = opts.host ?? '127.0.0.1';
  const maxFrame = opts.maxFrameBytes ?? 1024 * 1024;
  const rate = opts.rateLimit ?? { perSecond: 50, burst: 100 };
  const maxViolations = opts.maxViolations ?? 1000;
  const maxBuffered = opts.maxBufferedBytes ?? 16 * 1024 * 1024;
  const tokenDigest = digest(opts.token);
  const allowed = new Set<string>();
  for (const o of opts.allowedOrigins ?? []) {
    const n = originOf(o);
    if (n === null) throw new EngineError('config.invalid_origin', `allowed origin "${o}" is not a URL origin`);
    allowed.add(n);
  }
  const report = (err: unknown, context: string) => {
    try {
      opts.onError?.(err, context);
    } catch {
      // reporting must not fail the server
    }
  };

  const files = opts.staticRoot !== undefined ? staticFiles(opts.staticRoot) : null;
  const http = createServer((req, res) => {
    void route(req, res).catch((err: unknown) => {
      // The path only: a query string may carry the token.
      report(err, `http ${pathOf(req.url)}`);
      if (!res.headersSent) json(res, 500, { error: { code: 'internal', message: 'internal error' } });
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: { code: 'http.method_not_allowed', message: 'GET only' } });
    if (path === '/healthz') return json(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      const r = opts.readiness ? opts.readiness() : { ready: true, reasons: [] };
      return json(res, r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not_ready', reasons: r.reasons });
    }
    if (path === '/metrics') {
      if (!opts.metrics) return json(res, 404, { error: { code: 'http.not_found', message: 'no metrics' } });
      const body = await opts.metrics.text();
      res.writeHead(200, { 'Content-Type': opts.metrics.contentType });
      res.end(body);
      return;
    }
    if (path === '/api/session') {
      if (!authorized(req, null)) return json(res, 401, { error: { code: 'auth.unauthorized', message: 'a valid token is required' } });
      res.writeHead(204, { 'Cache-Control': 'no-store' });
      res.end();
      return;
    }
    if (files && (await files.serve(req, res, path))) return;
    json(res, 404, { error: { code: 'http.not_found', message: `no route ${path}` } });
  }

  const metrics = opts.metrics;
  const unobserve = metrics ? opts.protocol.observeCommands((cmd, ms, code) => metrics.observeCommand(cmd, ms, code)) : () => undefined;
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxFrame * 4 });

  function authorized(req: IncomingMessage, url: URL | null): boolean {
    const header = req.headers.authorization;
    let given: string | null = null;
    if (typeof header === 'string' && /^Bearer\s+/i.test(header)) given = header.replace(/^Bearer\s+/i, '');
    else given = url?.searchParams.get('token') ?? null;
    if (given === null || given === '') return false;
    return timingSafeEqual(digest(given), tokenDigest);
  }

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      // A request target that is not a URL path: refused, never thrown out of this listener.
      return refuse(socket, 400, 'http.bad_request', 'the request target is not a valid path');
    }
    if (url.pathname !== WS_PATH) return refuse(socket, 404, 'http.not_found', `no WebSocket at ${url.pathname}`);
    const origin = req.headers.origin;
    if (origin !== undefined) {
      const o = originOf(origin);
      if (o === null || !allowed.has(o)) return refuse(socket, 403, 'auth.origin_not_allowed', 'origin not allowed');
    }
    if (!authorized(req, url)) return refuse(socket, 401, 'auth.unauthorized', 'a valid token is required');
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws));
  });

  function accept(ws: WebSocket): void {
    const send = (frame: ServerFrame) => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > maxBuffered) {
        ws.close(CLOSE_POLICY, 'slow consumer');
        return;
      }
      ws.send(JSON.stringify(frame));
    };
    const conn = opts.protocol.connect({ send }, 'user:ws');
    const bucket = new TokenBucket({ now: () => Date.now() }, rate);
    let violations = 0;
    const finalError = (code: string, message: string, closeCode: number) => {
      send(errorFrame(null, code, message));
      ws.close(closeCode, code);
    };
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) return finalError(PROTOCOL_ERRORS.badFrame, 'frames are JSON text', CLOSE_BAD_FRAME);
      const size = Array.isArray(data) ? data.reduce((s, b) => s + b.length, 0) : data instanceof ArrayBuffer ? data.byteLength : data.length;
      if (size > maxFrame) return finalError(PROTOCOL_ERRORS.frameTooLarge, `frame of ${size} bytes is over the limit of ${maxFrame}`, CLOSE_TOO_LARGE);
      let frame: unknown;
      try {
        frame = JSON.parse(Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as Buffer).toString('utf8'));
      } catch {
        return finalError(PROTOCOL_ERRORS.badJson, 'frame is not valid JSON', CLOSE_BAD_JSON);
      }
      if (!bucket.tryTake()) {
        send(errorFrame(requestIdOf(frame), PROTOCOL_ERRORS.rateLimited, `over ${rate.perSecond} frames/s (burst ${rate.burst})`));
        if (++violations >= maxViolations) ws.close(CLOSE_POLICY, PROTOCOL_ERRORS.rateLimited);
        return;
      }
      violations = 0;
      conn.receive(frame).catch((err: unknown) => report(err, 'ws receive'));
    });
    ws.on('close', () => conn.close());
    ws.on('error', (err) => report(err, 'ws connection'));
  }

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 8787, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  if (files) {
    // The pages this server serves may open its WebSocket (a loopback bind also answers as localhost).
    allowed.add(`http://${urlHost}:${port}`);
    if (host === '127.0.0.1' || host === '::1') allowed.add(`http://localhost:${port}`);
  }
  return {
    host,
    port,
    url: `ws://${urlHost}:${port}${WS_PATH}`,
    httpUrl: `http://${urlHost}:${port}/`,
    get clientCount() {
      return wss.clients.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        unobserve();
        for (const c of wss.clients) c.terminate();
        wss.close();
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  res.end(text);
}

function refuse(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  const reason = status === 400 ? 'Bad Request' : status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Not Found';
  socket.write(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.destroy();
}

/** The path of a request target without its query (which may hold the token), for logs. */
function pathOf(target: string | undefined): string {
  const q = (target ?? '').indexOf('?');
  return q === -1 ? (target ?? '') : (target ?? '').slice(0, q);
}

/** Readiness of an engine: not RECONCILING, and the journal open (the host's check). */
export function engineReadiness(tradingState: () => string, journalOpen: () => boolean = () => true): () => Readiness {
  return () => {
    const reasons: string[] = [];
    if (tradingState() === 'RECONCILING') reasons.push('engine is reconciling with the venue');
    if (!journalOpen()) reasons.push('journal is not open');
    return { ready: reasons.length === 0, reasons };
  };
}
