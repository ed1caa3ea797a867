/**
 * The OANDA session under the test server's fault switches: the engine stays up, says what happened
 * (host alerts, risk denials), recovers by itself, and never sends an order twice (the server's request
 * log holds each client order id once).
 *   - a pricing stream that sends only heartbeats: the prices age, entries are denied
 *     `risk.stale_price`, a "price stale" alert; prices again: "restored", entries pass;
 *   - streams cut: "venue disconnected" / "reconnected" alerts; a fill that happened meanwhile arrives once;
 *   - streams stalled (open, silent): the watchdogs restart them;
 *   - an order reply lost (executed, reply cut) and 503s before processing: looked up by client id,
 *     never re-sent; 429s on reads: retried.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { OrderRequest } from '../../../engine/core/order';
import { WallClock } from '../../../engine/core/clock';
import { ProtocolClient } from '../../../engine/protocol/client';
import { createEngineProtocol } from '../../../engine/protocol/handlers';
import { connectInProcess } from '../../../engine/protocol/transports/in-process';
import { orderPosts, startEngineSession, until, type EngineSession } from './harness';

let h: EngineSession | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const buy = (qty: number, more: Partial<OrderRequest> = {}): OrderRequest => ({ instrumentId: 'EUR_USD', side: 'BUY', qty, type: 'MARKET', ...more });

function submit(x: EngineSession, o: OrderRequest): string {
  let id = '';
  x.journal.batch(() => {
    id = x.session.engine.orders.submit('manual', o).clientOrderId;
  });
  return id;
}

function noDuplicatePosts(x: EngineSession): void {
  const ids = orderPosts(x.server).filter((p) => p.outcome !== 'refused').map((p) => p.clientId);
  expect(ids.every((i) => typeof i === 'string')).toBe(true);
  expect(new Set(ids).size).toBe(ids.length);
}

describe('OANDA session under faults', () => {
  it('heartbeats only: prices go stale, entries are denied risk.stale_price and alerted; fresh prices restore trading', async () => {
    h = await startEngineSession({ quoteSeconds: 1 });
    const { session, server } = h;
    server.faults.heartbeatsOnly(true, 'pricing');
    await until(() => session.freshness().find((f) => f.instrumentId === 'EUR_USD')!.stale, 4000, 'stale');
    await until(() => h!.alerts.some((a) => a.kind === 'data.stale' && a.key === 'price:EUR_USD'), 2000, 'stale alert');
    const heartbeats = session.pricing.heartbeats;
    await until(() => session.pricing.heartbeats > heartbeats, 2000, 'heartbeats keep coming');
    const denied = submit(h, buy(1000));
    expect(h.of('OrderDenied', denied)[0]).toMatchObject({ code: 'risk.stale_price' });
    expect(orderPosts(server)).toHaveLength(0);
    // The protocol's risk view says the same (`risk.get` → freshness, from the cache's price times).
    expect(session.freshness().find((f) => f.instrumentId === 'EUR_USD')).toMatchObject({ stale: true, limitMs: 1000 });
    const protocol = createEngineProtocol({ engine: session.engine, rawConfig: {}, timer: new WallClock() });
    const client = new ProtocolClient(connectInProcess(protocol.server));
    const risk = await client.request('risk.get', {});
    expect(risk.freshness.find((f) => f.instrumentId === 'EUR_USD')).toMatchObject({ source: 'quote', limitMs: 1000, stale: true });
    client.close();
    protocol.close();

    server.faults.heartbeatsOnly(false, 'pricing');
    server.setPrice('EUR_USD', '1.10020', '1.10030');
    await until(() => !session.freshness().find((f) => f.instrumentId === 'EUR_USD')!.stale, 4000, 'fresh again');
    await until(() => h!.alerts.some((a) => a.kind === 'data.restored' && a.key === 'price:EUR_USD:restored'), 2000, 'restored alert');
    const ok = submit(h, buy(1000));
    await until(() => session.engine.kernel.cache.order(ok)?.status === 'FILLED', 5000, 'fill once fresh');
    expect(session.engine.state.state).toBe('ACTIVE');
    noDuplicatePosts(h);
  });

  it('streams cut: disconnect and reconnect alerts; a take-profit filled meanwhile is applied once', async () => {
    h = await startEngineSession();
    const { session, server } = h;
    const entry = submit(h, buy(2000, { bracket: { takeProfitDistance: 100, stopLossDistance: 200 } }));
    await until(() => session.engine.kernel.cache.openOrders('EUR_USD').filter((o) => o.status === 'ACCEPTED').length === 2, 5000, 'children');
    await session.settled();
    server.faults.stallStreams('transactions');
    server.faults.dropStreamConnections('all', 'destroy');
    await until(() => h!.alerts.some((a) => a.kind === 'venue.disconnected'), 3000, 'disconnect alert');
    // The take-profit fills while the transaction stream is down.
    server.setPrice('EUR_USD', '1.10120', '1.10130');
    server.faults.resumeStreams('transactions');
    await until(() => session.engine.portfolio.positionQty('EUR_USD') === 0, 8000, 'flat via the backfill');
    await until(() => h!.alerts.some((a) => a.kind === 'venue.reconnected'), 5000, 'reconnect alert');
    const fills = h.of('OrderFilled').filter((f) => f.clientOrderId !== entry);
    expect(fills).toHaveLength(1);
    expect(session.engine.state.state).toBe('ACTIVE');
    noDuplicatePosts(h);
  });

  it('an order reply lost, 503s before processing, 429s on reads: looked up by client id, never sent twice', async () => {
    h = await startEngineSession();
    const { session, server } = h;
    server.faults.cutNextOrderReply('mid-body');
    const a = submit(h, buy(1000));
    await until(() => session.engine.kernel.cache.order(a)?.status === 'FILLED', 8000, 'lost reply resolved');
    server.faults.http503(1);
    const b = submit(h, buy(1000));
    await until(() => ['FILLED', 'REJECTED'].includes(session.engine.kernel.cache.order(b)?.status ?? ''), 8000, '503 resolved');
    // A 503 refused before processing: the order is not at OANDA, the lookup says so, it is rejected, not re-sent.
    expect(session.engine.kernel.cache.order(b)?.status).toBe('REJECTED');
    server.faults.http429(3);
    const snap = await session.venue.accountSnapshot();
    expect(snap.positions.map((p) => [p.instrumentId, p.qty])).toEqual([['EUR_USD', 1000]]);
    expect(session.engine.portfolio.positionQty('EUR_USD')).toBe(1000);
    expect(session.engine.state.state).toBe('ACTIVE');
    noDuplicatePosts(h);
    // a: once (its reply cut); b: once, refused with 503 before it was read.
    expect(orderPosts(server)).toEqual([
      { clientId: a, outcome: 'cut' },
      { clientId: undefined, outcome: 'refused' },
    ]);
  });

  it('streams stalled (open and silent): the watchdogs restart them and trading goes on', async () => {
    h = await startEngineSession();
    const { session, server } = h;
    const connects = session.pricing.connects;
    server.faults.stallStreams('all');
    await until(() => session.pricing.state !== 'connected' || session.pricing.connects > connects, 5000, 'pricing restarted');
    server.faults.resumeStreams('all');
    await until(() => session.pricing.state === 'connected' && session.venue.transactionStream?.state === 'connected', 8000, 'reconnected');
    server.setPrice('EUR_USD', '1.10000', '1.10010');
    const id = submit(h, buy(500));
    await until(() => session.engine.kernel.cache.order(id)?.status === 'FILLED', 5000, 'fill after the stall');
    expect(session.engine.state.state).toBe('ACTIVE');
    noDuplicatePosts(h);
  });
});
