/**
 * Helpers for the v20 test server's own tests: a JSON REST call with the bearer token, and a
 * line-buffered NDJSON stream reader (bytes are buffered until `\n`, each complete line is decoded and
 * parsed on its own — never a raw chunk), which records chunk boundaries so the split-lines fault can
 * be observed, and lines that are not JSON so the malformed-line fault can be.
 */
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import type { V20TestServer } from './index';

export interface RestReply {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- wire JSON, inspected by the tests
}

export async function rest(
  server: Pick<V20TestServer, 'restUrl' | 'token'>,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<RestReply> {
  const res = await fetch(server.restUrl + path, {
    method,
    headers: {
      Authorization: `Bearer ${server.token}`,
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) };
}

export type StreamLine = { json: any; raw: string } | { malformed: string }; // eslint-disable-line @typescript-eslint/no-explicit-any

export class LineReader {
  readonly lines: StreamLine[] = [];
  readonly chunks: Buffer[] = [];
  status = 0;
  contentType = '';
  ended = false;
  error: Error | undefined;
  private buf = Buffer.alloc(0);
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private readonly req: ClientRequest;
  private waiters: (() => void)[] = [];
  readonly ready: Promise<void>;

  constructor(url: string, token: string, headers: Record<string, string> = {}) {
    let resolveReady!: () => void;
    let rejectReady!: (e: Error) => void;
    this.ready = new Promise((res, rej) => {
      resolveReady = res;
      rejectReady = rej;
    });
    this.req = request(url, { headers: { Authorization: `Bearer ${token}`, ...headers }, agent: false }, (res: IncomingMessage) => {
      this.status = res.statusCode ?? 0;
      this.contentType = String(res.headers['content-type'] ?? '');
      resolveReady();
      res.on('data', (c: Buffer) => this.onChunk(c));
      res.on('end', () => {
        this.ended = true;
        this.wake();
      });
      res.on('error', (e) => this.onError(e));
      res.on('aborted', () => this.onError(new Error('aborted')));
      res.on('close', () => {
        this.ended = true;
        this.wake();
      });
    });
    this.req.on('error', (e) => {
      this.onError(e);
      rejectReady(e);
    });
    this.req.end();
  }

  private onError(e: Error): void {
    this.error ??= e;
    this.ended = true;
    this.wake();
  }

  private onChunk(c: Buffer): void {
    this.chunks.push(c);
    this.buf = Buffer.concat([this.buf, c]);
    for (let i = this.buf.indexOf(0x0a); i >= 0; i = this.buf.indexOf(0x0a)) {
      const raw = this.decoder.decode(this.buf.subarray(0, i));
      this.buf = this.buf.subarray(i + 1);
      try {
        this.lines.push({ json: JSON.parse(raw), raw });
      } catch {
        this.lines.push({ malformed: raw });
      }
    }
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Parsed JSON lines. */
  json(): any[] { // eslint-disable-line @typescript-eslint/no-explicit-any
    return this.lines.flatMap((l) => ('json' in l ? [l.json] : []));
  }

  /** Resolves once `pred` holds (checked after every chunk); rejects after `timeoutMs`. */
  async until(pred: (r: LineReader) => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`LineReader: timed out waiting for ${what}; lines: ${JSON.stringify(this.lines).slice(0, 2000)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.req.destroy();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
