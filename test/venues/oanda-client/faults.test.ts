/**
 * Every fault switch of the v20 test server against the OANDA client inside a real engine: the client
 * stays up, detects the fault, recovers, and never sends an order twice (checked in the server's
 * request log). Timings are shortened (heartbeats every 200 ms, restart after 1.5 s without a
 * transaction heartbeat, prices stale after 600 ms).
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
const postsFor = (x: Session, clientId: string) =>
  x.server.requests.filter((r) => r.method === 'POST' && /\/orders$/.test(r.path) && (r.body as { order?: { clientExtensions?: { id?: string } } })?.order?.clientExtensions?.id === clientId);
const codes = (x: Session) => x.errors.map((e) => e.code);

describe('fault switches', () => {
  it('429 and 503 bursts: reads retry through them; an order caught in one is looked up, never resent', async () => {
    s = await startSession();
    s.server.faults.http429(2);
    expect((await s.venue.api.instruments(['EUR_USD'])).instruments).toHaveLength(1);
    s.server.faults.http503(3);
    const { account } = await s.venue.api.summary();
    expect(account.currency).toBe('USD');
    // The POST gets a 503 (refused before processing): outcome unknown -> GET orders/@id -> 404 -> rejected.
    s.server.faults.http503(1);
    const r = s.engine.orders.submit('manual', eurBuy(100));
    await until(() => s!.of('OrderRejected', r.clientOrderId).length === 1, 5000, 'rejection');
    expect(s.of('OrderRejected', r.clientOrderId)[0]!.code).toBe('oanda.http_503');
    const orderPosts = () => s!.server.requests.filter((q) => q.method === 'POST' && /\/orders$/.test(q.path));
    expect(orderPosts().map((q) => q.outcome)).toEqual(['refused']);
    expect(s.server.requests.some((q) => q.method === 'GET' && q.path.endsWith(`/orders/@${r.clientOrderId}`))).toBe(true);
    // And the next order goes through normally.
    const ok = s.engine.orders.submit('manual', eurBuy(100));
    await until(() => s!.of('OrderFilled', ok.clientOrderId).length === 1);
    expect(orderPosts().map((q) => q.outcome)).toEqual(['refused', 'replied']);
    expect(s.server.transactions().filter((t) => t.type === 'ORDER_FILL')).toHaveLength(1);
  });

  for (const mode of ['before-headers', 'mid-body'] as const) {
    it(`an order whose reply is cut (${mode}) is resolved by client id, filled once, never resent`, async () => {
      s = await startSession();
      s.server.faults.cutNextOrderReply(mode);
      const r = s.engine.orders.submit('manual', eurBuy(1000));
      await until(() => s!.of('OrderFilled', r.clientOrderId).length === 1, 5000, 'fill');
      await s.venue.idle();
      expect(s.of('OrderFilled', r.clientOrderId)).toHaveLength(1);
      expect(s.engine.kernel.cache.order(r.clientOrderId)?.status).toBe('FILLED');
      expect(postsFor(s, r.clientOrderId)).toHaveLength(1);
      expect(s.server.requests.find((q) => q.method === 'POST')?.outcome).toBe('cut');
      expect((await s.venue.api.openTrades()).trades).toHaveLength(1);
      expect(codes(s)).toContain('oanda.reply_lost');
    });
  }

  it('a cut reply with the transaction stream down is still resolved by the lookup', async () => {
    s = await startSession();
    s.server.faults.stallStreams('transactions');
    s.server.faults.cutNextOrderReply();
    const r = s.engine.orders.submit('manual', eurBuy(1000));
    await until(() => s!.of('OrderFilled', r.clientOrderId).length === 1, 5000, 'fill');
    expect(s.server.requests.some((q) => q.method === 'GET' && q.path.endsWith(`/orders/@${r.clientOrderId}`))).toBe(true);
    expect(postsFor(s, r.clientOrderId)).toHaveLength(1);
  });

  it('dropped transaction stream: reconnects and backfills with sinceid; each transaction once', async () => {
    s = await startSession();
    const r1 = s.engine.orders.submit('manual', eurBuy(100, { type: 'LIMIT', price: 109000 }));
    await until(() => s!.engine.kernel.cache.order(r1.clientOrderId)?.status === 'ACCEPTED');
    const connects = s.venue.transactionStream!.connects;
    s.server.faults.dropStreamConnections('transactions');
    // The limit fills while the client is disconnected (only the stream can tell it).
    s.server.setPrice('EUR_USD', '1.08980', '1.08990');
    await until(() => s!.of('OrderFilled', r1.clientOrderId).length === 1, 5000, 'fill via backfill');
    expect(s.venue.transactionStream!.connects).toBeGreaterThan(connects);
    expect(s.server.requests.some((q) => q.path.endsWith('/transactions/sinceid'))).toBe(true);
    await new Promise((r) => setTimeout(r, 400));
    expect(s.of('OrderFilled', r1.clientOrderId)).toHaveLength(1);
    expect(codes(s)).toContain('oanda.stream_ended');
  });

  it('stalled transaction stream: detected after the heartbeat timeout, restarted, gap backfilled', async () => {
    s = await startSession();
    const r = s.engine.orders.submit('manual', eurBuy(100, { type: 'LIMIT', price: 109000 }));
    await until(() => s!.engine.kernel.cache.order(r.clientOrderId)?.status === 'ACCEPTED');
    s.server.faults.stallStreams('transactions');
    s.server.setPrice('EUR_USD', '1.08980', '1.08990');
    await until(() => codes(s!).includes('oanda.stream_no_heartbeat'), 4000, 'stall detected');
    s.server.faults.resumeStreams('transactions');
    await until(() => s!.of('OrderFilled', r.clientOrderId).length === 1, 5000, 'fill after restart');
    expect(s.of('OrderFilled', r.clientOrderId)).toHaveLength(1);
  });

  it('heartbeats only on the pricing stream: prices go stale per instrument and the stream restarts', async () => {
    s = await startSession({ pricing: { priceStaleMs: 600, restartAfterMs: 800, silenceMs: 3000 } });
    expect(s.pricing.isFresh('EUR_USD')).toBe(true);
    const connects = s.pricing.connects;
    s.server.faults.heartbeatsOnly(true, 'pricing');
    await until(() => !s!.pricing.isFresh('EUR_USD') && !s!.pricing.isFresh('USD_JPY'), 3000, 'stale');
    await until(() => s!.pricing.connects > connects, 3000, 'restart');
    expect(s.pricing.heartbeats).toBeGreaterThan(0);
    expect(codes(s)).toContain('oanda.stream_stale_prices');
    s.server.faults.heartbeatsOnly(false, 'pricing');
    await until(() => s!.pricing.isFresh('EUR_USD'), 3000, 'fresh again');
  });

  it('stalled pricing stream is detected by silence and recovers', async () => {
    s = await startSession({ pricing: { priceStaleMs: 600, restartAfterMs: 5000, silenceMs: 700 } });
    const connects = s.pricing.connects;
    s.server.faults.stallStreams('pricing');
    await until(() => codes(s!).includes('oanda.stream_silent'), 3000, 'silence');
    s.server.faults.resumeStreams('pricing');
    await until(() => s!.pricing.connects > connects && s!.pricing.isFresh('EUR_USD'), 4000, 'recovered');
  });

  it('lines split across chunks and a malformed line: read correctly, reported, the client stays up', async () => {
    s = await startSession();
    s.server.faults.splitLines(5, 1);
    s.server.faults.malformedLine('transactions');
    s.server.faults.malformedLine('pricing');
    const r = s.engine.orders.submit('manual', eurBuy(100, { bracket: { stopLossDistance: 100 } }));
    await until(() => s!.of('OrderFilled', r.clientOrderId).length === 1, 5000, 'fill');
    s.server.setPrice('EUR_USD', '1.10200', '1.10210');
    await until(() => s!.engine.kernel.cache.marketState('EUR_USD').quote?.bid === 1.102, 5000, 'a price through split lines');
    await until(() => codes(s!).filter((c) => c === 'oanda.stream_line').length >= 2, 3000, 'malformed lines reported');
    expect(s.venue.transactionStream!.state).toBe('connected');
    expect(s.server.errors).toEqual([]);
  });

  it('a slow reply past the deadline is resolved by lookup, not resent', async () => {
    s = await startSession();
    s.server.faults.delayReplies(2600, 1);
    const r = s.engine.orders.submit('manual', eurBuy(300));
    // The fill comes by the transaction stream at once; the POST's answer is still on its way.
    await until(() => s!.of('OrderFilled', r.clientOrderId).length === 1, 8000, 'fill');
    await s.venue.idle();
    expect(codes(s)).toContain('oanda.reply_lost');
    expect(postsFor(s, r.clientOrderId)).toHaveLength(1);
    expect(s.of('OrderFilled', r.clientOrderId)).toHaveLength(1);
    expect(s.engine.kernel.cache.order(r.clientOrderId)?.status).toBe('FILLED');
  });
});
