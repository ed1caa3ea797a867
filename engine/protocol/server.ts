/**
 * The transport-free protocol server. A transport hands it each inbound frame (already parsed JSON,
 * `unknown`) through a `Connection`; the server validates the frame (`{id, cmd, args}`), validates the
 * arguments against the contract, runs the handler and answers through the connection's sink:
 *
 *   {id, ok: true, result}
 *   {id, ok: false, error: {code, message, details?}}
 *     protocol.bad_frame        not an object with id / cmd (id is null when none could be read)
 *     protocol.unknown_command  cmd is not in the contract
 *     protocol.invalid_args     args do not match the command's schema (details: zod issues)
 *     protocol.invalid_result   a handler returned something the contract does not allow (a bug)
 *     <engine codes>            an EngineError thrown by the handler keeps its code and details
 *     internal                  anything else a handler throws; the server and engine keep running
 *
 * Pushes fan out to every connection (or to a view's subscribers) through `broadcast`, which contains
 * each sink's failure: one broken client never stops the others (freqtrade rpc_manager style).
 * Views (`views.subscribe`) are served by the projector: the response, then one `view.snapshot` per
 * view, then numbered `view.patch` pushes.
 */
import { EngineError } from '../core/errors';
import {
  commands,
  isCommandName,
  PROTOCOL_ERRORS,
  requestFrameSchema,
  type CommandArgs,
  type CommandName,
  type CommandResult,
  type ErrorInfo,
  type PatchOp,
  type PushData,
  type PushFrame,
  type PushName,
  type RequestId,
  type ResponseFrame,
  type ServerFrame,
  type ViewName,
} from './contract';
import type { ViewProjector } from './projector';

/** Where a connection's outbound frames go (a transport's send). */
export interface ConnectionSink {
  send(frame: ServerFrame): void;
}

export interface HandlerContext {
  /** Id of the connection, unique within this server. */
  readonly connectionId: number;
  /** Who is asking, for audit: `user:ws`, `user:ipc`, `user:in-process`, ... */
  readonly source: string;
}

type ServedHere = 'views.subscribe' | 'views.unsubscribe';
export type HandledCommand = Exclude<CommandName, ServedHere>;

export type Handler<K extends CommandName> = (args: CommandArgs<K>, ctx: HandlerContext) => CommandResult<K> | Promise<CommandResult<K>>;
export type Handlers = { [K in HandledCommand]: Handler<K> };

export interface ProtocolServerOptions {
  handlers: Handlers;
  projector?: ViewProjector;
  /** Called with every failure the server contains (a throwing handler, a failing sink). */
  onError?: (err: unknown, context: string) => void;
  /** Called after every command: name, duration ms, error code or null (metrics). */
  onCommand?: (cmd: string, ms: number, code: string | null) => void;
  /** Monotonic ms for command durations (default performance.now). */
  perfNow?: () => number;
  /** Validate handler results against the contract (default true). */
  checkResults?: boolean;
}

export class Connection {
  readonly views = new Set<ViewName>();
  private open = true;

  constructor(
    readonly id: number,
    readonly source: string,
    private readonly sink: ConnectionSink,
    private readonly server: ProtocolServer,
  ) {}

  get isOpen(): boolean {
    return this.open;
  }

  /** Handles one inbound frame; resolves once its response has been handed to the sink. */
  receive(frame: unknown): Promise<void> {
    return this.server.handle(this, frame);
  }

  /** Sends a frame; a failing sink is contained (reported to onError) and returns false. */
  send(frame: ServerFrame): boolean {
    if (!this.open) return false;
    try {
      this.sink.send(frame);
      return true;
    } catch (err) {
      this.server.reportError(err, `send to connection ${this.id}`);
      return false;
    }
  }

  /** Ends the connection: its view subscriptions are dropped. */
  close(): void {
    if (!this.open) return;
    this.open = false;
    this.server.detach(this);
  }
}

export class ProtocolServer {
  private readonly o: ProtocolServerOptions;
  private readonly connections = new Set<Connection>();
  private nextId = 1;
  private observers: ((cmd: string, ms: number, code: string | null) => void)[] = [];

  constructor(opts: ProtocolServerOptions) {
    this.o = opts;
  }

  /** Adds an observer of every command (name, duration ms, error code or null): metrics. */
  observeCommands(fn: (cmd: string, ms: number, code: string | null) => void): () => void {
    this.observers = [...this.observers, fn];
    return () => {
      this.observers = this.observers.filter((x) => x !== fn);
    };
  }

