/**
 * Electron main process: application lifecycle, the one workstation window, the engine process and
 * the kill switch. Thin on purpose: the logic lives in plain modules tested under Node —
 * engine/node/desktop/* (supervisor, restart policy, emergency flatten, the engine's host port) and
 * electron/main/policy/* (origin, navigation, permissions, CSP, app:// paths, the IPC wrapper).
 *
 * Security posture (every window): sandboxed renderer, context isolation, no Node integration, only
 * the DesktopApi of the preload (electron/preload/api.ts); the page is served from `app://workstation`
 * (never file://) with a strict CSP header; navigation, new windows, <webview> and every permission
 * request are refused; every `app:*` IPC handler goes through one wrapper that checks the sender frame
 * with `new URL` and the arguments with zod (policy/ipc.ts).
 *
 * Engine: started with utilityProcess.fork (out/main/engine.js: the same `runEngine` as
 * `--engine-only`), supervised (restarts with backoff, no restart on bad configuration), stopped with
 * the app. The renderer gets a MessagePort to it on request (`app:engine-port`).
 *
 * Kill switch: the renderer (`app:flatten`, after its own confirmation), the menu, the tray and the
 * global shortcut CommandOrControl+Shift+F12 (after a native confirmation) all call the supervisor's
 * `requestFlatten`: the engine first, the emergency path at the venue when it does not confirm in time.
 *
 * `--engine-only` is the headless mode: no window; the Electron binary runs engine/node/main.ts
 * `runEngine` with the arguments after the flag and exits with its exit code (0 clean stop, 75
 * temporary failure, 78 bad configuration, 70 internal error).
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  app,
  BrowserWindow,
  dialog,
  globalShortcut,
  ipcMain,
  Menu,
  MessageChannelMain,
  nativeImage,
  screen,
  session,
  shell,
  Tray,
  type MenuItemConstructorOptions,
  type WebContents,
} from 'electron';
import { z } from 'zod';
import { Cache } from '../../engine/core/cache';
import { EngineSupervisor, type FlattenOutcome } from '../../engine/node/desktop/engine-supervisor';
import { PaperEmergencyFlattener } from '../../engine/node/paper/paper-emergency-flattener';
import { resolveDataDir } from '../../engine/node/journal/data-dir';
import { flattenReportDto } from '../../engine/protocol/dto';
import type { EngineHostStatus, FlattenEvent, FlattenResult, FlattenSource } from '../preload/api';
import { registerAppScheme, serveAppProtocol } from './app-protocol';
import { APP_ENTRY_URL, devOriginFrom } from './policy/app-origin';
import { IpcHandlerError, IpcRouter } from './policy/ipc';
import { navigationDecision, webviewDecision, windowOpenDecision } from './policy/navigation';
import { devicePermissionDecision, permissionDecision } from './policy/permissions';
import { isUtilityEngineProcess, UtilityProcessLauncher } from './utility-launcher';
import { DEFAULT_SIZE, loadWindowState, MIN_SIZE, saveWindowState, visibleBounds } from './window-state';

const APP_NAME = 'Trading Workstation';
const BACKGROUND = '#0f1216';
const FLATTEN_SHORTCUT = 'CommandOrControl+Shift+F12';

const here = dirname(fileURLToPath(import.meta.url));
const preloadPath = join(here, '../preload/index.cjs');
const rendererRoot = join(here, '../renderer');
const engineEntry = join(here, 'engine.js');
/** The project root in development; resources/ of the packaged app otherwise. */
const resourcesRoot = (): string => (app.isPackaged ? process.resourcesPath : resolve(here, '../../resources'));

function log(level: 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown> = {}): void {
  process.stderr.write(`${JSON.stringify({ level, time: Date.now(), name: 'desktop', msg, ...fields })}\n`);
}

// ------------------------------------------------------------------ hardening

function hardenWebContents(contents: WebContents, devOrigin: string | null): void {
  contents.setWindowOpenHandler(({ url }) => {
    const d = windowOpenDecision(url);
    if (d.openExternally) void shell.openExternal(d.openExternally).catch((err: unknown) => log('error', 'openExternal failed', { err: String(err) }));
    return { action: 'deny' };
  });
  const guard = (event: { preventDefault(): void }, url: string) => {
    const d = navigationDecision(url, { devOrigin });
    if (!d.allow) {
      event.preventDefault();
      log('warn', d.reason);
    }
  };
  contents.on('will-navigate', (e) => guard(e, e.url));
  contents.on('will-frame-navigate', (e) => guard(e, e.url));
  contents.on('will-redirect', (e) => guard(e, e.url));
  contents.on('will-attach-webview', (e) => {
    e.preventDefault();
    const d = webviewDecision();
    if (!d.allow) log('warn', d.reason);
  });
}

