/**
 * Execution algorithms: TWAP and VWAP. A parent quantity is sliced into child orders over a window
 * [startTs, endTs) (see ./schedule.ts for the slice times and sizes) and every child goes through
 * `OrderManager.submit`, so through validation, the risk gate and the rate limit like any order.
 *
 * - Scheduling uses only the injected clock (`clock.setTimer`): a SimClock fires the timers while the
 *   backtest runner advances it from bar to bar, a WallClock with setTimeout. A slice already due when
 *   `start` is called is sent at once, inside `start`.
 * - Child size at slice i = (planned quantity of slices 0..i) - filled - what children still working
 *   may fill. So a slice that was denied, or a LIMIT child that has not filled yet, rolls into the
 *   next slice (catch-up), and the parent can never be over-executed even while a cancel is pending.
 *   A slice with nothing to send is reported as `skipped`.
 * - Children are MARKET orders, or LIMIT orders at `limitPrice` (a cap for BUY, a floor for SELL)
 *   when one is given. Tag `algo:{algoId}:{i}`. The role (default ENTRY) and reduceOnly pass through.
 * - A denied child is reported (AlgoProgressed what = denied, with the code); `onDenied: 'skip'`
 *   (default) goes on with the next slice, `'stop'` ends the algorithm (AlgoFinished reason stopped).
 * - End: at endTs, LIMIT children still working are canceled (MARKET children are left to fill at the
 *   next price). The algorithm finishes (AlgoFinished completed) when every slice is done and no child
 *   is working, and either the whole quantity has filled or endTs has passed.
 * - `cancel(algoId)` cancels the working children, stops the timers and reports AlgoFinished cancelled
 *   (a stop after a denial cancels the working children too).
 * - Ids are deterministic: `{idPrefix}-ALGO-{n}` in start order; children take the order manager's ids.
 */
import type { Bar } from '../../core/bar';
import { EngineError } from '../../core/errors';
import type { OrderCanceled, OrderExpired, OrderFilled, OrderRejected } from '../../core/events';
import type { Kernel } from '../../core/kernel';
import { isTerminal, type OrderRole, type OrderSide } from '../../core/order';
import type { EpochMs } from '../../core/time';
import type { OrderManager } from '../order-manager';
import { allocate, sliceTimes, volumeProfile, vwapWeights, type VolumeProfile } from './schedule';
import { onTickGrid } from '../../core/instrument';

export interface AlgoSpec {
  kind: 'TWAP' | 'VWAP';
  /** Who owns the children (risk limits, journal); default 'algo'. */
  strategyId?: string;
  instrumentId: string;
  side: OrderSide;
  /** Parent quantity, integer units, a multiple of the instrument's minQty. */
  qty: number;
  startTs: EpochMs;
  endTs: EpochMs;
  /** Number of child slices (>= 1). */
  slices: number;
  /** Children become LIMIT orders at this price (ticks): the most a BUY pays, the least a SELL takes. */
  limitPrice?: number | null;
  /** What a denied child does to the algorithm; default 'skip'. */
  onDenied?: 'skip' | 'stop';
  role?: OrderRole;
  reduceOnly?: boolean;
  /** VWAP: bars whose volume makes the time-of-day profile (or give `profile`). */
  history?: readonly Bar[];
  /** VWAP: a ready profile (wins over `history`). */
  profile?: VolumeProfile;
}

export type AlgoStatus = 'RUNNING' | 'COMPLETED' | 'CANCELLED' | 'STOPPED';

/** A read-only view of one algorithm run. */
export interface AlgoView {
  readonly algoId: string;
  readonly kind: 'TWAP' | 'VWAP';
  readonly status: AlgoStatus;
  readonly qty: number;
  readonly filledQty: number;
  readonly slicesDone: number;
  /** Planned quantity per slice. */
  readonly plan: readonly number[];
  readonly times: readonly EpochMs[];
  /** Child client order ids, in order. */
  readonly children: readonly string[];
}

interface Run {
  algoId: string;
  spec: AlgoSpec;
  strategyId: string;
  status: AlgoStatus;
  plan: number[];
  times: EpochMs[];
  slicesDone: number;
  filledQty: number;
  children: string[];
  /** Cancel function of the pending timer (next slice or the end). */
  timer: (() => void) | null;
  endPassed: boolean;
}

export interface AlgoManagerOptions {
  kernel: Kernel;
  orders: OrderManager;
  /** Prefix of algorithm ids (the engine's client order id prefix). */
  idPrefix: string;
}

export class AlgoManager {
  private readonly kernel: Kernel;
  private readonly orders: OrderManager;
  private readonly prefix: string;
  private n = 0;
  private readonly runs = new Map<string, Run>();
  /** Child client order id -> its run. */
  private readonly byChild = new Map<string, Run>();

