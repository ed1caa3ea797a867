/**
 * The app's own origin and the one check that says whether a URL belongs to it. The renderer is served
 * by a custom, privileged, standard scheme (`app://workstation/...`, electron/main/app-protocol.ts)
 * instead of file://, so that it has a real origin to check: file:// pages share one opaque origin
 * with every file on the disk.
 *
 * Every check parses with `new URL()` and compares the parsed scheme, host, port and credentials
 * exactly; never a substring or prefix of the raw text (`app://workstation.evil.example`,
 * `app://workstation@evil.example`, `https://evil.example/app://workstation` all fail).
 * Plain code with no electron import: tested under Node (test/unit/electron/).
 */

export const APP_SCHEME = 'app';
export const APP_HOST = 'workstation';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
/** The page main loads. */
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

export interface TrustOptions {
  /**
   * The dev server's origin (`electron-vite dev`: e.g. `http://localhost:5173`), trusted only when
   * the app is not packaged; null otherwise.
   */
  devOrigin?: string | null;
}

export function parseUrl(raw: unknown): URL | null {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 8_192) return null;
  try {
    return new URL(raw);
  } catch {
    return null;
  }
}

/**
 * True for `app://workstation/...` exactly (no port, no credentials). The host is compared case-blind:
 * Chromium lower-cases the host of a registered standard scheme, Node's URL keeps a non-special
 * scheme's host as written.
 */
export function isAppUrl(url: URL): boolean {
  return url.protocol === `${APP_SCHEME}:` && url.hostname.toLowerCase() === APP_HOST && url.port === '' && url.username === '' && url.password === '';
}

/**
 * The dev server origin to trust, from `ELECTRON_RENDERER_URL`: only an http URL on localhost or
 * 127.0.0.1, and only when the app is not packaged. Returns its origin (`http://localhost:5173`) or null.
 */
export function devOriginFrom(raw: string | undefined, packaged: boolean): string | null {
  if (packaged || raw === undefined) return null;
  const u = parseUrl(raw);
  if (!u || u.protocol !== 'http:' || (u.hostname !== 'localhost' && u.hostname !== '127.0.0.1') || u.username !== '' || u.password !== '') return null;
  return u.origin;
}

/** Is `raw` a URL of this app (its custom origin, or the trusted dev server)? */
export function isTrustedUrl(raw: unknown, opts: TrustOptions = {}): boolean {
  const u = parseUrl(raw);
  if (!u) return false;
  if (isAppUrl(u)) return true;
  return opts.devOrigin != null && (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === opts.devOrigin;
}
