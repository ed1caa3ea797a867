/**
 * The v20 test server's trading semantics over raw HTTP, checked against the rules of v20.json and
 * API-NOTES.md: fills at bid/ask, exact decimal strings, on-fill protection, netting vs hedging,
 * US FIFO, triggers, trade/position closes, replace/cancel, JPY P/L converted with USD_JPY,
 * transactions (sinceid, idrange, pages) and /changes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startV20TestServer, type V20TestServer, type V20TestServerOptions } from './index';
import { rest } from './test-helpers';

let server: V20TestServer | undefined;
const T0 = Date.UTC(2025, 2, 4, 14, 30); // a Tuesday, market open

async function start(opts: V20TestServerOptions = {}): Promise<V20TestServer> {
  let clock = T0;
  server = await startV20TestServer({ now: () => (clock += 1000), ...opts });
  return server;
}

afterEach(async () => {
  if (server) {
    expect(server.errors).toEqual([]);
    await server.close();
  }
  server = undefined;
});

const A = (s: V20TestServer): string => `/v3/accounts/${s.accountId}`;

async function order(s: V20TestServer, o: Record<string, unknown>) {
  return rest(s, 'POST', `${A(s)}/orders`, { order: o });
}

describe('oanda test server: orders and fills', () => {
  it('fills a market buy at the ask and creates its dependent orders in the same batch', async () => {
    const s = await start();
    s.setPrice('EUR_USD', '1.09972', '1.09986');
    const r = await order(s, {
      type: 'MARKET', instrument: 'EUR_USD', units: '1000',
      clientExtensions: { id: 'abc-1', tag: 'strategy-a' },
      takeProfitOnFill: { price: '1.10500' },
      stopLossOnFill: { distance: '0.00500' },
      trailingStopLossOnFill: { distance: '0.00300' },
    });
    expect(r.status).toBe(201);
    const { orderCreateTransaction: c, orderFillTransaction: f } = r.body;
    expect(c).toMatchObject({ id: '3', type: 'MARKET_ORDER', units: '1000', timeInForce: 'FOK', positionFill: 'DEFAULT', reason: 'CLIENT_ORDER', batchID: '3' });
    expect(c.clientExtensions).toEqual({ id: 'abc-1', tag: 'strategy-a' });
    expect(c.stopLossOnFill).toEqual({ distance: '0.00500', timeInForce: 'GTC', guaranteed: false });
    expect(f).toMatchObject({
      id: '4', type: 'ORDER_FILL', orderID: '3', clientOrderID: 'abc-1', units: '1000', price: '1.09986', reason: 'MARKET_ORDER',
      pl: '0.0000', accountBalance: '100000.0000', halfSpreadCost: '0.0700', batchID: '3',
      tradeOpened: { tradeID: '4', units: '1000', price: '1.09986', initialMarginRequired: '36.6230' },
    });
    expect(f.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    expect(r.body.relatedTransactionIDs).toEqual(['3', '4', '5', '6', '7']);
    expect(r.body.lastTransactionID).toBe('7');
    const trade = (await rest(s, 'GET', `${A(s)}/trades/4`)).body.trade;
    expect(trade.takeProfitOrder).toMatchObject({ id: '5', type: 'TAKE_PROFIT', price: '1.10500', state: 'PENDING', tradeID: '4' });
    expect(trade.stopLossOrder).toMatchObject({ id: '6', type: 'STOP_LOSS', price: '1.09486', distance: '0.00500' });
    expect(trade.trailingStopLossOrder).toMatchObject({ id: '7', type: 'TRAILING_STOP_LOSS', distance: '0.00300', trailingStopValue: '1.09672' });
    // Looked up by client ID.
    const byClient = await rest(s, 'GET', `${A(s)}/orders/@abc-1`);
    expect(byClient.body.order).toMatchObject({ id: '3', state: 'FILLED', fillingTransactionID: '4', tradeOpenedID: '4' });
  });

  it('cancels after acceptance: TP on the wrong side, insufficient margin, halted market', async () => {
    const s = await start({ balance: '1000' });
    let r = await order(s, { type: 'MARKET', instrument: 'EUR_USD', units: '1000', takeProfitOnFill: { price: '1.07000' } });
    expect(r.status).toBe(201);
    expect(r.body.orderCancelTransaction).toMatchObject({ type: 'ORDER_CANCEL', reason: 'TAKE_PROFIT_ON_FILL_LOSS' });
    expect(r.body.orderFillTransaction).toBeUndefined();
    r = await order(s, { type: 'MARKET', instrument: 'EUR_USD', units: '100000' });
    expect(r.body.orderCancelTransaction.reason).toBe('INSUFFICIENT_MARGIN');
    s.faults.haltMarket('EUR_USD');
    r = await order(s, { type: 'MARKET', instrument: 'EUR_USD', units: '10' });
    expect(r.body.orderCancelTransaction.reason).toBe('MARKET_HALTED');
    const pricing = await rest(s, 'GET', `${A(s)}/pricing?instruments=EUR_USD`);
    expect(pricing.body.prices[0]).toMatchObject({ status: 'non-tradeable', tradeable: false });
  });

  it('rejects invalid requests with a reject transaction that consumes an ID', async () => {
    const s = await start();
    const r = await order(s, { type: 'MARKET', instrument: 'EUR_USD', units: '1000.5' });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({
      errorCode: 'UNITS_PRECISION_EXCEEDED',
      lastTransactionID: '3',
      relatedTransactionIDs: ['3'],
      orderRejectTransaction: { id: '3', type: 'MARKET_ORDER_REJECT', units: '1000.5', reason: 'CLIENT_ORDER', rejectReason: 'UNITS_PRECISION_EXCEEDED' },
    });
    expect((await order(s, { type: 'LIMIT', instrument: 'EUR_USD', units: '10', price: '1.000001' })).body.errorCode).toBe('PRICE_PRECISION_EXCEEDED');
    expect((await order(s, { type: 'MARKET', instrument: 'EUR_USD', units: '10', timeInForce: 'GTC' })).body.errorCode).toBe('TIME_IN_FORCE_INVALID');
    expect((await order(s, { type: 'MARKET', instrument: 'XXX_YYY', units: '10' })).body.errorCode).toBe('INSTRUMENT_UNKNOWN');
    expect(
      (await order(s, { type: 'MARKET', instrument: 'EUR_USD', units: '10', stopLossOnFill: { price: '1.0', distance: '0.001' } })).body.errorCode,
    ).toBe('STOP_LOSS_ON_FILL_PRICE_AND_DISTANCE_BOTH_SPECIFIED');
    const limit = { type: 'LIMIT', instrument: 'EUR_USD', units: '10', price: '1.05000', clientExtensions: { id: 'dup' } };
    expect((await order(s, limit)).status).toBe(201);
    expect((await order(s, limit)).body.errorCode).toBe('CLIENT_ORDER_ID_ALREADY_EXISTS');
    const bad = await rest(s, 'POST', `${A(s)}/orders`, { order: { type: 'NOPE' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errorMessage).toBeTypeOf('string');
  });

  it('nets by default: an opposite order closes oldest trades first, then opens the rest', async () => {
    const s = await start();
    s.setPrice('EUR_USD', '1.10000', '1.10010');
    await order(s, { type: 'MARKET', instrument: 'EUR_USD', units: '1000' }); // trade 4
    s.setPrice('EUR_USD', '1.10100', '1.10110');
    await order(s, { type: 'MARKET', instrument: 'EUR_USD', units: '500' }); // trade 6
    s.setPrice('EUR_USD', '1.10200', '1.10210');
    const r = await order(s, { type: 'MARKET', instrument: 'EUR_USD', units: '-2000' });
    const f = r.body.orderFillTransaction;
    expect(f.units).toBe('-2000');
    expect(f.price).toBe('1.10200');
    expect(f.tradesClosed).toEqual([
      expect.objectContaining({ tradeID: '4', units: '-1000', realizedPL: '1.9000' }),
      expect.objectContaining({ tradeID: '6', units: '-500', realizedPL: '0.4500' }),
    ]);
    expect(f.tradeOpened).toMatchObject({ units: '-500', price: '1.10200' });
    expect(f.pl).toBe('2.3500');
    expect(f.accountBalance).toBe('100002.3500');
    const pos = (await rest(s, 'GET', `${A(s)}/positions/EUR_USD`)).body.position;
    expect(pos.long).toMatchObject({ units: '0', pl: '2.3500' });
    expect(pos.short).toMatchObject({ units: '-500', averagePrice: '1.10200', tradeIDs: [f.tradeOpened.tradeID] });
  });

  it('keeps opposite trades apart on a hedging account', async () => {
    const s = await start({ hedging: true });
    await order(s, { type: 'MARKET', instrument: 'EUR_USD', units: '1000' });
    await order(s, { type: 'MARKET', instrument: 'EUR_USD', units: '-400' });
    const trades = (await rest(s, 'GET', `${A(s)}/openTrades`)).body.trades;
    expect(trades.map((t: { currentUnits: string }) => t.currentUnits)).toEqual(['-400', '1000']);
    const summary = (await rest(s, 'GET', `${A(s)}/summary`)).body.account;
    expect(summary).toMatchObject({ hedgingEnabled: true, openTradeCount: 2, openPositionCount: 1 });
    // Margin of a hedged position is its larger side only.
    const pos = (await rest(s, 'GET', `${A(s)}/positions/EUR_USD`)).body.position;
    expect(pos.marginUsed).toBe(trades[1].marginUsed);
  });

  it('enforces US FIFO: closing a younger trade is cancelled, reductions take the oldest first', async () => {
    const s = await start({ fifo: true });
    await order(s, { type: 'MARKET', instrument: 'EUR_USD', units: '1000' }); // 4
    await order(s, { type: 'MARKET', instrument: 'EUR_USD', units: '2000', stopLossOnFill: { distance: '0.00100' } }); // 6, SL 7
    const r = await rest(s, 'PUT', `${A(s)}/trades/6/close`, { units: 'ALL' });
    expect(r.status).toBe(200);
    expect(r.body.orderCreateTransaction).toMatchObject({ type: 'MARKET_ORDER', reason: 'TRADE_CLOSE', tradeClose: { tradeID: '6', units: 'ALL' } });
    expect(r.body.orderCancelTransaction.reason).toBe('FIFO_VIOLATION');
    // The stop of the younger trade triggers, and is cancelled for the same reason.
    s.setPrice('EUR_USD', '1.07800', '1.07814');
    const txns = (await rest(s, 'GET', `${A(s)}/transactions/sinceid?id=9`)).body.transactions;
    expect(txns).toEqual([expect.objectContaining({ type: 'ORDER_CANCEL', orderID: '7', reason: 'FIFO_VIOLATION' })]);
    const ok = await rest(s, 'PUT', `${A(s)}/trades/4/close`, { units: '400' });
    expect(ok.body.orderFillTransaction).toMatchObject({ reason: 'MARKET_ORDER_TRADE_CLOSE', tradeReduced: { tradeID: '4', units: '-400' } });
  });

  it('converts JPY P/L with USD_JPY and closes a position side', async () => {
    const s = await start();
    s.setPrice('USD_JPY', '150.000', '150.014');
    await order(s, { type: 'MARKET', instrument: 'USD_JPY', units: '10000' }); // buys at 150.014
    s.setPrice('USD_JPY', '151.014', '151.028');
    const open = (await rest(s, 'GET', `${A(s)}/openTrades`)).body.trades[0];
    // (151.014 − 150.014) × 10000 = 10000 JPY, converted at 1/151.028 (gain factor 1/ask).
    expect(open.unrealizedPL).toBe('66.2129');
    const r = await rest(s, 'PUT', `${A(s)}/positions/USD_JPY/close`, { longUnits: 'ALL' });
    expect(r.status).toBe(200);
    expect(r.body.longOrderCreateTransaction).toMatchObject({ reason: 'POSITION_CLOSEOUT', longPositionCloseout: { instrument: 'USD_JPY', units: 'ALL' } });
    expect(r.body.longOrderFillTransaction).toMatchObject({ reason: 'MARKET_ORDER_POSITION_CLOSEOUT', units: '-10000', price: '151.014', pl: '66.2129', gainQuoteHomeConversionFactor: '0.0066212888' });
    const none = await rest(s, 'PUT', `${A(s)}/positions/USD_JPY/close`, { longUnits: 'ALL' });
    expect(none.status).toBe(400);
    expect(none.body).toMatchObject({ errorCode: 'CLOSEOUT_POSITION_DOESNT_EXIST', longOrderRejectTransaction: { rejectReason: 'CLOSEOUT_POSITION_DOESNT_EXIST' } });
    // EUR_JPY P/L converts through USD_JPY too.
    s.setPrice('EUR_JPY', '162.000', '162.020');
    await order(s, { type: 'MARKET', instrument: 'EUR_JPY', units: '-1000' }); // sells at 162.000
    s.setPrice('EUR_JPY', '161.480', '161.500');
    const f = (await order(s, { type: 'MARKET', instrument: 'EUR_JPY', units: '1000' })).body.orderFillTransaction;
    // (161.500 − 162.000) × −1000 = +500 JPY at 1/151.028 = 3.31064…
    expect(f.pl).toBe('3.3106');
  });
});

describe('oanda test server: pending orders', () => {
  it('triggers limit, stop and market-if-touched orders on price moves and streams their fills as transactions', async () => {
    const s = await start();
    s.setPrice('EUR_USD', '1.10000', '1.10010');
    const lim = await order(s, { type: 'LIMIT', instrument: 'EUR_USD', units: '100', price: '1.09900', clientExtensions: { id: 'L1' } });
    expect(lim.body.orderFillTransaction).toBeUndefined();
    const stop = await order(s, { type: 'STOP', instrument: 'EUR_USD', units: '-100', price: '1.09800', positionFill: 'OPEN_ONLY' });
    const mit = await order(s, { type: 'MARKET_IF_TOUCHED', instrument: 'EUR_USD', units: '100', price: '1.10200' });
    expect(mit.body.orderCreateTransaction.type).toBe('MARKET_IF_TOUCHED_ORDER');
    s.setPrice('EUR_USD', '1.09880', '1.09890'); // ask ≤ 1.09900: limit fills at 1.09890
    let o = (await rest(s, 'GET', `${A(s)}/orders/@L1`)).body.order;
    expect(o).toMatchObject({ state: 'FILLED' });
    const fill = (await rest(s, 'GET', `${A(s)}/transactions/${o.fillingTransactionID}`)).body.transaction;
    expect(fill).toMatchObject({ type: 'ORDER_FILL', reason: 'LIMIT_ORDER', price: '1.09890' });
    expect(fill.requestID).toBeUndefined();
    s.setPrice('EUR_USD', '1.09790', '1.09800'); // bid ≤ 1.09800: stop (sell, OPEN_ONLY on netting) is cancelled
    o = (await rest(s, 'GET', `${A(s)}/orders/${stop.body.orderCreateTransaction.id}`)).body.order;
    expect(o.state).toBe('CANCELLED');
    s.setPrice('EUR_USD', '1.10200', '1.10210');
    o = (await rest(s, 'GET', `${A(s)}/orders/${mit.body.orderCreateTransaction.id}`)).body.order;
    expect(o.state).toBe('FILLED');
    expect((await rest(s, 'GET', `${A(s)}/pendingOrders`)).body.orders).toEqual([]);
  });

  it('fills take-profit and stop-loss orders and cancels the sibling', async () => {
    const s = await start();
    s.setPrice('GBP_USD', '1.27000', '1.27018');
    const r = await order(s, { type: 'MARKET', instrument: 'GBP_USD', units: '-1000', takeProfitOnFill: { price: '1.26500' }, stopLossOnFill: { price: '1.27500' } });
    const tradeID = r.body.orderFillTransaction.tradeOpened.tradeID;
    s.setPrice('GBP_USD', '1.26482', '1.26500');
    const trade = (await rest(s, 'GET', `${A(s)}/trades/${tradeID}`)).body.trade;
    expect(trade).toMatchObject({ state: 'CLOSED', currentUnits: '0', realizedPL: '5.0000', averageClosePrice: '1.26500' });
    expect(trade.takeProfitOrder.state).toBe('FILLED');
    expect(trade.stopLossOrder).toMatchObject({ state: 'CANCELLED' });
    const cancel = (await rest(s, 'GET', `${A(s)}/transactions/${trade.stopLossOrder.cancellingTransactionID}`)).body.transaction;
    expect(cancel.reason).toBe('LINKED_TRADE_CLOSED');
  });

  it('moves a trailing stop with the price and fills it when the price turns', async () => {
    const s = await start();
    s.setPrice('EUR_USD', '1.10000', '1.10010');
    const r = await order(s, { type: 'MARKET', instrument: 'EUR_USD', units: '1000', trailingStopLossOnFill: { distance: '0.00100' } });
    const tradeID = r.body.orderFillTransaction.tradeOpened.tradeID;
    s.setPrice('EUR_USD', '1.10300', '1.10310');
    let trade = (await rest(s, 'GET', `${A(s)}/trades/${tradeID}`)).body.trade;
    expect(trade.trailingStopLossOrder.trailingStopValue).toBe('1.10200');
    s.setPrice('EUR_USD', '1.10250', '1.10260'); // does not move down
    trade = (await rest(s, 'GET', `${A(s)}/trades/${tradeID}`)).body.trade;
    expect(trade.trailingStopLossOrder.trailingStopValue).toBe('1.10200');
    s.setPrice('EUR_USD', '1.10190', '1.10200');
    trade = (await rest(s, 'GET', `${A(s)}/trades/${tradeID}`)).body.trade;
    expect(trade).toMatchObject({ state: 'CLOSED', realizedPL: '1.8000' });
  });

  it('replaces and cancels pending orders; a second cancel is 404 ORDER_DOESNT_EXIST', async () => {
    const s = await start();
    const c = await order(s, { type: 'LIMIT', instrument: 'EUR_USD', units: '100', price: '1.05000', clientExtensions: { id: 'R1' } });
    const oldId = c.body.orderCreateTransaction.id;
    const rep = await rest(s, 'PUT', `${A(s)}/orders/@R1`, { order: { type: 'LIMIT', instrument: 'EUR_USD', units: '200', price: '1.05500' } });
    expect(rep.status).toBe(201);
    expect(rep.body.orderCancelTransaction).toMatchObject({ orderID: oldId, reason: 'CLIENT_REQUEST_REPLACED', replacedByOrderID: rep.body.orderCreateTransaction.id });
    expect(rep.body.orderCreateTransaction).toMatchObject({ reason: 'REPLACEMENT', replacesOrderID: oldId, units: '200', clientExtensions: { id: 'R1' } });
    const cancel = await rest(s, 'PUT', `${A(s)}/orders/@R1/cancel`);
    expect(cancel.status).toBe(200);
    expect(cancel.body.orderCancelTransaction).toMatchObject({ reason: 'CLIENT_REQUEST', clientOrderID: 'R1' });
    const again = await rest(s, 'PUT', `${A(s)}/orders/@R1/cancel`);
    expect(again.status).toBe(404);
    expect(again.body).toMatchObject({ errorCode: 'ORDER_DOESNT_EXIST', orderCancelRejectTransaction: { type: 'ORDER_CANCEL_REJECT' } });
  });

  it('sets, replaces and removes a trade’s dependent orders', async () => {
    const s = await start();
    s.setPrice('EUR_USD', '1.10000', '1.10010');
    const tradeID = (await order(s, { type: 'MARKET', instrument: 'EUR_USD', units: '1000' })).body.orderFillTransaction.tradeOpened.tradeID;
    let r = await rest(s, 'PUT', `${A(s)}/trades/${tradeID}/orders`, { takeProfit: { price: '1.11000' }, stopLoss: { distance: '0.00400' } });
    expect(r.status).toBe(200);
    expect(r.body.takeProfitOrderTransaction).toMatchObject({ type: 'TAKE_PROFIT_ORDER', price: '1.11000', reason: 'CLIENT_ORDER' });
    expect(r.body.stopLossOrderTransaction).toMatchObject({ type: 'STOP_LOSS_ORDER', distance: '0.00400', price: '1.09610' });
    r = await rest(s, 'PUT', `${A(s)}/trades/${tradeID}/orders`, { takeProfit: { price: '1.12000' }, stopLoss: null });
    expect(r.body.takeProfitOrderCancelTransaction.reason).toBe('CLIENT_REQUEST_REPLACED');
    expect(r.body.takeProfitOrderTransaction.reason).toBe('REPLACEMENT');
    expect(r.body.stopLossOrderCancelTransaction.reason).toBe('CLIENT_REQUEST');
    const trade = (await rest(s, 'GET', `${A(s)}/trades/${tradeID}`)).body.trade;
    expect(trade.takeProfitOrder.price).toBe('1.12000');
    expect(trade.stopLossOrder).toBeUndefined();
    const bad = await rest(s, 'PUT', `${A(s)}/trades/${tradeID}/orders`, { trailingStopLoss: { distance: '0.00001' } });
    expect(bad.status).toBe(400);
    expect(bad.body.trailingStopLossOrderRejectTransaction.rejectReason).toBe('PRICE_DISTANCE_MINIMUM_NOT_MET');
  });
});

describe('oanda test server: account, transactions, changes', () => {
  it('answers auth, unknown account, unknown path and method errors as the spec says', async () => {
    const s = await start();
    const noAuth = await fetch(`${s.restUrl}/v3/accounts`);
    expect(noAuth.status).toBe(401);
    expect(await noAuth.json()).toEqual({ errorMessage: 'Insufficient authorization to perform request.' });
    expect((await rest(s, 'GET', '/v3/accounts/001-001-0000000-001')).status).toBe(400);
    expect((await rest(s, 'GET', '/v3/accounts/001-001-0000000-001/openTrades')).status).toBe(404);
    expect((await rest(s, 'GET', `${A(s)}/nothing`)).status).toBe(404);
    expect((await rest(s, 'DELETE', `${A(s)}/orders`)).status).toBe(405);
    expect((await rest(s, 'GET', `${A(s)}/pricing/stream?instruments=EUR_USD`)).status).toBe(404); // streams live on the stream host
    const r = await rest(s, 'GET', '/v3/accounts');
    expect(r.headers.get('requestid')).toMatch(/^\d+$/);
    expect(r.body).toEqual({ accounts: [{ id: s.accountId, tags: [] }] });
  });

  it('keeps NAV, margin and unrealized P/L consistent in the summary', async () => {
    const s = await start();
    s.setPrice('EUR_USD', '1.10000', '1.10010');
    await order(s, { type: 'MARKET', instrument: 'EUR_USD', units: '10000' });
    s.setPrice('EUR_USD', '1.10110', '1.10120');
    const a = (await rest(s, 'GET', `${A(s)}/summary`)).body.account;
    expect(a).toMatchObject({ balance: '100000.0000', unrealizedPL: '10.0000', NAV: '100010.0000', marginUsed: '366.6830', marginAvailable: '99643.3170', openTradeCount: 1, lastTransactionID: '4' });
    expect(a.marginCloseoutPercent).toBe('0.00183');
  });

  it('serves transactions by sinceid, idrange, pages and single ID, and /changes since an ID', async () => {
    const s = await start();
    await order(s, { type: 'MARKET', instrument: 'EUR_USD', units: '100' });
    await order(s, { type: 'LIMIT', instrument: 'EUR_USD', units: '100', price: '1.00000' });
    const since = (await rest(s, 'GET', `${A(s)}/transactions/sinceid?id=2`)).body;
    expect(since.transactions.map((x: { type: string }) => x.type)).toEqual(['MARKET_ORDER', 'ORDER_FILL', 'LIMIT_ORDER']);
    expect(since.lastTransactionID).toBe('5');
    expect((await rest(s, 'GET', `${A(s)}/transactions/sinceid?id=6`)).status).toBe(416);
    const range = (await rest(s, 'GET', `${A(s)}/transactions/idrange?from=1&to=5&type=ORDER_FILL,ADMIN`)).body;
    expect(range.transactions.map((x: { type: string }) => x.type)).toEqual(['CREATE', 'ORDER_FILL']);
    const pages = (await rest(s, 'GET', `${A(s)}/transactions?pageSize=2`)).body;
    expect(pages.count).toBe(5);
    expect(pages.pages).toEqual([1, 3, 5].map((from) => `${s.restUrl}${A(s)}/transactions/idrange?from=${from}&to=${Math.min(from + 1, 5)}`));
    expect((await rest(s, 'GET', `${A(s)}/transactions/1`)).body.transaction).toMatchObject({ type: 'CREATE', homeCurrency: 'USD' });
    const ch = (await rest(s, 'GET', `${A(s)}/changes?sinceTransactionID=2`)).body;
    expect(ch.changes.ordersFilled.map((o: { id: string }) => o.id)).toEqual(['3']);
    expect(ch.changes.ordersCreated.map((o: { id: string }) => o.id)).toEqual(['3', '5']);
    expect(ch.changes.tradesOpened.map((t: { id: string }) => t.id)).toEqual(['4']);
    expect(ch.changes.transactions).toHaveLength(3);
    expect(ch.state.trades).toEqual([expect.objectContaining({ id: '4' })]);
    expect(ch.state.orders).toEqual([expect.objectContaining({ id: '5', triggerDistance: expect.any(String) })]);
    expect(ch.lastTransactionID).toBe('5');
    const none = (await rest(s, 'GET', `${A(s)}/changes?sinceTransactionID=5`)).body;
    expect(none.changes.transactions).toEqual([]);
  });

  it('writes every DateTime as UNIX seconds with nine decimals when asked', async () => {
    const s = await start();
    const r = await rest(s, 'GET', `${A(s)}/transactions/1`, undefined, { 'Accept-Datetime-Format': 'UNIX' });
    expect(r.body.transaction.time).toBe(`${(T0 + 1000) / 1000}.000000000`);
    const bad = await rest(s, 'GET', `${A(s)}/transactions/1`, undefined, { 'Accept-Datetime-Format': 'EPOCH' });
    expect(bad.status).toBe(400);
  });

  it('records trades placed and closed outside the app as ordinary transactions', async () => {
    const s = await start();
    const out = s.externalTrade('AUD_USD', '-2500');
    expect(out.fill).toMatchObject({ type: 'ORDER_FILL', units: '-2500' });
    expect(out.fill?.requestID).toBeUndefined();
    const trades = (await rest(s, 'GET', `${A(s)}/openTrades`)).body.trades;
    expect(trades).toEqual([expect.objectContaining({ instrument: 'AUD_USD', currentUnits: '-2500' })]);
    expect(trades[0].clientExtensions).toBeUndefined();
    const closed = s.externalCloseTrade(trades[0].id, '1000');
    expect(closed.create).toMatchObject({ reason: 'TRADE_CLOSE', tradeClose: { tradeID: trades[0].id, units: '1000' } });
    expect(closed.fill).toMatchObject({ tradeReduced: { tradeID: trades[0].id, units: '1000' } });
  });
});
