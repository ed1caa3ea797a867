/**
 * Security policy of the desktop shell, run under Node (electron/main/policy/*: no electron import):
 * sender-frame validation and the IPC wrapper, URL and navigation policy, permissions, the CSP string,
 * and the app:// protocol's path resolution against a real folder with a symbolic link out of it.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { APP_ENTRY_URL, APP_ORIGIN, devOriginFrom, isTrustedUrl } from '../../../electron/main/policy/app-origin';
import { resolveAppPath } from '../../../electron/main/policy/app-path';
import { CSP, CSP_DIRECTIVES } from '../../../electron/main/policy/csp';
import { checkSender, IpcHandlerError, IpcRouter, type IpcInvokeEventLike, type IpcMainLike } from '../../../electron/main/policy/ipc';
import { externalUrl, navigationDecision, windowOpenDecision } from '../../../electron/main/policy/navigation';
import { permissionDecision } from '../../../electron/main/policy/permissions';

const HOSTILE = [
  'app://workstation.evil.example/index.html',
  'app://evil.example/index.html',
  'app://workstation@evil.example/',
  'app://user:pw@workstation/',
  'app://workstation:8080/',
  'https://evil.example/app://workstation/',
  'https://evil.example/?u=app://workstation',
  'file:///home/user/index.html',
  'http://localhost:5173/',
  'javascript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'about:blank',
  'APP//workstation',
  'workstation',
  '',
];

describe('app origin', () => {
  it('trusts exactly app://workstation', () => {
    expect(isTrustedUrl(APP_ENTRY_URL)).toBe(true);
    expect(isTrustedUrl(`${APP_ORIGIN}/assets/x.js?v=1#h`)).toBe(true);
    expect(isTrustedUrl('APP://WORKSTATION/index.html')).toBe(true); // URL parsing lower-cases scheme and host
    for (const u of HOSTILE) expect(isTrustedUrl(u), u).toBe(false);
    expect(isTrustedUrl(undefined)).toBe(false);
    expect(isTrustedUrl(42)).toBe(false);
  });

  it('trusts the dev server only unpackaged, only on localhost over http, and only its exact origin', () => {
    expect(devOriginFrom('http://localhost:5173/', false)).toBe('http://localhost:5173');
    expect(devOriginFrom('http://localhost:5173/', true)).toBeNull();
    expect(devOriginFrom('http://evil.example:5173/', false)).toBeNull();
    expect(devOriginFrom('https://localhost:5173/', false)).toBeNull();
    expect(devOriginFrom('http://localhost@evil.example/', false)).toBeNull();
    const devOrigin = devOriginFrom('http://127.0.0.1:5173', false);
    expect(isTrustedUrl('http://127.0.0.1:5173/src/main.tsx', { devOrigin })).toBe(true);
    expect(isTrustedUrl('http://127.0.0.1:5174/', { devOrigin })).toBe(false);
    expect(isTrustedUrl('http://localhost:5173/', { devOrigin })).toBe(false);
  });
});

describe('sender validation and the IPC wrapper', () => {
  /** The registry half of ipcMain: what `handle` stores is called the way Electron calls it. */
  class Registry implements IpcMainLike {
    readonly handlers = new Map<string, (event: IpcInvokeEventLike, ...args: unknown[]) => unknown>();
    handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => unknown): void {
      if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      this.handlers.set(channel, listener);
    }
    removeHandler(channel: string): void {
      this.handlers.delete(channel);
    }
    invoke(channel: string, event: IpcInvokeEventLike, ...args: unknown[]): Promise<unknown> {
      const h = this.handlers.get(channel);
      if (!h) return Promise.reject(new Error(`No handler registered for '${channel}'`));
      return Promise.resolve(h(event, ...args));
    }
  }
  const top = (url: string): IpcInvokeEventLike => ({ senderFrame: { url, parent: null } });

  it('checkSender accepts only the app top frame', () => {
    expect(checkSender(top(APP_ENTRY_URL))).toEqual({ ok: true });
    expect(checkSender({ senderFrame: null })).toMatchObject({ ok: false, reason: 'the sender frame is gone' });
    expect(checkSender({ senderFrame: { url: APP_ENTRY_URL, parent: {} } })).toMatchObject({ ok: false, reason: 'only the top frame may call' });
    for (const u of HOSTILE) expect(checkSender(top(u)).ok, u).toBe(false);
  });

  it('routes valid calls, refuses foreign senders and bad arguments with stable codes, and contains handler failures', async () => {
    const reg = new Registry();
    const refused: string[] = [];
    const errors: string[] = [];
    const router = new IpcRouter(reg, { onRefused: (c, code) => refused.push(`${c} ${code}`), onError: (c) => errors.push(c) });
    let calls = 0;
    router.handle('app:flatten', z.tuple([z.object({ reason: z.string().max(200) }).strict()]), ([a]) => {
      calls++;
      return { reason: a.reason };
    });
    router.handle('app:boom', z.tuple([]), () => {
      throw new Error('disk full');
    });
    router.handle('app:coded', z.tuple([]), () => {
      throw new IpcHandlerError('engine.not_running', 'no engine');
    });

    expect(await reg.invoke('app:flatten', top(APP_ENTRY_URL), { reason: 'now' })).toEqual({ ok: true, result: { reason: 'now' } });
    expect(await reg.invoke('app:flatten', top('https://evil.example/'), { reason: 'now' })).toMatchObject({ ok: false, error: { code: 'ipc.forbidden' } });
    expect(await reg.invoke('app:flatten', { senderFrame: null }, { reason: 'now' })).toMatchObject({ ok: false, error: { code: 'ipc.forbidden' } });
    expect(await reg.invoke('app:flatten', top(APP_ENTRY_URL), { reason: 1 })).toMatchObject({ ok: false, error: { code: 'ipc.invalid_args', message: expect.stringContaining('0.reason') } });
    expect(await reg.invoke('app:flatten', top(APP_ENTRY_URL), { reason: 'x', extra: true })).toMatchObject({ ok: false, error: { code: 'ipc.invalid_args' } });
    expect(await reg.invoke('app:flatten', top(APP_ENTRY_URL), { reason: 'x' }, 'more')).toMatchObject({ ok: false, error: { code: 'ipc.invalid_args' } });
    expect(calls).toBe(1);
    expect(refused).toEqual(['app:flatten ipc.forbidden', 'app:flatten ipc.forbidden', 'app:flatten ipc.invalid_args', 'app:flatten ipc.invalid_args', 'app:flatten ipc.invalid_args']);

    expect(await reg.invoke('app:boom', top(APP_ENTRY_URL))).toEqual({ ok: false, error: { code: 'ipc.failed', message: 'app:boom failed: disk full' } });
    expect(errors).toEqual(['app:boom']);
    expect(await reg.invoke('app:coded', top(APP_ENTRY_URL))).toEqual({ ok: false, error: { code: 'engine.not_running', message: 'no engine' } });

    router.dispose();
    expect(reg.handlers.size).toBe(0);
  });

  it('refuses channels outside the app: namespace and a second handler for a channel', () => {
    const router = new IpcRouter(new Registry());
    for (const c of ['flatten', 'app:', 'ELECTRON_BROWSER_REQUIRE', 'app:Flatten', 'app:a b', 'other:x']) {
      expect(() => router.handle(c, z.tuple([]), () => 1), c).toThrow(/must be "app:<name>"/);
    }
    router.handle('app:x', z.tuple([]), () => 1);
    expect(() => router.handle('app:x', z.tuple([]), () => 1)).toThrow(/already handled/);
  });
});

