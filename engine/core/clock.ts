/**
 * The injected clock. The kernel never reads the wall clock itself: a backtest drives a SimClock from
 * the data, paper and live sessions use a WallClock. Timers fire in time order (ties by creation).
 */
import { EngineError } from './errors';
import type { EpochMs } from './time';

export interface Clock {
  now(): EpochMs;
  /** Calls `fn` once at or after `at`; returns a cancel function. */
  setTimer(at: EpochMs, fn: () => void): () => void;
}

interface Timer {
  at: EpochMs;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** Simulated time: moves only when `advanceTo` is called, firing due timers on the way. */
export class SimClock implements Clock {
  private t: EpochMs;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(start: EpochMs = 0) {
    this.t = start;
  }

  now(): EpochMs {
    return this.t;
  }

  setTimer(at: EpochMs, fn: () => void): () => void {
    const timer: Timer = { at, seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    return () => {
      timer.cancelled = true;
    };
  }

  /** Moves time forward to `ts` (never back: `clock.backwards`), firing each due timer at its own time. */
  advanceTo(ts: EpochMs): void {
    if (ts < this.t) throw new EngineError('clock.backwards', `clock cannot move back from ${this.t} to ${ts}`);
    while (this.timers.length > 0 && this.timers[0]!.at <= ts) {
      const timer = this.timers.shift()!;
      if (timer.cancelled) continue;
      this.t = Math.max(this.t, timer.at);
      timer.fn();
    }
    this.t = ts;
  }

  pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }
}

/** Real time, for paper and live sessions. */
export class WallClock implements Clock {
  now(): EpochMs {
    return Date.now();
  }

  setTimer(at: EpochMs, fn: () => void): () => void {
    const h = setTimeout(fn, Math.max(0, at - Date.now()));
    return () => clearTimeout(h);
  }
}
