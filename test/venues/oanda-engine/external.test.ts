/**
 * Activity outside the engine reaches it (OandaVenue `onExternal` → a reconciliation pass of the
 * OANDA session): a trade opened on OANDA's platform, the engine's trade closed there in part, and an
 * entry's venue-side default stop-loss filling. The engine's positions follow the account; each
 * difference is journaled as a ReconciliationDifference; a restart afterwards finds nothing to adopt.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { money } from '../../../engine/core/money';
import type { ReconciliationDifference } from '../../../engine/core/events';
import { startEngineSession, until, type EngineSession } from './harness';

let h: EngineSession | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

/** ReconciliationDifference rows in the journal file (what survives the process). */
function journaledDifferences(x: EngineSession): ReconciliationDifference[] {
  return (x.journal.db.prepare("SELECT payload FROM events WHERE type = 'ReconciliationDifference' ORDER BY seq").all() as { payload: string }[]).map((r) => JSON.parse(r.payload) as ReconciliationDifference);
}

async function venueQty(x: EngineSession, instrument: string): Promise<number> {
  const snap = await x.session.venue.accountSnapshot();
  return snap.positions.find((p) => p.instrumentId === instrument)?.qty ?? 0;
}

describe('OANDA session: activity outside the engine', () => {
  it('a trade placed on the platform is adopted: position, external order, journaled differences', async () => {
    h = await startEngineSession();
    const { session, server } = h;
    server.externalTrade('EUR_USD', '-2500');
    await until(() => session.engine.portfolio.positionQty('EUR_USD') === -2500, 5000, 'adopted position');
    await session.settled();
    expect(session.engine.state.state).toBe('ACTIVE');
    expect(session.passes.at(-1)).toMatchObject({ status: 'ok' });
    const diffs = journaledDifferences(h);
    expect(diffs.some((d) => d.kind === 'external_order' && d.instrument === 'EUR_USD')).toBe(true);
    expect(diffs.some((d) => d.kind === 'missed_event' && /filled 2500/.test(d.venue))).toBe(true);
    const ext = session.engine.kernel.cache.order(diffs.find((d) => d.kind === 'external_order')!.orderId!)!;
    expect(ext).toMatchObject({ strategyId: 'external', status: 'FILLED', side: 'SELL', qty: 2500 });
    expect(await venueQty(h, 'EUR_USD')).toBe(-2500);
    // Nothing the engine sent: no order request from this client.
    expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
    // A restart finds the journal and the account in agreement.
    await h.reopen();
    expect(h.of('ReconciliationCompleted').at(-1)).toMatchObject({ status: 'ok', differences: 0 });
    expect(h.session.engine.portfolio.positionQty('EUR_USD')).toBe(-2500);
  });

  it("the engine's trade closed in part on the platform: the engine's position and cash follow, the fill at OANDA's price", async () => {
    h = await startEngineSession();
    const { session, server } = h;
    let r!: ReturnType<typeof session.engine.orders.submit>;
    h.journal.batch(() => {
      r = session.engine.orders.submit('manual', { instrumentId: 'EUR_USD', side: 'BUY', qty: 4000, type: 'MARKET', bracket: { stopLossDistance: 300 } });
    });
    await until(() => session.engine.kernel.cache.order(r.clientOrderId)?.status === 'FILLED', 5000, 'entry');
    await until(() => session.engine.kernel.cache.openOrders('EUR_USD').some((o) => o.role === 'STOP_LOSS' && o.status === 'ACCEPTED'), 5000, 'stop child');
    await session.settled();
    const passesBefore = session.passes.length;
    server.setPrice('EUR_USD', '1.10110', '1.10120');
    const { trades } = await session.venue.api.openTrades();
    server.externalCloseTrade(trades[0]!.id, '1500');
    await until(() => session.engine.portfolio.positionQty('EUR_USD') === 2500, 5000, 'position follows');
    await session.settled();
    expect(session.passes.length).toBeGreaterThan(passesBefore);
    expect(session.engine.state.state).toBe('ACTIVE');
    // 1500 × (1.10110 − 1.10010) = 1.50 USD realized at the platform's fill price.
    expect(session.engine.portfolio.cash()).toBe(money('100000') + money('1.50'));
    expect(await venueQty(h, 'EUR_USD')).toBe(2500);
    // The engine's stop child still protects the remaining trade.
    expect(session.engine.kernel.cache.openOrders('EUR_USD').filter((o) => o.role === 'STOP_LOSS')).toHaveLength(1);
  });

  it("an entry's default venue stop-loss fills: the engine goes flat with it", async () => {
    h = await startEngineSession({ session: { venue: { changesPollMs: 0, defaultStopLossPips: 20, lostReply: { attempts: 3, delayMs: 50 } } } });
    const { session, server } = h;
    let r!: ReturnType<typeof session.engine.orders.submit>;
    h.journal.batch(() => {
      r = session.engine.orders.submit('manual', { instrumentId: 'EUR_USD', side: 'BUY', qty: 1000, type: 'MARKET' });
    });
    await until(() => session.engine.kernel.cache.order(r.clientOrderId)?.status === 'FILLED', 5000, 'entry');
    const { trades } = await session.venue.api.openTrades();
    expect(trades[0]!.stopLossOrder?.price).toBe('1.09810'); // 20 pips under the 1.10010 fill
    server.setPrice('EUR_USD', '1.09800', '1.09810');
    await until(() => session.engine.portfolio.positionQty('EUR_USD') === 0, 5000, 'flat after the stop');
    await session.settled();
    expect(session.engine.state.state).toBe('ACTIVE');
    expect(await venueQty(h, 'EUR_USD')).toBe(0);
    // The stop's fill is booked as a fill (at OANDA's price), not as a position adjustment.
    const venueFill = server.transactions().filter((x) => x.type === 'ORDER_FILL').at(-1) as unknown as { price: string; reason: string; pl: string };
    expect(venueFill.reason).toBe('STOP_LOSS_ORDER');
    const stopFill = h.of('OrderFilled').find((f) => f.clientOrderId !== r.clientOrderId)!;
    expect(stopFill).toMatchObject({ side: 'SELL', lastQty: 1000, lastPx: Math.round(Number(venueFill.price) * 1e5) });
    expect(journaledDifferences(h).some((d) => d.kind === 'position_mismatch')).toBe(false);
    expect(session.engine.portfolio.cash()).toBe(money('100000') + money(venueFill.pl));
  });
});
