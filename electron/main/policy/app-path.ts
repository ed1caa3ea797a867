/**
 * Where an `app://workstation/<path>` request is served from: a file inside the built renderer folder
 * (out/renderer), never outside it. The path is taken from the parsed URL (`new URL`), percent-decoded
 * once, and refused when it holds a NUL, a backslash or an encoded separator, or when — after
 * normalisation and after resolving symbolic links — it is not inside the root. `/` is index.html.
 * Only GET/HEAD are served (the handler checks the method). Plain Node code, no electron import.
 *
 * Results are decisions with an HTTP status: 200 with the file and its MIME type, 400 bad URL,
 * 403 outside the root / wrong origin, 404 missing or not a file.
 */
import { realpathSync, statSync } from 'node:fs';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { isAppUrl, parseUrl } from './app-origin';

export type AppPathResult = { ok: true; file: string; mime: string } | { ok: false; status: 400 | 403 | 404; reason: string };

const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export function mimeTypeOf(file: string): string {
  return MIME[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

function inside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** Resolves a request URL to a file under `root` (an absolute folder), or refuses it. */
export function resolveAppPath(root: string, rawUrl: string): AppPathResult {
  const url = parseUrl(rawUrl);
  if (!url) return { ok: false, status: 400, reason: 'not a URL' };
  if (!isAppUrl(url)) return { ok: false, status: 403, reason: `not the app origin: ${url.protocol}//${url.host}` };
  const rawPath = url.pathname;
  // Encoded separators and backslashes have no business in an asset path.
  if (/%2f|%5c|\\/i.test(rawPath)) return { ok: false, status: 400, reason: 'encoded separator in the path' };
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return { ok: false, status: 400, reason: 'malformed percent-encoding' };
  }
  if (path.includes('\0')) return { ok: false, status: 400, reason: 'NUL in the path' };
  if (path === '/' || path === '') path = '/index.html';
  const absRoot = resolve(root);
  const target = resolve(absRoot, `.${path}`);
  if (!inside(absRoot, target)) return { ok: false, status: 403, reason: 'outside the renderer folder' };
  let real: string;
  let realRoot: string;
  try {
    realRoot = realpathSync(absRoot);
    real = realpathSync(target);
  } catch {
    return { ok: false, status: 404, reason: 'no such file' };
  }
  if (!inside(realRoot, real)) return { ok: false, status: 403, reason: 'a link points outside the renderer folder' };
  try {
    if (!statSync(real).isFile()) return { ok: false, status: 404, reason: 'not a file' };
  } catch {
    return { ok: false, status: 404, reason: 'no such file' };
  }
  return { ok: true, file: real, mime: mimeTypeOf(real) };
}
