/**
 * The official client, @oanda/v20 3.0.25, as the oracle of the test server's REST wire format. It
 * builds typed objects from each JSON reply per the spec (Transaction.create and Order.create pick the
 * class by `type`; nested objects become TradeOpen, ClientPrice, PositionSide, …) and copies only the
 * fields its classes declare. So for every call here: the reply parses, the objects have the expected
 * classes and values, and the parsed body serialised back equals the raw JSON — no field of ours is
 * unknown to the official client, none is dropped.
 *
 * Its streams are not used (they throw `Price is not defined` and parse half lines); streams.test.ts
 * reads them with a line-buffered reader. It is loaded as '@oanda/v20/context': the package has no
 * main entry, so require('@oanda/v20') itself fails.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startV20TestServer, type V20TestServer } from './index';

/* eslint-disable @typescript-eslint/no-explicit-any -- the official client is untyped JavaScript */
const require = createRequire(import.meta.url);
const { Context } = require('@oanda/v20/context') as { Context: new (host: string, port: number, ssl: boolean, app: string) => any };
const txn = require('@oanda/v20/transaction');
const ord = require('@oanda/v20/order');
const acct = require('@oanda/v20/account');
const trd = require('@oanda/v20/trade');
const pos = require('@oanda/v20/position');
const ins = require('@oanda/v20/instrument');
const prc = require('@oanda/v20/pricing');
const prim = require('@oanda/v20/primitives');
const pcommon = require('@oanda/v20/pricing_common');

interface V20Response {
  statusCode: string;
  contentType: string;
  rawBody: string;
  body: any;
}

let server: V20TestServer;
let ctx: any;
let id: string;
const T0 = Date.UTC(2025, 2, 4, 14, 30);

/** Paths where `parsed` (the official client's objects, serialised) differs from `raw` (our JSON). */
function diff(raw: unknown, parsed: unknown, path = '$'): string[] {
  if (Array.isArray(raw)) {
    if (!Array.isArray(parsed) || parsed.length !== raw.length) return [`${path}: array differs`];
    return raw.flatMap((x, i) => diff(x, parsed[i], `${path}[${i}]`));
  }
  if (typeof raw === 'object' && raw !== null) {
    if (typeof parsed !== 'object' || parsed === null) return [`${path}: object became ${JSON.stringify(parsed)}`];
    const out: string[] = [];
    const p = parsed as Record<string, unknown>;
    for (const [k, v] of Object.entries(raw)) {
      if (!(k in p)) out.push(`${path}.${k}: dropped by the official client`);
      else out.push(...diff(v, p[k], `${path}.${k}`));
    }
    for (const k of Object.keys(p)) if (!(k in raw)) out.push(`${path}.${k}: added by the official client`);
    return out;
  }
  return raw === parsed ? [] : [`${path}: ${JSON.stringify(raw)} became ${JSON.stringify(parsed)}`];
}

/** Calls an official-client method (callback last) and checks the parse round trip. */
function call(fn: (cb: (r: V20Response) => void) => void, status: string): Promise<V20Response> {
  return new Promise((resolve, reject) => {
    fn((r) => {
      try {
        expect(r.statusCode).toBe(status);
        expect(r.contentType).toMatch(/^application\/json/);
        // The official client parses error bodies only for some statuses of some endpoints.
        if (r.statusCode.startsWith('2') || Object.keys(r.body).length > 0) {
          const d = diff(JSON.parse(r.rawBody), JSON.parse(JSON.stringify(r.body)));
          expect(d, d.join('\n')).toEqual([]);
        }
        resolve(r);
      } catch (e) {
        reject(e instanceof Error ? new Error(`${e.message}\nraw: ${r.rawBody.slice(0, 300)}`) : e);
      }
    });
  });
}

beforeAll(async () => {
  let clock = T0;
  server = await startV20TestServer({ now: () => (clock += 1000) });
  const url = new URL(server.restUrl);
  ctx = new Context(url.hostname, Number(url.port), false, 'oanda-server-test');
  ctx.setToken(server.token);
  id = server.accountId;
});

afterAll(async () => {
  expect(server.errors).toEqual([]);
  await server.close();
});

