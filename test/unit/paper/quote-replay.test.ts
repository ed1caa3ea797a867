import { describe, expect, it } from 'vitest';
import { SimClock } from '../../../engine/core/clock';
import { makeInstrument } from '../../../engine/core/instrument';
import { barQuotes, ReplayPacer, replayItems, type ReplayItem } from '../../../engine/data/quote-replay';
import { AAA, BAR_MS, BBB, bar, T0 } from '../runtime/engine-harness';

const EURUSD = makeInstrument({ id: 'EUR_USD', assetClass: 'fx', quoteCurrency: 'USD', pricePrecision: 5 });

describe('quote replay', () => {
  it('makes four quotes per bar along the plausible path, with the spread on the tick grid', () => {
    const up = barQuotes(bar('AAA', T0, BAR_MS, 100, 103, 99, 102), AAA, { ticks: 2 });
    expect(up.map((q) => [q.ts - T0, q.bid, q.ask])).toEqual([
      [0, 99.99, 100.01],
      [BAR_MS / 4, 98.99, 99.01],
      [BAR_MS / 2, 102.99, 103.01],
      [(3 * BAR_MS) / 4, 101.99, 102.01],
    ]);
    const down = barQuotes(bar('AAA', T0, BAR_MS, 100, 103, 99, 98.5), AAA, { ticks: 3 });
    expect(down.map((q) => [q.bid, q.ask])).toEqual([
      [99.99, 100.02],
      [102.99, 103.02],
      [98.99, 99.02],
      [98.49, 98.52],
    ]);
    // 1 bp of 1.10000 = 11 ticks at 5 decimals.
    const fx = barQuotes(bar('EUR_USD', T0, BAR_MS, 1.1, 1.1, 1.1, 1.1), EURUSD, { bps: 1 });
    expect(fx[0]).toMatchObject({ bid: 1.09995, ask: 1.10006 });
  });

  it('uses the bar\'s own bid and ask sides', () => {
    const b = { ...bar('EUR_USD', T0, 3_600_000, 1.2, 1.21, 1.19, 1.205), bid: { open: 1.19995, high: 1.20995, low: 1.18995, close: 1.20495 }, ask: { open: 1.20005, high: 1.21005, low: 1.19005, close: 1.20505 } };
    expect(barQuotes(b, EURUSD, { ticks: 50 }).map((q) => [q.bid, q.ask])).toEqual([
      [1.19995, 1.20005],
      [1.18995, 1.19005],
      [1.20995, 1.21005],
      [1.20495, 1.20505],
    ]);
  });

  it('interleaves instruments in time order, each bar after its quotes, and is deterministic', () => {
    const bars = [bar('AAA', T0, BAR_MS, 100, 101, 99, 100.5), bar('BBB', T0, BAR_MS, 50, 51, 49, 50.5), bar('AAA', T0 + BAR_MS, BAR_MS, 100.5, 101, 100, 100)];
    const items = [...replayItems(bars, [AAA, BBB], { ticks: 2 })];
    expect(items.map((i) => `${i.kind}:${i.kind === 'quote' ? i.quote.instrumentId : i.bar.instrumentId}@${(i.ts - T0) / (BAR_MS / 4)}`)).toEqual([
      'quote:AAA@0', 'quote:BBB@0', 'quote:AAA@1', 'quote:BBB@1', 'quote:AAA@2', 'quote:BBB@2', 'quote:AAA@3', 'quote:BBB@3',
      'bar:AAA@4', 'bar:BBB@4', 'quote:AAA@4', 'quote:AAA@5', 'quote:AAA@6', 'quote:AAA@7', 'bar:AAA@8',
    ]);
    expect([...replayItems(bars, [AAA, BBB], { ticks: 2 })]).toEqual(items);
  });

  it('paces by the clock: speed 60 hands over 15 minutes of market in 15 seconds', () => {
    const bars = [bar('AAA', T0, BAR_MS, 100, 101, 99, 100.5), bar('AAA', T0 + BAR_MS, BAR_MS, 100.5, 101, 100, 100)];
    const pace = new SimClock(1_000_000);
    const got: [number, ReplayItem['kind']][] = [];
    let ended = false;
    const p = new ReplayPacer({ clock: pace, speed: 60, items: replayItems(bars, [AAA], { ticks: 2 }), deliver: (i) => got.push([pace.now() - 1_000_000, i.kind]), onEnd: () => (ended = true) });
    p.start();
    expect(got).toEqual([[0, 'quote']]);
    pace.advanceTo(1_000_000 + 3_749);
    expect(got).toHaveLength(1);
    pace.advanceTo(1_000_000 + 3_750);
    expect(got).toHaveLength(2);
    pace.advanceTo(1_000_000 + 15_000);
    expect(got.map((g) => g[0])).toEqual([0, 3_750, 7_500, 11_250, 15_000, 15_000]);
    expect(got[4]![1]).toBe('bar');
    expect(ended).toBe(false);
    pace.advanceTo(1_000_000 + 30_000);
    expect(ended).toBe(true);
    expect(p.delivered).toBe(10);
  });

  it('speed 0 runs everything at once, or in slices that yield through the clock', () => {
    const bars = Array.from({ length: 10 }, (_, i) => bar('AAA', T0 + i * BAR_MS, BAR_MS, 100, 101, 99, 100));
    const pace = new SimClock(0);
    let n = 0;
    new ReplayPacer({ clock: pace, speed: 0, items: replayItems(bars, [AAA], { ticks: 1 }), deliver: () => n++ }).start();
    expect(n).toBe(50);
    let m = 0;
    const sliced = new ReplayPacer({ clock: pace, speed: 0, batch: 20, items: replayItems(bars, [AAA], { ticks: 1 }), deliver: () => m++ });
    sliced.start();
    expect(m).toBe(20);
    pace.advanceTo(0);
    expect(m).toBe(50);
  });
});
