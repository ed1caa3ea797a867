/**
 * The engine's static UI server (engine/node/server/static-files.ts behind ws-server.ts) on a real
 * HTTP server on 127.0.0.1: content types, the strict CSP and other headers on every page, no
 * directory listing, no path traversal (encoded, doubled, backslashes, symlinks out of the root), the
 * token check endpoint, the server's own origin allowed on the WebSocket (and others refused). Then
 * real Chromium: the CSP blocks an inline script (and a `javascript:` URL and eval) while the
 * page's own script file runs.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startEngineServer, type RunningEngineServer } from '../../engine/node/server/ws-server';
import { RENDERER_CSP } from '../../engine/node/server/static-files';
import { createFixtureEngine, type FixtureEngine } from '../contract/fixture-engine';
import { artifactPath, launchChromium, type Browser } from './support';

const TOKEN = 'security-test-token';

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    // A raw request target: no client-side normalisation of `..`.
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static UI server and CSP', () => {
  let root: string;
  let outside: string;
  let fx: FixtureEngine;
  let server: RunningEngineServer;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'tw-static-'));
    outside = mkdtempSync(join(tmpdir(), 'tw-outside-'));
    writeFileSync(join(outside, 'secret.txt'), 'SECRET');
    mkdirSync(join(root, 'assets'));
    writeFileSync(
      join(root, 'index.html'),
      `<!doctype html><html><head><title>t</title><script src="/assets/app.js"></script></head><body>
<script>window.inlineRan = true;</script>
<a id="js" href="javascript:window.jsUrlRan=true">x</a></body></html>`,
    );
    writeFileSync(
      join(root, 'assets/app.js'),
      `window.fileRan = true; window.violations = [];
document.addEventListener('securitypolicyviolation', (e) => window.violations.push(e.violatedDirective));
try { eval('window.evalRan = true'); } catch (e) { window.evalError = String(e.name); }`,
    );
    writeFileSync(join(root, 'assets/style.css'), 'body{}');
    writeFileSync(join(root, 'assets/blob.xyz'), 'x');
    symlinkSync(join(outside, 'secret.txt'), join(root, 'assets/link.txt'));
    fx = createFixtureEngine();
    server = await startEngineServer({ protocol: fx.protocol.server, token: TOKEN, port: 0, staticRoot: root });
  });

  afterAll(async () => {
    await server?.close();
    fx?.close();
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  it('serves files with their content types, the strict CSP and no-store on the page', async () => {
    const page = await get(server.port, '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe(RENDERER_CSP);
    expect(RENDERER_CSP).toContain("script-src 'self'");
    expect(RENDERER_CSP).not.toMatch(/script-src[^;]*unsafe/);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['cache-control']).toBe('no-store');
    const js = await get(server.port, '/assets/app.js');
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toContain('immutable');
    expect((await get(server.port, '/assets/style.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await get(server.port, '/assets/blob.xyz')).headers['content-type']).toBe('application/octet-stream');
  });

  it('lists no directory and refuses every path out of the root', async () => {
    for (const path of ['/assets/', '/assets', '/../package.json', '/assets/../../package.json', '/%2e%2e/%2e%2e/etc/passwd', '/%2E%2E%2Fsecret', '/..%5c..%5cetc%5cpasswd', '/assets/link.txt', '/%00index.html', '/%E0%A4%A']) {
      const r = await get(server.port, path);
      expect(r.status, path).toBe(404);
      expect(r.body, path).not.toContain('SECRET');
    }
    expect((await get(server.port, '/healthz')).status).toBe(200);
  });

  it('/api/session tells a wrong token apart; the WebSocket accepts the own origin only', async () => {
    expect((await get(server.port, '/api/session')).status).toBe(401);
    const wrong = await get(server.port, '/api/session', { Authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.body)).toEqual({ error: { code: 'auth.unauthorized', message: 'a valid token is required' } });
    expect((await get(server.port, '/api/session', { Authorization: `Bearer ${TOKEN}` })).status).toBe(204);
    const open = (origin: string) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${TOKEN}`, { headers: { Origin: origin } });
        ws.on('open', () => {
          ws.close();
          resolve('open');
        });
        ws.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
        ws.on('error', () => undefined);
      });
    expect(await open(`http://127.0.0.1:${server.port}`)).toBe('open');
    expect(await open(`http://localhost:${server.port}`)).toBe('open');
    expect(await open('http://evil.example')).toBe('403');
    expect(await open(`http://127.0.0.1:${server.port + 1}`)).toBe('403');
  });

  describe('in Chromium', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium();
    }, 60_000);
    afterAll(async () => browser?.close());

    it('the CSP blocks inline script, javascript: URLs and eval; the page script file runs', async () => {
      const page = await browser.context.newPage();
      await page.goto(server.httpUrl);
      await page.locator('#js').click();
      await page.waitForTimeout(200);
      const r = (await page.evaluate('({ file: window.fileRan === true, inline: window.inlineRan === true, jsUrl: window.jsUrlRan === true, evalRan: window.evalRan === true, evalError: window.evalError ?? null, violations: window.violations })')) as {
        file: boolean;
        inline: boolean;
        jsUrl: boolean;
        evalRan: boolean;
        evalError: string | null;
        violations: string[];
      };
      expect(r).toMatchObject({ file: true, inline: false, jsUrl: false, evalRan: false, evalError: 'EvalError' });
      expect(r.violations.some((v) => v.startsWith('script-src'))).toBe(true);
      await page.screenshot({ path: artifactPath('csp-page.png') });
    }, 30_000);
  });
});
