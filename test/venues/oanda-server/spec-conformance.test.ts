/**
 * Every reply of a scripted session, and every stream line, checked strictly against the v20 spec
 * itself (v20.json: the response schema of the path, method and status; definitions for stream
 * lines): no undeclared property, declared JSON types, enums respected. Runs when
 * ../shared/reference/oanda-v20/v20.json exists beside the project (as wire-format.test.ts always runs
 * the official client).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startV20TestServer, type V20TestServer } from './index';
import { checkAgainst, checkResponse, loadSpec } from './spec-check';
import { LineReader, rest } from './test-helpers';

const spec = loadSpec();
let server: V20TestServer;
const T0 = Date.UTC(2025, 2, 4, 14, 30);
const problems: string[] = [];

/** Calls `method template` (path under /v3 with {accountID} etc.) and checks the reply against the spec. */
async function call(method: string, template: string, params: Record<string, string> = {}, body?: unknown, query = ''): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  let path = template.replace('{accountID}', server.accountId);
  for (const [k, v] of Object.entries(params)) path = path.replace(`{${k}}`, encodeURIComponent(v));
  const r = await rest(server, method, `/v3${path}${query}`, body);
  const p = checkResponse(spec!, method, template, r.status, r.body);
  problems.push(...p.map((x) => `${method} ${template} → ${r.status}: ${x}`));
  return r;
}

beforeAll(async () => {
  let clock = T0;
  server = await startV20TestServer({ now: () => (clock += 1000), heartbeatMs: 50 });
});

afterAll(async () => {
  await server.close();
});

