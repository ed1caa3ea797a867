import { describe, expect, it } from 'vitest';
import type { OrderSide, OrderType } from '../../../engine/core/order';
import { ConstantLatencyModel, touchOnBar, type SimOrderView } from '../../../engine/sim';
import { BAR_MS, Harness, T0 } from './harness';

describe('SimulatedVenue: market orders', () => {
  it('accepts with V-n ids and fills a market order at the next bar open (TAKER)', () => {
    const h = new Harness();
    const id = h.submit({ side: 'BUY', type: 'MARKET', qty: 100 });
    expect(h.events[0]).toEqual({ type: 'OrderAccepted', tsEvent: T0, clientOrderId: id, venueOrderId: 'V-1' });
    h.bar(172.35, 173, 172, 172.8);
    const [f] = h.fills(id);
    expect(f).toMatchObject({
      type: 'OrderFilled',
      clientOrderId: id,
      venueOrderId: 'V-1',
      tradeId: 'T-1',
      strategyId: 'strat',
      instrumentId: 'AAPL',
      side: 'BUY',
      lastQty: 100,
      lastPx: 17235,
      fee: 0,
      feeCurrency: 'USD',
      slippage: 0,
      liquidity: 'TAKER',
      leavesQty: 0,
      // stamped with the open time of the bar whose open price it took, not the clock (at the close)
      tsEvent: T0,
    });
    expect(h.order(id).status).toBe('FILLED');
    expect(h.venue.position('AAPL')).toBe(100);
  });

  it('fills a market order placed at bar N close at bar N+1 open, not on bar N', () => {
    const h = new Harness();
    h.bar(100, 101, 99, 100.5);
    const id = h.submit({ side: 'SELL', type: 'MARKET', qty: 10 });
    expect(h.fills(id)).toHaveLength(0);
    h.bar(100.4, 100.9, 99.5, 100);
    expect(h.fills(id).map((f) => f.lastPx)).toEqual([10040]);
    expect(h.venue.position('AAPL')).toBe(-10);
  });

  it('ignores bars of other instruments and numbers trades T-1, T-2 across orders', () => {
    const h = new Harness();
    const a = h.submit({ side: 'BUY', type: 'MARKET', qty: 1 });
    const b = h.submit({ side: 'BUY', type: 'MARKET', qty: 1, instrumentId: 'EUR_USD' });
    h.bar(1.1, 1.2, 1.0, 1.1, { instrumentId: 'EUR_USD' });
    expect(h.fills(a)).toHaveLength(0);
    expect(h.fills(b)[0]?.tradeId).toBe('T-1');
    h.bar(100, 101, 99, 100, { ts: T0 });
    expect(h.fills(a)[0]?.tradeId).toBe('T-2');
  });
});

