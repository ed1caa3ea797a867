/**
 * The kill switch. Two actions, both idempotent:
 *
 * - `halt(reason, source)`: no new entries. The engine moves to HALTED (exits, cancels and flatten
 *   stay allowed); strategies keep running and may still reduce. A second halt does nothing.
 * - `flatten(reason, source)`: stops every running strategy FIRST (flatten never runs strategy code
 *   and works while a strategy is faulted), moves to HALTED at once (so nothing can add exposure while
 *   it works), cancels every working order, and closes every position with a reduce-only MARKET order
 *   (role FLATTEN, strategy id `kill_switch`). It then follows the venue's answers: a close that is
 *   denied, rejected, canceled or expired is sent again on the next market data, up to
 *   `maxCloseAttempts` per instrument (each attempt is in the report); a cancel the venue refuses is
 *   asked again on the next market data; orders that appear meanwhile (a late fill's bracket
 *   children) are canceled too.
 *
 * Completion: a flatten completes when the venue has confirmed it, i.e. when no position and no working
 * order is left ('completed'), or when a position is still open and its close has used every attempt
 * ('failed'). In a backtest or paper session that happens at the next bar/quote that fills the
 * closes. `flatten` returns a `FlattenHandle` (`done`, `report()`, `completion` promise, `onDone`),
 * and the engine publishes `FlattenCompleted { report }`; the report is JSON-safe. While a flatten is
 * in progress, or after one that completed with nothing open since, `flatten` returns the same handle
 * and emits nothing: twice = once.
 *
 * Persistence: every move into or out of HALTED (by the kill switch or by a risk guard) is saved in
 * the `TradingStateStore`; the engine starts HALTED when the stored record says HALTED, until a
 * person calls `rearm(source)`. Re-arming does not restart strategies (the person does that).
 */
import type { Kernel } from '../core/kernel';
import type { EngineEvent, OrderFilled } from '../core/events';
import type { FlattenAttempt, FlattenCancel, FlattenClose, FlattenReport } from '../core/flatten-report';
import { ticksToPrice } from '../core/instrument';
import { isTerminal, type OrderRequest } from '../core/order';
import type { PortfolioView } from '../core/portfolio-view';
import type { TradingStateStore } from './kill-switch-store';
import type { TradingStateMachine } from './trading-state';

/** Strategy id of the kill switch's own orders. */
export const KILL_SWITCH_STRATEGY_ID = 'kill_switch';

export interface KillSwitchDeps {
  kernel: Kernel;
  state: TradingStateMachine;
  portfolio: PortfolioView;
  orders: {
    submit(strategyId: string, req: OrderRequest): { ok: true; clientOrderId: string } | { ok: false; clientOrderId: string; code: string; reason: string };
    cancel(clientOrderId: string): boolean;
  };
  strategies: {
    list(): readonly { id: string; state: string }[];
    stopAll(reason: string): void;
  };
  /** Execution algorithms (TWAP/VWAP): stopped by halt and flatten so that they send no further slices. */
  algos?: { cancelAll(): unknown };
  store?: TradingStateStore;
  /** Tries per position (default 3). */
  maxCloseAttempts?: number;
}

export interface FlattenHandle {
  readonly flattenId: number;
  /** True once the flatten completed or failed. */
  readonly done: boolean;
  /** A copy of the report as it stands. */
  report(): FlattenReport;
  /** Resolves with the final report. */
  readonly completion: Promise<FlattenReport>;
  /** Calls `cb` with the final report (at once when already done). */
  onDone(cb: (report: FlattenReport) => void): void;
}

export type RearmResult = { ok: true; changed: boolean } | { ok: false; code: string; reason: string };

interface CloseState extends FlattenClose {
  /** Client order id of the working close, or null. */
  working: string | null;
}

class Run implements FlattenHandle {
  readonly report_: FlattenReport;
  readonly closes = new Map<string, CloseState>();
  readonly cancels = new Map<string, FlattenCancel>();
  /** Our close orders -> the attempt they are. */
  readonly mine = new Map<string, { close: CloseState; attempt: FlattenAttempt }>();
  private final: FlattenReport | null = null;
  private callbacks: ((r: FlattenReport) => void)[] = [];
  readonly completion: Promise<FlattenReport>;
  private resolve!: (r: FlattenReport) => void;
  pass = 0;

