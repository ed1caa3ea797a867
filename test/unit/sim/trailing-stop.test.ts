/**
 * TRAILING_STOP at the simulated venue itself: rejections, trailing on the traded side of bid/ask
 * bars, priority with stops, and no trailing once triggered.
 */
import { describe, expect, it } from 'vitest';
import { VolumeParticipationFillModel } from '../../../engine/sim';
import { Harness } from './harness';

describe('SimulatedVenue TRAILING_STOP', () => {
  it.each([
    ['no distance', { trailingDistance: null, triggerPrice: 9_900 }, 'venue.rejected.missing_trailing_distance'],
    ['zero distance', { trailingDistance: 0, triggerPrice: 9_900 }, 'venue.rejected.invalid_trailing_distance'],
    ['no trigger', { trailingDistance: 50, triggerPrice: null }, 'venue.rejected.missing_trigger_price'],
    ['distance off the tick grid', { instrumentId: 'NICKEL', trailingDistance: 7, triggerPrice: 9_900 }, 'venue.rejected.invalid_trailing_distance'],
  ])('%s -> %s', (_n, extra, code) => {
    const h = new Harness();
    h.submit({ side: 'SELL', type: 'TRAILING_STOP', qty: 1, ...extra });
    expect(h.events.at(-1)).toMatchObject({ type: 'OrderRejected', code });
  });

  it('on bid/ask bars a SELL trails the bid high, a BUY the ask low', () => {
    const h = new Harness();
    h.bar(100, 100, 100, 100);
    const sell = h.submit({ side: 'SELL', type: 'TRAILING_STOP', qty: 1, trailingDistance: 100, triggerPrice: 9_900 });
    const buy = h.submit({ side: 'BUY', type: 'TRAILING_STOP', qty: 1, trailingDistance: 100, triggerPrice: 10_100 });
    h.bar(100, 101, 99.5, 100, { bid: { open: 99.9, high: 100.9, low: 99.4, close: 99.9 }, ask: { open: 100.1, high: 100.95, low: 99.6, close: 100.1 } });
    const ups = h.events.filter((e) => e.type === 'OrderUpdated');
    expect(ups.map((e) => (e.type === 'OrderUpdated' ? [e.clientOrderId, e.triggerPrice] : []))).toEqual([
      [sell, 9_990],
      [buy, 10_060],
    ]);
    expect(h.venue.workingOrders().map((o) => o.triggerPrice)).toEqual([9_990, 10_060]);
  });

  it('a triggered trailing stop that could not fill (no volume) trades at the next open and no longer trails', () => {
    const h = new Harness({ fillModel: new VolumeParticipationFillModel({ fraction: 1 }) });
    h.bar(100, 100, 100, 100);
    const id = h.submit({ side: 'SELL', type: 'TRAILING_STOP', qty: 10, trailingDistance: 100, triggerPrice: 9_900 });
    h.bar(99.5, 99.5, 98.5, 99, { volume: 0 }); // touched, nothing fills
    expect(h.venue.workingOrders()[0]).toMatchObject({ triggered: true, triggerPrice: 9_900 });
    h.bar(105, 106, 104, 105, { volume: 1_000 }); // a rally does not move a triggered stop; fills at the open
    expect(h.events.filter((e) => e.type === 'OrderUpdated')).toEqual([]);
    expect(h.events.at(-1)).toMatchObject({ type: 'OrderFilled', clientOrderId: id, lastPx: 10_500, lastQty: 10 });
  });
});
