/**
 * The HTTP side of the v20 test server: a REST host and a streaming host on 127.0.0.1, as OANDA has
 * separate hosts (API-NOTES.md "Hosts, auth, headers", "Rate limits", "Errors").
 *
 * Per request, in order: it is logged; an armed 429/503 fault refuses it; on the REST host more than
 * `rateLimitPerSecond` requests in the last second get 429; a missing or wrong
 * `Authorization: Bearer <token>` gets 401 `{"errorMessage":"Insufficient authorization to perform
 * request."}`; a bad Accept-Datetime-Format or JSON body gets 400; an unknown account 400/404 (see
 * routes.ts); unknown paths 404 and wrong methods 405. Every reply is JSON with a `RequestID` header.
 * A handler that throws is a server bug: 500, and the error is kept in `errors` for the tests.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { FaultState, Host } from './faults';
import { matchRoute, type Core, type Ctx } from './routes';
import { datetimeFormatOf, jsonFor, type DatetimeFormat } from './time';

export interface RequestRecord {
  seq: number;
  /** Wall-clock ms when the request arrived. */
  time: number;
  host: Host;
  method: string;
  /** Path without the query string. */
  path: string;
  query: string;
  requestID: string;
  /** Parsed JSON body (POST/PUT/PATCH). */
  body?: unknown;
  /** Final status (undefined while running; 0 when the reply was cut). */
  status?: number;
  outcome?: 'replied' | 'refused' | 'cut' | 'stream';
}

export interface ConnectionRecord {
  host: Host;
  time: number;
  remotePort: number;
}

export interface HttpOptions {
  token: string;
  rateLimitPerSecond: number | null;
}

const MAX_BODY = 1 << 20;

export class HttpFront {
  readonly requests: RequestRecord[] = [];
  readonly connections: ConnectionRecord[] = [];
  readonly errors: Error[] = [];
  private readonly servers: Record<Host, Server>;
  private readonly sockets = new Set<Socket>();
  private readonly recent: number[] = [];
  private seq = 0;

  constructor(
    private readonly core: Core,
    private readonly faults: FaultState,
    private readonly opts: HttpOptions,
  ) {
    this.servers = { rest: this.make('rest'), stream: this.make('stream') };
  }

