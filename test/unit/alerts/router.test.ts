/**
 * The alert router's own logic on a SimClock (no fake timers): severity routing, kind overrides,
 * folding of duplicates, the storm limit and its digest, retries with exponential backoff and jitter,
 * Retry-After, give-up, queue limits, and that publish never throws or waits. The channels here are
 * the router's output port: they record what reached them (and fail on demand); the real channels
 * against real servers are in test/integration/alerts-channels.test.ts.
 */
import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { SimClock } from '../../../engine/core/clock';
import type { Alert, AlertInput } from '../../../engine/runtime/alerts/alert';
import { AlertRouter, AlertSendError, type AlertChannel, type AlertRouterOptions } from '../../../engine/runtime/alerts/router';

class Recording implements AlertChannel {
  readonly got: { alert: Alert; at: number }[] = [];
  readonly attempts: number[] = [];
  failures: unknown[] = [];
  hang = false;

  constructor(
    readonly name: string,
    private readonly clock: SimClock,
  ) {}

  send(alert: Alert): Promise<void> {
    this.attempts.push(this.clock.now());
    if (this.hang) return new Promise(() => {});
    const f = this.failures.shift();
    if (f !== undefined) return Promise.reject(f);
    this.got.push({ alert, at: this.clock.now() });
    return Promise.resolve();
  }

  titles(): string[] {
    return this.got.map((g) => g.alert.title);
  }
}

const T0 = Date.UTC(2024, 0, 2, 12, 0);

async function settle(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await tick();
}

function setup(over: Partial<AlertRouterOptions> = {}) {
  const clock = new SimClock(T0);
  const tg = new Recording('telegram', clock);
  const log = new Recording('log', clock);
  const errors: { err: unknown; context: string }[] = [];
  const router = new AlertRouter({
    clock,
    channels: [tg, log],
    routing: { critical: ['telegram', 'log'], warning: ['telegram', 'log'], info: ['log', 'slack'] },
    dedupeWindowMs: 60_000,
    rateLimit: { max: 3, windowMs: 60_000 },
    retry: { initialMs: 1000, maxMs: 8000, giveUpAfterMs: 60_000 },
    random: () => 0.5,
    onError: (err, context) => errors.push({ err, context }),
    ...over,
  });
  const advance = async (ms: number) => {
    clock.advanceTo(clock.now() + ms);
    await settle();
  };
  return { clock, tg, log, router, errors, advance };
}

const a = (over: Partial<AlertInput> = {}): AlertInput => ({ severity: 'warning', kind: 'order.rejected', key: 'k1', title: 'rejected', text: 'why', ...over });

