/**
 * The v20 REST transport: one keep-alive agent per host (paced new connections, rate-limit.ts), a
 * token bucket for requests, a deadline per attempt, and retries with backoff and jitter for
 * idempotent requests only (retry.ts). Every answer is JSON-parsed as a whole body (never per chunk)
 * and checked against its zod schema.
 *
 * Failures are `OandaError`s (errors.ts): `oanda.http_<status>`, `oanda.rejected.<REASON>` (a 4xx whose
 * body carries a reject transaction), `oanda.timeout`, `oanda.unreachable`, `oanda.bad_response`.
 * The token goes in the Authorization header only; it is never part of an error, a log line or
 * `details.request` (which holds `METHOD path`).
 */
import http from 'node:http';
import https from 'node:https';
import type { z } from 'zod';
import { OandaError, retryableStatus, toOandaError } from './errors';
import { ConnectionGate, openSockets, pacedAgentFor, RequestPacer } from './rate-limit';
import { RetryPolicy } from './retry';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH';

export interface V20HttpOptions {
  baseUrl: string;
  token: string;
  pacer?: RequestPacer;
  gate?: ConnectionGate;
  retry?: RetryPolicy;
  /** Deadline of one attempt, from sending to the end of the body (ms). */
  timeoutMs?: number;
  /** Most sockets (and so requests in flight) at once (default 6). */
  maxSockets?: number;
  /** Called after each attempt (metrics, tests). */
  onAttempt?: (info: { method: HttpMethod; path: string; status: number | null; ms: number; code: string | null }) => void;
}

export interface RequestSpec<S extends z.ZodType> {
  method: HttpMethod;
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  schema: S;
  /** Whether the request may be sent again after a retryable failure (GET is; order creation never). */
  idempotent?: boolean;
  /** Jumps the request queue (cancels, flatten). */
  urgent?: boolean;
  timeoutMs?: number;
}

export interface V20Reply<T> {
  status: number;
  body: T;
  requestId: string | null;
}

/** Statuses whose body a caller reads as an answer rather than an error. */
const OK = (s: number) => s >= 200 && s < 300;