  private make(host: Host): Server {
    const server = createServer((req, res) => {
      this.handle(host, req, res).catch((e: unknown) => this.fail(res, e));
    });
    server.keepAliveTimeout = 30_000;
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      this.connections.push({ host, time: Date.now(), remotePort: socket.remotePort ?? 0 });
      socket.on('close', () => this.sockets.delete(socket));
    });
    return server;
  }

  async listen(): Promise<{ rest: number; stream: number }> {
    const port = (s: Server): Promise<number> =>
      new Promise((resolve, reject) => {
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port));
      });
    return { rest: await port(this.servers.rest), stream: await port(this.servers.stream) };
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all(
      Object.values(this.servers).map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
          }),
      ),
    );
  }

  private fail(res: ServerResponse, e: unknown): void {
    const error = e instanceof Error ? e : new Error(String(e));
    this.errors.push(error);
    if (!res.headersSent && !res.destroyed) {
      res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ errorMessage: `Internal server error: ${error.message}` }));
    } else {
      res.destroy();
    }
  }

  private send(res: ServerResponse, rec: RequestRecord, status: number, body: unknown, format: DatetimeFormat): void {
    const payload = Buffer.from(jsonFor(body, format), 'utf8');
    rec.status = status;
    rec.outcome ??= 'replied';
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': payload.length,
      RequestID: rec.requestID,
    });
    res.end(payload);
  }

  private async handle(host: Host, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const seq = ++this.seq;
    const rec: RequestRecord = {
      seq,
      time: Date.now(),
      host,
      method,
      path: url.pathname,
      query: url.search,
      requestID: String(10_000_000_000_000_000n + BigInt(seq)),
    };
    this.requests.push(rec);
    const refusal = this.faults.takeRefusal(host);
    if (refusal !== null) {
      await drain(req);
      rec.outcome = 'refused';
      this.send(
        res,
        rec,
        refusal,
        { errorMessage: refusal === 429 ? 'Rate limit violation: too many requests' : 'Service unavailable: please retry later' },
        'RFC3339',
      );
      return;
    }
    if (host === 'rest' && this.opts.rateLimitPerSecond !== null && this.overRate(rec.time)) {
      await drain(req);
      rec.outcome = 'refused';
      this.send(res, rec, 429, { errorMessage: 'Rate limit violation: too many requests' }, 'RFC3339');
      return;
    }
    if (req.headers.authorization !== `Bearer ${this.opts.token}`) {
      await drain(req);
      this.send(res, rec, 401, { errorMessage: 'Insufficient authorization to perform request.' }, 'RFC3339');
      return;
    }
    const format = datetimeFormatOf(req.headers['accept-datetime-format']);
    if (format === null) {
      await drain(req);
      this.send(res, rec, 400, { errorMessage: "Invalid value specified for 'Accept-Datetime-Format'" }, 'RFC3339');
      return;
    }
    let segments: string[];
    try {
      segments = url.pathname.split('/').slice(1).map(decodeURIComponent);
    } catch {
      await drain(req);
      this.send(res, rec, 400, { errorMessage: 'Invalid URL encoding' }, format);
      return;
    }
    const match = matchRoute(host, method, segments);
    if (!match) {
      await drain(req);
      this.send(res, rec, 404, { errorMessage: `The requested path ${url.pathname} does not exist on this host` }, format);
      return;
    }
    if ('methodNotAllowed' in match) {
      await drain(req);
      this.send(res, rec, 405, { errorMessage: `Method ${method} is not allowed on ${url.pathname}` }, format);
      return;
    }
    let body: unknown;
    if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
      const text = await readBody(req);
      if (text === null) {
        this.send(res, rec, 413, { errorMessage: 'Request body too large' }, format);
        return;
      }
      if (text.trim() !== '') {
        try {
          body = JSON.parse(text);
        } catch {
          this.send(res, rec, 400, { errorMessage: 'Invalid JSON in request body' }, format);
          return;
        }
      }
      rec.body = body;
    } else {
      await drain(req);
    }
    const accountID = match.params.accountID;
    if (accountID !== undefined && accountID !== this.core.account.id) {
      const status = match.route.unknownAccount;
      this.send(
        res,
        rec,
        status,
        { errorMessage: status === 400 ? "Invalid value specified for 'accountID'" : 'The Account specified does not exist' },
        format,
      );
      return;
    }
    const ctx: Ctx = { params: match.params, query: url.searchParams, body, format, requestID: rec.requestID, res };
    const answer = match.route.handler(this.core, ctx);
    if (answer === 'stream') {
      rec.status = 200;
      rec.outcome = 'stream';
      return;
    }
    // Mutations have happened by now; faults below only change what the client gets to see.
    const cut = host === 'rest' ? this.faults.takeCut(method, url.pathname) : null;
    const delay = host === 'rest' ? this.faults.takeDelay() : 0;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if (cut) {
      rec.status = 0;
      rec.outcome = 'cut';
      if (cut === 'mid-body') {
        const payload = Buffer.from(jsonFor(answer.body, format), 'utf8');
        res.writeHead(answer.status, { 'Content-Type': 'application/json', 'Content-Length': payload.length, RequestID: rec.requestID });
        res.write(payload.subarray(0, Math.floor(payload.length / 2)));
        await new Promise((r) => setTimeout(r, 5));
      }
      res.socket?.destroy();
      return;
    }
    this.send(res, rec, answer.status, answer.body, format);
  }

  private overRate(now: number): boolean {
    while (this.recent.length > 0 && this.recent[0]! <= now - 1000) this.recent.shift();
    if (this.recent.length >= this.opts.rateLimitPerSecond!) return true;
    this.recent.push(now);
    return false;
  }
}

function drain(req: IncomingMessage): Promise<void> {
  if (req.complete) return Promise.resolve();
  return new Promise((resolve) => {
    req.on('end', resolve);
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    req.resume();
  });
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) tooBig = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(tooBig ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
