/**
 * The OANDA venue inside a real engine against the v20 test server (127.0.0.1): orders with venue-side
 * brackets, partial closes, a JPY pair, rejections with the spec's reasons, modify/cancel, external
 * trades, and the account mirror. Fault switches are in faults.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { OrderRequest } from '../../../engine/core/order';
import { startSession, until, type Session } from './session';

let s: Session | null = null;
afterEach(async () => {
  await s?.close();
  s = null;
});

const eurBuy = (qty: number, extra: Partial<OrderRequest> = {}): OrderRequest => ({ instrumentId: 'EUR_USD', side: 'BUY', qty, type: 'MARKET', ...extra });
const orderPosts = (x: Session) => x.server.requests.filter((r) => r.method === 'POST' && /\/orders$/.test(r.path));

describe('OandaVenue against the v20 test server', () => {
  it('a bracket entry fills with venue-side SL/TP; the engine children become the trade’s dependent orders', async () => {
    s = await startSession();
    const r = s.engine.orders.submit('manual', eurBuy(1000, { bracket: { stopLossDistance: 200, takeProfitDistance: 300 } }));
    expect(r.ok).toBe(true);
    const id = r.clientOrderId;
    await until(() => s!.of('OrderFilled', id).length === 1, 5000, 'entry fill');
    const fill = s.of('OrderFilled', id)[0]!;
    expect(fill).toMatchObject({ lastQty: 1000, lastPx: 110010, side: 'BUY', instrumentId: 'EUR_USD' });
    expect(typeof (fill as { venueTxId?: number }).venueTxId).toBe('number');
    // The POST carried the protection and our client id.
    const body = orderPosts(s)[0]!.body as { order: Record<string, unknown> };
    expect(body.order).toMatchObject({ type: 'MARKET', units: '1000', clientExtensions: { id }, stopLossOnFill: { distance: '0.00200' } });
    // The order manager's children are accepted as the trade's SL and TP (client ids = the children).
    await until(() => s!.of('OrderAccepted').length >= 3, 5000, 'children accepted');
    const trades = await s.venue.api.openTrades();
    expect(trades.trades).toHaveLength(1);
    const t = trades.trades[0]!;
    const sl = s.engine.kernel.cache.openOrders('EUR_USD').find((o) => o.role === 'STOP_LOSS')!;
    const tp = s.engine.kernel.cache.openOrders('EUR_USD').find((o) => o.role === 'TAKE_PROFIT')!;
    expect(t.stopLossOrder?.clientExtensions?.id).toBe(sl.clientOrderId);
    expect(t.stopLossOrder?.price).toBe('1.09810');
    expect(t.takeProfitOrder?.clientExtensions?.id).toBe(tp.clientOrderId);
    expect(t.takeProfitOrder?.price).toBe('1.10310');
    // The market reaches the take-profit: the child fills, the stop is cancelled, the position is flat.
    s.server.setPrice('EUR_USD', '1.10320', '1.10330');
    await until(() => s!.engine.kernel.cache.order(tp.clientOrderId)?.status === 'FILLED', 5000, 'TP fill');
    await until(() => s!.engine.kernel.cache.order(sl.clientOrderId)?.status === 'CANCELED', 5000, 'SL cancelled');
    expect(s.engine.portfolio.position('EUR_USD')?.qty ?? 0).toBe(0);
    expect(s.server.errors).toEqual([]);
  });

  it('limit order: accepted, modified (replace keeps the client id), cancelled', async () => {
    s = await startSession();
    const r = s.engine.orders.submit('manual', eurBuy(500, { type: 'LIMIT', price: 109000 }));
    const id = r.clientOrderId;
    await until(() => s!.engine.kernel.cache.order(id)?.status === 'ACCEPTED', 5000, 'accepted');
    expect(s.engine.orders.modify(id, { price: 108900, qty: 700 }).ok).toBe(true);
    await until(() => s!.of('OrderUpdated', id).length === 1, 5000, 'updated');
    expect(s.engine.kernel.cache.order(id)).toMatchObject({ status: 'ACCEPTED', qty: 700, price: 108900 });
    const { order } = await s.venue.api.getOrder(`@${id}`);
    expect(order).toMatchObject({ state: 'PENDING', price: '1.08900', units: '700' });
    expect(s.engine.orders.cancel(id)).toBe(true);
    await until(() => s!.engine.kernel.cache.order(id)?.status === 'CANCELED', 5000, 'cancelled');
  });

  it('a rejected or cancelled-at-once order is OrderRejected with the spec reason', async () => {
    s = await startSession();
    for (const reason of ['INSUFFICIENT_MARGIN', 'MARKET_HALTED', 'FIFO_VIOLATION']) {
      s.server.faults.rejectNextOrder(reason);
      const r = s.engine.orders.submit('manual', eurBuy(100));
      await until(() => s!.of('OrderRejected', r.clientOrderId).length === 1, 5000, reason);
      expect(s.of('OrderRejected', r.clientOrderId)[0]!.code).toBe(`oanda.rejected.${reason}`);
    }
    s.server.faults.rejectNextOrder('INSUFFICIENT_MARGIN', { as: 'reject' });
    const r = s.engine.orders.submit('manual', eurBuy(100));
    await until(() => s!.of('OrderRejected', r.clientOrderId).length === 1, 5000, '400 reject');
    expect(s.of('OrderRejected', r.clientOrderId)[0]!.code).toBe('oanda.rejected.INSUFFICIENT_MARGIN');
    expect(s.of('OrderFilled')).toHaveLength(0);
    await s.venue.idle();
    expect(s.of('OrderRejected')).toHaveLength(4); // each once, although reply and stream both carry it
  });

  it('JPY pair: exact prices, a partial trade close, and the position close', async () => {
    s = await startSession();
    const r = s.engine.orders.submit('manual', { instrumentId: 'USD_JPY', side: 'SELL', qty: 3000, type: 'MARKET' });
    await until(() => s!.of('OrderFilled', r.clientOrderId).length === 1, 5000, 'fill');
    expect(s.of('OrderFilled', r.clientOrderId)[0]).toMatchObject({ lastPx: 150000, side: 'SELL', lastQty: 3000 });
    const { trades } = await s.venue.api.openTrades();
    expect(trades[0]).toMatchObject({ instrument: 'USD_JPY', currentUnits: '-3000' });
    expect(trades[0]!.stopLossOrder?.distance).toBe('0.500'); // 50 pips default protection
    await s.venue.closeTrade(trades[0]!.id, '1000');
    const after = await s.venue.api.openTrades();
    expect(after.trades[0]!.currentUnits).toBe('-2000');
    const closed = await s.venue.closePosition('USD_JPY');
    expect(closed).toMatchObject([{ instrument: 'USD_JPY', side: 'short' }]);
    expect((await s.venue.api.openTrades()).trades).toHaveLength(0);
    // Both closes are orders the engine did not send: handed to reconciliation, not invented as fills.
    expect(s.external.some((tx) => tx.type === 'ORDER_FILL')).toBe(true);
  });

  it('a trade placed outside the app is reported as external and adopted by transactionsSince', async () => {
    s = await startSession();
    const since = Number(s.server.lastTransactionID());
    s.server.externalTrade('EUR_USD', '-2500');
    await until(() => s!.external.some((tx) => tx.type === 'ORDER_FILL'), 5000, 'external fill');
    const txs = await s.venue.transactionsSince(since);
    const fill = txs.events.find((e) => e.type === 'OrderFilled');
    expect(fill).toMatchObject({ side: 'SELL', lastQty: 2500, instrumentId: 'EUR_USD' });
    expect(txs.orders.some((o) => o.clientOrderId === fill!.clientOrderId && o.state === 'FILLED')).toBe(true);
    const snap = await s.venue.accountSnapshot();
    expect(snap.positions).toEqual([{ instrumentId: 'EUR_USD', qty: -2500, avgPx: 110000 }]);
    expect(snap.lastTxId).toBe(Number(s.server.lastTransactionID()));
    expect(snap.balances[0]!.currency).toBe('USD');
  });

  it('US FIFO netting account: REDUCE_ONLY exits close the oldest trade first', async () => {
    s = await startSession({ server: { fifo: true } });
    const a = s.engine.orders.submit('manual', eurBuy(1000));
    await until(() => s!.of('OrderFilled', a.clientOrderId).length === 1);
    s.server.setPrice('EUR_USD', '1.10100', '1.10110');
    await until(() => s!.pricing.priceAgeMs('EUR_USD') < 100);
    const b = s.engine.orders.submit('manual', eurBuy(1000));
    await until(() => s!.of('OrderFilled', b.clientOrderId).length === 1);
    const x = s.engine.orders.submit('manual', { instrumentId: 'EUR_USD', side: 'SELL', qty: 1000, type: 'MARKET', reduceOnly: true, role: 'EXIT' });
    await until(() => s!.of('OrderFilled', x.clientOrderId).length === 1);
    const { trades } = await s.venue.api.openTrades();
    expect(trades.map((t) => t.price)).toEqual(['1.10110']); // the first (oldest) was closed
    const post = orderPosts(s).at(-1)!.body as { order: Record<string, unknown> };
    expect(post.order['positionFill']).toBe('REDUCE_ONLY');
  });

  it('account mirror follows fills and /changes', async () => {
    s = await startSession();
    const before = s.venue.account!.state.balance;
    const r = s.engine.orders.submit('manual', eurBuy(10000));
    await until(() => s!.of('OrderFilled', r.clientOrderId).length === 1);
    s.server.setPrice('EUR_USD', '1.10500', '1.10510');
    await s.venue.pollChanges();
    const st = s.venue.account!.state;
    expect(st.unrealizedPL).toBe(49_000_000); // (1.10500 - 1.10010) * 10000 = 49 USD, exact micro-units
    expect(st.marginUsed).toBeGreaterThan(0);
    expect(st.balance).toBe(before);
    expect(st.nav).toBe(st.balance + st.unrealizedPL);
  });
});
