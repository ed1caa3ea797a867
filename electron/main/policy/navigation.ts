/**
 * What the renderer may load or open. The workstation is a single page: it never navigates, never
 * opens windows, never embeds a <webview>. The only link it may follow is an https link the user
 * clicks (documentation, a broker page), and that opens in the system browser, never in the app.
 * Plain code, no electron import; electron/main/index.ts applies the decisions.
 */
import { isTrustedUrl, parseUrl, type TrustOptions } from './app-origin';

export type NavigationDecision = { allow: true } | { allow: false; reason: string };

/**
 * `will-navigate` / `will-redirect` / `will-frame-navigate`: allowed only within the app's own origin
 * (a reload of the page); everything else is refused.
 */
export function navigationDecision(target: unknown, opts: TrustOptions = {}): NavigationDecision {
  if (isTrustedUrl(target, opts)) return { allow: true };
  return { allow: false, reason: `navigation to ${describe(target)} refused: the app only shows its own pages` };
}

/** `setWindowOpenHandler`: never a new Electron window. An https URL may go to the system browser. */
export function windowOpenDecision(target: unknown): { action: 'deny'; openExternally: string | null } {
  return { action: 'deny', openExternally: externalUrl(target) };
}

/** The URL to hand to the system browser: https only, no credentials, or null. */
export function externalUrl(target: unknown): string | null {
  const u = parseUrl(target);
  if (!u || u.protocol !== 'https:' || u.username !== '' || u.password !== '' || u.hostname === '') return null;
  return u.href;
}

/** <webview> is never attached. */
export function webviewDecision(): NavigationDecision {
  return { allow: false, reason: '<webview> is not used by this app' };
}

function describe(target: unknown): string {
  const u = parseUrl(target);
  return u ? `${u.protocol}//${u.host}` : 'an invalid URL';
}
