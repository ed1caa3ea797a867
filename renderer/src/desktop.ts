import type { DesktopApi } from '../../electron/preload/api';

declare global {
  interface Window {
    /** Present only inside the desktop app (set by the preload script); absent in a plain browser. */
    readonly desktop?: DesktopApi;
  }
}

/** The desktop host's API, or null when the UI runs in a plain browser. */
export function desktopApi(): DesktopApi | null {
  return window.desktop ?? null;
}
