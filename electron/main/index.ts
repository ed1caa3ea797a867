/**
 * Electron main process: application lifecycle and the one workstation window.
 *
 * Security posture (every window): the renderer is sandboxed with context isolation and no Node
 * integration, gets only the small DesktopApi from the preload script, may not open new windows,
 * navigate away, attach <webview>s or be granted any permission.
 *
 * `--engine-only` is the headless mode: no window is opened; the Electron binary runs the same entry as
 * `npm run engine` (engine/node/main.ts `runEngine`, with the arguments after the flag) and exits with
 * its exit code (0 clean stop, 75 temporary failure, 78 bad configuration, 70 internal error).
 */
import { app, BrowserWindow, session, type WebContents } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const APP_NAME = 'Trading Workstation';
const BACKGROUND = '#0f1216';

const here = dirname(fileURLToPath(import.meta.url));
const preloadPath = join(here, '../preload/index.cjs');
const rendererFile = join(here, '../renderer/index.html');

/** The renderer URL in development (set by `electron-vite dev`); never honoured in a packaged app. */
function devRendererUrl(): URL | null {
  const raw = process.env['ELECTRON_RENDERER_URL'];
  if (app.isPackaged || !raw) return null;
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' && (url.hostname === 'localhost' || url.hostname === '127.0.0.1') ? url : null;
  } catch {
    return null;
  }
}

function hardenWebContents(contents: WebContents): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  // The renderer is a single page: any navigation is either a bug or an attack.
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

function createMainWindow(): BrowserWindow {
  const win = new BrowserWindow({
    title: APP_NAME,
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    show: false,
    backgroundColor: BACKGROUND,
    autoHideMenuBar: true,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());

  const devUrl = devRendererUrl();
  const loaded = devUrl ? win.loadURL(devUrl.href) : win.loadFile(rendererFile);
  loaded.catch((err: unknown) => {
    console.error(`${APP_NAME}: could not load the renderer:`, err);
  });
  return win;
}

/** EX_SOFTWARE from sysexits.h: the engine entry could not be loaded. */
const EXIT_INTERNAL = 70;

function runEngineOnly(): void {
  const argv = process.argv.slice(process.argv.indexOf('--engine-only') + 1);
  import('../../engine/node/main')
    .then(({ runEngine }) => runEngine(argv))
    .then(
      (code) => app.exit(code),
      (err: unknown) => {
        process.stderr.write(`${APP_NAME}: the engine could not be started: ${err instanceof Error ? err.message : String(err)}\n`);
        app.exit(EXIT_INTERNAL);
      },
    );
}

function runDesktop(): void {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }

  app.on('second-instance', () => {
    const win = BrowserWindow.getAllWindows()[0];
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });

  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  app
    .whenReady()
    .then(() => {
      session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
      session.defaultSession.setPermissionCheckHandler(() => false);

      createMainWindow();
      app.on('activate', () => {
        if (BrowserWindow.getAllWindows().length === 0) createMainWindow();
      });
    })
    .catch((err: unknown) => {
      console.error(`${APP_NAME}: startup failed:`, err);
      app.exit(1);
    });
}

app.setName(APP_NAME);
// Sandbox every renderer, including any created by a library, before the app is ready.
app.enableSandbox();

if (process.argv.includes('--engine-only')) {
  runEngineOnly();
} else {
  runDesktop();
}
