/**
 * Runs strategies inside the kernel: hands each one the bars, quotes and fills of its own instruments
 * (through per-instrument kernel handlers, registered when a strategy is added)
 * and orders, and turns what it submits into intents for the engine. A strategy that throws is stopped
 * and reported (StrategyStateChanged FAULTED) without stopping the engine or any other strategy.
 *
 * Time budget: every strategy callback is timed with `performance.now()`; one that takes longer than
 * `budgetMs` faults its strategy ("overran its time budget: 103.4 ms > 50 ms in onBar") the same way a
 * throw does. The overrun is detected after the callback returns: a synchronous infinite loop cannot
 * be interrupted inside the engine process; that case is the engine process supervisor's (it sees the
 * engine stop answering and restarts it, halted).
 */
import type { Bar, Quote } from '../core/bar';
import { EngineError } from '../core/errors';
import type { OrderFilled } from '../core/events';
import type { Kernel } from '../core/kernel';
import type { PortfolioView } from '../core/portfolio-view';
import type { Intent, Strategy, StrategyContext } from './strategy';

export type StrategyState = 'STOPPED' | 'RUNNING' | 'FAULTED';

export interface StrategyRunnerOptions {
  kernel: Kernel;
  portfolio: PortfolioView;
  onIntent: (strategyId: string, intent: Intent) => void;
  /** Longest a strategy callback may run, ms (default: no budget). */
  budgetMs?: number;
  /** Monotonic time for the budget, ms (default `performance.now`). */
  now?: () => number;
}

export class StrategyRunner {
  private readonly kernel: Kernel;
  private readonly portfolio: PortfolioView;
  private readonly onIntent: (strategyId: string, intent: Intent) => void;
  private readonly strategies = new Map<string, Strategy>();
  private readonly states = new Map<string, StrategyState>();
  /** Instrument id -> running strategies that trade it; the slot objects are registered with the kernel once. */
  private readonly slots = new Map<string, { list: Strategy[] }>();
  private readonly budgetMs: number;
  private readonly perfNow: () => number;

  constructor(opts: StrategyRunnerOptions) {
    this.kernel = opts.kernel;
    this.portfolio = opts.portfolio;
    this.onIntent = opts.onIntent;
    this.budgetMs = opts.budgetMs ?? Infinity;
    this.perfNow = opts.now ?? (() => performance.now());
    this.kernel.bus.on('OrderFilled', (e) => this.dispatchFill(e));
  }

  add(strategy: Strategy): void {
    if (this.strategies.has(strategy.id)) throw new EngineError('strategy.duplicate_id', `strategy id ${strategy.id} is already used`);
    for (const id of strategy.instruments) {
      if (!this.slots.has(id)) {
        const slot = { list: [] as Strategy[] };
        this.slots.set(id, slot);
        this.kernel.addInstrumentHandler(id, { onBar: (bar) => this.barTo(slot.list, bar), onQuote: (q) => this.quoteTo(slot.list, q) });
      }
    }
    this.strategies.set(strategy.id, strategy);
    this.states.set(strategy.id, 'STOPPED');
  }

  state(id: string): StrategyState | undefined {
    return this.states.get(id);
  }

  list(): { id: string; state: StrategyState; instruments: readonly string[] }[] {
    return [...this.strategies.values()].map((s) => ({ id: s.id, state: this.states.get(s.id) ?? 'STOPPED', instruments: s.instruments }));
  }

  start(id: string): void {
    const s = this.strategies.get(id);
    if (!s || this.states.get(id) === 'RUNNING') return;
    const ctx: StrategyContext = {
      strategyId: id,
      now: () => this.kernel.clock.now(),
      cache: this.kernel.cache,
      portfolio: this.portfolio,
      submit: (intent) => {
        if (this.states.get(id) === 'RUNNING') this.onIntent(id, intent);
      },
    };
    this.setState(s, 'RUNNING', 'started');
    if (!this.guard(s, () => s.onStart?.(ctx), 'onStart')) return;
    this.reindex();
  }

  stop(id: string, reason = 'stopped'): void {
    const s = this.strategies.get(id);
    if (!s || this.states.get(id) !== 'RUNNING') return;
    this.setState(s, 'STOPPED', reason);
    this.reindex();
    this.guard(s, () => s.onStop?.());
  }

  startAll(): void {
    for (const id of this.strategies.keys()) this.start(id);
  }

  stopAll(reason = 'stopped'): void {
    for (const id of this.strategies.keys()) this.stop(id, reason);
  }

  private barTo(list: readonly Strategy[], bar: Bar): void {
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      if (s.onBar) {
        // Without a budget (backtests) the clock is not read: it costs more than a typical onBar.
        const timed = this.budgetMs !== Infinity;
        const t0 = timed ? this.perfNow() : 0;
        try {
          s.onBar(bar);
        } catch (e) {
          this.fault(s, e);
          continue;
        }
        if (timed) this.checkBudget(s, this.perfNow() - t0, 'onBar');
      }
    }
  }

  private quoteTo(list: readonly Strategy[], q: Quote): void {
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      if (s.onQuote) this.guard(s, () => s.onQuote!(q), 'onQuote');
    }
  }

  private dispatchFill(e: OrderFilled): void {
    const s = this.strategies.get(e.strategyId);
    if (s?.onFill && this.states.get(s.id) === 'RUNNING') this.guard(s, () => s.onFill!(e), 'onFill');
  }

  /** Runs strategy code; on a throw or a budget overrun the strategy is faulted and false is returned. */
  private guard(s: Strategy, fn: () => void, what = 'callback'): boolean {
    const timed = this.budgetMs !== Infinity;
    const t0 = timed ? this.perfNow() : 0;
    try {
      fn();
    } catch (e) {
      this.fault(s, e);
      return false;
    }
    return timed ? this.checkBudget(s, this.perfNow() - t0, what) : true;
  }

  /** Faults a strategy whose callback took `ms` (> the budget) unless it already stopped; returns whether it was within budget. */
  private checkBudget(s: Strategy, ms: number, what: string): boolean {
    if (ms <= this.budgetMs) return true;
    if (this.states.get(s.id) === 'RUNNING') {
      this.setState(s, 'FAULTED', `strategy overran its time budget: ${ms.toFixed(1)} ms > ${this.budgetMs} ms in ${what}`);
      this.reindex();
    }
    return false;
  }

  private fault(s: Strategy, e: unknown): void {
    const msg = e instanceof Error ? e.message : String(e);
    this.setState(s, 'FAULTED', `strategy threw: ${msg}`);
    this.reindex();
  }

  private setState(s: Strategy, state: StrategyState, reason: string): void {
    this.states.set(s.id, state);
    this.kernel.emit({ type: 'StrategyStateChanged', tsEvent: this.kernel.clock.now(), strategyId: s.id, state, reason });
  }

  /** Rebuilds each instrument's list of running strategies (lists are replaced, never mutated mid-dispatch). */
  private reindex(): void {
    for (const [inst, slot] of this.slots) {
      slot.list = [...this.strategies.values()].filter((s) => this.states.get(s.id) === 'RUNNING' && s.instruments.includes(inst));
    }
  }
}
