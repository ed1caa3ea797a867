import { describe, expect, it } from 'vitest';
import { ConstantLatencyModel, FixedSlippageModel, VolatilitySlippageModel } from '../../../engine/sim';
import { Harness, T0 } from './harness';

const FX = { instrumentId: 'EUR_USD' } as const;
const s = (n: number) => T0 + n * 1000;

describe('SimulatedVenue: quote path (paper sessions)', () => {
  it('fills a market order at the next quote after acceptance: BUY at the ask, SELL at the bid', () => {
    const h = new Harness();
    h.quote(1.1, 1.1002, s(1));
    const buy = h.submit({ ...FX, side: 'BUY', type: 'MARKET', qty: 10_000 });
    const sell = h.submit({ ...FX, side: 'SELL', type: 'MARKET', qty: 5_000 });
    expect(h.fills()).toHaveLength(0);
    h.quote(1.1001, 1.1003, s(2));
    expect(h.fills(buy)).toMatchObject([{ lastPx: 110030, lastQty: 10_000, liquidity: 'TAKER', leavesQty: 0, tsEvent: s(2) }]);
    expect(h.fills(sell)).toMatchObject([{ lastPx: 110010, lastQty: 5_000, liquidity: 'TAKER' }]);
    expect(h.venue.position('EUR_USD')).toBe(5_000);
  });

  it('adds slippage against the order on quote fills (not clamped); range slippage is 0 on quotes', () => {
    const h = new Harness({ slippageModel: new FixedSlippageModel({ ticks: 2 }) });
    const buy = h.submit({ ...FX, side: 'BUY', type: 'MARKET', qty: 100_000 });
    const sell = h.submit({ ...FX, side: 'SELL', type: 'MARKET', qty: 100_000 });
    h.quote(1.1, 1.1002, s(1));
    // 2 ticks of 0.00001 on 100,000 units = 2 USD.
    expect(h.fills(buy)).toMatchObject([{ lastPx: 110022, slippage: 2_000_000 }]);
    expect(h.fills(sell)).toMatchObject([{ lastPx: 109998, slippage: 2_000_000 }]);

    const v = new Harness({ slippageModel: new VolatilitySlippageModel({ fractionOfRange: 0.5 }) });
    const id = v.submit({ ...FX, side: 'BUY', type: 'MARKET', qty: 1 });
    v.quote(1.1, 1.1002, s(1));
    expect(v.fills(id)).toMatchObject([{ lastPx: 110020, slippage: 0 }]);
  });

  it('triggers a BUY STOP when ask >= S and a SELL STOP when bid <= S, filling at that quote', () => {
    const h = new Harness();
    const buy = h.submit({ ...FX, side: 'BUY', type: 'STOP', qty: 1000, triggerPrice: 110100 });
    const sell = h.submit({ ...FX, side: 'SELL', type: 'STOP', qty: 1000, triggerPrice: 109900 });
    h.quote(1.1006, 1.1008, s(1));
    expect(h.fills()).toHaveLength(0);
    h.quote(1.101, 1.1012, s(2));
    expect(h.fills(buy)).toMatchObject([{ lastPx: 110120, liquidity: 'TAKER' }]);
    h.quote(1.0985, 1.0987, s(3));
    expect(h.fills(sell)).toMatchObject([{ lastPx: 109850, liquidity: 'TAKER' }]);
  });

  it('fills a resting LIMIT at its price (MAKER) when the opposite side crosses it', () => {
    const h = new Harness();
    const buy = h.submit({ ...FX, side: 'BUY', type: 'LIMIT', qty: 1000, price: 109950 });
    const sell = h.submit({ ...FX, side: 'SELL', type: 'LIMIT', qty: 1000, price: 110050 });
    h.quote(1.1, 1.1002, s(1));
    expect(h.fills()).toHaveLength(0);
    h.quote(1.0988, 1.099, s(2));
    expect(h.fills(buy)).toMatchObject([{ lastPx: 109950, liquidity: 'MAKER', slippage: 0 }]);
    h.quote(1.1008, 1.101, s(3));
    expect(h.fills(sell)).toMatchObject([{ lastPx: 110050, liquidity: 'MAKER' }]);
  });

  it('fills a LIMIT marketable on the first quote it meets at that quote (TAKER)', () => {
    const h = new Harness({ slippageModel: new FixedSlippageModel({ ticks: 3 }) });
    h.quote(1.1, 1.1002, s(1));
    const id = h.submit({ ...FX, side: 'BUY', type: 'LIMIT', qty: 1000, price: 110100 });
    h.quote(1.1001, 1.1003, s(2));
    expect(h.fills(id)).toMatchObject([{ lastPx: 110030, liquidity: 'TAKER', slippage: 0 }]);
  });

  it('fills MIT orders at the touching quote', () => {
    const h = new Harness();
    const buy = h.submit({ ...FX, side: 'BUY', type: 'MARKET_IF_TOUCHED', qty: 1000, price: 109900 });
    const sell = h.submit({ ...FX, side: 'SELL', type: 'MARKET_IF_TOUCHED', qty: 1000, price: 110100 });
    h.quote(1.1, 1.1002, s(1));
    h.quote(1.0987, 1.0989, s(2));
    expect(h.fills(buy)).toMatchObject([{ lastPx: 109890, liquidity: 'TAKER' }]);
    h.quote(1.1011, 1.1013, s(3));
    expect(h.fills(sell)).toMatchObject([{ lastPx: 110110 }]);
  });

  it('applies latency, IOC and DAY expiry on quotes', () => {
    const h = new Harness({ latencyModel: new ConstantLatencyModel({ ms: 500 }) });
    const mkt = h.submit({ ...FX, side: 'BUY', type: 'MARKET', qty: 1 });
    h.quote(1.1, 1.1002, T0 + 100);
    expect(h.fills(mkt)).toHaveLength(0);
    h.quote(1.1001, 1.1003, T0 + 600);
    expect(h.fills(mkt)).toMatchObject([{ lastPx: 110030 }]);

    const ioc = h.submit({ ...FX, side: 'BUY', type: 'LIMIT', qty: 1, price: 109000, tif: 'IOC' });
    h.quote(1.1001, 1.1003, T0 + 700);
    expect(h.order(ioc).status).toBe('ACCEPTED');
    h.quote(1.1001, 1.1003, T0 + 1200);
    expect(h.of('OrderCanceled', ioc)).toMatchObject([{ reason: 'ioc' }]);

    const day = h.submit({ ...FX, side: 'BUY', type: 'LIMIT', qty: 1, price: 109000, tif: 'DAY' });
    h.quote(1.08, 1.0802, T0 + 86_400_000);
    expect(h.trail(h.events.length - 1)).toEqual([`OrderExpired:${day}`]);
  });

  it('applies reduce-only and OCO on quotes', () => {
    const h = new Harness();
    h.submit({ ...FX, side: 'BUY', type: 'MARKET', qty: 1000 });
    h.quote(1.1, 1.1002, s(1));
    const sl = h.submit({ ...FX, side: 'SELL', type: 'STOP', qty: 1000, triggerPrice: 109900, ocoGroup: 'q', reduceOnly: true });
    const tp = h.submit({ ...FX, side: 'SELL', type: 'LIMIT', qty: 1500, price: 110100, ocoGroup: 'q', reduceOnly: true });
    const from = h.events.length;
    h.quote(1.1011, 1.1013, s(2));
    // Marketable on its first quote: trimmed to the position, filled at the bid; the stop is canceled.
    expect(h.trail(from)).toEqual([`OrderUpdated:${tp}:1000`, `OrderFilled:${tp}:1000@110110`, `OrderCanceled:${sl}:oco`]);
    expect(h.order(tp).status).toBe('FILLED');
    expect(h.venue.position('EUR_USD')).toBe(0);
  });
});