  constructor(report: FlattenReport) {
    this.report_ = report;
    this.completion = new Promise((res) => {
      this.resolve = res;
    });
  }

  get flattenId(): number {
    return this.report_.flattenId;
  }

  get done(): boolean {
    return this.final !== null;
  }

  report(): FlattenReport {
    return snapshot(this.report_, [...this.closes.values()], [...this.cancels.values()]);
  }

  onDone(cb: (report: FlattenReport) => void): void {
    if (this.final) cb(this.final);
    else this.callbacks.push(cb);
  }

  finish(): FlattenReport {
    const r = this.report();
    this.final = r;
    this.resolve(r);
    const cbs = this.callbacks;
    this.callbacks = [];
    for (const cb of cbs) cb(r);
    return r;
  }
}

function snapshot(base: FlattenReport, closes: CloseState[], cancels: FlattenCancel[]): FlattenReport {
  return {
    ...base,
    strategiesStopped: [...base.strategiesStopped],
    cancels: cancels.map((c) => ({ ...c })),
    closes: closes.map(({ working: _working, ...c }) => ({ ...c, attempts: c.attempts.map((a) => ({ ...a })), fills: c.fills.map((f) => ({ ...f })) })),
    failures: base.failures.map((f) => ({ ...f })),
  };
}

export class KillSwitch {
  private readonly d: KillSwitchDeps;
  private readonly maxAttempts: number;
  private active: Run | null = null;
  private last: Run | null = null;
  private count = 0;
  /** The close being submitted: its OrderInitialized names its client order id before the venue can answer. */
  private submitting: { run: Run; close: CloseState; attempt: FlattenAttempt } | null = null;

  constructor(deps: KillSwitchDeps) {
    this.d = deps;
    this.maxAttempts = deps.maxCloseAttempts ?? 3;
    const { kernel } = deps;
    kernel.addDataHandler({ onBar: (b) => this.onMarketData(b.instrumentId), onQuote: (q) => this.onMarketData(q.instrumentId) });
    kernel.bus.onAny((e) => this.onEvent(e));
  }

  /** Whether a flatten is in progress. */
  get flattening(): boolean {
    return this.active !== null;
  }

  /** The flatten in progress, else the last one, else null. */
  lastFlatten(): FlattenHandle | null {
    return this.active ?? this.last;
  }

  /** No new entries: HALTED. Returns whether anything changed (false when already HALTED). */
  halt(reason: string, source: string): boolean {
    if (this.d.state.state === 'HALTED') return false;
    this.d.kernel.emit({ type: 'KillSwitchActivated', tsEvent: this.d.kernel.clock.now(), action: 'halt', reason, source });
    this.d.algos?.cancelAll();
    return this.d.state.set('HALTED', reason, source);
  }

  /** Stop strategies, cancel every order, close every position, HALTED. See the file comment. */
  flatten(reason: string, source: string): FlattenHandle {
    if (this.active) return this.active;
    const { kernel, state, strategies } = this.d;
    if (this.last && state.state === 'HALTED' && this.nothingOpen()) return this.last;
    const now = kernel.clock.now();
    const run = new Run({
      flattenId: ++this.count,
      reason,
      source,
      startedAt: now,
      completedAt: null,
      status: 'in_progress',
      strategiesStopped: [],
      cancels: [],
      closes: [],
      failures: [],
      maxAttempts: this.maxAttempts,
    });
    this.active = run;
    kernel.emit({ type: 'KillSwitchActivated', tsEvent: now, action: 'flatten', reason, source });
    run.report_.strategiesStopped = strategies.list().filter((s) => s.state === 'RUNNING').map((s) => s.id);
    strategies.stopAll(`kill switch: ${reason}`);
    this.d.algos?.cancelAll();
    state.set('HALTED', reason, source);
    this.step(run);
    return run;
  }

  /** HALTED -> ACTIVE, persisted. Refused while a flatten is in progress. */
  rearm(source: string): RearmResult {
    if (this.active) return { ok: false, code: 'kill_switch.flatten_in_progress', reason: 'a flatten is in progress' };
    const s = this.d.state.state;
    if (s === 'ACTIVE') return { ok: true, changed: false };
    if (s !== 'HALTED') return { ok: false, code: 'kill_switch.not_halted', reason: `the engine is ${s}, not HALTED` };
    return { ok: true, changed: this.d.state.set('ACTIVE', 're-armed', source) };
  }