describe('navigation, new windows, permissions', () => {
  it('navigation stays inside the app', () => {
    expect(navigationDecision(APP_ENTRY_URL)).toEqual({ allow: true });
    for (const u of HOSTILE) expect(navigationDecision(u).allow, u).toBe(false);
    expect(navigationDecision('https://evil.example/x')).toMatchObject({ allow: false, reason: expect.stringContaining('https://evil.example') });
  });

  it('new windows are always denied; only https links go to the system browser', () => {
    expect(windowOpenDecision('https://developer.oanda.com/rest-live-v20/introduction/')).toEqual({
      action: 'deny',
      openExternally: 'https://developer.oanda.com/rest-live-v20/introduction/',
    });
    for (const u of ['http://example.com/', 'file:///etc/passwd', 'javascript:alert(1)', APP_ENTRY_URL, 'https://user:pw@example.com/', 'smb://host/share', 'not a url']) {
      expect(windowOpenDecision(u), u).toEqual({ action: 'deny', openExternally: null });
    }
    expect(externalUrl('https://example.com/a b')).toBe('https://example.com/a%20b');
  });

  it('every permission is refused, including for the app itself', () => {
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'clipboard-sanitized-write', 'fullscreen', 'openExternal', 'hid', 'serial', 'midiSysex']) {
      expect(permissionDecision(p, APP_ENTRY_URL).allow).toBe(false);
    }
  });
});

