/**
 * Portfolio guards and trimming inside a real engine: loss limits per UTC day / week / month /
 * quarter and the drawdown halt, each tripping at its limit with a RiskLimitBreached alert and a
 * TradingStateChanged from `risk.<guard>`; REDUCING still lets positions close; guards never re-arm
 * by themselves (except the daily one with daily_reset); positions over a cap are trimmed while
 * REDUCING through the order manager.
 */
import { describe, expect, it } from 'vitest';
import type { OrderRequest } from '../../../engine/core/order';
import { DAY_MS } from '../../../engine/core/time';
import { periodStart } from '../../../engine/risk/portfolio-guards';
import { AAA, BBB, CCC, EngineHarness, RISK_OFF } from '../runtime/engine-harness';

const entry = (instrumentId: string, qty: number): OrderRequest => ({ instrumentId, side: 'BUY', qty, type: 'MARKET', role: 'ENTRY' });
const exit = (instrumentId: string, qty: number): OrderRequest => ({ instrumentId, side: 'SELL', qty, type: 'MARKET', role: 'EXIT', reduceOnly: true });

type Guards = Record<string, unknown>;

function engine(guards: Guards, extra: Record<string, unknown> = {}): EngineHarness {
  return new EngineHarness({
    config: { exposure: { max_portfolio_exposure_pct: null, max_open_positions: null }, risk: { ...RISK_OFF, guards: { ...RISK_OFF.guards, ...guards }, ...extra } },
    instruments: [AAA, BBB, CCC],
    startStrategies: false,
  });
}

/** Holds 1,000 AAA bought at 100.00 (100,000 USD of 100,000 equity): 1.00 on the price is 1 % of equity. */
function holding(h: EngineHarness): void {
  h.flat(100);
  expect(h.submit(entry('AAA', 1_000)).ok).toBe(true);
  h.flat(100);
  expect(h.position('AAA')).toBe(1_000);
}

/** One AAA bar at `close` whose open time is `ts` (default: the next bar). */
function closeAt(h: EngineHarness, close: number, ts?: number): void {
  if (ts !== undefined) h.ts = ts;
  h.step({ instrumentId: 'AAA', open: close, close });
}

const states = (h: EngineHarness) => h.of('TradingStateChanged').map((e) => [e.to, e.source]);

