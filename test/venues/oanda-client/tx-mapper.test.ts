import { describe, expect, it } from 'vitest';
import { makeInstrument } from '../../../engine/core/instrument';
import { TxMapper, type Tracked } from '../../../engine/venues/oanda/tx-mapper';
import type { V20Transaction } from '../../../engine/venues/oanda/schemas';

const EUR = makeInstrument({ id: 'EUR_USD', assetClass: 'fx', quoteCurrency: 'USD', pricePrecision: 5 });
const T = '2025-03-04T14:30:00.000000000Z';

function mapper(adopt = false) {
  return new TxMapper({ instrument: (id) => (id === 'EUR_USD' ? EUR : undefined), accountCurrency: 'USD', adopt });
}
function tracked(id: string, qty: number, deferAccept: boolean): Tracked {
  return { clientOrderId: id, strategyId: 's', instrumentId: 'EUR_USD', side: 'BUY', qty, filledQty: 0, venueOrderId: null, accepted: false, done: false, deferAccept, tradeIds: [], dependent: null, v20Type: null };
}
const tx = (o: Partial<V20Transaction> & { id: string; type: string }): V20Transaction => ({ time: T, ...o }) as V20Transaction;

describe('TxMapper', () => {
  it('market order: accepted with its fill, each transaction once whatever the source', () => {
    const m = mapper();
    m.track(tracked('c1', 1000, true));
    const create = tx({ id: '4', type: 'MARKET_ORDER', instrument: 'EUR_USD', units: '1000', clientExtensions: { id: 'c1' }, timeInForce: 'FOK' });
    const fill = tx({ id: '5', type: 'ORDER_FILL', orderID: '4', clientOrderID: 'c1', instrument: 'EUR_USD', units: '1000', price: '1.09986', commission: '0.1000', tradeOpened: { tradeID: '5', units: '1000' } });
    expect(m.apply(create).events).toEqual([]);
    const ev = m.apply(fill).events;
    expect(ev.map((e) => e.type)).toEqual(['OrderAccepted', 'OrderFilled']);
    expect(ev[1]).toMatchObject({ lastQty: 1000, lastPx: 109986, fee: 100_000, feeCurrency: 'USD', tradeId: '5', venueTxId: 5, leavesQty: 0 });
    expect(m.apply(fill).events).toEqual([]); // the stream repeating the reply
    expect(m.tradeOwner.get('5')).toBe('c1');
  });

  it('an order cancelled at creation is a rejection with the spec reason', () => {
    const m = mapper();
    m.track(tracked('c2', 1000, true));
    m.apply(tx({ id: '8', type: 'MARKET_ORDER', instrument: 'EUR_USD', units: '1000', clientExtensions: { id: 'c2' } }));
    const ev = m.apply(tx({ id: '9', type: 'ORDER_CANCEL', orderID: '8', clientOrderID: 'c2', reason: 'INSUFFICIENT_MARGIN' })).events;
    expect(ev).toEqual([{ type: 'OrderRejected', tsEvent: Date.parse(T), clientOrderId: 'c2', code: 'oanda.rejected.INSUFFICIENT_MARGIN', reason: 'order cancelled by OANDA: INSUFFICIENT_MARGIN', venueTxId: 9 }]);
  });

  it('pending limit: accepted, replaced (updated), expired', () => {
    const m = mapper();
    m.track(tracked('c3', 500, false));
    expect(m.apply(tx({ id: '10', type: 'LIMIT_ORDER', instrument: 'EUR_USD', units: '500', price: '1.08000', clientExtensions: { id: 'c3' }, timeInForce: 'GTC' })).events.map((e) => e.type)).toEqual(['OrderAccepted']);
    expect(m.apply(tx({ id: '11', type: 'ORDER_CANCEL', orderID: '10', clientOrderID: 'c3', reason: 'CLIENT_REQUEST_REPLACED', replacedByOrderID: '12' })).events).toEqual([]);
    const upd = m.apply(tx({ id: '12', type: 'LIMIT_ORDER', instrument: 'EUR_USD', units: '700', price: '1.07900', clientExtensions: { id: 'c3' }, reason: 'REPLACEMENT', replacesOrderID: '10' })).events;
    expect(upd).toMatchObject([{ type: 'OrderUpdated', qty: 700, price: 107900, triggerPrice: null }]);
    expect(m.byVenue.get('12')).toBe('c3');
    expect(m.apply(tx({ id: '13', type: 'ORDER_CANCEL', orderID: '12', clientOrderID: 'c3', reason: 'TIME_IN_FORCE_EXPIRED' })).events.map((e) => e.type)).toEqual(['OrderExpired']);
  });

  it('unknown orders are unmatched live and adopted in a replay', () => {
    const ext = tx({ id: '20', type: 'MARKET_ORDER', instrument: 'EUR_USD', units: '-300' });
    expect(mapper().apply(ext).unmatched).toBe(true);
    const r = mapper(true);
    const a = r.apply(ext);
    expect(a.adopted.map((t) => t.clientOrderId)).toEqual(['oanda-20']);
    const f = r.apply(tx({ id: '21', type: 'ORDER_FILL', orderID: '20', instrument: 'EUR_USD', units: '-300', price: '1.09000' }));
    expect(f.events.map((e) => e.type)).toEqual(['OrderAccepted', 'OrderFilled']);
    expect(f.events[1]).toMatchObject({ clientOrderId: 'oanda-20', side: 'SELL', lastQty: 300 });
  });

  it('never reports an overfill', () => {
    const m = mapper();
    m.track(tracked('c4', 100, true));
    const r = m.apply(tx({ id: '30', type: 'ORDER_FILL', clientOrderID: 'c4', orderID: '29', instrument: 'EUR_USD', units: '200', price: '1.09000' }));
    expect(r.events).toEqual([]);
    expect(r.unmatched).toBe(true);
  });
});