  private nothingOpen(): boolean {
    return this.d.portfolio.openPositionCount() === 0 && this.d.kernel.cache.openOrders().length === 0;
  }

  private onMarketData(instrumentId: string): void {
    const run = this.active;
    if (run) this.step(run, instrumentId);
  }

  /**
   * One pass: cancel what still works, (re)send the closes that need it (of one instrument when the pass
   * runs on that instrument's market data: a close is retried on its own instrument's next bar or
   * quote), then check for completion.
   */
  private step(run: Run, only?: string): void {
    const { kernel, orders, portfolio } = this.d;
    run.pass++;
    const now = kernel.clock.now();
    for (const o of kernel.cache.openOrders()) {
      if (run.mine.has(o.clientOrderId) || o.status === 'PENDING_CANCEL' || o.status === 'INITIALIZED') continue;
      const prev = run.cancels.get(o.clientOrderId);
      if (prev && prev.outcome !== 'cancel_rejected') continue;
      const c: FlattenCancel = prev ?? {
        clientOrderId: o.clientOrderId,
        instrumentId: o.instrumentId,
        role: o.role,
        side: o.side,
        openQty: o.qty - o.filledQty,
        outcome: 'pending',
        pass: run.pass,
      };
      c.outcome = 'pending';
      c.pass = run.pass;
      run.cancels.set(o.clientOrderId, c);
      orders.cancel(o.clientOrderId);
    }
    for (const p of portfolio.openPositions()) {
      if (this.active !== run) return;
      if (p.qty === 0 || (only !== undefined && p.instrumentId !== only)) continue;
      let close = run.closes.get(p.instrumentId);
      if (!close) {
        close = { instrumentId: p.instrumentId, startQty: p.qty, attempts: [], fills: [], closedQty: 0, avgPx: null, status: 'pending', working: null };
        run.closes.set(p.instrumentId, close);
      }
      if (close.working !== null) continue;
      if (close.attempts.length >= this.maxAttempts) {
        close.status = 'failed';
        continue;
      }
      close.status = 'pending';
      const side = p.qty > 0 ? 'SELL' : 'BUY';
      const qty = Math.abs(p.qty);
      const attempt: FlattenAttempt = { attempt: close.attempts.length + 1, clientOrderId: '', ts: now, side, qty, outcome: 'working' };
      close.attempts.push(attempt);
      this.submitting = { run, close, attempt };
      let res: ReturnType<KillSwitchDeps['orders']['submit']>;
      try {
        res = orders.submit(KILL_SWITCH_STRATEGY_ID, { instrumentId: p.instrumentId, side, qty, type: 'MARKET', reduceOnly: true, role: 'FLATTEN', tag: 'flatten' });
      } finally {
        this.submitting = null;
      }
      attempt.clientOrderId = res.clientOrderId;
      if (res.ok) {
        // The venue may already have answered inside submit (a rejection): only a live order is working.
        const o = kernel.cache.order(res.clientOrderId);
        if (attempt.outcome === 'working' && o && !isTerminal(o)) close.working = res.clientOrderId;
      } else {
        attempt.outcome = 'denied';
        attempt.code = res.code;
        attempt.reason = res.reason;
        run.report_.failures.push({ ts: now, instrumentId: p.instrumentId, clientOrderId: res.clientOrderId, code: res.code, reason: res.reason });
        if (close.attempts.length >= this.maxAttempts) close.status = 'failed';
      }
    }
    this.checkDone(run);
  }

