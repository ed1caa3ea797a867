/**
 * The pre-trade checks of the `risk:` section inside a real engine (TradingEngine + SimulatedVenue +
 * SimClock): each denial is an OrderDenied event with its stable code and never reaches the venue; each
 * cap resizes an entry to the exact room left when scale_to_cap is on.
 */
import { describe, expect, it } from 'vitest';
import { makeInstrument } from '../../../engine/core/instrument';
import type { OrderRequest } from '../../../engine/core/order';
import { DAY_MS, utcDayStart } from '../../../engine/core/time';
import { correlation } from '../../../engine/indicators/correlation';
import { AAA, BBB, CCC, DDD, EngineHarness, RISK_OFF } from '../runtime/engine-harness';

const TECH1 = makeInstrument({ id: 'TECH1', assetClass: 'equity', quoteCurrency: 'USD', pricePrecision: 2, sector: 'Tech' });
const TECH2 = makeInstrument({ id: 'TECH2', assetClass: 'equity', quoteCurrency: 'USD', pricePrecision: 2, sector: 'Tech' });
const OIL = makeInstrument({ id: 'OIL', assetClass: 'equity', quoteCurrency: 'USD', pricePrecision: 2, sector: 'Energy' });
const ALL = [AAA, BBB, CCC, DDD, TECH1, TECH2, OIL];
const IDS = ALL.map((i) => i.id);

const entry = (instrumentId: string, qty: number, extra: Partial<OrderRequest> = {}): OrderRequest => ({ instrumentId, side: 'BUY', qty, type: 'MARKET', role: 'ENTRY', ...extra });

/** Every limit off but `risk` (merged over RISK_OFF) and `scale_to_cap`. */
function engine(risk: Record<string, unknown>, scale = true, exposure: Record<string, unknown> = {}): EngineHarness {
  const h = new EngineHarness({
    config: { exposure: { max_portfolio_exposure_pct: null, max_open_positions: null, scale_to_cap: scale, ...exposure }, risk: { ...RISK_OFF, ...risk } },
    instruments: ALL,
    startStrategies: false,
  });
  allAt(h, 100);
  return h;
}

function allAt(h: EngineHarness, px: number): void {
  h.step(IDS.map((instrumentId) => ({ instrumentId, open: px, close: px })));
}

function expectDenied(h: EngineHarness, r: ReturnType<EngineHarness['submit']>, code: string): void {
  expect(r).toMatchObject({ ok: false, code });
  const ev = h.denials().find((e) => e.clientOrderId === r.clientOrderId);
  expect(ev).toMatchObject({ code });
  expect(ev!.reason.length).toBeGreaterThan(0);
  expect(h.venueSaw()).not.toContain(r.clientOrderId);
}

describe('risk.position_cap (max_position_pct of equity per symbol)', () => {
  it('scale_to_cap false: denies above 5 % of equity, passes exactly at it', () => {
    const h = engine({ max_position_pct: 5 }, false);
    expectDenied(h, h.submit(entry('AAA', 51)), 'risk.position_cap');
    expect(h.submit(entry('AAA', 50))).toMatchObject({ ok: true, qty: 50 });
  });

  it('scale_to_cap true: resizes to the room = cap - position - working entries on that symbol', () => {
    const h = engine({ max_position_pct: 5 });
    expect(h.submit(entry('AAA', 20)).ok).toBe(true);
    allAt(h, 100);
    expect(h.position('AAA')).toBe(20);
    expect(h.submit(entry('AAA', 10)).ok).toBe(true); // working
    // 5,000 - 2,000 held - 1,000 working = 2,000 USD = 20 shares
    expect(h.submit(entry('AAA', 100))).toMatchObject({ ok: true, qty: 20 });
    // the other symbols have their own room
    expect(h.submit(entry('BBB', 100))).toMatchObject({ ok: true, qty: 50 });
    expectDenied(h, h.submit(entry('AAA', 1)), 'risk.position_cap');
    allAt(h, 100);
    expect(h.position('AAA')).toBe(50);
  });

  it('a resize below the minimum order size is a denial', () => {
    const h = engine({ max_position_pct: 5, min_order: { units: 20, notional: null } });
    expect(h.submit(entry('AAA', 40)).ok).toBe(true);
    expectDenied(h, h.submit(entry('AAA', 100)), 'risk.position_cap'); // room 10 < 20
  });
});

