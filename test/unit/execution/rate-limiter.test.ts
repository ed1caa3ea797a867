/**
 * Order rate limiting: the token bucket on a SimClock, and the order manager of a real engine
 * denying new orders with `venue.rate_limited` while never limiting cancels, flatten orders and
 * protective bracket children.
 */
import { describe, expect, it } from 'vitest';
import { SimClock } from '../../../engine/core/clock';
import { EngineError } from '../../../engine/core/errors';
import type { OrderRequest } from '../../../engine/core/order';
import { TokenBucket } from '../../../engine/execution/rate-limiter';
import { validateConfig } from '../../../engine/runtime/config';
import { EngineHarness, NO_LIMITS } from '../runtime/engine-harness';

const limited = (orders_per_second: number, burst: number) => ({ ...NO_LIMITS, execution: { rate_limit: { orders_per_second, burst } } });
const limit = (price: number, extra: Partial<OrderRequest> = {}): OrderRequest => ({ instrumentId: 'AAA', side: 'BUY', qty: 1, type: 'LIMIT', price, ...extra });

describe('TokenBucket', () => {
  it('starts full, refuses when empty, refills with clock time up to the burst', () => {
    const clock = new SimClock(1_000);
    const b = new TokenBucket(clock, { perSecond: 4, burst: 2 });
    expect([b.tryTake(), b.tryTake(), b.tryTake()]).toEqual([true, true, false]);
    expect(b.msUntilNext()).toBe(250);
    clock.advanceTo(1_249);
    expect(b.tryTake()).toBe(false);
    clock.advanceTo(1_250);
    expect(b.tryTake()).toBe(true);
    clock.advanceTo(60_000); // a long pause refills to the burst, not beyond
    expect(b.available()).toBe(2);
    expect([b.tryTake(), b.tryTake(), b.tryTake()]).toEqual([true, true, false]);
  });

  it('take() never refuses and never drives the bucket below zero', () => {
    const clock = new SimClock(0);
    const b = new TokenBucket(clock, { perSecond: 1, burst: 1 });
    b.take();
    b.take();
    b.take();
    expect(b.available()).toBe(0);
    clock.advanceTo(1_000);
    expect(b.tryTake()).toBe(true);
  });

  it('rejects nonsense parameters', () => {
    const clock = new SimClock(0);
    expect(() => new TokenBucket(clock, { perSecond: 0, burst: 1 })).toThrow(EngineError);
    expect(() => new TokenBucket(clock, { perSecond: 1, burst: 0 })).toThrow(EngineError);
    expect(() => new TokenBucket(clock, { perSecond: Number.NaN, burst: 1 })).toThrow(EngineError);
  });
});

describe('configuration', () => {
  it('default: 100 orders/s, burst 100; null switches it off; bad values are config errors', () => {
    expect(validateConfig({}).config.execution).toEqual({ rate_limit: { orders_per_second: 100, burst: 100 } });
    expect(validateConfig({ execution: { rate_limit: null } }).config.execution.rate_limit).toBeNull();
    expect(validateConfig({ execution: { rate_limit: { orders_per_second: 5 } } }).config.execution.rate_limit).toEqual({ orders_per_second: 5, burst: 100 });
    expect(() => validateConfig({ execution: { rate_limit: { orders_per_second: 0, burst: 1 } } })).toThrow(/execution\.rate_limit\.orders_per_second/);
    expect(() => validateConfig({ execution: { rate_limit: { orders_per_second: 1, burst: 0.5 } } })).toThrow(/execution\.rate_limit\.burst/);
    expect(() => validateConfig({ execution: { rate_limits: {} } })).toThrow(/config|invalid/);
  });
});