function denyPermissions(): void {
  const s = session.defaultSession;
  s.setPermissionRequestHandler((_wc, permission, callback, details) => {
    const d = permissionDecision(permission, details.requestingUrl);
    log('warn', d.reason);
    callback(d.allow);
  });
  s.setPermissionCheckHandler((_wc, permission, requestingOrigin) => permissionDecision(permission, requestingOrigin).allow);
  s.setDevicePermissionHandler(() => devicePermissionDecision());
}

// ------------------------------------------------------------------ window

function createMainWindow(devUrl: string | null): BrowserWindow {
  const stateFile = join(app.getPath('userData'), 'window-state.json');
  const saved = loadWindowState(stateFile);
  if (saved.error) log('warn', saved.error);
  const bounds = saved.state ? visibleBounds(saved.state.bounds, screen.getAllDisplays().map((d) => d.workArea)) : null;
  const win = new BrowserWindow({
    title: APP_NAME,
    ...(bounds ?? DEFAULT_SIZE),
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    show: false,
    backgroundColor: BACKGROUND,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      additionalArguments: [`--tw-app-version=${app.getVersion()}`],
    },
  });
  if (saved.state?.maximized && bounds) win.maximize();
  win.once('ready-to-show', () => win.show());
  const save = () => {
    if (win.isDestroyed() || win.isMinimized()) return;
    try {
      saveWindowState(stateFile, { bounds: win.isMaximized() ? win.getNormalBounds() : win.getBounds(), maximized: win.isMaximized() });
    } catch (err) {
      log('error', 'could not save the window state', { err: String(err) });
    }
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(save, 500);
  };
  win.on('resize', later);
  win.on('move', later);
  win.on('close', () => {
    clearTimeout(timer);
    save();
  });
  win.loadURL(devUrl ?? APP_ENTRY_URL).catch((err: unknown) => log('error', 'could not load the renderer', { err: String(err) }));
  return win;
}

// ------------------------------------------------------------------ engine and kill switch

function engineArgs(dataDir: string): string[] {
  const args = ['--data-dir', dataDir];
  const config = join(dataDir, 'config.yaml');
  if (existsSync(config)) args.push('--config', config);
  if (app.isPackaged) args.push('--data', join(resourcesRoot(), 'sample-data'));
  return args;
}

function toResult(o: FlattenOutcome): FlattenResult {
  if (o.path === 'engine') return { path: 'engine', report: o.report, elapsedMs: o.elapsedMs };
  return { path: 'emergency', trigger: o.trigger, report: flattenReportDto(new Cache(), o.report), errors: o.errors, elapsedMs: o.elapsedMs };
}

class Desktop {
  private win: BrowserWindow | null = null;
  private tray: Tray | null = null;
  private quitting = false;
  readonly supervisor: EngineSupervisor;

  constructor(
    private readonly devOrigin: string | null,
    private readonly devUrl: string | null,
  ) {
    const dataDir = resolve(resolveDataDir(undefined, { platform: process.platform, env: process.env, home: homedir() }));
    this.supervisor = new EngineSupervisor({
      launcher: new UtilityProcessLauncher(engineEntry),
      args: engineArgs(dataDir),
      dataDir,
      emergency: new PaperEmergencyFlattener({ dataDir }),
    });
    this.supervisor.onStatus((s) => this.broadcast('app:engine-status', s satisfies EngineHostStatus));
  }

  start(): void {
    this.registerIpc();
    this.win = this.openWindow();
    this.installMenu();
    this.installTray();
    if (!globalShortcut.register(FLATTEN_SHORTCUT, () => void this.confirmAndFlatten('shortcut'))) {
      log('error', `the flatten shortcut ${FLATTEN_SHORTCUT} is taken by another application`);
    }
    this.supervisor.start();
  }

  openWindow(): BrowserWindow {
    const win = createMainWindow(this.devUrl);
    win.on('closed', () => {
      if (this.win === win) this.win = null;
    });
    return win;
  }

  focus(): void {
    const win = this.win ?? (this.win = this.openWindow());
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  }

  /** App quit: the engine stops cleanly first (it journals and closes); then the app exits. */
  async quit(): Promise<void> {
    if (this.quitting) return;
    this.quitting = true;
    globalShortcut.unregisterAll();
    try {
      await this.supervisor.stop();
    } catch (err) {
      log('error', 'engine stop failed', { err: String(err) });
    }
    this.tray?.destroy();
    app.exit(0);
  }

  private broadcast(channel: string, value: unknown): void {
    for (const w of BrowserWindow.getAllWindows()) if (!w.isDestroyed()) w.webContents.send(channel, value);
  }

  private flatten(source: FlattenSource, reason: string): Promise<FlattenResult> {
    this.broadcast('app:flatten-event', { phase: 'started', source, ts: Date.now() } satisfies FlattenEvent);
    return this.supervisor.requestFlatten(`desktop:${source}`, reason).then((o) => {
      const result = toResult(o);
      this.broadcast('app:flatten-event', { phase: 'finished', source, ts: Date.now(), result } satisfies FlattenEvent);
      return result;
    });
  }

