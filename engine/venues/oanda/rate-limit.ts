/**
 * Request and connection pacing towards OANDA.
 *
 * - `RequestPacer`: a token bucket (engine/execution/rate-limiter.ts) on the wall clock with a FIFO
 *   queue of waiters. Defaults 100 tokens/s with a burst of 20, so that no sliding second ever holds
 *   more than 120 requests (OANDA's limit per IP) and one connection stays near the advised 100/s.
 *   `acquire({ urgent: true })` jumps the queue (cancels and the kill switch must not wait behind a
 *   burst of new orders) but still takes a token: the venue counts every request.
 * - `ConnectionGate`: at most `limit` new connections in any sliding `windowMs` (default 2 per 1000 ms,
 *   OANDA's best practice). Exact: it keeps the start times of the last `limit` connections.
 * - `PacedHttpAgent` / `PacedHttpsAgent`: keep-alive agents whose `createConnection` waits for the
 *   gate (the streams' agents). Node's agent binds a request to the socket it starts creating, so a
 *   REST burst would wait for its own gated connections while sockets come free; the REST transport
 *   therefore gates before dispatching instead (http-client.ts: a request goes when a kept-alive socket
 *   is free or the gate allows a new one now) and its agent does not gate again.
 * Timers are unref'd: a pending wait never keeps the process alive on its own.
 */
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { TokenBucket } from '../../execution/rate-limiter';

export interface PacerOptions {
  perSecond?: number;
  burst?: number;
  now?: () => number;
}

interface Waiter {
  resolve: () => void;
}

export class RequestPacer {
  private readonly bucket: TokenBucket;
  private readonly queue: Waiter[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** Requests that had to wait for a token (statistics). */
  waited = 0;

  constructor(opts: PacerOptions = {}) {
    const now = opts.now ?? Date.now;
    this.bucket = new TokenBucket({ now }, { perSecond: opts.perSecond ?? 100, burst: opts.burst ?? 20 });
  }

  get perSecond(): number {
    return this.bucket.perSecond;
  }

  acquire(opts: { urgent?: boolean } = {}): Promise<void> {
    if (this.queue.length === 0 && this.bucket.tryTake()) return Promise.resolve();
    this.waited++;
    return new Promise<void>((resolve) => {
      if (opts.urgent) this.queue.unshift({ resolve });
      else this.queue.push({ resolve });
      this.schedule();
    });
  }

  /** Waiters in the queue. */
  get queued(): number {
    return this.queue.length;
  }

  private schedule(): void {
    if (this.timer !== null) return;
    const drain = (): void => {
      this.timer = null;
      while (this.queue.length > 0 && this.bucket.tryTake()) this.queue.shift()!.resolve();
      if (this.queue.length > 0) {
        this.timer = setTimeout(drain, Math.max(1, this.bucket.msUntilNext()));
        this.timer.unref();
      }
    };
    this.timer = setTimeout(drain, Math.max(1, this.bucket.msUntilNext()));
    this.timer.unref();
  }
}

export class ConnectionGate {
  private readonly starts: number[] = [];
  private chain: Promise<void> = Promise.resolve();
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly now: () => number;
  /** Connections opened through the gate (statistics and tests). */
  opened = 0;

  constructor(opts: { limit?: number; windowMs?: number; now?: () => number } = {}) {
    this.limit = opts.limit ?? 2;
    this.windowMs = opts.windowMs ?? 1000;
    this.now = opts.now ?? Date.now;
  }

  /** Counts one more connection when one may be opened now; false (nothing counted) otherwise. */
  tryAcquire(): boolean {
    const now = this.now();
    while (this.starts.length > 0 && now - this.starts[0]! >= this.windowMs) this.starts.shift();
    if (this.starts.length >= this.limit) return false;
    this.starts.push(now);
    this.opened++;
    return true;
  }

  /** Milliseconds until a connection may be opened (0 = now). */
  msUntilNext(): number {
    const now = this.now();
    while (this.starts.length > 0 && now - this.starts[0]! >= this.windowMs) this.starts.shift();
    return this.starts.length < this.limit ? 0 : this.windowMs - (now - this.starts[0]!);
  }

  /** Resolves when one more connection may be opened (and counts it). Serialised: FIFO. */
  acquire(): Promise<void> {
    const next = this.chain.then(() => this.waitTurn());
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async waitTurn(): Promise<void> {
    for (;;) {
      const now = this.now();
      while (this.starts.length > 0 && now - this.starts[0]! >= this.windowMs) this.starts.shift();
      if (this.starts.length < this.limit) {
        this.starts.push(now);
        this.opened++;
        return;
      }
      const wait = this.windowMs - (now - this.starts[0]!);
      await new Promise<void>((r) => setTimeout(r, Math.max(1, wait)).unref());
    }
  }
}

type ConnectCallback = (err: Error | null, stream: Duplex) => void;

export interface PacedAgentOptions {
  /** Gate each new socket here; null when the caller gates before dispatching (V20Http does). */
  gate: ConnectionGate | null;
  /** Idle keep-alive sockets are closed after this (ms). */
  freeSocketTimeoutMs?: number;
  maxSockets?: number;
}

function agentOptions(o: PacedAgentOptions): http.AgentOptions {
  return { keepAlive: true, keepAliveMsecs: 15_000, maxSockets: o.maxSockets ?? 6, maxFreeSockets: 6, timeout: o.freeSocketTimeoutMs ?? 60_000, scheduling: 'lifo' };
}

/**
 * Opens a connection once the gate allows a new one (never rejects), and hands the socket, or the
 * error of creating it, to the agent's callback. Returns undefined: the agent waits for the callback.
 */
function pacedConnect(gate: PacedAgentOptions['gate'], create: () => Duplex, callback: ConnectCallback | undefined): undefined {
  void (gate ? gate.acquire() : Promise.resolve()).then(() => {
    let socket: Duplex;
    try {
      socket = create();
    } catch (e) {
      callback?.(e as Error, undefined as unknown as Duplex);
      return;
    }
    callback?.(null, socket);
  });
  return undefined;
}

export class PacedHttpAgent extends http.Agent {
  constructor(private readonly paced: PacedAgentOptions) {
    super(agentOptions(paced));
  }

  override createConnection(options: http.ClientRequestArgs, callback?: ConnectCallback): Duplex | null | undefined {
    return pacedConnect(this.paced.gate, () => super.createConnection(options) as Duplex, callback);
  }
}

export class PacedHttpsAgent extends https.Agent {
  constructor(private readonly paced: PacedAgentOptions) {
    super(agentOptions(paced));
  }

  override createConnection(options: https.RequestOptions, callback?: ConnectCallback): Duplex | null | undefined {
    return pacedConnect(this.paced.gate, () => super.createConnection(options) as Duplex, callback);
  }
}

/** Sockets an agent holds open (in use or free), over every origin. */
export function openSockets(agent: http.Agent): number {
  let n = 0;
  for (const list of Object.values(agent.sockets)) n += list?.length ?? 0;
  for (const list of Object.values(agent.freeSockets)) n += list?.length ?? 0;
  return n;
}

/** A keep-alive agent for `url`'s protocol, paced by `gate`. */
export function pacedAgentFor(url: URL, opts: PacedAgentOptions): http.Agent {
  return url.protocol === 'https:' ? new PacedHttpsAgent(opts) : new PacedHttpAgent(opts);
}
