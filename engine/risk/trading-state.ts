/**
 * The engine's trading state: ACTIVE (all orders), REDUCING (only orders that reduce exposure),
 * HALTED (no new orders; cancels and flatten still allowed), RECONCILING (start-up: nothing until the
 * venue and the journal agree). Every change is a TradingStateChanged event with reason and source.
 */
import type { EventInput, TradingState, TradingStateChanged } from '../core/events';

export class TradingStateMachine {
  private current: TradingState;
  private lastSource = 'init';

  constructor(
    private readonly emit: (e: EventInput<TradingStateChanged>) => void,
    private readonly now: () => number,
    initial: TradingState = 'ACTIVE',
  ) {
    this.current = initial;
  }

  get state(): TradingState {
    return this.current;
  }

  /**
   * Who put the engine in its current state: the source of the latest `set` (also of one that found
   * the engine already there, so a kill switch that confirms a halt owns it from then on).
   */
  get source(): string {
    return this.lastSource;
  }

  /** Moves to `to` (no event when already there). Returns whether the state changed. */
  set(to: TradingState, reason: string, source: string): boolean {
    this.lastSource = source;
    if (to === this.current) return false;
    const from = this.current;
    this.current = to;
    this.emit({ type: 'TradingStateChanged', tsEvent: this.now(), from, to, reason, source });
    return true;
  }

  /** Whether an order that increases exposure may be sent now. */
  allowsEntries(): boolean {
    return this.current === 'ACTIVE';
  }

  /** Whether an order that only reduces exposure may be sent now. */
  allowsReductions(): boolean {
    return this.current !== 'RECONCILING';
  }
}