describe('SimulatedVenue: limit and stop fills (backtrader rules)', () => {
  // Bar: open 100.00, high 102.00, low 98.00 (ticks 10000 / 10200 / 9800).
  const cases: { name: string; side: OrderSide; type: OrderType; level: number; open: number; px: number | null; liq?: string }[] = [
    { name: 'BUY LIMIT gapped (open <= L) fills at open', side: 'BUY', type: 'LIMIT', level: 10100, open: 100, px: 10000, liq: 'TAKER' },
    { name: 'BUY LIMIT touched (low <= L) fills at L', side: 'BUY', type: 'LIMIT', level: 9900, open: 100, px: 9900, liq: 'MAKER' },
    { name: 'BUY LIMIT below the low does not fill', side: 'BUY', type: 'LIMIT', level: 9700, open: 100, px: null },
    { name: 'SELL LIMIT gapped (open >= L) fills at open', side: 'SELL', type: 'LIMIT', level: 9900, open: 100, px: 10000, liq: 'TAKER' },
    { name: 'SELL LIMIT touched (high >= L) fills at L', side: 'SELL', type: 'LIMIT', level: 10150, open: 100, px: 10150, liq: 'MAKER' },
    { name: 'SELL LIMIT above the high does not fill', side: 'SELL', type: 'LIMIT', level: 10300, open: 100, px: null },
    { name: 'BUY STOP gapped (open >= S) fills at open', side: 'BUY', type: 'STOP', level: 9950, open: 100, px: 10000, liq: 'TAKER' },
    { name: 'BUY STOP touched (high >= S) fills at S', side: 'BUY', type: 'STOP', level: 10150, open: 100, px: 10150, liq: 'TAKER' },
    { name: 'BUY STOP above the high does not fill', side: 'BUY', type: 'STOP', level: 10250, open: 100, px: null },
    { name: 'SELL STOP gapped (open <= S) fills at open', side: 'SELL', type: 'STOP', level: 10050, open: 100, px: 10000, liq: 'TAKER' },
    { name: 'SELL STOP touched (low <= S) fills at S', side: 'SELL', type: 'STOP', level: 9850, open: 100, px: 9850, liq: 'TAKER' },
    { name: 'SELL STOP below the low does not fill', side: 'SELL', type: 'STOP', level: 9750, open: 100, px: null },
    { name: 'BUY MIT touched (low <= P) fills at P', side: 'BUY', type: 'MARKET_IF_TOUCHED', level: 9900, open: 100, px: 9900, liq: 'TAKER' },
    { name: 'BUY MIT gapped (open <= P) fills at open', side: 'BUY', type: 'MARKET_IF_TOUCHED', level: 10100, open: 100, px: 10000, liq: 'TAKER' },
    { name: 'SELL MIT touched (high >= P) fills at P', side: 'SELL', type: 'MARKET_IF_TOUCHED', level: 10150, open: 100, px: 10150, liq: 'TAKER' },
    { name: 'SELL MIT gapped (open >= P) fills at open', side: 'SELL', type: 'MARKET_IF_TOUCHED', level: 9900, open: 100, px: 10000, liq: 'TAKER' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const h = new Harness();
      const level = c.type === 'STOP' ? { triggerPrice: c.level } : { price: c.level };
      const id = h.submit({ side: c.side, type: c.type, qty: 5, ...level });
      h.bar(c.open, 102, 98, 100);
      const fills = h.fills(id);
      if (c.px === null) {
        expect(fills).toHaveLength(0);
        expect(h.order(id).status).toBe('ACCEPTED');
      } else {
        expect(fills).toHaveLength(1);
        expect(fills[0]).toMatchObject({ lastPx: c.px, lastQty: 5, liquidity: c.liq, leavesQty: 0 });
      }
    });
  }

  it('touchOnBar treats a triggered stop as a market order', () => {
    const o: SimOrderView = {
      clientOrderId: 'x',
      venueOrderId: 'V-1',
      strategyId: 's',
      instrumentId: 'AAPL',
      side: 'SELL',
      type: 'STOP',
      qty: 1,
      filledQty: 0,
      price: null,
      triggerPrice: 9000,
      tif: 'GTC',
      expireTs: null,
      reduceOnly: false,
      ocoGroup: null,
      triggered: true,
      acceptTs: 0,
    };
    expect(touchOnBar(o, { open: 10000, high: 10100, low: 9950, close: 10000 })).toEqual({ ticks: 10000, atOpen: true });
    expect(touchOnBar({ ...o, triggered: false }, { open: 10000, high: 10100, low: 9950, close: 10000 })).toBeNull();
  });
});