describe('risk.sector_cap (max_sector_pct of equity per sector)', () => {
  it('counts every position and working entry of the sector; other sectors are not affected', () => {
    const h = engine({ max_sector_pct: 10 });
    expect(h.submit(entry('TECH1', 60)).ok).toBe(true);
    allAt(h, 100);
    // 10,000 - 6,000 = 4,000 USD left in Tech
    expect(h.submit(entry('TECH2', 100))).toMatchObject({ ok: true, qty: 40 });
    expect(h.submit(entry('OIL', 100))).toMatchObject({ ok: true, qty: 100 });
    expectDenied(h, h.submit(entry('TECH1', 1)), 'risk.sector_cap');
  });

  it('scale_to_cap false: denied with the code', () => {
    const h = engine({ max_sector_pct: 10 }, false);
    expect(h.submit(entry('TECH1', 60)).ok).toBe(true);
    expectDenied(h, h.submit(entry('TECH2', 41)), 'risk.sector_cap');
    expect(h.submit(entry('TECH2', 40)).ok).toBe(true);
  });
});

describe('risk.leverage (gross exposure / equity)', () => {
  it('resizes to the room under max_leverage x equity, or denies', () => {
    const h = engine({ max_leverage: 0.2 });
    expect(h.submit(entry('AAA', 150)).ok).toBe(true);
    allAt(h, 100);
    expect(h.submit(entry('BBB', 100))).toMatchObject({ ok: true, qty: 50 });
    const off = engine({ max_leverage: 0.2 }, false);
    expect(off.submit(entry('AAA', 150)).ok).toBe(true);
    expectDenied(off, off.submit(entry('BBB', 51)), 'risk.leverage');
  });

  it('with several caps the tightest one binds: its room and its code', () => {
    const h = engine({ max_position_pct: 5 }, true, { max_portfolio_exposure_pct: 10 });
    expect(h.submit(entry('AAA', 40)).ok).toBe(true);
    // symbol room 1,000 (10 shares) < portfolio room 6,000
    expect(h.submit(entry('AAA', 100))).toMatchObject({ ok: true, qty: 10 });
    const off = engine({ max_position_pct: 5 }, false, { max_portfolio_exposure_pct: 10 });
    expect(off.submit(entry('AAA', 40)).ok).toBe(true);
    expectDenied(off, off.submit(entry('AAA', 100)), 'risk.position_cap');
    expect(off.submit(entry('CCC', 50)).ok).toBe(true);
    // portfolio room 10,000 - 4,000 - 5,000 = 1,000 < BBB's symbol room 5,000
    expectDenied(off, off.submit(entry('BBB', 11)), 'risk.exposure_cap');
    expect(off.submit(entry('BBB', 10)).ok).toBe(true);
  });
});

describe('risk.trade_risk (loss from entry to the bracket stop, % of equity)', () => {
  it('denies an entry whose stop distance x quantity is above the limit; no stop, no check', () => {
    const h = engine({ max_trade_risk_pct: 1 });
    // 3.00 stop x 500 = 1,500 USD > 1,000
    expectDenied(h, h.submit(entry('AAA', 500, { bracket: { stopLossDistance: 300 } })), 'risk.trade_risk');
    expect(h.submit(entry('AAA', 300, { bracket: { stopLossDistance: 300 } })).ok).toBe(true); // 900
    // a fixed stop price: a LIMIT at 100.00 with the stop at 97.00
    expectDenied(h, h.submit(entry('BBB', 400, { type: 'LIMIT', price: 10_000, bracket: { stopLoss: 9_700 } })), 'risk.trade_risk');
    expect(h.submit(entry('BBB', 333, { type: 'LIMIT', price: 10_000, bracket: { stopLoss: 9_700 } })).ok).toBe(true);
    expect(h.submit(entry('CCC', 5_000)).ok).toBe(true);
  });
});

describe('risk.min_size / risk.max_size', () => {
  it('units and notional bounds', () => {
    const h = engine({ min_order: { units: 5, notional: 1_000 }, max_order: { units: 1_000, notional: 50_000 } });
    expectDenied(h, h.submit(entry('AAA', 4)), 'risk.min_size');
    expectDenied(h, h.submit(entry('AAA', 9)), 'risk.min_size'); // 900 USD
    expect(h.submit(entry('AAA', 10)).ok).toBe(true);
    expectDenied(h, h.submit(entry('BBB', 1_001)), 'risk.max_size');
    expectDenied(h, h.submit(entry('BBB', 501)), 'risk.max_size'); // 50,100 USD
    expect(h.submit(entry('BBB', 500)).ok).toBe(true);
  });

  it('exits are never held to the size bounds', () => {
    const h = engine({ min_order: { units: 50, notional: null } });
    expect(h.submit(entry('AAA', 100)).ok).toBe(true);
    allAt(h, 100);
    expect(h.submit({ instrumentId: 'AAA', side: 'SELL', qty: 10, type: 'MARKET', role: 'EXIT', reduceOnly: true }).ok).toBe(true);
  });
});

