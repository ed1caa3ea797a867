/**
 * What the preload script exposes to the renderer, as `window.desktop`. This file is the contract
 * between electron/preload (which implements it), electron/main (which serves the `app:*` IPC behind
 * it) and renderer/src (which reads it, and must also work in a plain browser where `window.desktop`
 * is absent). Both projects compile this file, so it holds types only and imports nothing.
 *
 * ## The engine port (how the renderer reaches the engine inside Electron)
 *
 *   1. The renderer adds a `message` listener on `window`, then calls `desktop.requestEnginePort()`.
 *   2. Main creates a MessageChannel, gives one end to the engine process and the other to the page:
 *      it arrives as a `window` `message` event whose `data` is `{ type: 'tw:engine-port' }`
 *      (`EnginePortMessage`) and whose `ports[0]` is the MessagePort; `event.source === window` and
 *      `event.origin === window.location.origin` (the preload posts it). `requestEnginePort()` resolves
 *      after the port has been posted.
 *   3. On that port, the renderer speaks the engine protocol (engine/protocol/contract.ts) exactly as
 *      over WebSocket, but without text: each `postMessage(frame)` is one client frame object
 *      (`{id, cmd, args}`), each `message` event's `data` is one server frame object (a response or a
 *      push). Call `port.start()` (or set `port.onmessage`). No token: the port is the credential.
 *   4. When the engine process ends (crash, kill switch, quit), the preload posts a `window` message
 *      `{ type: 'tw:engine-port-closed' }` (`EnginePortClosedMessage`; a DOM MessagePort has no close
 *      event): every port handed over so far is dead. `onEngineStatus` then reports `starting` and
 *      `running`: call `requestEnginePort()` again on `running` and resubscribe the views.
 *      `requestEnginePort()` rejects with code `engine.not_running` while no engine is running
 *      (catch it: it is not a bug, just wait for `running`).
 *
 * ## The kill switch
 *
 * `requestFlatten(reason)` is THE flatten of the desktop app (the renderer's button, after its own
 * deliberate confirmation): it goes to main, which asks the engine and, if the engine does not confirm
 * within the deadline, ends it and flattens at the venue directly (engine/node/desktop/
 * engine-supervisor.ts). Do not send `risk.flatten` over the port yourself inside Electron. The
 * menu, the tray and the global shortcut (Ctrl/Cmd+Shift+F12) ask for a native confirmation and go
 * the same way; `onFlatten` reports every flatten, whoever started it, so the page can show progress
 * and the final report. Re-arming is an engine command (`risk.rearm` over the port).
 *
 * Errors: every method rejects with an `Error` whose `code` property is a stable code
 * (`ipc.forbidden`, `ipc.invalid_args`, `engine.not_running`, ...).
 */

/** `data` of the window message that carries the engine port in `ports[0]`. */
export interface EnginePortMessage {
  readonly type: 'tw:engine-port';
}

/** `data` of the window message that says the engine process behind every port so far has ended. */
export interface EnginePortClosedMessage {
  readonly type: 'tw:engine-port-closed';
}

export type EngineHostState = 'idle' | 'starting' | 'running' | 'backoff' | 'emergency' | 'stopping' | 'stopped' | 'failed';

/** The engine process as the desktop host sees it. */
export interface EngineHostStatus {
  readonly state: EngineHostState;
  readonly pid: number | null;
  /** Engine starts after the first. */
  readonly restarts: number;
  readonly lastExit: { readonly code: number | null; readonly signal: string | null; readonly uptimeMs: number } | null;
  /** Why the host gave up (state `failed`: e.g. `engine.bad_config`, `engine.crash_loop`) or is restarting. */
  readonly error: { readonly code: string; readonly message: string } | null;
  /** When the next start is due (state `backoff`), epoch ms. */
  readonly nextStartAt: number | null;
}

/**
 * The flatten report, as the engine's `flatten.completed` push carries it (FlattenReportDto in
 * engine/protocol/contract.ts; quantities and prices are decimal strings).
 */
export interface FlattenReportView {
  readonly flattenId: number;
  readonly reason: string;
  readonly source: string;
  readonly startedAt: number;
  readonly completedAt: number | null;
  readonly status: 'in_progress' | 'completed' | 'failed';
  readonly strategiesStopped: readonly string[];
  readonly cancels: readonly { readonly clientOrderId: string; readonly instrumentId: string; readonly openQty: string; readonly outcome: string }[];
  readonly closes: readonly {
    readonly instrumentId: string;
    readonly startQty: string;
    readonly closedQty: string;
    readonly avgPx: string | null;
    readonly status: 'closed' | 'failed' | 'pending';
  }[];
  readonly failures: readonly { readonly ts: number; readonly instrumentId: string; readonly clientOrderId: string; readonly code: string; readonly reason: string }[];
}

/** How a flatten ended. */
export type FlattenResult =
  /** The engine confirmed it. */
  | { readonly path: 'engine'; readonly report: FlattenReportView; readonly elapsedMs: number }
  /** The engine did not: main ended it, flattened at the venue, journaled it, restarted it HALTED. */
  | {
      readonly path: 'emergency';
      /** Why: `engine.no_answer`, `engine.not_completed`, `engine.dead`, `engine.not_running`. */
      readonly trigger: { readonly code: string; readonly message: string };
      readonly report: FlattenReportView;
      /** Steps that failed (state file, journal); empty when all went well. */
      readonly errors: readonly { readonly code: string; readonly message: string }[];
      readonly elapsedMs: number;
    };

/** Who asked for a flatten. */
export type FlattenSource = 'renderer' | 'menu' | 'tray' | 'shortcut';

export type FlattenEvent =
  | { readonly phase: 'started'; readonly source: FlattenSource; readonly ts: number }
  | { readonly phase: 'finished'; readonly source: FlattenSource; readonly ts: number; readonly result: FlattenResult };

export interface DesktopApi {
  /** `process.platform` of the desktop host, e.g. 'linux', 'win32', 'darwin'. */
  readonly platform: string;
  readonly versions: {
    readonly app: string;
    readonly electron: string;
    readonly chrome: string;
    readonly node: string;
  };
  /** Asks main for a fresh MessagePort to the engine (see "The engine port" above). */
  requestEnginePort(): Promise<void>;
  /** The engine process's state now. */
  engineStatus(): Promise<EngineHostStatus>;
  /** Every change of the engine process's state; returns the unsubscribe function. */
  onEngineStatus(cb: (status: EngineHostStatus) => void): () => void;
  /** The kill switch (see "The kill switch" above). `reason` ≤ 200 characters. Resolves when it has ended. */
  requestFlatten(reason?: string): Promise<FlattenResult>;
  /** Every flatten's start and end, whoever asked; returns the unsubscribe function. */
  onFlatten(cb: (event: FlattenEvent) => void): () => void;
}

/** The global name under which the preload script exposes the DesktopApi. */
export type DesktopApiKey = 'desktop';
