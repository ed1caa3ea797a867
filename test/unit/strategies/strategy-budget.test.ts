/**
 * Strategy time budget on a real engine: a strategy whose callback spins past `strategy_budget_ms` is
 * faulted (reason names the overrun and the time) without stopping the engine or the other strategies,
 * and the kill switch still flattens.
 */
import { describe, expect, it } from 'vitest';
import type { Bar } from '../../../engine/core/bar';
import type { Strategy, StrategyContext } from '../../../engine/strategies/strategy';
import { EngineHarness, NO_LIMITS } from '../runtime/engine-harness';

function spinner(id: string, ms: number): Strategy {
  return {
    id,
    instruments: ['AAA'],
    onBar() {
      const end = performance.now() + ms;
      while (performance.now() < end) {
        // busy: the engine cannot interrupt this; it notices when the callback returns
      }
    },
  };
}

/** Buys 10 on its first bar, then counts bars. */
function trader(id: string): Strategy & { bars: number } {
  let ctx: StrategyContext | null = null;
  const s = {
    id,
    instruments: ['AAA'],
    bars: 0,
    onStart(c: StrategyContext) {
      ctx = c;
    },
    onBar(bar: Bar) {
      s.bars++;
      if (s.bars === 1) ctx!.submit({ kind: 'order', request: { instrumentId: bar.instrumentId, side: 'BUY', qty: 10, type: 'MARKET' } });
    },
  };
  return s;
}

describe('strategy time budget', () => {
  it('faults a strategy that spins 100 ms; the others keep running; flatten still works', () => {
    const h = new EngineHarness({ config: { ...NO_LIMITS, strategy_budget_ms: 50 } });
    const t = trader('trader');
    h.engine.strategies.add(spinner('spin', 100));
    h.engine.strategies.add(t);
    h.engine.strategies.start('spin');
    h.engine.strategies.start('trader');

    h.flat(100);
    expect(h.engine.strategies.state('spin')).toBe('FAULTED');
    const faulted = h.of('StrategyStateChanged').find((e) => e.strategyId === 'spin' && e.state === 'FAULTED')!;
    expect(faulted.reason).toMatch(/^strategy overran its time budget: (\d+\.\d) ms > 50 ms in onBar$/);
    expect(Number(/: ([\d.]+) ms/.exec(faulted.reason)![1])).toBeGreaterThanOrEqual(100);
    expect(h.engine.strategies.state('trader')).toBe('RUNNING');

    h.flat(101);
    h.flat(102);
    expect(t.bars).toBe(3);
    expect(h.position()).toBe(10);

    const handle = h.engine.killSwitch.flatten('spinner faulted', 'user:test');
    expect(handle.report().strategiesStopped).toEqual(['trader']);
    expect(h.engine.strategies.state('spin')).toBe('FAULTED');
    h.flat(103);
    expect(handle.report()).toMatchObject({ status: 'completed', closes: [{ instrumentId: 'AAA', closedQty: 10, avgPx: 103 }] });
    expect(h.position()).toBe(0);
    expect(t.bars).toBe(3);
  });

  it('leaves a strategy within its budget alone and faults an overrun in onStart too', () => {
    const h = new EngineHarness({ config: { ...NO_LIMITS, strategy_budget_ms: 20 } });
    h.engine.strategies.add({ id: 'slowstart', instruments: ['AAA'], onStart: () => spinner('x', 40).onBar!(undefined as never) });
    h.engine.strategies.add(spinner('quick', 1));
    h.engine.strategies.start('slowstart');
    h.engine.strategies.start('quick');
    h.flat(100);
    expect(h.engine.strategies.state('slowstart')).toBe('FAULTED');
    expect(h.engine.strategies.state('quick')).toBe('RUNNING');
    expect(h.of('StrategyStateChanged').find((e) => e.strategyId === 'slowstart' && e.state === 'FAULTED')!.reason).toMatch(/> 20 ms in onStart$/);
  });
});