describe('alert router', () => {
  it('routes by severity; channels not enabled are skipped; the kind can be moved or switched off', async () => {
    const { router, tg, log } = setup({ kinds: { 'trade.executed': 'warning', 'data.stale': 'off' } });
    expect(router.publish(a({ severity: 'critical', key: 'c' }))).toBe('routed');
    expect(router.publish(a({ severity: 'info', key: 'i', kind: 'position.closed' }))).toBe('routed');
    expect(router.publish(a({ severity: 'info', key: 't', kind: 'trade.executed', title: 'fill' }))).toBe('routed');
    expect(router.publish(a({ severity: 'warning', key: 's', kind: 'data.stale' }))).toBe('off');
    expect(router.publish(a({ severity: 'info', key: 'x', kind: 'position.closed', channels: ['slack'] }))).toBe('unrouted');
    await settle();
    expect(tg.got.map((g) => g.alert.key)).toEqual(['c', 't']);
    expect(log.got.map((g) => g.alert.key)).toEqual(['c', 'i', 't']);
    expect(tg.got[1]!.alert.severity).toBe('warning');
  });

  it('publish is synchronous: nothing is sent inside the call, and bad input is refused with alert.invalid, never thrown', async () => {
    const { router, tg, errors } = setup();
    const r = router.publish(a());
    expect(r).toBe('routed');
    expect(tg.attempts).toEqual([]); // sending happens later, on the event loop
    expect(router.publish({ severity: 'urgent', kind: 'x', key: '', title: '' } as unknown as AlertInput)).toBe('invalid');
    expect(() => router.publish(null as unknown as AlertInput)).not.toThrow();
    await settle();
    expect(tg.got).toHaveLength(1);
    expect(errors.filter((e) => (e.err as AlertSendError).code === 'alert.invalid')).toHaveLength(2);
  });

  it('folds duplicates of one key inside the window and reports the count when the window ends', async () => {
    const { router, tg, advance } = setup();
    expect(router.publish(a({ title: 'order rejected: MARKET_HALTED' }))).toBe('routed');
    await advance(1000);
    for (let i = 0; i < 4; i++) expect(router.publish(a({ title: 'order rejected: MARKET_HALTED' }))).toBe('folded');
    expect(router.publish(a({ key: 'other' }))).toBe('routed');
    await settle();
    expect(tg.got.map((g) => g.alert.key)).toEqual(['k1', 'other']);
    expect(router.stats().folded).toBe(4);
    await advance(59_000);
    expect(tg.titles().at(-1)).toBe('order rejected: MARKET_HALTED (repeated 4 more times in 60 s)');
    expect(tg.got.at(-1)!.alert.kind).toBe('alerts.repeated');
    // after the window, the key is news again
    expect(router.publish(a())).toBe('routed');
  });

  it('a storm is limited per channel: the rest become one digest "N more alerts suppressed" when the window allows; critical alerts still go out', async () => {
    const { router, tg, log, advance } = setup({ dedupeWindowMs: 0 });
    for (let i = 1; i <= 10; i++) router.publish(a({ key: `k${i}`, title: `alert ${i}` }));
    router.publish(a({ severity: 'critical', key: 'crit', title: 'HALTED' }));
    await settle();
    expect(tg.titles()).toEqual(['alert 1', 'alert 2', 'alert 3', 'HALTED']);
    expect(log.titles()).toEqual(['alert 1', 'alert 2', 'alert 3', 'HALTED']);
    expect(router.stats().channels.telegram!.suppressed).toBe(7);
    await advance(59_999);
    expect(tg.got).toHaveLength(4);
    await advance(1);
    const digest = tg.got[4]!.alert;
    expect(digest.kind).toBe('alerts.suppressed');
    expect(digest.title).toBe('7 more alerts suppressed (7 warning)');
    expect(digest.text).toContain('- alert 4');
    expect(digest.text).toContain('... and 2 more');
    expect(log.got[4]!.alert.title).toBe('7 more alerts suppressed (7 warning)');
  });

  it('retries a failing channel with exponential backoff and jitter, then delivers; the other channel is not held up', async () => {
    const { router, tg, log, advance, errors } = setup();
    tg.failures = [new AlertSendError('503', 'x.server', true), new AlertSendError('503', 'x.server', true), new Error('ECONNRESET')];
    router.publish(a({ severity: 'critical', key: 'c', title: 'HALTED' }));
    await settle();
    expect(log.titles()).toEqual(['HALTED']);
    expect(tg.got).toHaveLength(0);
    // random() = 0.5: each wait is 3/4 of the step; steps 1 s, 2 s, 4 s
    await advance(749);
    expect(tg.attempts).toHaveLength(1);
    await advance(1);
    expect(tg.attempts).toHaveLength(2);
    await advance(1500);
    expect(tg.attempts).toHaveLength(3);
    await advance(3000);
    expect(tg.titles()).toEqual(['HALTED']);
    expect(tg.attempts.map((t) => t - T0)).toEqual([0, 750, 2250, 5250]);
    expect(router.stats().channels.telegram).toMatchObject({ delivered: 1, failedAttempts: 3, dropped: 0 });
    expect(errors.map((e) => e.context)).toEqual([
      'telegram: attempt 1 failed; retrying in 750 ms',
      'telegram: attempt 2 failed; retrying in 1500 ms',
      'telegram: attempt 3 failed; retrying in 3000 ms',
    ]);
  });

  it('backoff: doubles up to max_ms, jitter keeps it in [step/2, step], Retry-After wins when longer', () => {
    const seq = [0, 0.999, 0.3];
    const { router } = setup({ random: () => seq.shift() ?? 0 });
    expect(router.backoff(1, null)).toBe(500);
    expect(router.backoff(2, null)).toBe(1999);
    expect(router.backoff(10, null)).toBe(4000 + 1200);
    expect(router.backoff(1, 30_000)).toBe(30_000);
  });

  it('honours the service Retry-After, drops not-retryable failures at once, and gives up after give_up_after', async () => {
    const { router, tg, advance, errors } = setup();
    tg.failures = [new AlertSendError('429', 'telegram.rate_limited', true, 5000)];
    router.publish(a({ key: 'a1', title: 'first' }));
    await settle();
    await advance(4999);
    expect(tg.attempts).toHaveLength(1);
    await advance(1);
    expect(tg.titles()).toEqual(['first']);

    tg.failures = [new AlertSendError('chat not found', 'telegram.400', false)];
    router.publish(a({ key: 'a2', title: 'second' }));
    router.publish(a({ key: 'a3', title: 'third' }));
    await settle();
    expect(tg.titles()).toEqual(['first', 'third']);
    expect(errors.some((e) => String((e.err as Error).message).includes('telegram.400') && e.context.includes('"second"'))).toBe(true);

    tg.failures = Array.from({ length: 100 }, () => new Error('down'));
    router.publish(a({ severity: 'critical', key: 'a4', title: 'fourth' }));
    for (let i = 0; i < 20; i++) await advance(8000);
    expect(router.stats().channels.telegram!.dropped).toBe(2);
    expect(errors.some((e) => (e.err as Error).message.startsWith('alert dropped: undelivered after') && e.context.includes('"fourth"'))).toBe(true);
  });

  it('a send that never settles times out and is retried; a full queue drops the oldest least severe alert', async () => {
    const { router, tg, advance } = setup({ sendTimeoutMs: 2000, queueLimit: 3, rateLimit: null, dedupeWindowMs: 0 });
    tg.hang = true;
    router.publish(a({ severity: 'critical', key: 'h', title: 'hung' }));
    await settle();
    router.publish(a({ severity: 'info', key: 'i1', title: 'info 1', channels: ['telegram'] }));
    router.publish(a({ severity: 'warning', key: 'w1', title: 'warn 1' }));
    router.publish(a({ severity: 'info', key: 'i2', title: 'info 2', channels: ['telegram'] }));
    expect(router.stats().channels.telegram).toMatchObject({ dropped: 1, queued: 3 });
    tg.hang = false;
    await advance(2000);
    await advance(1000);
    expect(tg.titles()).toEqual(['hung', 'warn 1', 'info 2']);
  });

  it('close() drains what it can, then drops the rest (reported) and refuses new alerts', async () => {
    const { router, tg, log, errors } = setup({ rateLimit: null });
    tg.failures = Array.from({ length: 10 }, () => new Error('down'));
    router.publish(a({ key: 'x', title: 'x' }));
    router.publish(a({ key: 'y', title: 'y' }));
    await settle();
    await router.close(0);
    await settle();
    expect(router.publish(a({ key: 'z' }))).toBe('closed');
    expect(log.titles()).toEqual(['x', 'y']);
    expect(tg.got).toHaveLength(0);
    expect(router.stats().channels.telegram!.dropped).toBe(2);
    expect(errors.filter((e) => (e.err as AlertSendError).code === 'alert.dropped')).toHaveLength(2);
  });
});
