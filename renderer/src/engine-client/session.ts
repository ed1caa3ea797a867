/**
 * The engine token in the browser: entered once in the login form or passed once in the URL fragment
 * (`http://host:port/#token=…`; a fragment never reaches the server or its logs), then kept for this
 * tab's session only (sessionStorage), never in localStorage. The fragment is removed from the
 * address bar as soon as it is read.
 *
 * `checkToken` asks the engine (`GET /api/session` with `Authorization: Bearer`) before the page
 * opens the WebSocket, so that a wrong token is told apart from a network failure: the browser hides
 * the status of a refused WebSocket upgrade.
 */
const KEY = 'tw.engine-token';

export function takeTokenFromFragment(loc: Location, hist: History): string | null {
  const params = new URLSearchParams(loc.hash.replace(/^#/, ''));
  const token = params.get('token');
  if (token === null) return null;
  params.delete('token');
  const rest = params.toString();
  hist.replaceState(null, '', `${loc.pathname}${loc.search}${rest ? `#${rest}` : ''}`);
  return token;
}

export function storedToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function storeToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}

export type TokenCheck = { ok: true } | { ok: false; code: string; message: string };

export async function checkToken(token: string, base = ''): Promise<TokenCheck> {
  if (token.trim() === '') return { ok: false, code: 'auth.empty_token', message: 'enter the engine token' };
  let res: Response;
  try {
    res = await fetch(`${base}/api/session`, { headers: { Authorization: `Bearer ${token}` }, cache: 'no-store' });
  } catch (e) {
    return { ok: false, code: 'net.unreachable', message: `the engine cannot be reached: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (res.ok) return { ok: true };
  const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
  return { ok: false, code: body?.error?.code ?? `http.${res.status}`, message: body?.error?.message ?? `the engine answered HTTP ${res.status}` };
}
