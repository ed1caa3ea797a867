/**
 * A paper session end to end, in process, at speed 0 on a SimClock: a real TradingEngine running
 * ema_cross against the paper venue's quote path.
 */
import { describe, expect, it } from 'vitest';
import { SimClock } from '../../../engine/core/clock';
import type { OrderFilled } from '../../../engine/core/events';
import { priceToTicks } from '../../../engine/core/instrument';
import { PaperSession } from '../../../engine/backtest/run-paper';
import { replayItems } from '../../../engine/data/quote-replay';
import { validateConfig } from '../../../engine/runtime/config';
import { AAA, BAR_MS, BBB, bar, NO_LIMITS, T0 } from '../runtime/engine-harness';

function wave(id: string, n: number, base: number, phase: number) {
  return Array.from({ length: n }, (_, i) => {
    const o = base + Math.round(Math.sin((i + phase) / 6) * 500) / 100;
    const c = base + Math.round(Math.sin((i + 1 + phase) / 6) * 500) / 100;
    return bar(id, T0 + i * BAR_MS, BAR_MS, o, Math.max(o, c) + 0.1, Math.min(o, c) - 0.1, c);
  });
}

function session(onExit: 'flatten' | 'keep', latencyMs = 0) {
  const bars = [...wave('AAA', 200, 100, 0), ...wave('BBB', 200, 50, 3)].sort((a, b) => a.ts - b.ts || a.instrumentId.localeCompare(b.instrumentId));
  const { config, strategies } = validateConfig({ ...NO_LIMITS, strategy: { name: 'ema_cross', fast: 3, slow: 8 }, paper: { spread_ticks: 4, latency_ms: latencyMs } });
  const fills: OrderFilled[] = [];
  const s = new PaperSession({ bars, instruments: [AAA, BBB], config, strategies, pacer: new SimClock(0), speed: 0, onExit, onEvent: (e) => e.type === 'OrderFilled' && fills.push(e) });
  return { s, fills, bars };
}

describe('paper session', () => {
  it('trades at the bid and ask, flattens at the end, and the venue account equals the engine cash to the micro-unit', async () => {
    const { s, fills, bars } = session('flatten');
    const summary = await s.start();
    expect(summary.reason).toBe('end_of_data');
    expect(summary.quotes).toBe(1600);
    expect(summary.bars).toBe(400);
    expect(summary.trades).toBeGreaterThanOrEqual(5);
    // Every fill is at the quote's ask (BUY) or bid (SELL) of the quote it filled on.
    const quotes = new Map<string, { bid: number; ask: number }>();
    for (const it of replayItems(bars, [AAA, BBB], { ticks: 4 })) if (it.kind === 'quote') quotes.set(`${it.quote.instrumentId}@${it.ts}`, it.quote);
    const inst = { AAA, BBB } as const;
    let last = 0;
    for (const f of fills) {
      const q = quotes.get(`${f.instrumentId}@${f.tsEvent}`) ?? (f.tsEvent > bars[bars.length - 1]!.ts ? null : undefined);
      expect(q, `fill ${f.tradeId}`).not.toBeUndefined();
      if (q) expect(f.lastPx).toBe(priceToTicks(inst[f.instrumentId as 'AAA' | 'BBB'], f.side === 'BUY' ? q.ask : q.bid));
      last = f.tsEvent;
    }
    expect(last).toBeGreaterThan(T0);
    expect(summary.positions).toEqual([]);
    expect(summary.venuePositions).toEqual([]);
    expect(summary.state).toBe('HALTED');
    expect(summary.flatten?.status).toBe('completed');
    expect(s.account.balances()).toEqual([{ currency: 'USD', amount: s.engine.portfolio.cash() }]);
    expect(summary.cash).toBe(s.engine.portfolio.cash());
    expect(summary.cash).not.toBe(100_000_000_000);
  });

  it('keeps positions with onExit keep; venue and engine positions agree; same inputs give the same fills', async () => {
    const a = session('keep', 250);
    const b = session('keep', 250);
    const sa = await a.s.start();
    await b.s.start();
    expect(a.fills.map((f) => [f.tradeId, f.lastPx, f.tsEvent])).toEqual(b.fills.map((f) => [f.tradeId, f.lastPx, f.tsEvent]));
    expect(sa.state).toBe('ACTIVE');
    expect(sa.venuePositions.map((p) => [p.instrumentId, p.qty])).toEqual(sa.positions.map((p) => [p.instrumentId, p.qty]));
    expect(a.s.account.balance()).toBe(a.s.engine.portfolio.cash());
    // With latency, an order accepted at a bar's close misses the next quote only when it is closer than 250 ms: never here.
    expect(a.fills.every((f) => (f.tsEvent - T0) % (BAR_MS / 4) === 0)).toBe(true);
  });

  it('stops on request (as on SIGINT) and flattens while data remains', async () => {
    const { s } = session('keep');
    let seen = 0;
    s.engine.kernel.bus.on('PositionOpened', () => {
      if (++seen === 3) s.stop('stopped', 'flatten');
    });
    const summary = await s.start();
    expect(summary.reason).toBe('stopped');
    expect(summary.quotes).toBeLessThan(1600);
    expect(summary.positions).toEqual([]);
    expect(summary.flatten).toMatchObject({ status: 'completed', source: 'paper:stopped' });
  });
});

describe('paper session after the data has ended', () => {
  it('a flatten asked for later (a client of a still-running engine) settles at the last quotes and ends flat', async () => {
    const { s } = session('keep');
    const summary = await s.start();
    expect(summary.positions.length).toBeGreaterThan(0);
    const h = s.engine.killSwitch.flatten('operator', 'user:test');
    expect(h.done).toBe(false);
    const report = await h.completion;
    expect(report.status).toBe('completed');
    expect(s.engine.portfolio.openPositionCount()).toBe(0);
    expect(s.account.positions()).toEqual([]);
    expect(s.engine.kernel.cache.openOrders()).toEqual([]);
    expect(s.engine.state.state).toBe('HALTED');
  });
});