const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export class V20Http {
  readonly base: URL;
  readonly agent: http.Agent;
  readonly pacer: RequestPacer;
  readonly gate: ConnectionGate;
  readonly retry: RetryPolicy;
  private readonly token: string;
  private readonly timeoutMs: number;
  private readonly onAttempt: V20HttpOptions['onAttempt'];
  private closed = false;
  /** Requests dispatched to the agent and not finished. */
  private active = 0;
  private readonly maxSockets: number;

  constructor(opts: V20HttpOptions) {
    if (!opts.token) throw new OandaError('oanda.no_token', 'an OANDA access token is required');
    this.base = new URL(opts.baseUrl);
    if (this.base.protocol !== 'https:' && this.base.protocol !== 'http:') throw new OandaError('oanda.bad_url', `not an http(s) URL: ${this.base.origin}`);
    this.token = opts.token;
    this.gate = opts.gate ?? new ConnectionGate();
    this.pacer = opts.pacer ?? new RequestPacer();
    this.retry = opts.retry ?? new RetryPolicy();
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.onAttempt = opts.onAttempt;
    this.maxSockets = opts.maxSockets ?? 6;
    this.agent = pacedAgentFor(this.base, { gate: null, maxSockets: this.maxSockets });
  }

  /** Headers of every request (the stream client uses them too). */
  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { Authorization: `Bearer ${this.token}`, 'Accept-Datetime-Format': 'RFC3339', Accept: 'application/json', ...extra };
  }

  url(path: string, query?: RequestSpec<z.ZodType>['query']): URL {
    const u = new URL(this.base.pathname.replace(/\/$/, '') + path, this.base);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u;
  }

  async request<S extends z.ZodType>(spec: RequestSpec<S>): Promise<V20Reply<z.output<S>>> {
    const idempotent = spec.idempotent ?? spec.method === 'GET';
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(spec);
      } catch (e) {
        const err = toOandaError(e, `${spec.method} ${spec.path}`);
        if (this.closed || !this.retry.shouldRetry(err, attempt, idempotent)) throw err;
        await sleep(this.retry.delayMs(attempt, err));
      }
    }
  }

  /** Frees the sockets; later requests fail with `oanda.closed`. */
  close(): void {
    this.closed = true;
    this.agent.destroy();
  }

  private async once<S extends z.ZodType>(spec: RequestSpec<S>): Promise<V20Reply<z.output<S>>> {
    if (this.closed) throw new OandaError('oanda.closed', 'the OANDA client is closed');
    await this.pacer.acquire({ urgent: spec.urgent ?? false });
    await this.socketSlot();
    const started = Date.now();
    const what = `${spec.method} ${spec.path}`;
    let status: number | null = null;
    try {
      const raw = await this.send(spec, what, (s) => (status = s));
      const reply = this.interpret(spec, raw, what);
      this.onAttempt?.({ method: spec.method, path: spec.path, status, ms: Date.now() - started, code: null });
      return reply;
    } catch (e) {
      const err = toOandaError(e, what);
      this.onAttempt?.({ method: spec.method, path: spec.path, status, ms: Date.now() - started, code: err.code });
      throw err;
    } finally {
      this.active--;
    }
  }

  /**
   * Waits until the request can have a socket without breaking the connection pace: a kept-alive
   * socket is free, or the gate allows a new connection now (and at most `maxSockets` are open).
   */
  private async socketSlot(): Promise<void> {
    for (;;) {
      const open = openSockets(this.agent);
      if (this.active < open || (open < this.maxSockets && this.active < this.maxSockets && this.gate.tryAcquire())) {
        this.active++;
        return;
      }
      await sleep(Math.max(5, Math.min(25, this.gate.msUntilNext())));
    }
  }

  private send(spec: RequestSpec<z.ZodType>, what: string, onStatus: (s: number) => void): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
    const url = this.url(spec.path, spec.query);
    const payload = spec.body === undefined ? null : Buffer.from(JSON.stringify(spec.body));
    const headers = this.headers(payload ? { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) } : {});
    const timeoutMs = spec.timeoutMs ?? this.timeoutMs;
    const lib = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      let done = false;
      let responded = false;
      const finish = (err: OandaError | null, value?: { status: number; headers: http.IncomingHttpHeaders; text: string }) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(value!);
      };
      const req = lib.request(url, { method: spec.method, headers, agent: this.agent }, (res) => {
        responded = true;
        onStatus(res.statusCode ?? 0);
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('aborted', () => finish(new OandaError('oanda.unreachable', `${what}: the connection closed before the answer was complete`, { request: what, status: res.statusCode }, { retryable: true, outcomeUnknown: true })));
        res.on('error', (e) => finish(new OandaError('oanda.unreachable', `${what}: ${e.message}`, { request: what, status: res.statusCode }, { retryable: true, outcomeUnknown: true })));
        res.on('end', () => {
          if (!res.complete) {
            finish(new OandaError('oanda.unreachable', `${what}: the connection closed before the answer was complete`, { request: what, status: res.statusCode }, { retryable: true, outcomeUnknown: true }));
            return;
          }
          finish(null, { status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
        });
      });
      const timer = setTimeout(() => {
        finish(new OandaError('oanda.timeout', `${what}: no complete answer within ${timeoutMs} ms`, { request: what }, { retryable: true, outcomeUnknown: true }));
        req.destroy();
      }, timeoutMs);
      req.on('error', (e: NodeJS.ErrnoException) => {
        const notSent = !responded && typeof e.code === 'string' && NOT_SENT.has(e.code);
        finish(new OandaError('oanda.unreachable', `${what}: ${e.code ?? ''} ${e.message}`.trim(), { request: what }, { retryable: true, outcomeUnknown: !notSent }));
      });
      if (payload) req.end(payload);
      else req.end();
    });
  }

  private interpret<S extends z.ZodType>(spec: RequestSpec<S>, raw: { status: number; headers: http.IncomingHttpHeaders; text: string }, what: string): V20Reply<z.output<S>> {
    const requestId = typeof raw.headers['requestid'] === 'string' ? raw.headers['requestid'] : null;
    let json: unknown = undefined;
    if (raw.text.length > 0) {
      try {
        json = JSON.parse(raw.text);
      } catch {
        if (OK(raw.status)) {
          throw new OandaError('oanda.bad_response', `${what}: answer ${raw.status} is not JSON: ${raw.text.slice(0, 120)}`, { request: what, status: raw.status }, { retryable: true, outcomeUnknown: true });
        }
      }
    }
    if (!OK(raw.status)) throw errorFromAnswer(raw.status, json, raw.headers, what);
    const parsed = spec.schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new OandaError(
        'oanda.bad_response',
        `${what}: answer does not match the v20 schema at ${issue ? issue.path.join('.') || '(root)' : '?'}: ${issue?.message ?? ''}`,
        { request: what, status: raw.status, body: json },
        { outcomeUnknown: spec.method !== 'GET' },
      );
    }
    return { status: raw.status, body: parsed.data, requestId };
  }
}

/** The OandaError for a non-2xx answer. */
export function errorFromAnswer(status: number, json: unknown, headers: http.IncomingHttpHeaders, what: string): OandaError {
  const body = (json && typeof json === 'object' ? json : {}) as Record<string, unknown>;
  const errorCode = typeof body['errorCode'] === 'string' ? body['errorCode'] : undefined;
  const errorMessage = typeof body['errorMessage'] === 'string' ? body['errorMessage'] : '';
  let rejectReason: string | undefined;
  for (const [k, v] of Object.entries(body)) {
    if (k.endsWith('RejectTransaction') && v && typeof v === 'object') {
      const r = (v as Record<string, unknown>)['rejectReason'];
      if (typeof r === 'string') rejectReason = r;
    }
  }
  let retryAfterMs: number | undefined;
  const ra = headers['retry-after'];
  if (typeof ra === 'string' && /^\d+(\.\d+)?$/.test(ra.trim())) retryAfterMs = Math.round(Number(ra) * 1000);
  const code = rejectReason ? `oanda.rejected.${rejectReason}` : `oanda.http_${status}`;
  const text = `${what}: ${status}${errorCode ? ` ${errorCode}` : ''}${errorMessage ? ` ${errorMessage}` : ''}`;
  return new OandaError(code, text, { status, errorCode, rejectReason, body: json, request: what, retryAfterMs }, { retryable: retryableStatus(status), outcomeUnknown: status >= 500 });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