  private onEvent(e: EngineEvent): void {
    if (e.type === 'TradingStateChanged') {
      if (this.d.store && (e.to === 'HALTED' || e.from === 'HALTED')) this.d.store.save({ state: e.to, reason: e.reason, source: e.source, ts: e.tsEvent });
      return;
    }
    if (e.type === 'OrderInitialized') {
      const sub = this.submitting;
      if (sub && e.order.strategyId === KILL_SWITCH_STRATEGY_ID) {
        sub.attempt.clientOrderId = e.order.clientOrderId;
        sub.run.mine.set(e.order.clientOrderId, { close: sub.close, attempt: sub.attempt });
      }
      return;
    }
    const run = this.active;
    if (!run || !('clientOrderId' in e)) return;
    const mine = run.mine.get(e.clientOrderId);
    const cancel = run.cancels.get(e.clientOrderId);
    if (!mine && !cancel) return;
    switch (e.type) {
      case 'OrderFilled':
        if (mine) this.onCloseFill(mine.close, mine.attempt, e);
        if (cancel && e.leavesQty === 0) cancel.outcome = 'filled';
        break;
      case 'OrderRejected':
        if (mine) this.closeFailed(run, mine.close, mine.attempt, 'rejected', e.code, e.reason, e.tsEvent);
        if (cancel) cancel.outcome = 'rejected';
        break;
      case 'OrderCanceled':
        if (mine) this.closeFailed(run, mine.close, mine.attempt, 'canceled', `venue.canceled.${e.reason}`, `the venue canceled the close (${e.reason})`, e.tsEvent);
        if (cancel) cancel.outcome = 'canceled';
        break;
      case 'OrderExpired':
        if (mine) this.closeFailed(run, mine.close, mine.attempt, 'expired', 'venue.expired', 'the close expired', e.tsEvent);
        if (cancel) cancel.outcome = 'expired';
        break;
      case 'OrderCancelRejected': {
        const o = this.d.kernel.cache.order(e.clientOrderId);
        if (cancel && o && !isTerminal(o) && o.status !== 'PENDING_CANCEL') {
          cancel.outcome = 'cancel_rejected';
          run.report_.failures.push({ ts: e.tsEvent, instrumentId: cancel.instrumentId, clientOrderId: e.clientOrderId, code: e.code, reason: e.reason });
        } else if (cancel && o && isTerminal(o)) {
          cancel.outcome = o.status === 'FILLED' ? 'filled' : o.status === 'EXPIRED' ? 'expired' : o.status === 'REJECTED' ? 'rejected' : 'canceled';
        }
        break;
      }
      default:
        return;
    }
    this.checkDone(run);
  }

  private onCloseFill(close: CloseState, attempt: FlattenAttempt, e: OrderFilled): void {
    const inst = this.d.kernel.cache.instrument(e.instrumentId);
    close.fills.push({ tradeId: e.tradeId, qty: e.lastQty, px: ticksToPrice(inst, e.lastPx), pxTicks: e.lastPx, ts: e.tsEvent });
    close.closedQty += e.lastQty;
    const ticks = close.fills.reduce((s, f) => s + f.pxTicks * f.qty, 0) / close.closedQty;
    close.avgPx = ticksToPrice(inst, ticks);
    attempt.outcome = e.leavesQty === 0 ? 'filled' : 'partially_filled';
    if (e.leavesQty === 0) {
      close.working = null;
      if (this.d.portfolio.positionQty(close.instrumentId) === 0) close.status = 'closed';
    }
  }

  private closeFailed(run: Run, close: CloseState, attempt: FlattenAttempt, outcome: FlattenAttempt['outcome'], code: string, reason: string, ts: number): void {
    attempt.outcome = outcome;
    attempt.code = code;
    attempt.reason = reason;
    close.working = null;
    if (this.d.portfolio.positionQty(close.instrumentId) === 0) {
      close.status = 'closed';
      return;
    }
    run.report_.failures.push({ ts, instrumentId: close.instrumentId, clientOrderId: attempt.clientOrderId, code, reason });
    if (close.attempts.length >= this.maxAttempts) close.status = 'failed';
  }

  private checkDone(run: Run): void {
    if (this.active !== run) return;
    const { portfolio } = this.d;
    let status: FlattenReport['status'] | null = null;
    if (this.nothingOpen()) status = 'completed';
    else {
      const ours = [...run.closes.values()].some((c) => c.working !== null);
      const stuck = portfolio.openPositions().filter((p) => p.qty !== 0);
      if (!ours && stuck.length > 0 && stuck.every((p) => (run.closes.get(p.instrumentId)?.attempts.length ?? 0) >= this.maxAttempts)) status = 'failed';
    }
    if (status === null) return;
    for (const c of run.closes.values()) {
      if (portfolio.positionQty(c.instrumentId) === 0) c.status = 'closed';
      else if (c.status === 'pending') c.status = 'failed';
    }
    run.report_.status = status;
    run.report_.completedAt = this.d.kernel.clock.now();
    this.active = null;
    this.last = run;
    const report = run.finish();
    this.d.kernel.emit({ type: 'FlattenCompleted', tsEvent: report.completedAt ?? this.d.kernel.clock.now(), report });
  }
}
