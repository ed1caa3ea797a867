/**
 * TWAP / VWAP execution algorithms inside a real engine (TradingEngine + SimulatedVenue + SimClock,
 * bars delivered as run-backtest delivers them, timers fired by SimClock.advanceTo): slicing,
 * scheduling by the clock, children through the order manager, denials (skip / stop), catch-up,
 * price caps, cancel, progress events and deterministic ids. Plus the schedule helpers.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Bar } from '../../../engine/core/bar';
import { EngineError } from '../../../engine/core/errors';
import type { EngineEvent } from '../../../engine/core/events';
import { allocate, profileVolume, sliceTimes, volumeProfile, vwapWeights, type AlgoSpec } from '../../../engine/execution/algos';
import { bar, EngineHarness, NO_LIMITS } from '../runtime/engine-harness';

const MIN = 60_000;
const DAY = 86_400_000;

function algoEvents(h: EngineHarness): EngineEvent[] {
  return h.events.filter((e) => e.type.startsWith('Algo')).sort((a, b) => a.id - b.id);
}

function twap(h: EngineHarness, extra: Partial<AlgoSpec> = {}): AlgoSpec {
  const now = h.clock.now();
  return { kind: 'TWAP', instrumentId: 'AAA', side: 'BUY', qty: 100, startTs: now, endTs: now + 4 * h.barMs, slices: 4, ...extra };
}

describe('TWAP', () => {
  it('slices the parent into equal MARKET children at clock times, each through the order manager, and completes', () => {
    const h = new EngineHarness();
    h.flat(100);
    const t0 = h.clock.now();
    const id = h.engine.algos.start(twap(h));
    expect(id).toBe('T-ALGO-1');
    // The first slice is due at once: sent inside start().
    expect(h.working().map((o) => [o.clientOrderId, o.qty, o.type, o.tag])).toEqual([['T-1', 25, 'MARKET', 'algo:T-ALGO-1:0']]);
    for (let i = 0; i < 5; i++) h.flat(100 + i);
    const children = h.engine.algos.get(id)!.children;
    expect(children).toEqual(['T-1', 'T-2', 'T-3', 'T-4']);
    expect(children.map((c) => h.order(c).tsInit)).toEqual([t0, t0 + 15 * MIN, t0 + 30 * MIN, t0 + 45 * MIN]);
    expect(children.map((c) => h.order(c).filledQty)).toEqual([25, 25, 25, 25]);
    expect(h.venueSaw()).toEqual(children);
    expect(children.every((c) => h.of('OrderInitialized').some((e) => e.order.clientOrderId === c))).toBe(true);
    expect(h.position()).toBe(100);

    const ev = algoEvents(h);
    expect(ev[0]).toMatchObject({ type: 'AlgoStarted', algoId: id, kind: 'TWAP', qty: 100, slices: 4, startTs: t0, endTs: t0 + 60 * MIN, strategyId: 'algo' });
    const prog = ev.filter((e) => e.type === 'AlgoProgressed');
    // The clock reaches a bar's close (and fires the slice due then) before that bar is delivered, so
    // each slice goes out just before the bar that fills the previous one; the next slice only sends
    // what is neither filled nor still working (25 each time, never a double).
    expect(prog.map((e) => (e.type === 'AlgoProgressed' ? `${e.what}:${e.childOrderId}:${e.slicesDone}:${e.filledQty}:${e.remainingQty}` : ''))).toEqual([
      'sent:T-1:1:0:100',
      'sent:T-2:2:0:100',
      'filled:T-1:2:25:75',
      'sent:T-3:3:25:75',
      'filled:T-2:3:50:50',
      'sent:T-4:4:50:50',
      'filled:T-3:4:75:25',
      'filled:T-4:4:100:0',
    ]);
    expect(ev.at(-1)).toMatchObject({ type: 'AlgoFinished', reason: 'completed', filledQty: 100, remainingQty: 0, slicesDone: 4, detail: '' });
    expect(h.engine.algos.get(id)!.status).toBe('COMPLETED');
    expect(h.engine.algos.running()).toEqual([]);
    expect(h.clock.pendingTimers()).toBe(0);
  });

  it('uneven quantities are split in whole lots that add up exactly (10 in 4 -> 3,3,2,2; 100 of LOT10 in 3 -> 40,30,30)', () => {
    const h = new EngineHarness();
    h.step([
      { instrumentId: 'AAA', open: 100, close: 100 },
      { instrumentId: 'LOT10', open: 10, close: 10 },
    ]);
    const a = h.engine.algos.start(twap(h, { qty: 10 }));
    const b = h.engine.algos.start(twap(h, { instrumentId: 'LOT10', qty: 100, slices: 3 }));
    expect(h.engine.algos.get(a)!.plan).toEqual([3, 3, 2, 2]);
    expect(h.engine.algos.get(b)!.plan).toEqual([40, 30, 30]);
    expect(b).toBe('T-ALGO-2');
  });

  it('a window in the future waits for its start time; SELL works the same way', () => {
    const h = new EngineHarness();
    h.flat(100);
    const start = h.clock.now() + 2 * h.barMs;
    h.engine.algos.start(twap(h, { side: 'SELL', qty: 20, slices: 2, startTs: start, endTs: start + 2 * h.barMs }));
    expect(h.working()).toEqual([]);
    h.flat(100);
    expect(h.working()).toEqual([]);
    h.flat(100); // the clock reaches the start: first slice
    expect(h.working().map((o) => [o.side, o.qty])).toEqual([['SELL', 10]]);
    h.flat(100);
    h.flat(100);
    h.flat(100);
    expect(h.position()).toBe(-20);
    expect(algoEvents(h).at(-1)).toMatchObject({ type: 'AlgoFinished', reason: 'completed', filledQty: 20 });
  });

  it('a price cap makes LIMIT children; unfilled ones do not double up, and at the end the working child is canceled', () => {
    const h = new EngineHarness();
    h.flat(100);
    const id = h.engine.algos.start(twap(h, { qty: 40, limitPrice: 99_00 }));
    h.flat(100); // no fill at 100 > cap; slice 1 sends only what is not already working (planned 20 - 10)
    const kids = () => h.engine.algos.get(id)!.children.map((c) => h.order(c));
    expect(kids().map((o) => [o.type, o.price, o.qty, o.status])).toEqual([
      ['LIMIT', 99_00, 10, 'ACCEPTED'],
      ['LIMIT', 99_00, 10, 'ACCEPTED'],
    ]);
    h.bar(99, 99, 99, 99); // slice 2 goes out at this bar's close; the two earlier children fill at 99.00
    expect(h.position()).toBe(20);
    expect(kids().map((o) => o.status)).toEqual(['FILLED', 'FILLED', 'ACCEPTED']);
    h.flat(100); // slice 3: planned 40 - filled 20 - working 10
    expect(kids().map((o) => o.qty)).toEqual([10, 10, 10, 10]);
    h.flat(100); // end: the working children are canceled, the algorithm completes short
    expect(kids().map((o) => o.status)).toEqual(['FILLED', 'FILLED', 'CANCELED', 'CANCELED']);
    expect(algoEvents(h).at(-1)).toMatchObject({ type: 'AlgoFinished', reason: 'completed', filledQty: 20, remainingQty: 20, slicesDone: 4 });
  });
});

describe('denied children', () => {
  it("onDenied 'skip': the denial is reported, the algorithm goes on and the next slice catches up", () => {
    // One token per 30 minutes: every other 15-minute slice is rate limited.
    const h = new EngineHarness({ config: { ...NO_LIMITS, execution: { rate_limit: { orders_per_second: 1 / 1800, burst: 1 } } } });
    h.flat(100);
    const id = h.engine.algos.start(twap(h, { qty: 40 }));
    for (let i = 0; i < 5; i++) h.flat(100);
    const prog = algoEvents(h).filter((e) => e.type === 'AlgoProgressed');
    expect(prog.map((e) => (e.type === 'AlgoProgressed' ? `${e.what}:${e.code ?? ''}` : ''))).toEqual([
      'sent:',
      'denied:venue.rate_limited',
      'filled:',
      'sent:', // slice 2 sends 20: its own 10 and the denied 10
      'denied:venue.rate_limited',
      'filled:',
    ]);
    expect(h.engine.algos.get(id)!.children.map((c) => [h.order(c).qty, h.order(c).status])).toEqual([
      [10, 'FILLED'],
      [10, 'DENIED'],
      [20, 'FILLED'],
      [10, 'DENIED'],
    ]);
    expect(algoEvents(h).at(-1)).toMatchObject({ type: 'AlgoFinished', reason: 'completed', filledQty: 30, remainingQty: 10, slicesDone: 4 });
  });

  it("onDenied 'stop': the first denial ends the algorithm (reason stopped, detail = code), no more slices", () => {
    const h = new EngineHarness({ initialState: 'HALTED' });
    h.flat(100);
    const id = h.engine.algos.start(twap(h, { onDenied: 'stop' }));
    expect(h.engine.algos.get(id)!.status).toBe('STOPPED');
    expect(algoEvents(h).map((e) => e.type)).toEqual(['AlgoStarted', 'AlgoProgressed', 'AlgoFinished']);
    expect(algoEvents(h).at(-1)).toMatchObject({ reason: 'stopped', detail: 'risk.halted', filledQty: 0, remainingQty: 100, slicesDone: 1 });
    for (let i = 0; i < 5; i++) h.flat(100);
    expect(h.orders()).toHaveLength(1);
    expect(h.venueSaw()).toEqual([]);
    expect(h.clock.pendingTimers()).toBe(0);
  });
});

describe('cancel', () => {
  it('cancels the working child, stops the timers and reports cancelled; a second cancel does nothing', () => {
    const h = new EngineHarness();
    h.flat(100);
    const id = h.engine.algos.start(twap(h, { limitPrice: 90_00 }));
    h.flat(100);
    expect(h.working()).toHaveLength(2);
    expect(h.engine.algos.cancel(id)).toBe(true);
    expect(h.working()).toEqual([]);
    expect(h.venue.workingOrders()).toEqual([]);
    expect(algoEvents(h).at(-1)).toMatchObject({ type: 'AlgoFinished', reason: 'cancelled', slicesDone: 2, filledQty: 0 });
    expect(h.engine.algos.cancel(id)).toBe(false);
    expect(h.engine.algos.cancel('T-ALGO-99')).toBe(false);
    const other = h.engine.algos.start(twap(h, { limitPrice: 90_00 }));
    expect(h.engine.algos.cancelAll()).toEqual([other]);
    expect(h.engine.algos.running()).toEqual([]);
    for (let i = 0; i < 5; i++) h.flat(100);
    expect(h.orders()).toHaveLength(3);
    expect(h.working()).toEqual([]);
    expect(h.clock.pendingTimers()).toBe(0);
  });
});

describe('VWAP', () => {
  /** Two days of 15-minute bars from 14:30 to 15:30 UTC with volumes v, then 2 v. */
  function history(v: readonly number[]): Bar[] {
    const out: Bar[] = [];
    for (const [d, mult] of [[0, 1], [1, 2]] as const) {
      v.forEach((vol, i) => out.push({ ...bar('AAA', Date.UTC(2023, 11, 28 + d, 14, 30) + i * 15 * MIN, 15 * MIN, 100, 100, 100, 100), volume: vol * mult }));
    }
    return out;
  }

  it('weights the slices by the average volume per time-of-day bucket of the history', () => {
    const h = new EngineHarness({ start: Date.UTC(2024, 0, 2, 14, 15) });
    h.flat(100); // clock at 14:30
    const now = h.clock.now();
    expect(now).toBe(Date.UTC(2024, 0, 2, 14, 30));
    const id = h.engine.algos.start({ kind: 'VWAP', instrumentId: 'AAA', side: 'BUY', qty: 1_500, startTs: now, endTs: now + 60 * MIN, slices: 4, history: history([100, 300, 200, 400]) });
    // Averages 150, 450, 300, 600 -> 1,500 split 150 / 450 / 300 / 600.
    expect(h.engine.algos.get(id)!.plan).toEqual([150, 450, 300, 600]);
    for (let i = 0; i < 5; i++) h.flat(100);
    expect(h.engine.algos.get(id)!.children.map((c) => h.order(c).filledQty)).toEqual([150, 450, 300, 600]);
    expect(algoEvents(h)[0]).toMatchObject({ type: 'AlgoStarted', kind: 'VWAP' });
    expect(algoEvents(h).at(-1)).toMatchObject({ type: 'AlgoFinished', reason: 'completed', filledQty: 1_500 });
  });

  it('slices finer than the buckets share a bucket by overlap; hours without history fall back to equal weights', () => {
    const p = volumeProfile(history([100, 300, 200, 400]));
    expect(p.bucketMs).toBe(15 * MIN);
    expect([...p.buckets.entries()]).toEqual([
      [14 * 60 * MIN + 30 * MIN, 150],
      [14 * 60 * MIN + 45 * MIN, 450],
      [15 * 60 * MIN, 300],
      [15 * 60 * MIN + 15 * MIN, 600],
    ]);
    const start = Date.UTC(2024, 0, 2, 14, 30);
    expect(vwapWeights(p, start, start + 30 * MIN, 4)).toEqual([75, 75, 225, 225]);
    expect(profileVolume(p, start - DAY, start - DAY + 60 * MIN)).toBe(1_500);
    const night = Date.UTC(2024, 0, 2, 2, 0);
    expect(vwapWeights(p, night, night + 60 * MIN, 3)).toEqual([0, 0, 0]);
    expect(allocate(30, 1, [0, 0, 0])).toEqual([10, 10, 10]);
  });

  it('needs a profile or history', () => {
    const h = new EngineHarness();
    h.flat(100);
    expect(() => h.engine.algos.start({ ...twap(h), kind: 'VWAP' })).toThrow(/VWAP needs/);
  });
});

