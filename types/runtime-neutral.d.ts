/**
 * The few host globals that every runtime of this project provides alike (Node, Electron, browsers,
 * workers) and that the pure engine may use. The pure engine is compiled with lib ES2022 and no
 * ambient types, so everything else a host offers (DOM, node:*, Buffer, process, console, fetch, ...)
 * fails to typecheck there. Keep this list short: anything host-specific belongs in engine/node or is
 * handed in through a port.
 */
declare interface RuntimeNeutralTimerHandle {
  readonly __runtimeNeutralTimerHandle: unique symbol;
}

declare function setTimeout(handler: () => void, timeoutMs?: number): RuntimeNeutralTimerHandle;
declare function clearTimeout(handle: RuntimeNeutralTimerHandle | undefined): void;
declare function setInterval(handler: () => void, intervalMs?: number): RuntimeNeutralTimerHandle;
declare function clearInterval(handle: RuntimeNeutralTimerHandle | undefined): void;
declare function queueMicrotask(callback: () => void): void;
/** Monotonic high-resolution time in milliseconds (strategy time budgets); every runtime has it. */
declare const performance: { now(): number };