describe('daily loss limit', () => {
  it('halts exactly at the limit with an alert, denies entries, still lets positions close, and does not re-arm itself', () => {
    const h = engine({ daily_loss: { limit_pct: 3, action: 'halted' } });
    holding(h);
    closeAt(h, 97.01);
    expect(h.engine.state.state).toBe('ACTIVE');
    closeAt(h, 97);
    expect(h.engine.state.state).toBe('HALTED');
    expect(h.of('RiskLimitBreached')).toEqual([expect.objectContaining({ guard: 'daily_loss', limit: 3, value: 3, action: 'HALTED' })]);
    const changed = h.of('TradingStateChanged');
    expect(changed).toEqual([expect.objectContaining({ from: 'ACTIVE', to: 'HALTED', source: 'risk.daily_loss' })]);
    expect(changed[0]!.reason).toContain('3.00%');
    // the alert comes before the state change
    expect(h.events.findIndex((e) => e.type === 'RiskLimitBreached')).toBeLessThan(h.events.findIndex((e) => e.type === 'TradingStateChanged'));
    expect(h.submit(entry('BBB', 1))).toMatchObject({ ok: false, code: 'risk.halted' });
    expect(h.submit(exit('AAA', 1_000)).ok).toBe(true);
    closeAt(h, 99);
    expect(h.position('AAA')).toBe(0);
    // recovered, next UTC day: still HALTED (a person re-arms), one alert only
    closeAt(h, 101, h.ts + DAY_MS);
    expect(h.engine.state.state).toBe('HALTED');
    expect(h.of('RiskLimitBreached')).toHaveLength(1);
    expect(h.engine.guards.trippedGuards()).toEqual(['daily_loss']);
  });

  it('action reducing: entries are denied, exits pass and the position closes', () => {
    const h = engine({ daily_loss: { limit_pct: 2, action: 'reducing' } });
    holding(h);
    closeAt(h, 98);
    expect(h.engine.state.state).toBe('REDUCING');
    expect(states(h)).toEqual([['REDUCING', 'risk.daily_loss']]);
    expect(h.submit(entry('AAA', 10))).toMatchObject({ ok: false, code: 'risk.reducing' });
    expect(h.submit(entry('BBB', 10))).toMatchObject({ ok: false, code: 'risk.reducing' });
    expect(h.submit(exit('AAA', 400)).ok).toBe(true);
    closeAt(h, 98);
    expect(h.position('AAA')).toBe(600);
    expect(h.submit(exit('AAA', 600)).ok).toBe(true);
    closeAt(h, 98);
    expect(h.position('AAA')).toBe(0);
  });

  it('measures from the equity at the end of the previous UTC day', () => {
    const h = engine({ daily_loss: { limit_pct: 3, action: 'halted' } });
    holding(h);
    closeAt(h, 98); // -2 % on day 1
    const day2 = h.ts - (h.ts % DAY_MS) + DAY_MS + 14 * 3_600_000;
    closeAt(h, 96, day2); // -2.04 % from 98,000
    expect(h.engine.guards.periodStartEquity('day')).toBe(98_000 * 1_000_000);
    expect(h.engine.state.state).toBe('ACTIVE');
    closeAt(h, 95.06); // -3 % from 98,000 = 95,060
    expect(h.engine.state.state).toBe('HALTED');
  });

  it('daily_reset: true returns to ACTIVE at the next UTC day, but not when someone else has set the state since', () => {
    const h = engine({ daily_loss: { limit_pct: 3, action: 'halted' }, daily_reset: true });
    holding(h);
    closeAt(h, 97);
    expect(h.engine.state.state).toBe('HALTED');
    closeAt(h, 97, h.ts + DAY_MS);
    expect(h.engine.state.state).toBe('ACTIVE');
    expect(states(h)).toEqual([
      ['HALTED', 'risk.daily_loss'],
      ['ACTIVE', 'risk.daily_loss'],
    ]);
    expect(h.engine.guards.trippedGuards()).toEqual([]);
    // trips again on the new day's loss; then a person confirms the halt: no reset the next day
    closeAt(h, 94);
    expect(h.engine.state.state).toBe('HALTED');
    h.engine.state.set('HALTED', 'operator halt', 'user:desktop');
    closeAt(h, 94, h.ts + DAY_MS);
    expect(h.engine.state.state).toBe('HALTED');
  });
});