describe('SimulatedVenue: priority, OCO and the entry bar', () => {
  it('fills the stop first when SL and TP of one OCO group lie inside one bar; TP canceled "oco"', () => {
    const h = new Harness();
    h.submit({ side: 'BUY', type: 'MARKET', qty: 100 });
    h.bar(100, 100.5, 99.5, 100);
    const from = h.events.length;
    // Take-profit submitted first: priority still puts the stop ahead of it.
    const tp = h.submit({ side: 'SELL', type: 'LIMIT', qty: 100, price: 10200, ocoGroup: 'g', reduceOnly: true, role: 'TAKE_PROFIT' });
    const sl = h.submit({ side: 'SELL', type: 'STOP', qty: 100, triggerPrice: 9800, ocoGroup: 'g', reduceOnly: true, role: 'STOP_LOSS' });
    h.bar(100, 103, 97, 101);
    expect(h.trail(from)).toEqual([`OrderAccepted:${tp}`, `OrderAccepted:${sl}`, `OrderFilled:${sl}:100@9800`, `OrderCanceled:${tp}:oco`]);
    expect(h.order(tp).status).toBe('CANCELED');
    expect(h.venue.position('AAPL')).toBe(0);
    expect(h.venue.workingOrders()).toHaveLength(0);
  });

  it('matches market orders before stops before limits, each in submission order', () => {
    const h = new Harness();
    const lim = h.submit({ side: 'BUY', type: 'LIMIT', qty: 1, price: 9900 });
    const mit = h.submit({ side: 'BUY', type: 'MARKET_IF_TOUCHED', qty: 1, price: 9900 });
    const stop = h.submit({ side: 'BUY', type: 'STOP', qty: 1, triggerPrice: 10100 });
    const mkt = h.submit({ side: 'BUY', type: 'MARKET', qty: 1 });
    h.bar(100, 102, 98, 100);
    expect(h.fills().map((f) => f.clientOrderId)).toEqual([mkt, stop, lim, mit]);
  });

  it('does not match bracket children submitted during the entry bar (backtrader: not checked on the entry bar)', () => {
    const h = new Harness();
    const entry = h.submit({ side: 'BUY', type: 'MARKET', qty: 50 });
    const children: string[] = [];
    h.onEvent = (e) => {
      if (e.type === 'OrderFilled' && e.clientOrderId === entry) {
        children.push(h.submit({ side: 'SELL', type: 'STOP', qty: 50, triggerPrice: 9900, ocoGroup: 'b', reduceOnly: true }));
        children.push(h.submit({ side: 'SELL', type: 'LIMIT', qty: 50, price: 10100, ocoGroup: 'b', reduceOnly: true }));
      }
    };
    // The entry bar reaches both levels: neither child may fill on it.
    h.bar(100, 102, 98, 100);
    const [sl, tp] = children as [string, string];
    expect(h.fills(sl)).toHaveLength(0);
    expect(h.fills(tp)).toHaveLength(0);
    expect(h.order(sl).status).toBe('ACCEPTED');
    // The next bar reaches only the take-profit.
    h.bar(100.2, 101.5, 100, 101);
    expect(h.fills(tp).map((f) => [f.lastPx, f.liquidity])).toEqual([[10100, 'MAKER']]);
    expect(h.of('OrderCanceled', sl)[0]?.reason).toBe('oco');
  });

  it('keeps the entry-bar rule when the clock stands at the bar open', () => {
    const h = new Harness();
    h.clockAtOpen = true;
    const entry = h.submit({ side: 'BUY', type: 'MARKET', qty: 5 });
    let sl = '';
    h.onEvent = (e) => {
      if (e.type === 'OrderFilled' && e.clientOrderId === entry) sl = h.submit({ side: 'SELL', type: 'STOP', qty: 5, triggerPrice: 9900, reduceOnly: true });
    };
    h.bar(100, 101, 98, 100);
    expect(h.of('OrderAccepted', sl)[0]?.tsEvent).toBe(T0);
    expect(h.fills(sl)).toHaveLength(0);
    h.bar(99, 99.5, 98.5, 99);
    expect(h.fills(sl).map((f) => f.lastPx)).toEqual([9900]);
  });

  it('fills a gap through the stop at the open', () => {
    const h = new Harness();
    h.submit({ side: 'BUY', type: 'MARKET', qty: 10 });
    h.bar(100, 100, 100, 100);
    const sl = h.submit({ side: 'SELL', type: 'STOP', qty: 10, triggerPrice: 9900, ocoGroup: 'g', reduceOnly: true });
    const tp = h.submit({ side: 'SELL', type: 'LIMIT', qty: 10, price: 10500, ocoGroup: 'g', reduceOnly: true });
    h.bar(97, 106, 96, 105);
    expect(h.fills(sl).map((f) => f.lastPx)).toEqual([9700]);
    expect(h.of('OrderCanceled', tp)[0]?.reason).toBe('oco');
  });

  it('keeps iteration safe when the sink cancels or submits re-entrantly', () => {
    const h = new Harness();
    const a = h.submit({ side: 'BUY', type: 'MARKET', qty: 1 });
    const b = h.submit({ side: 'BUY', type: 'LIMIT', qty: 1, price: 9900 });
    let late = '';
    h.onEvent = (e) => {
      if (e.type === 'OrderFilled' && e.clientOrderId === a) {
        h.cancel(b);
        late = h.submit({ side: 'BUY', type: 'MARKET', qty: 1 });
      }
    };
    h.bar(100, 101, 98, 100);
    expect(h.fills(b)).toHaveLength(0);
    expect(h.of('OrderCanceled', b)[0]?.reason).toBe('canceled');
    expect(h.fills(late)).toHaveLength(0);
    h.onEvent = null;
    h.bar(100.5, 101, 100, 100.7);
    expect(h.fills(late).map((f) => f.lastPx)).toEqual([10050]);
  });

  it('refuses market data delivered while it is matching (invariant)', () => {
    const h = new Harness();
    h.submit({ side: 'BUY', type: 'MARKET', qty: 1 });
    h.onEvent = (e) => {
      if (e.type === 'OrderFilled') h.venue.onBar({ instrumentId: 'AAPL', ts: T0, durationMs: BAR_MS, open: 1, high: 1, low: 1, close: 1, volume: 1 });
    };
    expect(() => h.bar(100, 101, 99, 100)).toThrow(/while it was matching/);
    // The venue is usable again afterwards.
    h.onEvent = null;
    h.submit({ side: 'BUY', type: 'MARKET', qty: 1 });
    h.bar(100, 101, 99, 100);
    expect(h.fills()).toHaveLength(2);
  });
});

