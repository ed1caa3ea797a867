import { describe, expect, it } from 'vitest';
import { ConnectionGate, RequestPacer } from '../../../engine/venues/oanda/rate-limit';
import { Backoff, RetryPolicy } from '../../../engine/venues/oanda/retry';
import { OandaError } from '../../../engine/venues/oanda/errors';

describe('RequestPacer (token bucket)', () => {
  it('never lets more than perSecond + burst requests through in any second', async () => {
    const pacer = new RequestPacer({ perSecond: 100, burst: 20 });
    const times: number[] = [];
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 150 }, () => pacer.acquire().then(() => times.push(Date.now() - t0))));
    times.sort((a, b) => a - b);
    // 20 at once, then 100/s: the 150th waits ~1.3 s
    expect(times[149]!).toBeGreaterThanOrEqual(1200);
    for (let i = 0; i < times.length; i++) {
      const inWindow = times.filter((t) => t >= times[i]! && t < times[i]! + 1000).length;
      expect(inWindow).toBeLessThanOrEqual(120);
    }
  });

  it('lets an urgent request jump the queue', async () => {
    const pacer = new RequestPacer({ perSecond: 20, burst: 1 });
    await pacer.acquire();
    const order: string[] = [];
    const slow = Array.from({ length: 5 }, (_, i) => pacer.acquire().then(() => order.push(`n${i}`)));
    const urgent = pacer.acquire({ urgent: true }).then(() => order.push('urgent'));
    await Promise.all([...slow, urgent]);
    expect(order[0]).toBe('urgent');
  });
});

describe('ConnectionGate', () => {
  it('opens at most 2 connections in any sliding second', async () => {
    const gate = new ConnectionGate({ limit: 2, windowMs: 300 });
    const t0 = Date.now();
    const times: number[] = [];
    await Promise.all(Array.from({ length: 6 }, () => gate.acquire().then(() => times.push(Date.now() - t0))));
    times.sort((a, b) => a - b);
    for (let i = 2; i < times.length; i++) expect(times[i]! - times[i - 2]!).toBeGreaterThanOrEqual(295);
    expect(gate.opened).toBe(6);
  });
});

describe('RetryPolicy', () => {
  const retryable = new OandaError('oanda.http_503', 'x', { status: 503 }, { retryable: true, outcomeUnknown: true });
  it('retries only idempotent requests, only retryable errors, at most maxAttempts', () => {
    const p = new RetryPolicy({ maxAttempts: 3 });
    expect(p.shouldRetry(retryable, 1, true)).toBe(true);
    expect(p.shouldRetry(retryable, 1, false)).toBe(false);
    expect(p.shouldRetry(retryable, 3, true)).toBe(false);
    expect(p.shouldRetry(new OandaError('oanda.http_400', 'x', { status: 400 }), 1, true)).toBe(false);
    expect(p.shouldRetry(new Error('x'), 1, true)).toBe(false);
  });

  it('backs off exponentially with jitter, capped, and honours Retry-After', () => {
    const lo = new RetryPolicy({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 0 });
    const hi = new RetryPolicy({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 1 });
    expect([1, 2, 3, 4, 5].map((n) => lo.delayMs(n))).toEqual([50, 100, 200, 400, 500]);
    expect([1, 2, 3, 4, 5].map((n) => hi.delayMs(n))).toEqual([100, 200, 400, 800, 1000]);
    const e429 = new OandaError('oanda.http_429', 'x', { status: 429, retryAfterMs: 700 }, { retryable: true });
    expect(lo.delayMs(1, e429)).toBe(700);
  });

  it('stream backoff grows and resets', () => {
    const b = new Backoff(100, 1000, () => 1);
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([100, 200, 400, 800, 1000]);
    b.reset();
    expect(b.next()).toBe(100);
  });
});
