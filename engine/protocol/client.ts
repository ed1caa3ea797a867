/**
 * The protocol client: typed requests correlated by id, per-request timeouts, push listeners, over any
 * `Transport`. Transport-free and pure (the renderer uses it as is).
 *
 *   const client = new ProtocolClient(transport);
 *   const status = await client.request('engine.status', {});
 *   client.on('view.patch', (p) => ...);
 *
 * A refused request rejects with a `ProtocolError` that carries the server's `code`, `message` and
 * `details`; a timeout is `protocol.timeout`; a closed transport rejects everything pending with
 * `protocol.closed`. A late response after a timeout is dropped.
 */
import {
  PROTOCOL_ERRORS,
  responseFrameSchema,
  type CommandArgsIn,
  type CommandName,
  type CommandResult,
  type PushData,
  type PushName,
} from './contract';
import type { Transport } from './transport';

export class ProtocolError extends Error {
  readonly code: string;
  readonly details: unknown;

  constructor(code: string, message: string, details?: unknown) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
    this.details = details;
  }
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: ProtocolError): void;
  timer: RuntimeNeutralTimerHandle | undefined;
}

export interface ClientOptions {
  /** Default request timeout, ms (default 10 s; 0 = none). */
  timeoutMs?: number;
}

type Listener = (data: never) => void;

export class ProtocolClient {
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly anyListeners = new Set<(push: string, data: unknown) => void>();
  private readonly closeListeners = new Set<(reason: string) => void>();
  private nextId = 1;
  private closedReason: string | null = null;
  private readonly timeoutMs: number;

  constructor(
    private readonly transport: Transport,
    opts: ClientOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    transport.onMessage((frame) => this.receive(frame));
    transport.onClose((reason) => this.onClosed(reason));
  }

  get closed(): boolean {
    return this.closedReason !== null;
  }

  /** Sends a command; resolves with its result or rejects with a ProtocolError. */
  request<K extends CommandName>(cmd: K, args: CommandArgsIn<K>, opts: { timeoutMs?: number } = {}): Promise<CommandResult<K>> {
    return this.requestRaw(cmd, args, opts) as Promise<CommandResult<K>>;
  }

  /** Sends any command name and arguments, unchecked (tests of the server's validation use this). */
  requestRaw(cmd: string, args: unknown, opts: { timeoutMs?: number } = {}): Promise<unknown> {
    if (this.closedReason !== null) return Promise.reject(new ProtocolError(PROTOCOL_ERRORS.closed, `transport closed: ${this.closedReason}`));
    const id = this.nextId++;
    return new Promise<unknown>((resolve, reject) => {
      const ms = opts.timeoutMs ?? this.timeoutMs;
      const timer =
        ms > 0
          ? setTimeout(() => {
              if (this.pending.delete(id)) reject(new ProtocolError(PROTOCOL_ERRORS.timeout, `${cmd} got no answer within ${ms} ms`));
            }, ms)
          : undefined;
      this.pending.set(id, { resolve, reject, timer });
      try {
        this.transport.send({ id, cmd, args });
      } catch (err) {
        this.settle(id);
        reject(new ProtocolError(PROTOCOL_ERRORS.closed, `send failed: ${err instanceof Error ? err.message : String(err)}`));
      }
    });
  }

  /** Listens to one push; returns the unsubscribe function. */
  on<K extends PushName>(push: K, cb: (data: PushData<K>) => void): () => void {
    let set = this.listeners.get(push);
    if (!set) {
      set = new Set();
      this.listeners.set(push, set);
    }
    const l = cb as Listener;
    set.add(l);
    return () => {
      set.delete(l);
    };
  }

  /** Listens to every push. */
  onAnyPush(cb: (push: string, data: unknown) => void): () => void {
    this.anyListeners.add(cb);
    return () => {
      this.anyListeners.delete(cb);
    };
  }

  /** Called once when the transport closes (either side). */
  onClose(cb: (reason: string) => void): () => void {
    this.closeListeners.add(cb);
    return () => {
      this.closeListeners.delete(cb);
    };
  }

  /** Resolves with the next push of `push` that `match` accepts (or rejects after `timeoutMs`). */
  waitFor<K extends PushName>(push: K, match: (data: PushData<K>) => boolean = () => true, timeoutMs = 10_000): Promise<PushData<K>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new ProtocolError(PROTOCOL_ERRORS.timeout, `no ${push} push within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.on(push, (d) => {
        if (!match(d)) return;
        off();
        clearTimeout(timer);
        resolve(d);
      });
    });
  }

  /** Errors the server sent without a request id (the connection ends after them). */
  readonly orphanErrors: { code: string; message: string }[] = [];

  close(): void {
    this.transport.close();
    this.onClosed('closed by the client');
  }

  private receive(frame: unknown): void {
    if (typeof frame !== 'object' || frame === null) return;
    if ('push' in frame) {
      const f = frame as { push: unknown; data: unknown };
      if (typeof f.push !== 'string') return;
      const set = this.listeners.get(f.push);
      if (set) for (const l of [...set]) this.safe(() => (l as (d: unknown) => void)(f.data));
      for (const l of [...this.anyListeners]) this.safe(() => l(f.push as string, f.data));
      return;
    }
    const r = responseFrameSchema.safeParse(frame);
    if (!r.success) return;
    const resp = r.data;
    if (resp.id === null || typeof resp.id !== 'number') {
      if (!resp.ok) this.orphanErrors.push({ code: resp.error.code, message: resp.error.message });
      return;
    }
    const p = this.settle(resp.id);
    if (!p) return;
    if (resp.ok) p.resolve(resp.result);
    else p.reject(new ProtocolError(resp.error.code, resp.error.message, resp.error.details));
  }

  private settle(id: number): Pending | undefined {
    const p = this.pending.get(id);
    if (!p) return undefined;
    this.pending.delete(id);
    if (p.timer !== undefined) clearTimeout(p.timer);
    return p;
  }

  private onClosed(reason: string): void {
    if (this.closedReason !== null) return;
    this.closedReason = reason;
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(new ProtocolError(PROTOCOL_ERRORS.closed, `transport closed: ${reason}`));
    for (const cb of [...this.closeListeners]) this.safe(() => cb(reason));
  }

  private safe(fn: () => void): void {
    try {
      fn();
    } catch {
      // A listener's failure must not break the client's dispatch of other frames.
    }
  }
}