describe('weekly, monthly and quarterly loss limits (UTC calendar)', () => {
  it('periods: weeks start Monday 00:00 UTC, months and quarters on the 1st', () => {
    const wed = Date.UTC(2024, 0, 3, 15); // Wednesday
    expect(periodStart('week', wed)).toBe(Date.UTC(2024, 0, 1)); // Monday
    expect(periodStart('week', Date.UTC(2024, 0, 7, 23))).toBe(Date.UTC(2024, 0, 1)); // Sunday
    expect(periodStart('week', Date.UTC(2024, 0, 8))).toBe(Date.UTC(2024, 0, 8));
    expect(periodStart('month', Date.UTC(2024, 1, 29, 12))).toBe(Date.UTC(2024, 1, 1));
    expect(periodStart('quarter', Date.UTC(2024, 4, 15))).toBe(Date.UTC(2024, 3, 1));
    expect(periodStart('quarter', Date.UTC(2024, 11, 31, 23))).toBe(Date.UTC(2024, 9, 1));
    expect(periodStart('day', wed)).toBe(Date.UTC(2024, 0, 3));
  });

  it('weekly: the loss adds up over the days of one week; a new week starts from the last equity of the previous one', () => {
    const h = engine({ weekly_loss: { limit_pct: 5, action: 'reducing' } });
    holding(h); // Tuesday 2 January
    closeAt(h, 97, Date.UTC(2024, 0, 3, 15)); // Wed -3 %
    closeAt(h, 95.5, Date.UTC(2024, 0, 4, 15)); // Thu -4.5 %
    expect(h.engine.state.state).toBe('ACTIVE');
    closeAt(h, 96, Date.UTC(2024, 0, 5, 15)); // Fri -4 %
    closeAt(h, 92, Date.UTC(2024, 0, 8, 15)); // Mon: -4.17 % from Friday's 96,000
    expect(h.engine.guards.periodStartEquity('week')).toBe(96_000 * 1_000_000);
    expect(h.engine.state.state).toBe('ACTIVE');
    closeAt(h, 91.2, Date.UTC(2024, 0, 9, 15)); // Tue: -5 % from 96,000
    expect(h.engine.state.state).toBe('REDUCING');
    expect(h.of('RiskLimitBreached')).toEqual([expect.objectContaining({ guard: 'weekly_loss', limit: 5, action: 'REDUCING' })]);
    expect(states(h)).toEqual([['REDUCING', 'risk.weekly_loss']]);
  });

  it('monthly 8 %: trips on the loss since the start of the month', () => {
    const h = engine({ monthly_loss: { limit_pct: 8, action: 'halted' } });
    holding(h);
    closeAt(h, 95, Date.UTC(2024, 0, 10, 15));
    closeAt(h, 92.01, Date.UTC(2024, 0, 20, 15));
    expect(h.engine.state.state).toBe('ACTIVE');
    closeAt(h, 92, Date.UTC(2024, 0, 25, 15));
    expect(h.engine.state.state).toBe('HALTED');
    expect(states(h)).toEqual([['HALTED', 'risk.monthly_loss']]);
  });

  it('quarterly 15 %: counts across months of the quarter, from the quarter start', () => {
    const h = engine({ monthly_loss: { limit_pct: 12, action: 'halted' }, quarterly_loss: { limit_pct: 15, action: 'halted' } });
    holding(h);
    closeAt(h, 90, Date.UTC(2024, 0, 30, 15)); // January -10 %
    closeAt(h, 86, Date.UTC(2024, 1, 10, 15)); // February -4.4 % of 90,000; quarter -14 %
    expect(h.engine.guards.periodStartEquity('month')).toBe(90_000 * 1_000_000);
    expect(h.engine.state.state).toBe('ACTIVE');
    closeAt(h, 85, Date.UTC(2024, 2, 10, 15)); // March; quarter -15 %
    expect(h.engine.state.state).toBe('HALTED');
    expect(h.of('RiskLimitBreached').map((e) => e.guard)).toEqual(['quarterly_loss']);
    // a new quarter starts from the last equity of the old one
    closeAt(h, 85, Date.UTC(2024, 3, 2, 15));
    expect(h.engine.guards.periodStartEquity('quarter')).toBe(85_000 * 1_000_000);
  });
});

describe('drawdown from the peak', () => {
  it('halts at 15 % below the highest equity seen; a person re-arms', () => {
    const h = engine({ drawdown: { limit_pct: 15, action: 'halted' } });
    holding(h);
    closeAt(h, 110); // peak 110,000
    closeAt(h, 93.6);
    expect(h.engine.state.state).toBe('ACTIVE');
    closeAt(h, 93.5); // (110,000 - 93,500) / 110,000 = 15 %
    expect(h.engine.state.state).toBe('HALTED');
    expect(h.of('RiskLimitBreached')).toEqual([expect.objectContaining({ guard: 'drawdown', limit: 15, action: 'HALTED' })]);
    expect(h.of('RiskLimitBreached')[0]!.value).toBeCloseTo(15, 12);
    // a person re-arms the guard and the engine; still 15 % down, so it trips again on the next update
    h.engine.guards.rearm('drawdown');
    h.engine.state.set('ACTIVE', 're-armed', 'user:desktop');
    closeAt(h, 93.5);
    expect(h.engine.state.state).toBe('HALTED');
    expect(h.of('RiskLimitBreached')).toHaveLength(2);
  });

  it('a reducing guard never softens a halt', () => {
    const h = engine({ daily_loss: { limit_pct: 3, action: 'halted' }, drawdown: { limit_pct: 4, action: 'reducing' } });
    holding(h);
    closeAt(h, 97);
    expect(h.engine.state.state).toBe('HALTED');
    closeAt(h, 96);
    expect(h.engine.state.state).toBe('HALTED');
    expect(h.of('RiskLimitBreached').map((e) => e.guard)).toEqual(['daily_loss', 'drawdown']);
    expect(states(h)).toEqual([['HALTED', 'risk.daily_loss']]);
  });
});