describe.skipIf(spec === null)('the test server conforms to v20.json', () => {
  it('REST replies of a full session match their response schemas', async () => {
    const A = '/accounts/{accountID}';
    await call('GET', '/accounts');
    await call('GET', A);
    await call('GET', `${A}/summary`);
    await call('GET', `${A}/instruments`);
    await call('PATCH', `${A}/configuration`, {}, { alias: 'x' });
    await call('PATCH', `${A}/configuration`, {}, { marginRate: 'lots' });
    await call('GET', '/instruments/{instrument}/candles', { instrument: 'EUR_JPY' }, undefined, '?granularity=H1&count=30&price=MBA');
    await call('GET', `${A}/instruments/{instrument}/candles`, { instrument: 'EUR_USD' }, undefined, '?granularity=D&count=3');
    await call('GET', `${A}/pricing`, {}, undefined, '?instruments=EUR_USD,USD_JPY&includeHomeConversions=true');
    server.setPrice('EUR_USD', '1.10000', '1.10010');
    const m = await call('POST', `${A}/orders`, {}, {
      order: {
        type: 'MARKET', instrument: 'EUR_USD', units: '1000', clientExtensions: { id: 'c1', tag: 't', comment: 'Zürich €' },
        tradeClientExtensions: { id: 'c1-t' }, takeProfitOnFill: { price: '1.11000' }, stopLossOnFill: { distance: '0.00500' },
        trailingStopLossOnFill: { distance: '0.00300' },
      },
    });
    const tradeID = m.body.orderFillTransaction.tradeOpened.tradeID as string;
    await call('POST', `${A}/orders`, {}, { order: { type: 'MARKET', instrument: 'EUR_USD', units: '0.5' } });
    await call('POST', `${A}/orders`, {}, { order: { type: 'MARKET', instrument: 'EUR_USD', units: '1', takeProfitOnFill: { price: '1.00000' } } });
    const l = await call('POST', `${A}/orders`, {}, { order: { type: 'LIMIT', instrument: 'USD_JPY', units: '-700', price: '155.000', gtdTime: '2025-03-05T00:00:00Z', timeInForce: 'GTD', clientExtensions: { id: 'l1' } } });
    await call('POST', `${A}/orders`, {}, { order: { type: 'STOP', instrument: 'GBP_USD', units: '100', price: '1.30000', priceBound: '1.30100' } });
    await call('POST', `${A}/orders`, {}, { order: { type: 'MARKET_IF_TOUCHED', instrument: 'AUD_USD', units: '100', price: '0.65000' } });
    await call('GET', `${A}/orders`, {}, undefined, '?state=ALL');
    await call('GET', `${A}/pendingOrders`);
    await call('GET', `${A}/orders/{orderSpecifier}`, { orderSpecifier: '@l1' });
    await call('PUT', `${A}/orders/{orderSpecifier}/clientExtensions`, { orderSpecifier: '@l1' }, { clientExtensions: { comment: 'c' } });
    await call('PUT', `${A}/orders/{orderSpecifier}`, { orderSpecifier: '@l1' }, { order: { type: 'LIMIT', instrument: 'USD_JPY', units: '-700', price: '156.000' } });
    await call('PUT', `${A}/orders/{orderSpecifier}/cancel`, { orderSpecifier: '@l1' });
    await call('PUT', `${A}/orders/{orderSpecifier}/cancel`, { orderSpecifier: l.body.orderCreateTransaction.id });
    await call('GET', `${A}/trades`, {}, undefined, '?state=ALL');
    await call('GET', `${A}/openTrades`);
    await call('GET', `${A}/trades/{tradeSpecifier}`, { tradeSpecifier: tradeID });
    await call('PUT', `${A}/trades/{tradeSpecifier}/orders`, { tradeSpecifier: tradeID }, { takeProfit: { price: '1.12000' }, stopLoss: null });
    await call('PUT', `${A}/trades/{tradeSpecifier}/clientExtensions`, { tradeSpecifier: tradeID }, { clientExtensions: { tag: 'x' } });
    await call('PUT', `${A}/trades/{tradeSpecifier}/close`, { tradeSpecifier: tradeID }, { units: '300' });
    await call('PUT', `${A}/trades/{tradeSpecifier}/close`, { tradeSpecifier: tradeID }, { units: '30000' });
    await call('GET', `${A}/positions`);
    await call('GET', `${A}/openPositions`);
    await call('GET', `${A}/positions/{instrument}`, { instrument: 'EUR_USD' });
    server.setPrice('EUR_USD', '1.10400', '1.10410'); // moves the trailing stop
    await call('GET', `${A}/changes`, {}, undefined, '?sinceTransactionID=2');
    await call('PUT', `${A}/positions/{instrument}/close`, { instrument: 'EUR_USD' }, { longUnits: 'ALL' });
    await call('PUT', `${A}/positions/{instrument}/close`, { instrument: 'EUR_USD' }, { shortUnits: 'ALL' });
    server.externalTrade('EUR_JPY', '-300');
    await call('GET', `${A}/transactions`, {}, undefined, '?pageSize=10&type=ORDER');
    await call('GET', `${A}/transactions/idrange`, {}, undefined, `?from=1&to=${server.lastTransactionID()}`);
    const since = await call('GET', `${A}/transactions/sinceid`, {}, undefined, '?id=0');
    await call('GET', `${A}/transactions/{transactionID}`, { transactionID: '3' });
    await call('GET', `${A}/transactions/{transactionID}`, { transactionID: '9999' });
    expect(since.body.transactions.length).toBeGreaterThan(25);
    expect(problems).toEqual([]);
  });

  it('stream lines match ClientPrice, PricingHeartbeat, the transaction types and TransactionHeartbeat', async () => {
    const prices = new LineReader(`${server.streamUrl}/v3/accounts/${server.accountId}/pricing/stream?instruments=EUR_USD,USD_JPY`, server.token);
    const txns = new LineReader(`${server.streamUrl}/v3/accounts/${server.accountId}/transactions/stream`, server.token);
    await Promise.all([prices.ready, txns.ready]);
    await rest(server, 'POST', `/v3/accounts/${server.accountId}/orders`, { order: { type: 'MARKET', instrument: 'USD_JPY', units: '10', stopLossOnFill: { distance: '0.500' } } });
    server.setPrice('USD_JPY', '149.000', '149.014');
    await prices.until((r) => r.json().some((x) => x.type === 'HEARTBEAT') && r.json().filter((x) => x.type === 'PRICE').length >= 3);
    await txns.until((r) => r.json().some((x) => x.type === 'HEARTBEAT') && r.json().some((x) => x.type === 'ORDER_FILL' && x.reason === 'STOP_LOSS_ORDER'));
    for (const x of prices.json()) problems.push(...checkAgainst(spec!.definitions, x.type === 'HEARTBEAT' ? 'PricingHeartbeat' : 'ClientPrice', x, 'pricing line'));
    for (const x of txns.json()) problems.push(...checkAgainst(spec!.definitions, 'Transaction', x, 'transaction line'));
    prices.close();
    txns.close();
    expect(problems).toEqual([]);
  });
});
