/**
 * Every order type and time in force through `engine.orders.submit` of a real engine (the venue's
 * own tests cover the matching rules in detail; these check the order manager path end to end).
 */
import { describe, expect, it } from 'vitest';
import type { OrderRequest } from '../../../engine/core/order';
import { VolumeParticipationFillModel } from '../../../engine/sim';
import { EngineHarness } from '../runtime/engine-harness';

const req = (extra: Partial<OrderRequest> & Pick<OrderRequest, 'side' | 'type'>): OrderRequest => ({ instrumentId: 'AAA', qty: 10, ...extra });

describe('order types', () => {
  it('BUY MARKET_IF_TOUCHED fills at its price when the low touches it; SELL MIT when the high does', () => {
    const h = new EngineHarness();
    h.flat(100);
    const b = h.submit(req({ side: 'BUY', type: 'MARKET_IF_TOUCHED', price: 99_00 }));
    const s = h.submit(req({ side: 'SELL', type: 'MARKET_IF_TOUCHED', price: 101_00, qty: 5 }));
    h.bar(100, 100.5, 99.5, 100);
    expect(h.of('OrderFilled')).toHaveLength(0);
    h.bar(100, 101.5, 98.5, 100);
    expect(h.of('OrderFilled', b.clientOrderId)[0]).toMatchObject({ lastPx: 99_00, lastQty: 10, liquidity: 'TAKER' });
    expect(h.of('OrderFilled', s.clientOrderId)[0]).toMatchObject({ lastPx: 101_00, lastQty: 5 });
    expect(h.position()).toBe(5);
  });

  it('a BUY STOP entry fills at its trigger when the high reaches it', () => {
    const h = new EngineHarness();
    h.flat(100);
    const r = h.submit(req({ side: 'BUY', type: 'STOP', triggerPrice: 101_00 }));
    h.bar(100, 101.2, 99.8, 101);
    expect(h.of('OrderFilled', r.clientOrderId)[0]).toMatchObject({ lastPx: 101_00, lastQty: 10 });
  });
});

describe('time in force', () => {
  it('GTC stays working over days', () => {
    const h = new EngineHarness({}, 24 * 3_600_000);
    h.flat(100);
    const r = h.submit(req({ side: 'BUY', type: 'LIMIT', price: 90_00, tif: 'GTC' }));
    for (let i = 0; i < 3; i++) h.flat(100);
    expect(h.order(r.clientOrderId).status).toBe('ACCEPTED');
  });

  it('DAY expires on the first bar of a later UTC day', () => {
    const h = new EngineHarness({ start: Date.UTC(2024, 0, 2, 23, 0) }, 15 * 60_000);
    h.flat(100); // clock 23:15
    const r = h.submit(req({ side: 'BUY', type: 'LIMIT', price: 90_00, tif: 'DAY' }));
    h.flat(100); // bar opening 23:15, same day
    expect(h.order(r.clientOrderId).status).toBe('ACCEPTED');
    h.flat(100); // 23:30
    h.flat(100); // 23:45
    h.flat(100); // opens 00:00 next day
    expect(h.order(r.clientOrderId).status).toBe('EXPIRED');
    expect(h.of('OrderExpired', r.clientOrderId)).toHaveLength(1);
  });

  it('IOC fills what the first eligible bar allows and cancels the rest', () => {
    const h = new EngineHarness({ fillModel: new VolumeParticipationFillModel({ fraction: 0.5 }) });
    h.flat(100);
    const r = h.submit(req({ side: 'BUY', type: 'MARKET', qty: 100, tif: 'IOC' }));
    h.bar(100, 100, 100, 100, { volume: 60 });
    expect(h.order(r.clientOrderId)).toMatchObject({ status: 'CANCELED', filledQty: 30 });
    expect(h.of('OrderCanceled', r.clientOrderId)[0]!.reason).toBe('ioc');
    expect(h.position()).toBe(30);
  });

  it('FOK fills completely or not at all', () => {
    const h = new EngineHarness({ fillModel: new VolumeParticipationFillModel({ fraction: 0.5 }) });
    h.flat(100);
    const big = h.submit(req({ side: 'BUY', type: 'MARKET', qty: 100, tif: 'FOK' }));
    h.bar(100, 100, 100, 100, { volume: 60 });
    expect(h.order(big.clientOrderId)).toMatchObject({ status: 'CANCELED', filledQty: 0 });
    expect(h.of('OrderCanceled', big.clientOrderId)[0]!.reason).toBe('fok');
    const small = h.submit(req({ side: 'BUY', type: 'MARKET', qty: 20, tif: 'FOK' }));
    h.bar(100, 100, 100, 100, { volume: 60 });
    expect(h.order(small.clientOrderId)).toMatchObject({ status: 'FILLED', filledQty: 20 });
  });
});