describe('risk.price_sanity', () => {
  it('denies LIMIT / STOP prices more than 10 % from the last price; MARKET is not affected', () => {
    const h = engine({ price_sanity_pct: 10 });
    expectDenied(h, h.submit(entry('AAA', 10, { type: 'LIMIT', price: 8_999 })), 'risk.price_sanity');
    expect(h.submit(entry('AAA', 10, { type: 'LIMIT', price: 9_000 })).ok).toBe(true); // exactly 10 %
    expectDenied(h, h.submit(entry('BBB', 10, { type: 'STOP', triggerPrice: 11_100 })), 'risk.price_sanity');
    expect(h.submit(entry('BBB', 10, { type: 'STOP', triggerPrice: 10_500 })).ok).toBe(true);
    expect(h.submit(entry('CCC', 10)).ok).toBe(true);
  });
});

describe('risk.stale_price / risk.no_price', () => {
  it('no entry on a bar price older than 60 minutes; the limit itself passes', () => {
    const h = engine({ stale_price: { bar_minutes: 60, quote_seconds: 30 } });
    const closeTs = h.ts; // the last bar closed now
    h.clock.advanceTo(closeTs + 60 * 60_000);
    expect(h.submit(entry('AAA', 10)).ok).toBe(true);
    h.clock.advanceTo(closeTs + 60 * 60_000 + 1);
    expectDenied(h, h.submit(entry('BBB', 10)), 'risk.stale_price');
    // exits still pass on a stale price
    h.ts = h.clock.now();
    h.step({ instrumentId: 'AAA', open: 100, close: 100 });
    expect(h.position('AAA')).toBe(10);
    h.clock.advanceTo(h.ts + 2 * 60 * 60_000);
    expect(h.submit({ instrumentId: 'AAA', side: 'SELL', qty: 10, type: 'MARKET', role: 'EXIT', reduceOnly: true }).ok).toBe(true);
  });

  it('a quote price has its own limit in seconds', () => {
    const h = engine({ stale_price: { bar_minutes: 60, quote_seconds: 30 } });
    const t = h.clock.now();
    h.engine.onQuote({ instrumentId: 'AAA', ts: t, bid: 99.99, ask: 100.01 });
    h.clock.advanceTo(t + 30_000);
    expect(h.submit(entry('AAA', 10)).ok).toBe(true);
    h.clock.advanceTo(t + 30_001);
    const r = h.submit(entry('AAA', 10));
    expectDenied(h, r, 'risk.stale_price');
    expect(h.denials().at(-1)!.reason).toContain('quote');
    // BBB's last price is a bar that closed 30 s ago: fine
    expect(h.submit(entry('BBB', 10)).ok).toBe(true);
  });

  it('no price at all: risk.no_price when a price-based check is on; nothing checked when every check is off', () => {
    const h = new EngineHarness({ config: { exposure: { max_portfolio_exposure_pct: null, max_open_positions: null }, risk: { ...RISK_OFF, price_sanity_pct: 10 } }, instruments: ALL, startStrategies: false });
    expectDenied(h, h.submit(entry('AAA', 10)), 'risk.no_price');
    const off = new EngineHarness({ instruments: ALL, startStrategies: false });
    expect(off.submit(entry('AAA', 10)).ok).toBe(true);
  });
});

describe('risk.max_trades_per_day (account-wide)', () => {
  it('counts entries of every strategy in the UTC day; the next day starts at 0', () => {
    const h = engine({ max_trades_per_day: 3 });
    expect(h.submit(entry('AAA', 1), 's1').ok).toBe(true);
    expect(h.submit(entry('BBB', 1), 's1').ok).toBe(true);
    expect(h.submit(entry('CCC', 1), 's2').ok).toBe(true);
    const r = h.submit(entry('DDD', 1), 's2');
    expectDenied(h, r, 'risk.max_trades_per_day');
    expect(h.denials().at(-1)!.reason).toContain('account-wide');
    h.ts = utcDayStart(h.ts) + DAY_MS + 14 * 3_600_000;
    allAt(h, 100);
    expect(h.submit(entry('DDD', 1), 's2').ok).toBe(true);
  });
});