describe('trimming positions pushed over a cap (trim_over_cap) while REDUCING', () => {
  function over(extra: Record<string, unknown>, exposure: Record<string, unknown> = {}): EngineHarness {
    const h = new EngineHarness({
      config: { exposure: { max_portfolio_exposure_pct: null, max_open_positions: null, ...exposure }, risk: { ...RISK_OFF, trim_over_cap: true, ...extra } },
      instruments: [AAA, BBB, CCC],
      startStrategies: false,
    });
    h.step([
      { instrumentId: 'AAA', open: 100, close: 100 },
      { instrumentId: 'BBB', open: 100, close: 100 },
    ]);
    return h;
  }

  it('symbol cap: a reduce-only market EXIT (tag trim) for the excess, through the order manager; none while ACTIVE', () => {
    const h = over({ max_position_pct: 5 });
    expect(h.submit(entry('AAA', 50)).ok).toBe(true); // 5,000 = the cap
    h.flat(100);
    h.flat(120); // 6,000 of 101,000 equity: 950 over the 5,050 cap
    expect(h.orders().filter((o) => o.tag === 'trim')).toEqual([]);
    h.engine.state.set('REDUCING', 'test', 'user:test');
    h.flat(120);
    const trims = h.orders().filter((o) => o.tag === 'trim');
    expect(trims).toEqual([expect.objectContaining({ instrumentId: 'AAA', side: 'SELL', qty: 8, type: 'MARKET', role: 'EXIT', reduceOnly: true, strategyId: 'risk' })]);
    // 950 / 120 = 7.9 -> 8 shares; the order went the order manager's way: initialized, submitted, to the venue
    const id = trims[0]!.clientOrderId;
    expect(h.of('OrderInitialized').filter((e) => e.order.clientOrderId === id)).toHaveLength(1);
    expect(h.of('OrderSubmitted', id)).toHaveLength(1);
    expect(h.venueSaw()).toContain(id);
    h.flat(120);
    expect(h.position('AAA')).toBe(42);
    // at the cap now (5,040 <= 5,050): no more trims
    h.flat(120);
    expect(h.orders().filter((o) => o.tag === 'trim')).toHaveLength(1);
    // and entries are still denied
    expect(h.submit(entry('BBB', 1))).toMatchObject({ ok: false, code: 'risk.reducing' });
  });

  it('portfolio exposure cap: the excess is trimmed pro rata; one trim per instrument while it works', () => {
    const h = over({}, { max_portfolio_exposure_pct: 10 });
    expect(h.submit(entry('AAA', 50)).ok).toBe(true);
    expect(h.submit(entry('BBB', 50)).ok).toBe(true);
    h.step([
      { instrumentId: 'AAA', open: 100, close: 120 },
      { instrumentId: 'BBB', open: 100, close: 120 },
    ]);
    // gross 12,000 of 102,000 equity: 1,800 over 10,200; 900 each = 7.5 -> 8 shares each
    h.engine.state.set('REDUCING', 'test', 'user:test');
    h.engine.endOfTimestamp(h.clock.now());
    h.engine.endOfTimestamp(h.clock.now());
    expect(h.orders().filter((o) => o.tag === 'trim').map((o) => [o.instrumentId, o.qty])).toEqual([
      ['AAA', 8],
      ['BBB', 8],
    ]);
    h.step([
      { instrumentId: 'AAA', open: 120, close: 120 },
      { instrumentId: 'BBB', open: 120, close: 120 },
    ]);
    expect([h.position('AAA'), h.position('BBB')]).toEqual([42, 42]);
    expect(h.engine.portfolio.grossExposure()).toBeLessThanOrEqual((h.engine.portfolio.equity() * 10) / 100);
  });

  it('trim_over_cap: false leaves the position as it is', () => {
    const h = over({ max_position_pct: 5, trim_over_cap: false });
    expect(h.submit(entry('AAA', 50)).ok).toBe(true);
    h.flat(100);
    h.engine.state.set('REDUCING', 'test', 'user:test');
    h.flat(120);
    h.flat(120);
    expect(h.orders().filter((o) => o.tag === 'trim')).toEqual([]);
    expect(h.position('AAA')).toBe(50);
  });
});
