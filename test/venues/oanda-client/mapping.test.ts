import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../engine/core/errors';
import type { Order } from '../../../engine/core/order';
import { candleToBar, fillTicks, pipsToTicks, priceTicks, rfc3339, toInstrument, toV20Order, v20Time } from '../../../engine/venues/oanda/mapping';
import { AccountInstrumentsResponse, AccountSummaryResponse, CandlesResponse, ClientPriceSchema, OrderResponse, responseTransactions, TransactionHeartbeatSchema } from '../../../engine/venues/oanda/schemas';

// Examples from ../shared/reference/oanda-v20/API-NOTES.md (the spec's own shapes).
const INSTRUMENTS = {
  instruments: [
    { name: 'EUR_USD', type: 'CURRENCY', displayName: 'EUR/USD', pipLocation: -4, displayPrecision: 5, tradeUnitsPrecision: 0, minimumTradeSize: '1', maximumTrailingStopDistance: '1.00000', minimumTrailingStopDistance: '0.00050', maximumPositionSize: '0', maximumOrderUnits: '100000000', marginRate: '0.0333' },
    { name: 'USD_JPY', type: 'CURRENCY', displayName: 'USD/JPY', pipLocation: -2, displayPrecision: 3, tradeUnitsPrecision: 0, minimumTradeSize: '1', marginRate: '0.04' },
    { name: 'XAU_USD', type: 'METAL', displayName: 'Gold', pipLocation: -2, displayPrecision: 3, tradeUnitsPrecision: 0, minimumTradeSize: '1', marginRate: '0.05' },
  ],
  lastTransactionID: '3',
};

const FILLED = {
  orderCreateTransaction: { id: '4', time: '2025-03-04T14:30:00.000000000Z', type: 'MARKET_ORDER', instrument: 'EUR_USD', units: '-1000', timeInForce: 'FOK', positionFill: 'DEFAULT', reason: 'CLIENT_ORDER', clientExtensions: { id: 'abc-1' }, takeProfitOnFill: { price: '1.09472', timeInForce: 'GTC' }, stopLossOnFill: { price: '1.10472', timeInForce: 'GTC', guaranteed: false } },
  orderFillTransaction: {
    id: '5', time: '2025-03-04T14:30:00.000000000Z', type: 'ORDER_FILL', orderID: '4', clientOrderID: 'abc-1', instrument: 'EUR_USD', units: '-1000', price: '1.09972', fullVWAP: '1.09972',
    fullPrice: { bids: [{ price: '1.09972', liquidity: 10000000 }], asks: [{ price: '1.09986', liquidity: 10000000 }], closeoutBid: '1.09972', closeoutAsk: '1.09986' },
    reason: 'MARKET_ORDER', pl: '0.0000', financing: '0.0000', commission: '0.0000', guaranteedExecutionFee: '0.0000', accountBalance: '100000.0000', gainQuoteHomeConversionFactor: '1', lossQuoteHomeConversionFactor: '1', halfSpreadCost: '0.0700',
    tradeOpened: { tradeID: '5', units: '-1000', price: '1.09972', halfSpreadCost: '0.0700', initialMarginRequired: '36.6230' },
  },
  relatedTransactionIDs: ['4', '5', '6', '7'],
  lastTransactionID: '7',
};