describe('SimulatedVenue: bid/ask bars', () => {
  const bid = { open: 99.9, high: 100.9, low: 98.9, close: 99.9 };
  const ask = { open: 100.1, high: 101.1, low: 99.1, close: 100.1 };

  it('fills BUY on the ask side and SELL on the bid side', () => {
    const h = new Harness();
    const buy = h.submit({ side: 'BUY', type: 'MARKET', qty: 1 });
    const sell = h.submit({ side: 'SELL', type: 'MARKET', qty: 1 });
    h.bar(100, 101, 99, 100, { bid, ask });
    expect(h.fills(buy)[0]?.lastPx).toBe(10010);
    expect(h.fills(sell)[0]?.lastPx).toBe(9990);
  });

  it('matches limits and stops against the side they trade on', () => {
    const h = new Harness();
    // Mid low 99.00 reaches 99.05, but the ask low (99.10) does not: no fill.
    const buyLimit = h.submit({ side: 'BUY', type: 'LIMIT', qty: 1, price: 9905 });
    // The bid low 98.90 reaches 98.95: fills at the level.
    const sellStop = h.submit({ side: 'SELL', type: 'STOP', qty: 1, triggerPrice: 9895 });
    // Mid high 101.00 does not reach 101.05; the ask high 101.10 does.
    const buyStop = h.submit({ side: 'BUY', type: 'STOP', qty: 1, triggerPrice: 10105 });
    h.bar(100, 101, 99, 100, { bid, ask });
    expect(h.fills(buyLimit)).toHaveLength(0);
    expect(h.fills(sellStop)[0]?.lastPx).toBe(9895);
    expect(h.fills(buyStop)[0]?.lastPx).toBe(10105);
  });
});

describe('SimulatedVenue: latency', () => {
  it('matches an order only on bars with ts >= acceptTs + latency', () => {
    const h = new Harness({ latencyModel: new ConstantLatencyModel({ ms: 60_000 }) });
    h.bar(100, 101, 99, 100);
    // Accepted at the close of bar 1 (= open of bar 2): bar 2 starts too early for a 60 s latency.
    const id = h.submit({ side: 'BUY', type: 'MARKET', qty: 1 });
    h.bar(101, 102, 100, 101);
    expect(h.fills(id)).toHaveLength(0);
    h.bar(102, 103, 101, 102);
    expect(h.fills(id).map((f) => f.lastPx)).toEqual([10200]);
  });

  it('keeps an order for another instrument off that instrument\'s bar of the same time', () => {
    const h = new Harness();
    h.bar(100, 101, 99, 100);
    // Sent at the close of AAPL's bar at T0; EUR_USD's bar at T0 is delivered afterwards.
    const id = h.submit({ side: 'BUY', type: 'MARKET', qty: 1000, instrumentId: 'EUR_USD' });
    h.bar(1.1, 1.2, 1.0, 1.15, { instrumentId: 'EUR_USD', ts: T0 });
    expect(h.fills(id)).toHaveLength(0);
    h.bar(1.15, 1.2, 1.1, 1.18, { instrumentId: 'EUR_USD', ts: T0 + BAR_MS });
    expect(h.fills(id)[0]?.lastPx).toBe(115000);
  });
});
