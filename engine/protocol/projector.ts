/**
 * The projector: turns engine events and market data into numbered patches of the subscribed views.
 *
 * Events only mark views dirty; a flush recomputes each dirty view that has subscribers, diffs it with
 * what was last sent and publishes `{view, seq, ops}` when something changed (`seq` +1 per patch, per
 * view). Flushes are coalesced through the injected timer: at most one per `intervalMs` (default 50 ms,
 * i.e. <= 20 Hz), so a quote storm costs one recomputation per interval, not one per quote.
 * A new subscriber first gets pending changes flushed to the existing ones, then the snapshot at the
 * current `seq`; every patch with a higher `seq` applies on top of it.
 */
import type { Clock } from '../core/clock';
import type { EngineEvent } from '../core/events';
import type { TradingEngine } from '../runtime/trading-engine';
import type { PatchOp, ViewName } from './contract';
import { accountDto, orderDto, positionsDto, riskDto } from './dto';
import { quoteDto } from './market-dto';

export const VIEW_NAMES: readonly ViewName[] = ['positions', 'orders', 'account', 'risk', 'engine', 'quotes'];

export interface ProjectorOptions {
  engine: TradingEngine;
  /** Timer for coalescing (a WallClock in a live process; a SimClock in tests). */
  timer: Pick<Clock, 'now' | 'setTimer'>;
  /** "Now" for price freshness (default: the engine's clock). */
  now?: () => number;
  /** Shortest time between two flushes, ms (default 50 = 20 Hz). */
  intervalMs?: number;
  /** Orders kept in the `orders` view after they end (default 200 most recent terminal orders). */
  keepTerminalOrders?: number;
  onPatch: (view: ViewName, seq: number, ops: PatchOp[]) => void;
}

type Keyed = Record<string, unknown>;

const KEYED: ReadonlySet<ViewName> = new Set(['positions', 'orders', 'quotes']);

interface ViewState {
  subscribers: number;
  seq: number;
  dirty: boolean;
  /** JSON text of what was last sent, per key (keyed views) or under '' (singletons). */
  sent: Map<string, string> | null;
  data: unknown;
}

export class ViewProjector {
  private readonly o: ProjectorOptions;
  private readonly views = new Map<ViewName, ViewState>();
  private cancelTimer: (() => void) | null = null;
  private lastFlush = -Infinity;
  private readonly intervalMs: number;
  private readonly unsubscribe: () => void;
  private closed = false;
  /** Flushes run so far (for tests and metrics). */
  flushes = 0;

  constructor(opts: ProjectorOptions) {
    this.o = opts;
    this.intervalMs = opts.intervalMs ?? 50;
    for (const v of VIEW_NAMES) this.views.set(v, { subscribers: 0, seq: 0, dirty: true, sent: null, data: undefined });
    const kernel = opts.engine.kernel;
    this.unsubscribe = kernel.bus.onAny((e) => this.onEvent(e));
    const marks = () => this.mark('positions', 'account', 'risk', 'quotes');
    kernel.addDataHandler({ onBar: marks, onQuote: marks });
  }

  /** Stops listening and cancels the pending flush. */
  close(): void {
    this.closed = true;
    this.unsubscribe();
    this.cancelTimer?.();
    this.cancelTimer = null;
  }

  /** Adds a subscriber of `view`; returns the snapshot it starts from. */
  subscribe(view: ViewName): { seq: number; data: unknown } {
    const st = this.state(view);
    if (st.subscribers > 0 && st.dirty) this.flushView(view, st);
    else if (st.subscribers === 0) this.refresh(view, st, false);
    st.subscribers++;
    return { seq: st.seq, data: st.data };
  }

  unsubscribeView(view: ViewName): void {
    const st = this.state(view);
    if (st.subscribers > 0) st.subscribers--;
  }

  /** Current data of a view, computed now (no patch is sent). */
  compute(view: ViewName): unknown {
    const e = this.o.engine;
    const now = this.o.now ? this.o.now() : e.kernel.clock.now();
    switch (view) {
      case 'positions':
        return Object.fromEntries(positionsDto(e).map((p) => [p.instrumentId, p]));
      case 'orders':
        return this.ordersView();
      case 'account':
        return accountDto(e);
      case 'risk':
        return riskDto(e, now);
      case 'engine':
        return { tradingState: e.state.state, source: e.state.source, lastEventId: e.kernel.lastEventId };
      case 'quotes':
        return Object.fromEntries(e.kernel.cache.instruments().map((i) => [i.id, quoteDto(e.kernel.cache, i)]));
    }
  }