  constructor(opts: AlgoManagerOptions) {
    this.kernel = opts.kernel;
    this.orders = opts.orders;
    this.prefix = opts.idPrefix;
    const bus = opts.kernel.bus;
    bus.on('OrderFilled', (e) => this.onFilled(e));
    const ended = (e: OrderCanceled | OrderExpired | OrderRejected) => this.onChildEnded(e.clientOrderId);
    bus.on('OrderCanceled', ended);
    bus.on('OrderExpired', ended);
    bus.on('OrderRejected', ended);
  }

  /** Starts an algorithm; returns its id. Throws `algo.invalid_spec` for a spec it cannot run. */
  /** Continues algorithm ids after number `n` (a restored engine). */
  continueIds(n: number): void {
    if (n > this.n) this.n = n;
  }

  start(spec: AlgoSpec): string {
    const { plan, times } = this.plan(spec);
    const algoId = `${this.prefix}-ALGO-${++this.n}`;
    const run: Run = {
      algoId,
      spec,
      strategyId: spec.strategyId ?? 'algo',
      status: 'RUNNING',
      plan,
      times,
      slicesDone: 0,
      filledQty: 0,
      children: [],
      timer: null,
      endPassed: false,
    };
    this.runs.set(algoId, run);
    this.kernel.emit({
      type: 'AlgoStarted',
      tsEvent: this.kernel.clock.now(),
      ...this.base(run),
      kind: spec.kind,
      startTs: spec.startTs,
      endTs: spec.endTs,
      slices: spec.slices,
    });
    this.schedule(run);
    return algoId;
  }

  /** Cancels a running algorithm and its working children; false when it is unknown or already over. */
  cancel(algoId: string): boolean {
    const run = this.runs.get(algoId);
    if (!run || run.status !== 'RUNNING') return false;
    this.finish(run, 'CANCELLED', '');
    return true;
  }

  /** Cancels every running algorithm (kill switch, shutdown); returns their ids. */
  cancelAll(): string[] {
    return this.running().filter((id) => this.cancel(id));
  }

  get(algoId: string): AlgoView | undefined {
    const r = this.runs.get(algoId);
    if (!r) return undefined;
    return { algoId: r.algoId, kind: r.spec.kind, status: r.status, qty: r.spec.qty, filledQty: r.filledQty, slicesDone: r.slicesDone, plan: [...r.plan], times: [...r.times], children: [...r.children] };
  }

  /** Ids of the algorithms still running. */
  running(): string[] {
    return [...this.runs.values()].filter((r) => r.status === 'RUNNING').map((r) => r.algoId);
  }

  private plan(spec: AlgoSpec): { plan: number[]; times: EpochMs[] } {
    const bad = (why: string): never => {
      throw new EngineError('algo.invalid_spec', `${spec.kind} algorithm: ${why}`);
    };
    if (spec.kind !== 'TWAP' && spec.kind !== 'VWAP') bad(`unknown kind ${String(spec.kind)}`);
    if (!this.kernel.cache.hasInstrument(spec.instrumentId)) bad(`unknown instrument ${spec.instrumentId}`);
    const inst = this.kernel.cache.instrument(spec.instrumentId);
    if (!Number.isSafeInteger(spec.qty) || spec.qty <= 0 || spec.qty % inst.minQty !== 0) bad(`quantity must be a positive multiple of ${inst.minQty} units, got ${spec.qty}`);
    if (!Number.isInteger(spec.slices) || spec.slices < 1 || spec.slices > 10_000) bad(`slices must be an integer 1 .. 10000, got ${spec.slices}`);
    if (!(Number.isFinite(spec.startTs) && Number.isFinite(spec.endTs) && spec.endTs > spec.startTs)) bad('the window [startTs, endTs) must not be empty');
    if (spec.endTs - spec.startTs < spec.slices) bad('the window is shorter than one millisecond per slice');
    if (spec.endTs <= this.kernel.clock.now()) bad('the window has already ended');
    const lp = spec.limitPrice;
    if (lp != null && !onTickGrid(inst, lp)) bad(`limit price ${lp} is not a positive multiple of the tick size ${inst.tickSize}`);
    const times = sliceTimes(spec.startTs, spec.endTs, spec.slices);
    let weights = times.map(() => 1);
    if (spec.kind === 'VWAP') {
      let profile = spec.profile;
      if (!profile) {
        if (!spec.history || spec.history.length === 0) bad('VWAP needs a volume profile or history bars');
        profile = volumeProfile(spec.history ?? []);
      }
      weights = vwapWeights(profile, spec.startTs, spec.endTs, spec.slices);
    }
    return { plan: allocate(spec.qty, inst.minQty, weights), times };
  }

  private base(run: Run) {
    return { algoId: run.algoId, strategyId: run.strategyId, instrumentId: run.spec.instrumentId, side: run.spec.side, qty: run.spec.qty };
  }

