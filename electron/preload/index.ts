/**
 * Preload script. Runs sandboxed (contextIsolation on, no Node integration) and is bundled into one
 * CommonJS file, out/preload/index.cjs, because a sandboxed preload can neither load ES modules nor
 * require other files of the app. It exposes only the DesktopApi of ./api.ts: plain, frozen values and
 * functions with fixed channels; never ipcRenderer itself, never a channel name chosen by the page.
 *
 * Main's replies are envelopes `{ok, result | error:{code, message}}` (electron/main/policy/ipc.ts);
 * an error becomes a rejected `Error` with a `code` property. The engine port arrives from main on
 * `app:engine-port` with one transferred port and is posted into the page with
 * `window.postMessage({type: 'tw:engine-port'}, location.origin, [port])` (a port cannot cross
 * contextBridge); when main reports that the engine process ended, the page gets
 * `{type: 'tw:engine-port-closed'}` the same way.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type {
  DesktopApi,
  DesktopApiKey,
  EngineHostStatus,
  EnginePortClosedMessage,
  EnginePortMessage,
  FlattenEvent,
  FlattenResult,
} from './api';

/** The page's window, as the preload uses it (this project compiles without the DOM library). */
declare const window: {
  postMessage(message: unknown, targetOrigin: string, transfer?: readonly unknown[]): void;
  readonly location: { readonly origin: string };
};

type Reply<T> = { ok: true; result: T } | { ok: false; error: { code: string; message: string } };

async function invoke<T>(channel: string, ...args: unknown[]): Promise<T> {
  const reply = (await ipcRenderer.invoke(channel, ...args)) as Reply<T>;
  if (reply.ok) return reply.result;
  const err = new Error(reply.error.message) as Error & { code: string };
  err.code = reply.error.code;
  throw err;
}

function subscribe<T>(channel: string, cb: (value: T) => void): () => void {
  if (typeof cb !== 'function') throw new TypeError(`${channel}: a callback function is required`);
  const listener = (_e: IpcRendererEvent, value: T) => cb(value);
  ipcRenderer.on(channel, listener);
  return () => {
    ipcRenderer.removeListener(channel, listener);
  };
}

function postToPage(data: EnginePortMessage | EnginePortClosedMessage, ports: readonly unknown[] = []): void {
  window.postMessage(data, window.location.origin, ports);
}

ipcRenderer.on('app:engine-port', (e) => {
  if (e.ports.length !== 1) return;
  postToPage({ type: 'tw:engine-port' }, [...e.ports]);
});
ipcRenderer.on('app:engine-status', (_e, s: EngineHostStatus) => {
  if (s.state !== 'running') postToPage({ type: 'tw:engine-port-closed' });
});

/** Main passes the app version as `--tw-app-version=x.y.z` (webPreferences.additionalArguments). */
function appVersion(): string {
  const prefix = '--tw-app-version=';
  const arg = process.argv.find((a) => a.startsWith(prefix));
  return arg ? arg.slice(prefix.length) : '';
}

const api: DesktopApi = Object.freeze({
  platform: process.platform,
  versions: Object.freeze({
    app: appVersion(),
    electron: process.versions.electron ?? '',
    chrome: process.versions.chrome ?? '',
    node: process.versions.node,
  }),
  requestEnginePort: () => invoke<void>('app:engine-port'),
  engineStatus: () => invoke<EngineHostStatus>('app:engine-status'),
  onEngineStatus: (cb: (s: EngineHostStatus) => void) => subscribe('app:engine-status', cb),
  requestFlatten: (reason?: string) => invoke<FlattenResult>('app:flatten', reason === undefined ? {} : { reason: String(reason) }),
  onFlatten: (cb: (e: FlattenEvent) => void) => subscribe('app:flatten-event', cb),
});

const key: DesktopApiKey = 'desktop';
contextBridge.exposeInMainWorld(key, api);
