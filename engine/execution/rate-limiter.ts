/**
 * A token bucket for order requests to one venue, driven by the injected clock (never the wall
 * clock: a backtest limits the same way at replayed time, and a replay reproduces every denial).
 *
 * The bucket holds at most `burst` tokens and gains `perSecond` tokens per second of clock time. A
 * request that must be limited takes one token or is refused (`tryTake`); a request that must never
 * be refused (cancels are not counted at all; flatten and protective orders are counted by `take`)
 * takes a token when there is one and passes either way, so the bucket reflects what the venue sees
 * without ever going negative (a flatten burst must not lock entries out for long afterwards).
 */
import { EngineError } from '../core/errors';
import type { Clock } from '../core/clock';
import type { EpochMs } from '../core/time';

export interface RateLimitOptions {
  /** Tokens added per second (> 0). */
  perSecond: number;
  /** Bucket capacity: the largest burst of requests at one instant (>= 1). */
  burst: number;
}

export class TokenBucket {
  readonly perSecond: number;
  readonly burst: number;
  private tokens: number;
  private last: EpochMs;

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    opts: RateLimitOptions,
  ) {
    if (!(Number.isFinite(opts.perSecond) && opts.perSecond > 0)) {
      throw new EngineError('config.invalid', `rate limit: orders per second must be a positive number, got ${opts.perSecond}`);
    }
    if (!(Number.isInteger(opts.burst) && opts.burst >= 1)) throw new EngineError('config.invalid', `rate limit: burst must be an integer >= 1, got ${opts.burst}`);
    this.perSecond = opts.perSecond;
    this.burst = opts.burst;
    this.tokens = opts.burst;
    this.last = clock.now();
  }

  /** Tokens available now (fractional while refilling). */
  available(): number {
    this.refill();
    return this.tokens;
  }

  /** Takes one token when one is available; false (nothing taken) when the bucket is empty. */
  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Counts a request that is never refused: takes a token when there is one. */
  take(): void {
    this.refill();
    if (this.tokens >= 1) this.tokens -= 1;
  }

  /** Milliseconds of clock time until the next token (0 when one is available). */
  msUntilNext(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.perSecond);
  }

  private refill(): void {
    const now = this.clock.now();
    const dt = now - this.last;
    if (dt <= 0) return; // a clock that does not move (or a restarted one) adds nothing
    this.last = now;
    this.tokens = Math.min(this.burst, this.tokens + (dt * this.perSecond) / 1000);
  }
}