  private async confirmAndFlatten(source: Exclude<FlattenSource, 'renderer'>): Promise<void> {
    const opts = {
      type: 'warning' as const,
      buttons: ['Cancel', 'Flatten everything'],
      defaultId: 0,
      cancelId: 0,
      noLink: true,
      title: 'Kill switch',
      message: 'Cancel every order and close every position?',
      detail: 'Strategies stop and the engine stays HALTED until you re-arm it.',
    };
    const { response } = this.win ? await dialog.showMessageBox(this.win, opts) : await dialog.showMessageBox(opts);
    if (response !== 1) return;
    const r = await this.flatten(source, `kill switch (${source})`);
    const failed = r.report.status !== 'completed' || (r.path === 'emergency' && r.errors.length > 0);
    const how = r.path === 'engine' ? 'the engine flattened' : `the engine did not answer (${r.trigger.code}); flattened at the venue directly`;
    await dialog.showMessageBox({ type: failed ? 'error' : 'info', title: 'Kill switch', message: failed ? 'Flatten finished with failures' : 'Flat and HALTED', detail: `${how}; status ${r.report.status}.` });
  }

  private registerIpc(): void {
    const router = new IpcRouter(ipcMain, {
      devOrigin: this.devOrigin,
      onRefused: (channel, code, reason) => log('warn', `IPC ${channel} refused: ${reason}`, { code }),
      onError: (channel, err) => log('error', `IPC ${channel} failed`, { err: String(err) }),
    });
    router.handle('app:engine-status', z.tuple([]), () => this.supervisor.status);
    router.handle('app:engine-port', z.tuple([]), (_args, event) => {
      const engine = this.supervisor.engine;
      if (!engine || !isUtilityEngineProcess(engine.proc)) throw new IpcHandlerError('engine.not_running', `no engine is running (state ${this.supervisor.status.state})`);
      const { port1, port2 } = new MessageChannelMain();
      engine.proc.transferPort(port1);
      (event as unknown as { sender: WebContents }).sender.postMessage('app:engine-port', null, [port2]);
    });
    router.handle('app:flatten', z.tuple([z.object({ reason: z.string().min(1).max(200).optional() }).strict()]), ([a]) => this.flatten('renderer', a.reason ?? 'kill switch (renderer)'));
  }

  private menuItems(): MenuItemConstructorOptions[] {
    return [
      { label: 'Flatten everything…', accelerator: FLATTEN_SHORTCUT, registerAccelerator: false, click: () => void this.confirmAndFlatten('menu') },
      { label: 'Restart engine', click: () => this.supervisor.start(), enabled: true },
    ];
  }

  private installMenu(): void {
    const template: MenuItemConstructorOptions[] = [
      ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
      { label: 'Trading', submenu: this.menuItems() },
      { role: 'editMenu' },
      { role: 'viewMenu' },
      { role: 'windowMenu' },
    ];
    Menu.setApplicationMenu(Menu.buildFromTemplate(template));
  }

  private installTray(): void {
    const icon = nativeImage.createFromPath(join(resourcesRoot(), 'icons', 'tray.png'));
    if (icon.isEmpty()) {
      log('warn', 'no tray icon found: the tray is not shown (the menu and the shortcut still flatten)');
      return;
    }
    this.tray = new Tray(icon);
    this.tray.setToolTip(APP_NAME);
    this.tray.setContextMenu(
      Menu.buildFromTemplate([{ label: 'Show workstation', click: () => this.focus() }, { type: 'separator' }, ...this.menuItems(), { type: 'separator' }, { label: 'Quit', click: () => void this.quit() }]),
    );
  }
}

// ------------------------------------------------------------------ modes

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
  const devUrlRaw = process.env['ELECTRON_RENDERER_URL'];
  const devOrigin = devOriginFrom(devUrlRaw, app.isPackaged);
  const devUrl = devOrigin !== null ? new URL(devUrlRaw!).href : null;
  let desktop: Desktop | null = null;

  registerAppScheme();
  app.on('second-instance', () => desktop?.focus());
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, devOrigin));
  // The engine keeps running with no window only on macOS (the dock reopens one); elsewhere closing the window quits.
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') void desktop?.quit();
  });
  app.on('before-quit', (e) => {
    if (!desktop) return;
    e.preventDefault();
    void desktop.quit();
  });

  app
    .whenReady()
    .then(() => {
      denyPermissions();
      serveAppProtocol(session.defaultSession, rendererRoot, (msg) => log('warn', msg));
      desktop = new Desktop(devOrigin, devUrl);
      desktop.start();
      app.on('activate', () => desktop?.focus());
    })
    .catch((err: unknown) => {
      log('error', 'startup failed', { err: String(err) });
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