  /** Flushes every dirty subscribed view now (the timer calls this). */
  flush(): void {
    this.cancelTimer = null;
    if (this.closed) return;
    this.lastFlush = this.o.timer.now();
    this.flushes++;
    for (const [view, st] of this.views) if (st.dirty && st.subscribers > 0) this.flushView(view, st);
  }

  private ordersView(): Keyed {
    const cache = this.o.engine.kernel.cache;
    const all = cache.allOrders();
    const keep = this.o.keepTerminalOrders ?? 200;
    const out: Keyed = {};
    let terminal = 0;
    for (let i = all.length - 1; i >= 0; i--) {
      const o = all[i]!;
      const open = o.status !== 'DENIED' && o.status !== 'FILLED' && o.status !== 'CANCELED' && o.status !== 'REJECTED' && o.status !== 'EXPIRED';
      if (!open && terminal++ >= keep) continue;
      out[o.clientOrderId] = orderDto(cache, o);
    }
    return out;
  }

  private onEvent(e: EngineEvent): void {
    switch (e.type) {
      case 'OrderFilled':
        this.mark('orders', 'account', 'risk', 'positions');
        break;
      case 'PositionOpened':
      case 'PositionChanged':
      case 'PositionClosed':
        this.mark('positions', 'account', 'risk');
        break;
      case 'TradingStateChanged':
      case 'KillSwitchActivated':
        this.mark('engine', 'risk');
        break;
      case 'RiskLimitBreached':
        this.mark('risk');
        break;
      case 'StrategyStateChanged':
      case 'FlattenCompleted':
      case 'AlgoStarted':
      case 'AlgoProgressed':
      case 'AlgoFinished':
        this.mark('engine');
        break;
      default:
        // Every other event is an order event.
        this.mark('orders', 'risk');
    }
  }

  private mark(...views: ViewName[]): void {
    let any = false;
    for (const v of views) {
      const st = this.state(v);
      st.dirty = true;
      if (st.subscribers > 0) any = true;
    }
    if (any) this.schedule();
  }

  private schedule(): void {
    if (this.cancelTimer !== null || this.closed) return;
    const at = Math.max(this.o.timer.now(), this.lastFlush + this.intervalMs);
    this.cancelTimer = this.o.timer.setTimer(at, () => this.flush());
  }

  private flushView(view: ViewName, st: ViewState): void {
    this.refresh(view, st, true);
  }

  /** Recomputes a view; publishes the difference as a patch when `publish` (else only bumps seq). */
  private refresh(view: ViewName, st: ViewState, publish: boolean): void {
    st.dirty = false;
    const data = this.compute(view);
    const ops: PatchOp[] = [];
    const sent = new Map<string, string>();
    if (KEYED.has(view)) {
      const rec = data as Keyed;
      for (const [k, v] of Object.entries(rec)) {
        const text = JSON.stringify(v);
        sent.set(k, text);
        if (st.sent?.get(k) !== text) ops.push({ op: 'upsert', key: k, value: v });
      }
      if (st.sent) for (const k of st.sent.keys()) if (!sent.has(k)) ops.push({ op: 'remove', key: k });
    } else {
      const text = JSON.stringify(data);
      sent.set('', text);
      if (st.sent?.get('') !== text) ops.push({ op: 'replace', value: data });
    }
    st.sent = sent;
    st.data = data;
    if (ops.length === 0) return;
    st.seq++;
    if (publish) this.o.onPatch(view, st.seq, ops);
  }

  private state(view: ViewName): ViewState {
    const st = this.views.get(view);
    if (!st) throw new Error(`unknown view ${view}`);
    return st;
  }
}

/** Applies a patch to view data (the client side of the projector; used by stores and tests). */
export function applyPatch(view: ViewName, data: unknown, ops: readonly PatchOp[]): unknown {
  if (!KEYED.has(view)) {
    let out = data;
    for (const op of ops) if (op.op === 'replace') out = op.value;
    return out;
  }
  const next: Keyed = { ...(data as Keyed) };
  for (const op of ops) {
    if (op.op === 'upsert') next[op.key] = op.value;
    else if (op.op === 'remove') delete next[op.key];
  }
  return next;
}
