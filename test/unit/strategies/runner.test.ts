/**
 * The strategy runner inside a real engine: a strategy that throws is FAULTED (with the reason) and
 * stops receiving data while the engine and the other strategies go on; lifecycle; parameter
 * validation and unknown strategies with their codes.
 */
import { describe, expect, it } from 'vitest';
import type { Bar } from '../../../engine/core/bar';
import { EngineError } from '../../../engine/core/errors';
import type { OrderFilled } from '../../../engine/core/events';
import { createStrategy, describeStrategies, parseStrategyParams, strategyDefinition } from '../../../engine/strategies/registry';
import type { Strategy, StrategyContext } from '../../../engine/strategies/strategy';
import { SimClock } from '../../../engine/core/clock';
import { validateConfig } from '../../../engine/runtime/config';
import { TradingEngine } from '../../../engine/runtime/trading-engine';
import { SimulatedVenue } from '../../../engine/sim';
import { AAA, BBB, EngineHarness, T0 } from '../runtime/engine-harness';

/** Records what it receives; throws where told; goes LONG on a given bar. */
class Probe implements Strategy {
  ctx: StrategyContext | null = null;
  bars: Bar[] = [];
  fills: OrderFilled[] = [];
  throwOnBar = -1;
  throwOnStart = false;
  throwOnFill = false;
  longOnBar = -1;
  stopped = 0;

  constructor(
    readonly id: string,
    readonly instruments: readonly string[],
  ) {}

  onStart(ctx: StrategyContext): void {
    if (this.throwOnStart) throw new Error(`${this.id} cannot start`);
    this.ctx = ctx;
  }

  onStop(): void {
    this.stopped++;
  }

  onBar(bar: Bar): void {
    this.bars.push(bar);
    const n = this.bars.length;
    if (n === this.throwOnBar) throw new Error(`boom on bar ${n}`);
    if (n === this.longOnBar) this.ctx!.submit({ kind: 'target', instrumentId: bar.instrumentId, direction: 'LONG', reason: `${this.id} long` });
  }

  onFill(fill: OrderFilled): void {
    this.fills.push(fill);
    if (this.throwOnFill) throw new TypeError('fill handler broke');
  }
}

function setup(...probes: Probe[]): EngineHarness {
  const h = new EngineHarness({ startStrategies: false });
  for (const p of probes) h.engine.strategies.add(p);
  h.engine.strategies.startAll();
  return h;
}

const both = (h: EngineHarness, px: number) =>
  h.step([
    { instrumentId: 'AAA', open: px, close: px },
    { instrumentId: 'BBB', open: px, close: px },
  ]);

describe('a strategy that throws', () => {
  it('is FAULTED with the reason, gets no more bars, and the engine and the other strategy go on', () => {
    const bad = new Probe('bad', ['AAA', 'BBB']);
    bad.throwOnBar = 3;
    const good = new Probe('good', ['AAA', 'BBB']);
    good.longOnBar = 6; // after the fault
    const h = setup(bad, good);
    expect(h.of('StrategyStateChanged').map((e) => [e.strategyId, e.state])).toEqual([
      ['bad', 'RUNNING'],
      ['good', 'RUNNING'],
    ]);
    for (let i = 0; i < 6; i++) both(h, 100 + i);
    const faulted = h.of('StrategyStateChanged').filter((e) => e.state === 'FAULTED');
    expect(faulted).toHaveLength(1);
    expect(faulted[0]).toMatchObject({ strategyId: 'bad', state: 'FAULTED' });
    expect(faulted[0]!.reason).toContain('boom on bar 3');
    // It threw on its 3rd bar (AAA of the 2nd timestamp) and saw nothing after it.
    expect(bad.bars.map((b) => b.instrumentId)).toEqual(['AAA', 'BBB', 'AAA']);
    expect(h.engine.strategies.state('bad')).toBe('FAULTED');
    expect(h.engine.strategies.list().map((s) => [s.id, s.state])).toEqual([
      ['bad', 'FAULTED'],
      ['good', 'RUNNING'],
    ]);
    // The other strategy saw every bar, including BBB of the timestamp where the fault happened.
    expect(good.bars).toHaveLength(12);
    // ...and still trades: its LONG on its 6th bar (BBB closing at 102.00) fills at the next BBB open.
    expect(h.position('BBB')).toBe(19); // 2 % of 100,000 at 102.00 = 19.6
    expect(good.fills.map((f) => [f.instrumentId, f.lastPx])).toEqual([['BBB', 103_00]]);
    both(h, 110);
    expect(good.bars).toHaveLength(14);
    expect(bad.bars).toHaveLength(3);
    // A faulted strategy's context no longer submits anything.
    bad.ctx!.submit({ kind: 'target', instrumentId: 'AAA', direction: 'LONG', reason: 'zombie' });
    expect(h.orders().filter((o) => o.strategyId === 'bad')).toEqual([]);
    expect(bad.fills).toEqual([]);
  });

  it('a throw in onStart faults it at once: never RUNNING for data', () => {
    const bad = new Probe('bad', ['AAA']);
    bad.throwOnStart = true;
    const h = setup(bad);
    expect(h.of('StrategyStateChanged').map((e) => e.state)).toEqual(['RUNNING', 'FAULTED']);
    expect(h.of('StrategyStateChanged')[1]!.reason).toContain('bad cannot start');
    h.flat(100);
    expect(bad.bars).toEqual([]);
  });

  it('a throw in onFill faults it; the fill itself stands', () => {
    const bad = new Probe('bad', ['AAA']);
    bad.longOnBar = 1;
    bad.throwOnFill = true;
    const other = new Probe('other', ['AAA']);
    const h = setup(bad, other);
    h.flat(100);
    h.flat(101);
    expect(h.position('AAA')).toBe(20);
    expect(bad.fills).toHaveLength(1);
    expect(h.engine.strategies.state('bad')).toBe('FAULTED');
    expect(h.of('StrategyStateChanged').at(-1)!.reason).toContain('fill handler broke');
    expect(bad.bars).toHaveLength(1); // the fill came at the 2nd bar, before strategies saw it
    expect(other.bars).toHaveLength(2);
    h.flat(102);
    expect(bad.bars).toHaveLength(1);
    expect(other.bars).toHaveLength(3);
  });

  it('stop and start: STOPPED strategies get no bars and submit nothing; a restart resumes', () => {
    const p = new Probe('p', ['AAA']);
    const h = setup(p);
    h.flat(100);
    h.engine.strategies.stop('p', 'user');
    expect(h.of('StrategyStateChanged').at(-1)).toMatchObject({ strategyId: 'p', state: 'STOPPED', reason: 'user' });
    expect(p.stopped).toBe(1);
    h.flat(100);
    expect(p.bars).toHaveLength(1);
    p.ctx!.submit({ kind: 'target', instrumentId: 'AAA', direction: 'LONG', reason: 'stopped' });
    expect(h.orders()).toEqual([]);
    h.engine.strategies.start('p');
    h.flat(100);
    expect(p.bars).toHaveLength(2);
  });

  it('a strategy only gets the bars of its own instruments', () => {
    const a = new Probe('a', ['AAA']);
    const b = new Probe('b', ['BBB']);
    const h = setup(a, b);
    both(h, 100);
    both(h, 101);
    expect(a.bars.map((x) => x.instrumentId)).toEqual(['AAA', 'AAA']);
    expect(b.bars.map((x) => x.instrumentId)).toEqual(['BBB', 'BBB']);
  });

  it('duplicate strategy ids are refused', () => {
    const h = setup(new Probe('p', ['AAA']));
    expect(() => h.engine.strategies.add(new Probe('p', ['BBB']))).toThrow(expect.objectContaining({ code: 'strategy.duplicate_id' }));
  });
});