describe('v20 schemas against the spec examples', () => {
  it('parse instruments, summary, candles, prices, order replies and heartbeats', () => {
    expect(AccountInstrumentsResponse.parse(INSTRUMENTS).instruments).toHaveLength(3);
    const summary = AccountSummaryResponse.parse({
      account: { id: '101-001-1000000-001', alias: 'Primary', currency: 'USD', balance: '99999.8600', pl: '-0.1400', resettablePL: '-0.1400', financing: '0.0000', commission: '0.0000', marginRate: '0.0333', openTradeCount: 0, openPositionCount: 0, pendingOrderCount: 0, hedgingEnabled: false, unrealizedPL: '0.0000', NAV: '99999.8600', marginUsed: '0.0000', marginAvailable: '99999.8600', positionValue: '0.0000', marginCloseoutPercent: '0.00000', withdrawalLimit: '99999.8600', lastTransactionID: '11' },
      lastTransactionID: '11',
    });
    expect(summary.account.balance).toBe('99999.8600'); // kept as the exact string
    const candles = CandlesResponse.parse({ instrument: 'EUR_USD', granularity: 'M1', candles: [{ complete: true, volume: 47, time: '2025-03-04T14:29:00.000000000Z', bid: { o: '1.09975', h: '1.09987', l: '1.09969', c: '1.09972' }, ask: { o: '1.09989', h: '1.10001', l: '1.09983', c: '1.09986' }, mid: { o: '1.09982', h: '1.09994', l: '1.09976', c: '1.09979' } }] });
    const bar = candleToBar('EUR_USD', 60_000, candles.candles[0]!);
    expect(bar).toMatchObject({ ts: Date.UTC(2025, 2, 4, 14, 29), open: 1.09982, close: 1.09979, volume: 47, bid: { close: 1.09972 }, ask: { close: 1.09986 } });
    ClientPriceSchema.parse({ type: 'PRICE', time: '2025-03-04T14:30:01.000000000Z', bids: [{ price: '1.09972', liquidity: 10000000 }], asks: [{ price: '1.09986', liquidity: 10000000 }], closeoutBid: '1.09972', closeoutAsk: '1.09986', status: 'tradeable', tradeable: true, instrument: 'EUR_USD' });
    TransactionHeartbeatSchema.parse({ type: 'HEARTBEAT', lastTransactionID: '16', time: '2025-03-04T14:30:05.012000000Z' });
    const reply = OrderResponse.parse(FILLED);
    expect(responseTransactions(reply).map((t) => t.id)).toEqual(['4', '5']);
  });

  it('refuse a float where the spec has a decimal string', () => {
    expect(ClientPriceSchema.safeParse({ instrument: 'EUR_USD', time: 'x', bids: [{ price: 1.09972, liquidity: 1 }], asks: [] }).success).toBe(false);
  });
});

