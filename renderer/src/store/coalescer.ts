/**
 * Coalesces a stream of items into batches delivered at most once per `intervalMs` (default 50 ms,
 * i.e. <= 20 Hz): the first item after a quiet period is delivered on the next tick, later ones wait
 * for the interval to pass. The store applies each batch in ONE state update, so a burst of patches
 * costs one render. Time and timers are injected (tests drive them by hand).
 */
export interface CoalescerTimer {
  now(): number;
  /** Runs `cb` after `ms`; returns a canceller. */
  after(ms: number, cb: () => void): () => void;
}

export const browserTimer: CoalescerTimer = {
  now: () => performance.now(),
  after: (ms, cb) => {
    const id = setTimeout(cb, ms);
    return () => clearTimeout(id);
  },
};

export class Coalescer<T> {
  private buffer: T[] = [];
  private cancel: (() => void) | null = null;
  private last = -Infinity;
  /** Batches delivered so far. */
  flushes = 0;

  constructor(
    private readonly deliver: (batch: T[]) => void,
    private readonly timer: CoalescerTimer = browserTimer,
    private readonly intervalMs = 50,
  ) {}

  push(item: T): void {
    this.buffer.push(item);
    if (this.cancel !== null) return;
    const wait = Math.max(0, this.last + this.intervalMs - this.timer.now());
    this.cancel = this.timer.after(wait, () => this.flush());
  }

  /** Delivers what is buffered now. */
  flush(): void {
    this.cancel?.();
    this.cancel = null;
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    this.last = this.timer.now();
    this.flushes++;
    this.deliver(batch);
  }

  dispose(): void {
    this.cancel?.();
    this.cancel = null;
    this.buffer = [];
  }
}