  /** Sets the timer for the next slice (or sends it now when it is due), else for the end. */
  private schedule(run: Run): void {
    while (run.status === 'RUNNING' && run.slicesDone < run.times.length) {
      const at = run.times[run.slicesDone]!;
      if (at > this.kernel.clock.now()) {
        run.timer = this.kernel.clock.setTimer(at, () => {
          run.timer = null;
          if (run.status !== 'RUNNING') return;
          this.slice(run);
          this.schedule(run);
        });
        return;
      }
      this.slice(run);
    }
    if (run.status !== 'RUNNING') return;
    if (this.kernel.clock.now() >= run.spec.endTs) {
      this.onEnd(run);
      return;
    }
    run.timer = this.kernel.clock.setTimer(run.spec.endTs, () => {
      run.timer = null;
      if (run.status === 'RUNNING') this.onEnd(run);
    });
  }

  /** Units children still working may fill. */
  private working(run: Run): number {
    let n = 0;
    for (const id of run.children) {
      const o = this.kernel.cache.order(id);
      if (o && !isTerminal(o)) n += o.qty - o.filledQty;
    }
    return n;
  }

  private slice(run: Run): void {
    const i = run.slicesDone;
    let planned = 0;
    for (let k = 0; k <= i; k++) planned += run.plan[k]!;
    const qty = planned - run.filledQty - this.working(run);
    run.slicesDone = i + 1;
    if (qty <= 0) {
      this.progress(run, 'skipped', null, null);
      return;
    }
    const { spec } = run;
    const lp = spec.limitPrice ?? null;
    const r = this.orders.submit(run.strategyId, {
      instrumentId: spec.instrumentId,
      side: spec.side,
      qty,
      type: lp === null ? 'MARKET' : 'LIMIT',
      price: lp,
      role: spec.role ?? 'ENTRY',
      reduceOnly: spec.reduceOnly ?? false,
      tag: `algo:${run.algoId}:${i}`,
    });
    run.children.push(r.clientOrderId);
    this.byChild.set(r.clientOrderId, run);
    if (r.ok) {
      this.progress(run, 'sent', r.clientOrderId, null);
      return;
    }
    this.progress(run, 'denied', r.clientOrderId, r.code);
    if ((spec.onDenied ?? 'skip') === 'stop') this.finish(run, 'STOPPED', r.code);
  }

  private onEnd(run: Run): void {
    run.endPassed = true;
    for (const id of run.children) {
      const o = this.kernel.cache.order(id);
      if (o && o.type === 'LIMIT' && !isTerminal(o) && o.status !== 'PENDING_CANCEL') this.orders.cancel(id);
    }
    this.maybeComplete(run);
  }

  private onFilled(e: OrderFilled): void {
    const run = this.byChild.get(e.clientOrderId);
    if (!run) return;
    run.filledQty += e.lastQty;
    if (run.status !== 'RUNNING') return;
    this.progress(run, 'filled', e.clientOrderId, null);
    this.maybeComplete(run);
  }

  private onChildEnded(clientOrderId: string): void {
    const run = this.byChild.get(clientOrderId);
    if (run && run.status === 'RUNNING') this.maybeComplete(run);
  }

  private maybeComplete(run: Run): void {
    if (run.status !== 'RUNNING' || run.slicesDone < run.times.length || this.working(run) > 0) return;
    if (run.filledQty >= run.spec.qty || run.endPassed) this.finish(run, 'COMPLETED', '');
  }

  private finish(run: Run, status: Exclude<AlgoStatus, 'RUNNING'>, detail: string): void {
    run.status = status;
    run.timer?.();
    run.timer = null;
    if (status !== 'COMPLETED') {
      for (const id of run.children) {
        const o = this.kernel.cache.order(id);
        if (o && !isTerminal(o)) this.orders.cancel(id);
      }
    }
    this.kernel.emit({
      type: 'AlgoFinished',
      tsEvent: this.kernel.clock.now(),
      ...this.base(run),
      reason: status === 'COMPLETED' ? 'completed' : status === 'CANCELLED' ? 'cancelled' : 'stopped',
      filledQty: run.filledQty,
      remainingQty: run.spec.qty - run.filledQty,
      slicesDone: run.slicesDone,
      detail,
    });
  }

  private progress(run: Run, what: 'sent' | 'denied' | 'filled' | 'skipped', clientOrderId: string | null, code: string | null): void {
    this.kernel.emit({
      type: 'AlgoProgressed',
      tsEvent: this.kernel.clock.now(),
      ...this.base(run),
      filledQty: run.filledQty,
      remainingQty: run.spec.qty - run.filledQty,
      slicesDone: run.slicesDone,
      slices: run.times.length,
      childOrderId: clientOrderId,
      what,
      code,
    });
  }
}