describe('conversions', () => {
  const [eur, jpy, xau] = AccountInstrumentsResponse.parse(INSTRUMENTS).instruments.map((i) => toInstrument(i));
  it('instruments keep precision, pip, margin rate', () => {
    expect(eur).toMatchObject({ id: 'EUR_USD', pricePrecision: 5, pipLocation: -4, marginRate: '0.0333', quoteCurrency: 'USD', assetClass: 'fx', unitPrecision: 0, minQty: 1 });
    expect(jpy).toMatchObject({ pricePrecision: 3, pipLocation: -2, quoteCurrency: 'JPY', marginRate: '0.04' });
    expect(xau).toMatchObject({ assetClass: 'commodity', quoteCurrency: 'USD', baseCurrency: 'XAU' });
    expect(pipsToTicks(eur!, 50)).toBe(500);
    expect(pipsToTicks(jpy!, 50)).toBe(500);
  });

  it('decimal strings become ticks exactly; order prices never round silently', () => {
    expect(priceTicks(eur!, '1.09972')).toBe(109972);
    expect(priceTicks(jpy!, '151.234')).toBe(151234);
    expect(() => priceTicks(eur!, '1.099725')).toThrow(EngineError);
    expect(fillTicks(eur!, '1.099725')).toBe(109972); // half-to-even at the boundary
    expect(fillTicks(eur!, '1.099735')).toBe(109974);
  });

  it('times: RFC3339 with nanoseconds, UNIX seconds', () => {
    expect(v20Time('2025-03-04T14:30:00.123456789Z')).toBe(Date.UTC(2025, 2, 4, 14, 30, 0, 123));
    expect(v20Time('1741098600.500000000')).toBe(1741098600500);
    expect(rfc3339(Date.UTC(2025, 2, 4))).toBe('2025-03-04T00:00:00.000000000Z');
  });

  const base: Order = {
    clientOrderId: 's1-1', venueOrderId: null, strategyId: 'ema', instrumentId: 'EUR_USD', side: 'SELL', type: 'MARKET', qty: 1000, price: null, triggerPrice: null, trailingDistance: null,
    tif: 'GTC', expireTs: null, reduceOnly: false, role: 'ENTRY', parentId: null, ocoGroup: null, bracket: null, tag: '', status: 'SUBMITTED', statusBeforePending: null, filledQty: 0, fillCost: 0, tsInit: 0, tsLast: 0,
  };
  const opts = { positionFill: 'DEFAULT' as const, defaultStopLossTicks: 500 };

  it('a market entry gets FOK, client ids, and the default venue-side stop', () => {
    expect(toV20Order(eur!, base, opts)).toEqual({
      type: 'MARKET', instrument: 'EUR_USD', units: '-1000', positionFill: 'DEFAULT', timeInForce: 'FOK',
      clientExtensions: { id: 's1-1', tag: 'ema' }, tradeClientExtensions: { id: 's1-1', tag: 'ema' },
      stopLossOnFill: { distance: '0.00500', timeInForce: 'GTC', clientExtensions: { id: 's1-1.sl', tag: 'ema' } },
    });
  });

  it('brackets: SL price / distance, trailing, TP priced from a limit', () => {
    const limit = toV20Order(jpy!, { ...base, instrumentId: 'USD_JPY', side: 'BUY', type: 'LIMIT', price: 150000, tif: 'GTD', expireTs: Date.UTC(2025, 0, 2), bracket: { stopLossDistance: 250, takeProfitDistance: 400 } }, opts);
    expect(limit).toMatchObject({ type: 'LIMIT', units: '1000', price: '150.000', timeInForce: 'GTD', gtdTime: '2025-01-02T00:00:00.000000000Z', stopLossOnFill: { distance: '0.250' }, takeProfitOnFill: { price: '150.400' } });
    const trail = toV20Order(eur!, { ...base, bracket: { trailingStopDistance: 300, takeProfit: 109000 } }, opts);
    expect(trail).toMatchObject({ trailingStopLossOnFill: { distance: '0.00300' }, takeProfitOnFill: { price: '1.09000' } });
    expect(trail['stopLossOnFill']).toBeUndefined();
    expect(toV20Order(eur!, { ...base, type: 'STOP', triggerPrice: 110000, tif: 'DAY' }, opts)).toMatchObject({ type: 'STOP', price: '1.10000', timeInForce: 'GFD' });
    expect(toV20Order(eur!, { ...base, type: 'MARKET_IF_TOUCHED', price: 110000 }, opts)).toMatchObject({ type: 'MARKET_IF_TOUCHED', price: '1.10000', timeInForce: 'GTC' });
  });

  it('reduce-only orders are REDUCE_ONLY without protection; bad orders are coded errors', () => {
    const exit = toV20Order(eur!, { ...base, reduceOnly: true, role: 'EXIT' }, opts);
    expect(exit).toMatchObject({ positionFill: 'REDUCE_ONLY' });
    expect(exit['stopLossOnFill']).toBeUndefined();
    expect(exit['tradeClientExtensions']).toBeUndefined();
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as EngineError).code;
      }
      return null;
    };
    expect(code(() => toV20Order(eur!, { ...base, type: 'TRAILING_STOP', trailingDistance: 10, triggerPrice: 100000 }, opts))).toBe('oanda.unsupported_order');
    expect(code(() => toV20Order(eur!, base, { ...opts, defaultStopLossTicks: null }))).toBe('oanda.stop_loss_required');
    expect(code(() => toV20Order(eur!, { ...base, type: 'LIMIT' }, opts))).toBe('order.missing_price');
  });
});