  private observe(cmd: string, ms: number, code: string | null): void {
    try {
      this.o.onCommand?.(cmd, ms, code);
      for (const fn of this.observers) fn(cmd, ms, code);
    } catch (err) {
      this.reportError(err, 'command observer');
    }
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  connect(sink: ConnectionSink, source = 'user'): Connection {
    const c = new Connection(this.nextId++, source, sink, this);
    this.connections.add(c);
    return c;
  }

  /** Sends a push to every connection (or those `filter` accepts); each sink's failure is contained. */
  broadcast<K extends PushName>(push: K, data: PushData<K>, filter?: (c: Connection) => boolean): number {
    const frame = { push, data } as PushFrame;
    let n = 0;
    for (const c of [...this.connections]) {
      if (filter && !filter(c)) continue;
      if (c.send(frame)) n++;
    }
    return n;
  }

  /** Fans a view patch out to the view's subscribers (the projector's onPatch). */
  publishPatch(view: ViewName, seq: number, ops: PatchOp[]): void {
    this.broadcast('view.patch', { view, seq, ops }, (c) => c.views.has(view));
  }

  reportError(err: unknown, context: string): void {
    try {
      this.o.onError?.(err, context);
    } catch {
      // An error reporter that throws must not take the server down either.
    }
  }

  detach(c: Connection): void {
    this.connections.delete(c);
    for (const v of c.views) this.o.projector?.unsubscribeView(v);
    c.views.clear();
  }

  async handle(c: Connection, frame: unknown): Promise<void> {
    const t0 = this.perfNow();
    const parsed = requestFrameSchema.safeParse(frame);
    if (!parsed.success) {
      const id = readId(frame);
      c.send(fail(id, PROTOCOL_ERRORS.badFrame, 'a request frame is {id, cmd, args}', parsed.error.issues.map(issue)));
      this.observe('(bad frame)', this.perfNow() - t0, PROTOCOL_ERRORS.badFrame);
      return;
    }
    const { id, cmd } = parsed.data;
    const after: (() => void)[] = [];
    let response: ResponseFrame;
    if (!isCommandName(cmd)) {
      response = fail(id, PROTOCOL_ERRORS.unknownCommand, `unknown command "${cmd}"`);
    } else {
      response = await this.dispatch(c, id, cmd, parsed.data.args ?? {}, after);
    }
    c.send(response);
    for (const fn of after) {
      try {
        fn();
      } catch (err) {
        this.reportError(err, `${cmd} after-response`);
      }
    }
    this.observe(isCommandName(cmd) ? cmd : '(unknown)', this.perfNow() - t0, response.ok ? null : response.error.code);
  }

  private async dispatch(c: Connection, id: RequestId, cmd: CommandName, rawArgs: unknown, after: (() => void)[]): Promise<ResponseFrame> {
    const spec = commands[cmd];
    const args = spec.args.safeParse(rawArgs);
    if (!args.success) return fail(id, PROTOCOL_ERRORS.invalidArgs, `invalid arguments for ${cmd}: ${args.error.issues.map((i) => `${i.path.join('.') || '(args)'}: ${i.message}`).join('; ')}`, args.error.issues.map(issue));
    let result: unknown;
    try {
      if (cmd === 'views.subscribe') result = this.subscribe(c, args.data as CommandArgs<'views.subscribe'>, after);
      else if (cmd === 'views.unsubscribe') result = this.unsubscribeViews(c, args.data as CommandArgs<'views.unsubscribe'>);
      else {
        const h = this.o.handlers[cmd] as (a: unknown, ctx: HandlerContext) => unknown;
        result = await h(args.data, { connectionId: c.id, source: c.source });
      }
    } catch (err) {
      if (err instanceof EngineError) return fail(id, err.code, err.message, err.details);
      this.reportError(err, `handler ${cmd}`);
      return fail(id, PROTOCOL_ERRORS.internal, err instanceof Error ? err.message : String(err));
    }
    if (this.o.checkResults !== false) {
      const r = spec.result.safeParse(result);
      if (!r.success) {
        this.reportError(new EngineError(PROTOCOL_ERRORS.invalidResult, `${cmd} returned a result outside the contract`, r.error.issues), `handler ${cmd}`);
        return fail(id, PROTOCOL_ERRORS.invalidResult, `${cmd} returned a result outside the contract`, r.error.issues.map(issue));
      }
      result = r.data;
    }
    return { id, ok: true, result };
  }

  private subscribe(c: Connection, args: CommandArgs<'views.subscribe'>, after: (() => void)[]): CommandResult<'views.subscribe'> {
    const projector = this.o.projector;
    if (!projector) throw new EngineError('views.unavailable', 'this server has no views');
    const out: { view: ViewName; seq: number }[] = [];
    for (const view of new Set(args.views)) {
      if (c.views.has(view)) projector.unsubscribeView(view);
      const snap = projector.subscribe(view);
      c.views.add(view);
      out.push({ view, seq: snap.seq });
      after.push(() => c.send({ push: 'view.snapshot', data: { view, seq: snap.seq, data: snap.data } }));
    }
    return { views: out };
  }

  private unsubscribeViews(c: Connection, args: CommandArgs<'views.unsubscribe'>): CommandResult<'views.unsubscribe'> {
    const out: ViewName[] = [];
    for (const view of new Set(args.views)) {
      if (!c.views.delete(view)) continue;
      this.o.projector?.unsubscribeView(view);
      out.push(view);
    }
    return { views: out };
  }

  private perfNow(): number {
    return this.o.perfNow ? this.o.perfNow() : performance.now();
  }
}

function fail(id: RequestId | null, code: string, message: string, details?: unknown): ResponseFrame {
  const error: ErrorInfo = details === undefined ? { code, message } : { code, message, details };
  return { id, ok: false, error };
}

function issue(i: { path: PropertyKey[]; message: string; code?: string }): { path: string; message: string; code?: string } {
  return { path: i.path.map(String).join('.'), message: i.message, ...(i.code ? { code: i.code } : {}) };
}

/** The id of a frame that failed validation, when it has a usable one. */
function readId(frame: unknown): RequestId | null {
  if (typeof frame !== 'object' || frame === null || !('id' in frame)) return null;
  const id = (frame as { id: unknown }).id;
  if (typeof id === 'string' && id.length > 0 && id.length <= 100) return id;
  if (typeof id === 'number' && Number.isSafeInteger(id)) return id;
  return null;
}

/** A protocol-level error reply without a request (bad JSON, oversize frame, rate limit). */
export function errorFrame(id: RequestId | null, code: string, message: string): ResponseFrame {
  return fail(id, code, message);
}

export { readId as requestIdOf };
