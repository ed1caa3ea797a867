/**
 * Shared plumbing of the test HTTP servers: listen on 127.0.0.1 (any free port), read a request body
 * as the services accept it (JSON, application/x-www-form-urlencoded, or the query string), answer
 * JSON, and close with every keep-alive connection dropped.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}

export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

const MAX_BODY = 1_000_000;

/** The request's parameters: query string, then the body (JSON or form-encoded; form values that look like JSON objects are parsed, as Telegram does). */
export async function readParams(req: IncomingMessage): Promise<{ params: Record<string, unknown>; error: string | null }> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const params: Record<string, unknown> = {};
  for (const [k, v] of url.searchParams) params[k] = v;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) return { params, error: 'request body too large' };
    chunks.push(c as Buffer);
  }
  const body = Buffer.concat(chunks).toString('utf8');
  if (body === '') return { params, error: null };
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json') {
    try {
      const v = JSON.parse(body) as unknown;
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return { params, error: 'the JSON body must be an object' };
      Object.assign(params, v);
    } catch {
      return { params, error: "can't parse JSON body" };
    }
    return { params, error: null };
  }
  if (type === 'application/x-www-form-urlencoded') {
    for (const [k, v] of new URLSearchParams(body)) {
      if (/^[[{]/.test(v)) {
        try {
          params[k] = JSON.parse(v) as unknown;
          continue;
        } catch {
          // a plain string that starts with a bracket
        }
      }
      params[k] = v;
    }
    return { params, error: null };
  }
  return { params, error: `unsupported content type "${type}"` };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Resolves when `pred` holds, polling every 10 ms; rejects after `timeoutMs`. */
export async function until(pred: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
