/**
 * Preload script. Runs sandboxed (contextIsolation on, no Node integration) and is bundled into one
 * CommonJS file, out/preload/index.cjs, because a sandboxed preload can neither load ES modules nor
 * require other files of the app. It exposes only plain, copied values; never ipcRenderer itself.
 */
import { contextBridge } from 'electron';
import type { DesktopApi, DesktopApiKey } from './api';

const api: DesktopApi = Object.freeze({
  platform: process.platform,
  versions: Object.freeze({
    electron: process.versions.electron ?? '',
    chrome: process.versions.chrome ?? '',
    node: process.versions.node,
  }),
});

const key: DesktopApiKey = 'desktop';
contextBridge.exposeInMainWorld(key, api);