describe('@oanda/v20 reads the test server (REST)', () => {
  it('accounts: list, details, summary, instruments, configuration', async () => {
    const list = await call((cb) => ctx.account.list(cb), '200');
    expect(list.body.accounts[0]).toBeInstanceOf(acct.AccountProperties);
    expect(list.body.accounts[0].id).toBe(id);
    const sum = await call((cb) => ctx.account.summary(id, cb), '200');
    expect(sum.body.account).toBeInstanceOf(acct.AccountSummary);
    expect(sum.body.account).toMatchObject({ currency: 'USD', balance: '100000.0000', NAV: '100000.0000', hedgingEnabled: false, openTradeCount: 0 });
    const ins1 = await call((cb) => ctx.account.instruments(id, { instruments: 'EUR_USD,USD_JPY' }, cb), '200');
    expect(ins1.body.instruments.map((i: any) => i.constructor)).toEqual([prim.Instrument, prim.Instrument]);
    expect(ins1.body.instruments[1]).toMatchObject({ name: 'USD_JPY', pipLocation: -2, displayPrecision: 3, tradeUnitsPrecision: 0, minimumTradeSize: '1', marginRate: '0.0333' });
    const conf = await call((cb) => ctx.account.configure(id, { alias: 'Tester' }, cb), '200');
    expect(conf.body.clientConfigureTransaction).toBeInstanceOf(txn.ClientConfigureTransaction);
    const details = await call((cb) => ctx.account.get(id, cb), '200');
    expect(details.body.account).toBeInstanceOf(acct.Account);
    expect(details.body.account.alias).toBe('Tester');
  });

  it('candles with mid, bid and ask', async () => {
    const r = await call((cb) => ctx.instrument.candles('EUR_USD', { granularity: 'M5', count: 12, price: 'MBA' }, cb), '200');
    expect(r.body.candles).toHaveLength(12);
    const c = r.body.candles[0];
    expect(c).toBeInstanceOf(ins.Candlestick);
    expect(c.mid).toBeInstanceOf(ins.CandlestickData);
    expect(c.bid.o).toMatch(/^\d\.\d{5}$/);
    expect(r.body.candles.at(-1).complete).toBe(false);
    const bad = await call((cb) => ctx.instrument.candles('EUR_USD', { granularity: 'M5', count: 5001 }, cb), '400');
    expect(bad.rawBody).toContain('errorMessage');
  });

  it('pricing with conversion factors, units available and home conversions', async () => {
    server.setPrice('EUR_USD', '1.09972', '1.09986');
    const r = await call((cb) => ctx.pricing.get(id, { instruments: 'EUR_USD,USD_JPY', includeHomeConversions: true }, cb), '200');
    const p = r.body.prices[0];
    expect(p).toBeInstanceOf(prc.ClientPrice);
    expect(p.bids[0]).toBeInstanceOf(pcommon.PriceBucket);
    expect(p.quoteHomeConversionFactors).toBeInstanceOf(prc.QuoteHomeConversionFactors);
    expect(p.unitsAvailable).toBeInstanceOf(ord.UnitsAvailable);
    expect(p).toMatchObject({ instrument: 'EUR_USD', tradeable: true, closeoutBid: '1.09972', closeoutAsk: '1.09986' });
    expect(r.body.homeConversions[0]).toBeInstanceOf(prc.HomeConversions);
  });

  it('orders: market with protection, limit, replace, cancel, reject, list', async () => {
    const m = await call(
      (cb) =>
        ctx.order.create(
          id,
          {
            order: {
              type: 'MARKET', instrument: 'EUR_USD', units: '-1000', clientExtensions: { id: 'abc-1', tag: 'a' },
              tradeClientExtensions: { id: 'abc-1-trade' }, takeProfitOnFill: { price: '1.09472' }, stopLossOnFill: { price: '1.10472' },
            },
          },
          cb,
        ),
      '201',
    );
    expect(m.body.orderCreateTransaction).toBeInstanceOf(txn.MarketOrderTransaction);
    expect(m.body.orderCreateTransaction.takeProfitOnFill).toBeInstanceOf(txn.TakeProfitDetails);
    const fill = m.body.orderFillTransaction;
    expect(fill).toBeInstanceOf(txn.OrderFillTransaction);
    expect(fill.tradeOpened).toBeInstanceOf(txn.TradeOpen);
    expect(fill.fullPrice).toBeInstanceOf(prc.ClientPrice);
    expect(fill).toMatchObject({ units: '-1000', price: '1.09972', clientOrderID: 'abc-1' });
    expect(fill.tradeOpened.clientExtensions).toBeInstanceOf(txn.ClientExtensions);

    const l = await call(
      (cb) => ctx.order.create(id, { order: { type: 'LIMIT', instrument: 'USD_JPY', units: '500', price: '140.000', clientExtensions: { id: 'lim-1' } } }, cb),
      '201',
    );
    expect(l.body.orderCreateTransaction).toBeInstanceOf(txn.LimitOrderTransaction);
    const got = await call((cb) => ctx.order.get(id, '@lim-1', cb), '200');
    expect(got.body.order).toBeInstanceOf(ord.LimitOrder);
    expect(got.body.order).toMatchObject({ state: 'PENDING', price: '140.000', units: '500' });
    const rep = await call((cb) => ctx.order.replace(id, '@lim-1', { order: { type: 'STOP', instrument: 'USD_JPY', units: '500', price: '160.000' } }, cb), '201');
    expect(rep.body.orderCancelTransaction).toBeInstanceOf(txn.OrderCancelTransaction);
    expect(rep.body.orderCreateTransaction).toBeInstanceOf(txn.StopOrderTransaction);
    const pending = await call((cb) => ctx.order.listPending(id, cb), '200');
    expect(pending.body.orders.map((o: any) => o.constructor)).toEqual([ord.StopOrder, ord.StopLossOrder, ord.TakeProfitOrder]);
    const all = await call((cb) => ctx.order.list(id, { state: 'ALL', count: 10 }, cb), '200');
    expect(all.body.orders.map((o: any) => o.constructor)).toContain(ord.MarketOrder);
    const cancel = await call((cb) => ctx.order.cancel(id, rep.body.orderCreateTransaction.id, cb), '200');
    expect(cancel.body.orderCancelTransaction).toBeInstanceOf(txn.OrderCancelTransaction);
    const again = await call((cb) => ctx.order.cancel(id, rep.body.orderCreateTransaction.id, cb), '404');
    expect(again.body.orderCancelRejectTransaction).toBeInstanceOf(txn.OrderCancelRejectTransaction);
    expect(again.body.errorCode).toBe('ORDER_DOESNT_EXIST');
    const rej = await call((cb) => ctx.order.create(id, { order: { type: 'MARKET', instrument: 'EUR_USD', units: '1.5' } }, cb), '400');
    expect(rej.body.orderRejectTransaction).toBeInstanceOf(txn.MarketOrderRejectTransaction);
    expect(rej.body.errorCode).toBe('UNITS_PRECISION_EXCEEDED');
    server.faults.rejectNextOrder('INSUFFICIENT_MARGIN');
    const cut = await call((cb) => ctx.order.create(id, { order: { type: 'MARKET', instrument: 'EUR_USD', units: '10' } }, cb), '201');
    expect(cut.body.orderCancelTransaction.reason).toBe('INSUFFICIENT_MARGIN');
    const ce = await call((cb) => ctx.order.setClientExtensions(id, l.body.orderCreateTransaction.id, { clientExtensions: { comment: 'x' } }, cb), '404');
    expect(ce.body.errorCode).toBe('ORDER_DOESNT_EXIST');
  });

  it('trades: list, get, dependent orders, client extensions, partial close', async () => {
    const open = await call((cb) => ctx.trade.listOpen(id, cb), '200');
    expect(open.body.trades).toHaveLength(1);
    const t = open.body.trades[0];
    expect(t).toBeInstanceOf(trd.Trade);
    expect(t.takeProfitOrder).toBeInstanceOf(ord.TakeProfitOrder);
    expect(t.stopLossOrder).toBeInstanceOf(ord.StopLossOrder);
    expect(t.clientExtensions).toBeInstanceOf(txn.ClientExtensions);
    const got = await call((cb) => ctx.trade.get(id, '@abc-1-trade', cb), '200');
    expect(got.body.trade.id).toBe(t.id);
    const dep = await call((cb) => ctx.trade.setDependentOrders(id, t.id, { trailingStopLoss: { distance: '0.00300' }, takeProfit: null }, cb), '200');
    expect(dep.body.trailingStopLossOrderTransaction).toBeInstanceOf(txn.TrailingStopLossOrderTransaction);
    expect(dep.body.takeProfitOrderCancelTransaction).toBeInstanceOf(txn.OrderCancelTransaction);
    const ce = await call((cb) => ctx.trade.setClientExtensions(id, t.id, { clientExtensions: { comment: 'kept' } }, cb), '200');
    expect(ce.body.tradeClientExtensionsModifyTransaction).toBeInstanceOf(txn.TradeClientExtensionsModifyTransaction);
    const close = await call((cb) => ctx.trade.close(id, t.id, { units: '400' }, cb), '200');
    expect(close.body.orderFillTransaction.tradeReduced).toBeInstanceOf(txn.TradeReduce);
    expect(close.body.orderFillTransaction.tradeReduced.units).toBe('400');
    const list = await call((cb) => ctx.trade.list(id, { state: 'ALL', count: 5 }, cb), '200');
    expect(list.body.trades[0].currentUnits).toBe('-600');
    const missing = await call((cb) => ctx.trade.get(id, '999', cb), '404');
    // The official client leaves 404 bodies of this endpoint unparsed.
    expect(JSON.parse(missing.rawBody)).toMatchObject({ errorCode: 'NO_SUCH_TRADE', errorMessage: expect.any(String) });
  });

  it('positions: list, get, close', async () => {
    const list = await call((cb) => ctx.position.listOpen(id, cb), '200');
    expect(list.body.positions[0]).toBeInstanceOf(pos.Position);
    expect(list.body.positions[0].short).toBeInstanceOf(pos.PositionSide);
    expect(list.body.positions[0].short).toMatchObject({ units: '-600', averagePrice: '1.09972' });
    const all = await call((cb) => ctx.position.list(id, cb), '200');
    expect(all.body.positions.length).toBeGreaterThanOrEqual(1);
    const one = await call((cb) => ctx.position.get(id, 'EUR_USD', cb), '200');
    expect(one.body.position.instrument).toBe('EUR_USD');
    const close = await call((cb) => ctx.position.close(id, 'EUR_USD', { shortUnits: 'ALL' }, cb), '200');
    expect(close.body.shortOrderCreateTransaction).toBeInstanceOf(txn.MarketOrderTransaction);
    expect(close.body.shortOrderFillTransaction.tradesClosed[0]).toBeInstanceOf(txn.TradeReduce);
    const none = await call((cb) => ctx.position.close(id, 'EUR_USD', { longUnits: 'ALL' }, cb), '400');
    expect(none.body.longOrderRejectTransaction).toBeInstanceOf(txn.MarketOrderRejectTransaction);
  });

  it('transactions: since, range, pages, single, and account changes', async () => {
    const since = await call((cb) => ctx.transaction.since(id, { id: 0 }, cb), '200');
    const types = new Set(since.body.transactions.map((x: any) => x.constructor.name));
    for (const name of ['CreateTransaction', 'TransferFundsTransaction', 'MarketOrderTransaction', 'OrderFillTransaction', 'TakeProfitOrderTransaction', 'StopLossOrderTransaction', 'LimitOrderTransaction', 'OrderCancelTransaction', 'OrderCancelRejectTransaction', 'MarketOrderRejectTransaction', 'ClientConfigureTransaction', 'TrailingStopLossOrderTransaction', 'TradeClientExtensionsModifyTransaction']) {
      expect(types, name).toContain(name);
    }
    // Every type is one the official client knows (an unknown one would stay a plain Transaction).
    expect(since.body.transactions.filter((x: any) => x.constructor === txn.Transaction)).toEqual([]);
    const range = await call((cb) => ctx.transaction.range(id, { from: 1, to: 4 }, cb), '200');
    expect(range.body.transactions).toHaveLength(4);
    const pages = await call((cb) => ctx.transaction.list(id, { pageSize: 5 }, cb), '200');
    expect(pages.body.count).toBe(since.body.transactions.length);
    expect(pages.body.pages[0]).toContain('/transactions/idrange?from=1&to=5');
    const one = await call((cb) => ctx.transaction.get(id, 2, cb), '200');
    expect(one.body.transaction).toBeInstanceOf(txn.TransferFundsTransaction);
    const changes = await call((cb) => ctx.account.changes(id, { sinceTransactionID: 2 }, cb), '200');
    expect(changes.body.changes).toBeInstanceOf(acct.AccountChanges);
    expect(changes.body.state).toBeInstanceOf(acct.AccountChangesState);
    expect(changes.body.changes.tradesClosed[0]).toBeInstanceOf(trd.TradeSummary);
    expect(changes.body.changes.positions[0]).toBeInstanceOf(pos.Position);
  });
});