describe('spec validation', () => {
  const cases: [string, Partial<AlgoSpec>][] = [
    ['unknown instrument', { instrumentId: 'NOPE' }],
    ['zero quantity', { qty: 0 }],
    ['quantity off the lot', { instrumentId: 'LOT10', qty: 15 }],
    ['no slices', { slices: 0 }],
    ['fractional slices', { slices: 1.5 }],
    ['empty window', { endTs: 0 }],
    ['window already over', { startTs: 0, endTs: 1_000 }],
    ['limit off the grid', { limitPrice: 0 }],
  ];
  it.each(cases)('%s -> algo.invalid_spec, nothing started', (_n, extra) => {
    const h = new EngineHarness();
    h.flat(100);
    let err: unknown;
    try {
      h.engine.algos.start(twap(h, extra));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('algo.invalid_spec');
    expect(algoEvents(h)).toEqual([]);
    expect(h.orders()).toEqual([]);
  });
});

describe('determinism', () => {
  it('the same inputs give the same algorithm and child ids and the same event log', () => {
    const runOnce = () => {
      const h = new EngineHarness();
      h.flat(100);
      h.engine.algos.start(twap(h, { qty: 37, slices: 5 }));
      h.engine.algos.start(twap(h, { side: 'SELL', qty: 11, slices: 3, limitPrice: 101_00 }));
      for (let i = 0; i < 6; i++) h.bar(100, 101.5, 99.5, 100 + i / 10);
      return h.events.map((e) => JSON.stringify(e));
    };
    expect(runOnce()).toEqual(runOnce());
  });
});

describe('allocate (property)', () => {
  it('always adds up to the quantity in whole lots, each slice within one lot of its exact share', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 500 }), fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 40 }), (lot, lots, weights) => {
        const out = allocate(lots * lot, lot, weights);
        expect(out).toHaveLength(weights.length);
        expect(out.reduce((s, x) => s + x, 0)).toBe(lots * lot);
        const sum = weights.reduce((s, w) => s + w, 0);
        out.forEach((q, i) => {
          expect(q % lot).toBe(0);
          expect(q).toBeGreaterThanOrEqual(0);
          const exact = sum > 0 ? (weights[i]! / sum) * lots : lots / weights.length;
          expect(Math.abs(q / lot - exact)).toBeLessThan(1 + 1e-9);
        });
      }),
    );
  });

  it('slice times are strictly inside the window, in order', () => {
    expect(sliceTimes(0, 100, 3)).toEqual([0, 33, 66]);
  });
});

describe('algos and the kill switch', () => {
  it('flatten stops a running TWAP: no slice is sent after it, and the engine ends flat and HALTED', () => {
    const h = new EngineHarness();
    h.flat(100);
    const id = h.engine.algos.start(twap(h, { slices: 6, endTs: h.clock.now() + 6 * h.barMs }));
    h.flat(100);
    h.flat(101);
    const sentBefore = h.engine.algos.get(id)!.children.length;
    expect(sentBefore).toBeGreaterThan(0);
    h.engine.killSwitch.flatten('test', 'user:test');
    for (let i = 0; i < 6; i++) h.flat(101);
    expect(h.engine.algos.get(id)!.children).toHaveLength(sentBefore);
    expect(algoEvents(h).at(-1)).toMatchObject({ type: 'AlgoFinished', algoId: id, reason: 'cancelled' });
    expect(h.position()).toBe(0);
    expect(h.working()).toEqual([]);
    expect(h.engine.state.state).toBe('HALTED');
  });
});