describe('risk.correlation', () => {
  /** Feeds bars where AAA and BBB move together, CCC moves independently of them. */
  function correlated(h: EngineHarness, n: number): void {
    const a = [0.5, -0.3, 0.8, -0.6, 0.2, 0.9, -0.4, 0.1, -0.7, 0.3];
    const c = [0.1, 0.4, -0.2, -0.1, 0.6, -0.5, 0.3, 0.2, 0.7, -0.8];
    let pa = 100;
    let pc = 100;
    for (let i = 0; i < n; i++) {
      const ra = a[i % a.length]! / 100;
      const rc = c[(i * 3) % c.length]! / 100;
      const na = Math.round(pa * (1 + ra) * 100) / 100;
      const nb = Math.round(na * 0.5 * 100) / 100;
      const nc = Math.round(pc * (1 + rc) * 100) / 100;
      h.step([
        { instrumentId: 'AAA', open: pa, close: na },
        { instrumentId: 'BBB', open: na * 0.5, close: nb },
        { instrumentId: 'CCC', open: pc, close: nc },
        { instrumentId: 'DDD', open: 100, close: 100 },
      ]);
      pa = na;
      pc = nc;
    }
  }

  it('denies a same-direction entry correlating above the limit with an open position; a hedge and an uncorrelated one pass', () => {
    const h = engine({ correlation: { max: 0.9, period: 8 } });
    expect(h.submit(entry('AAA', 10)).ok).toBe(true);
    correlated(h, 10);
    expect(h.position('AAA')).toBe(10);
    const hist = h.engine.history;
    const r = hist.correlation('BBB', 'AAA');
    expect(r).toBeGreaterThan(0.99);
    // the same value as engine/indicators' correlation over the last 8 returns
    const ret = (xs: number[]) => xs.slice(1).map((x, i) => x / xs[i]! - 1);
    const ca = ret(hist.closes('AAA').slice(-9));
    const cb = ret(hist.closes('BBB').slice(-9));
    expect(r).toBe(correlation(cb, ca, 8)[7]);
    expectDenied(h, h.submit(entry('BBB', 10)), 'risk.correlation');
    // a short BBB against the long AAA is a hedge (direction-adjusted correlation -1)
    expect(h.submit(entry('BBB', 10, { side: 'SELL' })).ok).toBe(true);
    expect(Math.abs(hist.correlation('CCC', 'AAA'))).toBeLessThan(0.9);
    expect(h.submit(entry('CCC', 10)).ok).toBe(true);
    // DDD is flat: no correlation (NaN) does not deny
    expect(h.submit(entry('DDD', 10)).ok).toBe(true);
  });

  it('passes while there is not yet a full window of common bars', () => {
    const h = engine({ correlation: { max: 0.9, period: 8 } });
    expect(h.submit(entry('AAA', 10)).ok).toBe(true);
    correlated(h, 5);
    expect(Number.isNaN(h.engine.history.correlation('BBB', 'AAA'))).toBe(true);
    expect(h.submit(entry('BBB', 10)).ok).toBe(true);
  });
});

describe("the user's defaults (risk: {})", () => {
  it('symbol cap 5 %, exposure 10 %: a 1,000-share entry at 100.00 is resized to 50', () => {
    const h = new EngineHarness({ config: { risk: {} }, instruments: ALL, startStrategies: false });
    allAt(h, 100);
    expect(h.engine.risk.limits).toMatchObject({
      maxPortfolioExposurePct: 10,
      maxOpenPositions: 5,
      maxTradesPerDay: 50,
      maxPositionPct: 5,
      maxSectorPct: 25,
      maxLeverage: 2,
      priceSanityPct: 10,
      staleBarMs: 3_600_000,
      staleQuoteMs: 30_000,
      maxCorrelation: null,
    });
    expect(h.submit(entry('AAA', 1_000))).toMatchObject({ ok: true, qty: 50 });
    expect(h.submit(entry('BBB', 1_000))).toMatchObject({ ok: true, qty: 50 });
    // 10 % exposure cap: 10,000 USD, all used
    expectDenied(h, h.submit(entry('CCC', 1)), 'risk.exposure_cap');
  });
});

describe('risk.no_conversion_rate', () => {
  it('an entry whose P&L has no rate to the account currency yet is denied, and allowed once the rate exists', () => {
    const EUR_JPY = makeInstrument({ id: 'EUR_JPY', assetClass: 'fx', quoteCurrency: 'JPY', pricePrecision: 3 });
    const USD_JPY = makeInstrument({ id: 'USD_JPY', assetClass: 'fx', quoteCurrency: 'JPY', pricePrecision: 3 });
    const h = new EngineHarness({ config: { risk: RISK_OFF }, instruments: [EUR_JPY, USD_JPY], startStrategies: false });
    h.step({ instrumentId: 'EUR_JPY', open: 160, close: 160 });
    const denied = h.submit({ instrumentId: 'EUR_JPY', side: 'BUY', qty: 1000, type: 'MARKET' });
    expect(denied).toMatchObject({ ok: false, code: 'risk.no_conversion_rate' });
    expect(h.venueSaw()).toEqual([]);
    // the sizer sizes nothing (no throw into the strategy) while there is no rate
    expect(h.engine.intents.execute('s1', { kind: 'target', instrumentId: 'EUR_JPY', direction: 'LONG', reason: 't' })).toEqual([]);
    h.step({ instrumentId: 'USD_JPY', open: 150, close: 150 });
    expect(h.submit({ instrumentId: 'EUR_JPY', side: 'BUY', qty: 1000, type: 'MARKET' }).ok).toBe(true);
  });
});