function engineError(fn: () => unknown): EngineError {
  try {
    fn();
  } catch (e) {
    if (e instanceof EngineError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('strategy parameters and names', () => {
  it('invalid params: strategy.invalid_params listing every problem with its path', () => {
    const e = engineError(() => parseStrategyParams('ema_cross', { fast: 30, slow: 'ten', allow_short: 'yes' }));
    expect(e.code).toBe('strategy.invalid_params');
    const paths = (e.details as { path: string }[]).map((d) => d.path).sort();
    expect(paths).toEqual(['allow_short', 'slow']);
    const e2 = engineError(() => parseStrategyParams('ema_cross', { fast: 30, slow: 10 }));
    expect(e2.details).toEqual([{ path: 'fast', message: 'fast must be shorter than slow' }]);
    const e3 = engineError(() => parseStrategyParams('ema_cross_momentum', { short_window: 0, mid_window: 2.5, confirm_bars: 99, stop_loss_pct: -1 }));
    expect((e3.details as { path: string }[]).map((d) => d.path).sort()).toEqual(['confirm_bars', 'mid_window', 'short_window', 'stop_loss_pct']);
    expect(e3.message).toContain('short_window');
  });

  it('an unknown parameter key is an error naming the key', () => {
    const e = engineError(() => parseStrategyParams('ema_cross', { fast: 8, slwo: 21 }));
    expect(e.code).toBe('strategy.invalid_params');
    expect(e.details).toEqual([expect.objectContaining({ path: '', message: expect.stringContaining('slwo') })]);
  });

  it('valid params get their defaults', () => {
    expect(parseStrategyParams('ema_cross', {})).toEqual({ fast: 8, slow: 21, allow_short: false, stop_loss_pct: null, take_profit_pct: null });
    expect(parseStrategyParams('ema_cross_momentum', undefined)).toEqual({
      short_window: 3,
      mid_window: 8,
      long_window: 21,
      momentum_confirmations: true,
      confirm_bars: 3,
      allow_short: false,
      stop_loss_pct: 0.2,
      take_profit_pct: 0.3,
    });
  });

  it('unknown strategy: strategy.unknown (registry, factory and engine), config.invalid at strategy.name', () => {
    expect(engineError(() => strategyDefinition('nope')).code).toBe('strategy.unknown');
    expect(engineError(() => createStrategy('nope', 'x', {}, ['AAA'])).code).toBe('strategy.unknown');
    expect(engineError(() => parseStrategyParams('nope', {})).code).toBe('strategy.unknown');
    const cfg = engineError(() => validateConfig({ strategy: { name: 'nope' } }));
    expect(cfg.code).toBe('config.invalid');
    expect(cfg.details).toEqual([{ path: 'strategy.name', message: expect.stringContaining('unknown strategy "nope"') }]);
    // An engine handed an unknown strategy refuses to build.
    const { config } = validateConfig({});
    const clock = new SimClock(T0);
    const venue = new SimulatedVenue({ instruments: (id) => (id === 'AAA' ? AAA : id === 'BBB' ? BBB : undefined), clock });
    const err = engineError(
      () =>
        new TradingEngine({
          clock,
          venue,
          instruments: [AAA, BBB],
          config,
          strategies: [{ id: 'x', name: 'nope', enabled: true, instruments: null, params: {}, limits: { maxTradesPerDay: null, maxConcurrentTrades: null }, sizing: config.sizing }],
          idPrefix: 'T',
        }),
    );
    expect(err.code).toBe('strategy.unknown');
  });

  it('the registry describes both strategies', () => {
    expect(describeStrategies().map((d) => d.name)).toEqual(['ema_cross', 'ema_cross_momentum']);
  });
});
