/**
 * Serves the built renderer (out/renderer) from the engine's HTTP server, so a browser can open the
 * workstation from a headless engine: GET/HEAD only, files under one root only.
 *
 *  - Paths are URL-decoded once and resolved against the root; `..`, NUL, backslashes and anything
 *    that resolves (through symlinks too: realpath) outside the root is refused (404, never a hint).
 *  - No directory listings: `/` is `index.html`, any other directory is 404.
 *  - A fixed content-type table (unknown extensions are application/octet-stream), `nosniff`.
 *  - Every response carries the strict Content-Security-Policy below (no inline script, no eval,
 *    connections to this origin only: the WebSocket at /ws), no framing, no referrer.
 *  - index.html is `no-store`; hashed assets under /assets/ are cacheable for a year (immutable).
 */
import { realpath, readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';

/** The policy of every page the engine serves. `'self'` covers ws:// of the same host and port. */
export const RENDERER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  // Inline styles only (no inline script): the tester report opened from a blob: URL inherits this
  // policy and carries its CSS inline.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': RENDERER_CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export interface StaticFiles {
  /** Serves `pathname` when it names a file under the root; false when it does not (the caller answers 404). */
  serve(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean>;
}

export function staticFiles(root: string): StaticFiles {
  const absRoot = resolve(root);
  let realRoot: Promise<string> | null = null;
  const rootReal = () => (realRoot ??= realpath(absRoot));

  async function locate(pathname: string): Promise<string | null> {
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return null;
    }
    if (decoded.includes('\0') || decoded.includes('\\') || decoded.split('/').some((seg) => seg === '..')) return null;
    const rel = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
    const candidate = resolve(absRoot, rel);
    if (candidate !== absRoot && !candidate.startsWith(absRoot + sep)) return null;
    let real: string;
    let base: string;
    try {
      [real, base] = await Promise.all([realpath(candidate), rootReal()]);
    } catch {
      return null;
    }
    if (!real.startsWith(base + sep)) return null;
    const st = await stat(real).catch(() => null);
    return st?.isFile() ? real : null;
  }

  return {
    async serve(req, res, pathname) {
      const file = await locate(pathname);
      if (file === null) return false;
      const body = await readFile(file);
      const ext = extname(file).toLowerCase();
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'Content-Type': TYPES[ext] ?? 'application/octet-stream',
        'Content-Length': body.length,
        'Cache-Control': pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      return true;
    },
  };
}
