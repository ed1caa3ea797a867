/**
 * The one wrapper every main-process IPC handler goes through (VS Code's validating ipcMain, in
 * small). `handle(channel, schema, fn)`:
 *   - the channel must start with `app:` (one namespace for the app's own channels; Electron's
 *     internal channels and anything else are refused at registration);
 *   - every call's sender frame must be the app's own page: its URL is parsed with `new URL` and must
 *     be the app origin (or the dev server, unpackaged only); a missing or destroyed frame is refused;
 *     only the top frame may call (no iframe, even of the app's origin);
 *   - the arguments are parsed with the handler's zod schema (a tuple of the invoke arguments);
 *   - the reply is an envelope `{ok: true, result}` or `{ok: false, error: {code, message}}` with a
 *     stable code (`ipc.forbidden`, `ipc.invalid_args`, or the handler's own error code), because
 *     Electron flattens a thrown error into a string. The preload unwraps it.
 * Plain code, no electron import: `IpcMainLike` is the part of `ipcMain` used here.
 */
import { z } from 'zod';
import { isTrustedUrl, type TrustOptions } from './app-origin';

export const IPC_PREFIX = 'app:';

export const IPC_ERRORS = {
  forbidden: 'ipc.forbidden',
  invalidArgs: 'ipc.invalid_args',
  failed: 'ipc.failed',
} as const;

export type IpcReply<T> = { ok: true; result: T } | { ok: false; error: { code: string; message: string } };

/** The parts of Electron's IpcMainInvokeEvent the wrapper reads. */
export interface IpcInvokeEventLike {
  /** The frame that sent the message; null when it has navigated away or been destroyed. */
  readonly senderFrame: { readonly url: string; readonly parent?: unknown } | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

/** An error whose code the renderer sees (`{ok:false, error:{code}}`). */
export class IpcHandlerError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'IpcHandlerError';
  }
}

export type SenderCheck = { ok: true } | { ok: false; reason: string };

/** Is this invoke from the app's own top-level page? */
export function checkSender(event: IpcInvokeEventLike, opts: TrustOptions = {}): SenderCheck {
  const frame = event.senderFrame;
  if (!frame) return { ok: false, reason: 'the sender frame is gone' };
  if (frame.parent !== null && frame.parent !== undefined) return { ok: false, reason: 'only the top frame may call' };
  if (!isTrustedUrl(frame.url, opts)) return { ok: false, reason: 'the sender is not the app' };
  return { ok: true };
}

export interface IpcRouterOptions extends TrustOptions {
  /** Called for every refused call (logged by the host). */
  onRefused?: (channel: string, code: string, reason: string) => void;
  /** Called when a handler fails with an unexpected error (logged by the host). */
  onError?: (channel: string, err: unknown) => void;
}

export class IpcRouter {
  private readonly channels = new Set<string>();

  constructor(
    private readonly ipc: IpcMainLike,
    private readonly o: IpcRouterOptions = {},
  ) {}

  /** Registers `fn` for `channel`; `args` is the schema of the invoke arguments (a zod tuple). */
  handle<A extends z.ZodTuple, R>(channel: string, args: A, fn: (args: z.infer<A>, event: IpcInvokeEventLike) => R | Promise<R>): void {
    if (!channel.startsWith(IPC_PREFIX) || channel.length <= IPC_PREFIX.length || !/^[a-z0-9:._-]+$/.test(channel)) {
      throw new Error(`IPC channel ${JSON.stringify(channel)} must be "${IPC_PREFIX}<name>" (lower case)`);
    }
    if (this.channels.has(channel)) throw new Error(`IPC channel ${channel} is already handled`);
    this.channels.add(channel);
    const listener = async (event: IpcInvokeEventLike, ...raw: unknown[]): Promise<IpcReply<R>> => {
      const sender = checkSender(event, this.o);
      if (!sender.ok) {
        this.o.onRefused?.(channel, IPC_ERRORS.forbidden, sender.reason);
        return { ok: false, error: { code: IPC_ERRORS.forbidden, message: `${channel}: ${sender.reason}` } };
      }
      const parsed = args.safeParse(raw);
      if (!parsed.success) {
        const message = parsed.error.issues.map((i) => `${i.path.join('.') || '(args)'}: ${i.message}`).join('; ');
        this.o.onRefused?.(channel, IPC_ERRORS.invalidArgs, message);
        return { ok: false, error: { code: IPC_ERRORS.invalidArgs, message: `${channel}: ${message}` } };
      }
      try {
        return { ok: true, result: await fn(parsed.data as z.infer<A>, event) };
      } catch (err) {
        if (err instanceof IpcHandlerError) return { ok: false, error: { code: err.code, message: err.message } };
        this.o.onError?.(channel, err);
        return { ok: false, error: { code: IPC_ERRORS.failed, message: `${channel} failed: ${err instanceof Error ? err.message : String(err)}` } };
      }
    };
    this.ipc.handle(channel, listener);
  }

  /** Removes every handler this router registered. */
  dispose(): void {
    for (const c of this.channels) this.ipc.removeHandler(c);
    this.channels.clear();
  }
}
