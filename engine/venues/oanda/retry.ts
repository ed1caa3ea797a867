/**
 * Retry policy for v20 requests: exponential backoff with full jitter (delay drawn uniformly from
 * [base·2^(n-1)/2, base·2^(n-1)], capped), honouring a `Retry-After` the service sends. Only
 * idempotent requests are ever retried (GET, and the PUT/PATCH calls whose repetition has the same
 * effect); a POST that creates an order is never sent twice: its lost reply is resolved by looking the
 * order up by client id. `random` is injectable so tests are deterministic.
 */
import { isOandaError, type OandaError } from './errors';

export interface RetryOptions {
  /** Attempts in total, including the first (>= 1). */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  random?: () => number;
}

export class RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  private readonly random: () => number;

  constructor(opts: RetryOptions = {}) {
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? 5);
    this.baseDelayMs = opts.baseDelayMs ?? 200;
    this.maxDelayMs = opts.maxDelayMs ?? 10_000;
    this.random = opts.random ?? Math.random;
  }

  /** Delay before attempt `attempt + 1` after `attempt` failed attempts (attempt >= 1). */
  delayMs(attempt: number, err?: OandaError): number {
    const exp = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.max(0, attempt - 1));
    const jittered = exp / 2 + this.random() * (exp / 2);
    const after = err?.details.retryAfterMs;
    return Math.round(after !== undefined ? Math.min(this.maxDelayMs, Math.max(after, jittered)) : jittered);
  }

  /** Whether to try again after `attempt` failed attempts of a request. */
  shouldRetry(err: unknown, attempt: number, idempotent: boolean): boolean {
    return idempotent && attempt < this.maxAttempts && isOandaError(err) && err.retryable;
  }
}

/** Backoff for reconnecting streams: exponential with full jitter, reset after a healthy period. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly baseMs = 250,
    private readonly maxMs = 15_000,
    private readonly random: () => number = Math.random,
  ) {}

  next(): number {
    this.attempt++;
    const exp = Math.min(this.maxMs, this.baseMs * 2 ** (this.attempt - 1));
    return Math.round(exp / 2 + this.random() * (exp / 2));
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
