/**
 * The Content-Security-Policy of the renderer, sent as a response header by the app:// protocol
 * handler (electron/main/app-protocol.ts) for every page. Strict: only the app's own files run or
 * load ('self' is app://workstation); no inline script, no eval, no plugins, no frames, no forms, no
 * <base>, nothing over the network (the engine is reached over a MessagePort, not a URL).
 * Styles: 'self' only; React and lightweight-charts set styles through the CSSOM (element.style),
 * which CSP does not restrict. Images: own files, data: and blob: (chart screenshots).
 */
export const CSP_DIRECTIVES: Readonly<Record<string, readonly string[]>> = {
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'worker-src': ["'self'"],
  'manifest-src': ["'self'"],
  'media-src': ["'none'"],
  'object-src': ["'none'"],
  'frame-src': ["'none'"],
  'child-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
};

export function contentSecurityPolicy(directives: Readonly<Record<string, readonly string[]>> = CSP_DIRECTIVES): string {
  return Object.entries(directives)
    .map(([k, v]) => `${k} ${v.join(' ')}`)
    .join('; ');
}

export const CSP = contentSecurityPolicy();

/** The other headers every app:// response carries. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
};