describe('CSP', () => {
  it('is strict: no inline script, no eval, no remote origins, no frames, plugins, forms or base', () => {
    expect(CSP).toContain("default-src 'none'");
    expect(CSP).toContain("script-src 'self'");
    expect(CSP).toContain("object-src 'none'");
    expect(CSP).toContain("frame-ancestors 'none'");
    expect(CSP).toContain("base-uri 'none'");
    expect(CSP).toContain("form-action 'none'");
    for (const bad of ["'unsafe-inline'", "'unsafe-eval'", "'wasm-unsafe-eval'", '*', 'http:', 'https:', 'ws:', 'file:']) {
      for (const [k, v] of Object.entries(CSP_DIRECTIVES)) expect(v, `${k} ${bad}`).not.toContain(bad);
    }
  });
});

describe('app:// path resolution', () => {
  let base: string;
  let root: string;
  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'tw-app-path-'));
    root = join(base, 'renderer');
    mkdirSync(join(root, 'assets'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html>');
    writeFileSync(join(root, 'assets', 'app-1.js'), '');
    writeFileSync(join(root, 'assets', 'a b.css'), '');
    writeFileSync(join(base, 'secret.txt'), 'secret');
    symlinkSync(join(base, 'secret.txt'), join(root, 'assets', 'link.txt'));
    symlinkSync(base, join(root, 'up'));
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('serves files of the renderer folder with their MIME type; / is index.html', () => {
    expect(resolveAppPath(root, 'app://workstation/')).toEqual({ ok: true, file: join(root, 'index.html'), mime: 'text/html; charset=utf-8' });
    expect(resolveAppPath(root, 'app://workstation/assets/app-1.js?v=2#x')).toMatchObject({ ok: true, file: join(root, 'assets', 'app-1.js'), mime: 'text/javascript; charset=utf-8' });
    expect(resolveAppPath(root, 'app://workstation/assets/a%20b.css')).toMatchObject({ ok: true, file: join(root, 'assets', 'a b.css'), mime: 'text/css; charset=utf-8' });
  });

  it('never leaves the folder: traversal, encoded traversal, links out, other origins', () => {
    const refuse = (url: string, status: number) => expect(resolveAppPath(root, url), url).toMatchObject({ ok: false, status });
    refuse('app://workstation/../secret.txt', 404); // URL parsing already removes the dot segments: /secret.txt is not in the root
    refuse('app://workstation/%2e%2e/secret.txt', 404);
    refuse('app://workstation/assets/%2e%2e%2f%2e%2e%2fsecret.txt', 400);
    refuse('app://workstation/..%5csecret.txt', 400);
    refuse('app://workstation/assets/link.txt', 403);
    refuse('app://workstation/up/secret.txt', 403);
    refuse('app://workstation/%00index.html', 400);
    refuse('app://workstation/%E0%A4%A', 400);
    refuse('app://workstation/assets', 404);
    refuse('app://workstation/missing.js', 404);
    refuse('app://evil/index.html', 403);
    refuse('file:///etc/passwd', 403);
    refuse('not a url', 400);
  });
});