describe('order manager rate limit', () => {
  it('denies new orders beyond the burst with venue.rate_limited (never at the venue), then lets them through as tokens refill', () => {
    const h = new EngineHarness({ config: limited(2, 3) });
    h.flat(100);
    const ok = [90_00, 91_00, 92_00].map((p) => h.submit(limit(p)));
    expect(ok.every((r) => r.ok)).toBe(true);
    const denied = h.submit(limit(93_00));
    expect(denied).toMatchObject({ ok: false, code: 'venue.rate_limited' });
    expect(h.order(denied.clientOrderId).status).toBe('DENIED');
    expect(h.denials()).toMatchObject([{ clientOrderId: denied.clientOrderId, code: 'venue.rate_limited' }]);
    expect(h.venueSaw()).not.toContain(denied.clientOrderId);
    h.clock.advanceTo(h.clock.now() + 499);
    expect(h.submit(limit(93_00))).toMatchObject({ ok: false, code: 'venue.rate_limited' });
    h.clock.advanceTo(h.clock.now() + 1);
    expect(h.submit(limit(93_00))).toMatchObject({ ok: true });
  });

  it('orders refused by validation or the risk gate use no token', () => {
    const h = new EngineHarness({ config: limited(1, 1), initialState: 'HALTED' });
    h.flat(100);
    expect(h.submit(limit(90_00))).toMatchObject({ ok: false, code: 'risk.halted' });
    expect(h.submit(limit(0))).toMatchObject({ ok: false, code: 'order.missing_price' });
    expect(h.engine.orders.limiter!.available()).toBe(1);
  });

  it('cancels, cancelAll and FLATTEN orders are never limited', () => {
    const h = new EngineHarness({ config: limited(1, 2) });
    h.flat(100);
    h.submit({ instrumentId: 'AAA', side: 'BUY', qty: 10, type: 'MARKET' });
    const resting = h.submit(limit(90_00));
    expect(h.submit(limit(91_00))).toMatchObject({ ok: false, code: 'venue.rate_limited' });
    h.flat(100); // a 15-minute bar refills the bucket; use it up again
    h.submit(limit(89_00));
    h.submit(limit(88_00));
    expect(h.engine.orders.limiter!.available()).toBe(0);
    expect(h.engine.orders.cancel(resting.clientOrderId)).toBe(true);
    expect(h.engine.orders.cancelAll('AAA')).toHaveLength(2);
    const flat = h.submit({ instrumentId: 'AAA', side: 'SELL', qty: 10, type: 'MARKET', role: 'FLATTEN', reduceOnly: true });
    expect(flat.ok).toBe(true);
    h.flat(100);
    expect(h.position()).toBe(0);
  });

  it('bracket children are placed even when the bucket is empty (protection is never refused)', () => {
    const h = new EngineHarness({ config: limited(1, 1) });
    h.flat(100);
    const entry = h.submit({ instrumentId: 'AAA', side: 'BUY', qty: 10, type: 'MARKET', bracket: { stopLossDistance: 100, takeProfitDistance: 100 } });
    expect(entry.ok).toBe(true);
    expect(h.engine.orders.limiter!.available()).toBe(0);
    // The bar that fills the entry comes 15 minutes later (bucket full again); drain it first at that time.
    h.clock.advanceTo(h.ts + h.barMs);
    h.engine.orders.limiter!.tryTake();
    h.flat(100);
    const kids = h.working();
    expect(kids.map((o) => o.role)).toEqual(['STOP_LOSS', 'TAKE_PROFIT']);
    expect(h.denials()).toEqual([]);
  });

  it('a user modification takes a token and is refused with OrderModifyDenied when the bucket is empty', () => {
    const h = new EngineHarness({ config: limited(1, 2) });
    h.flat(100);
    const { clientOrderId: id } = h.submit(limit(90_00));
    expect(h.engine.orders.modify(id, { price: 91_00 })).toEqual({ ok: true });
    expect(h.engine.orders.modify(id, { price: 92_00 })).toMatchObject({ ok: false, code: 'venue.rate_limited' });
    expect(h.of('OrderModifyDenied', id)).toMatchObject([{ code: 'venue.rate_limited' }]);
    expect(h.order(id)).toMatchObject({ status: 'ACCEPTED', price: 91_00 });
  });

  it('rate_limit: null means no limit', () => {
    const h = new EngineHarness({ config: { ...NO_LIMITS, execution: { rate_limit: null } } });
    h.flat(100);
    expect(h.engine.orders.limiter).toBeNull();
    for (let i = 0; i < 300; i++) expect(h.submit(limit(80_00 + i)).ok).toBe(true);
  });
});
