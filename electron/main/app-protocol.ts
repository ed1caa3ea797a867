/**
 * The `app://workstation/` protocol that serves the built renderer (out/renderer) instead of file://:
 * registered before ready as standard, secure and privileged (a real origin for the sender checks,
 * fetch and the CSP's 'self'), handled for GET/HEAD only, every path resolved by
 * electron/main/policy/app-path.ts (nothing outside the folder), every response with the strict CSP
 * and the other security headers (electron/main/policy/csp.ts).
 */
import { readFile } from 'node:fs/promises';
import { protocol, type Session } from 'electron';
import { APP_SCHEME } from './policy/app-origin';
import { resolveAppPath } from './policy/app-path';
import { SECURITY_HEADERS } from './policy/csp';

/** Must run before `app.whenReady()`. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: false, stream: false, codeCache: true } },
  ]);
}

export function serveAppProtocol(session: Session, root: string, log: (msg: string) => void): void {
  session.protocol.handle(APP_SCHEME, async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return new Response('method not allowed', { status: 405, headers: { ...SECURITY_HEADERS, Allow: 'GET, HEAD' } });
    }
    const r = resolveAppPath(root, request.url);
    if (!r.ok) {
      log(`app:// ${r.status} ${request.url}: ${r.reason}`);
      return new Response(r.reason, { status: r.status, headers: { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' } });
    }
    try {
      const body = request.method === 'HEAD' ? null : await readFile(r.file);
      return new Response(body, { status: 200, headers: { ...SECURITY_HEADERS, 'Content-Type': r.mime, 'Cache-Control': 'no-cache' } });
    } catch (err) {
      log(`app:// 500 ${request.url}: ${err instanceof Error ? err.message : String(err)}`);
      return new Response('read failed', { status: 500, headers: { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' } });
    }
  });
}
