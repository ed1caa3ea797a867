/**
 * What the preload script exposes to the renderer, as `window.desktop`. This file is the contract
 * between electron/preload (which implements it) and renderer/src (which reads it, and must also work
 * in a plain browser where `window.desktop` is absent). Both projects compile this file, so it holds
 * types only and imports nothing.
 */
export interface DesktopApi {
  /** `process.platform` of the desktop host, e.g. 'linux', 'win32', 'darwin'. */
  readonly platform: string;
  readonly versions: {
    readonly electron: string;
    readonly chrome: string;
    readonly node: string;
  };
}

/** The global name under which the preload script exposes the DesktopApi. */
export type DesktopApiKey = 'desktop';
