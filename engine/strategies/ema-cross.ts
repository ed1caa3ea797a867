/**
 * `ema_cross`: fast/slow EMA crossover on bar closes (defaults 8/21). With d = fast - slow, a cross up
 * is d[t-1] <= 0 < d[t] and a cross down d[t-1] >= 0 > d[t]; the engine's market orders then fill at
 * the next bar's open (the same trade list as backtrader's default next-open orders). Long-only by
 * default: a cross down closes the long; with `allow_short` it also opens a short.
 */
import { z } from 'zod';
import type { Bar } from '../core/bar';
import { Ema } from '../indicators/ema';
import type { Strategy, StrategyContext, StrategyDefinition } from './strategy';

export const emaCrossParams = z
  .object({
    fast: z.number().int().min(1).max(1000).default(8).describe('fast EMA period, bars'),
    slow: z.number().int().min(2).max(1000).default(21).describe('slow EMA period, bars'),
    allow_short: z.boolean().default(false).describe('open shorts on a cross down (otherwise long-only)'),
    stop_loss_pct: z.number().gt(0).max(50).nullable().default(null).describe('stop-loss distance, % of entry price (null = none)'),
    take_profit_pct: z.number().gt(0).max(500).nullable().default(null).describe('take-profit distance, % of entry price (null = none)'),
  })
  .strict()
  .refine((p) => p.fast < p.slow, { message: 'fast must be shorter than slow', path: ['fast'] });

export type EmaCrossParams = z.output<typeof emaCrossParams>;

interface State {
  fast: Ema;
  slow: Ema;
  prevD: number;
}

class EmaCross implements Strategy {
  private ctx!: StrategyContext;
  private readonly states = new Map<string, State>();

  constructor(
    readonly id: string,
    private readonly p: EmaCrossParams,
    readonly instruments: readonly string[],
  ) {
    for (const i of instruments) this.states.set(i, { fast: new Ema(p.fast), slow: new Ema(p.slow), prevD: NaN });
  }

  onStart(ctx: StrategyContext): void {
    this.ctx = ctx;
  }

  onBar(bar: Bar): void {
    const s = this.states.get(bar.instrumentId);
    if (!s) return;
    s.fast.add(bar.close);
    s.slow.add(bar.close);
    if (!s.slow.isReady) return;
    const d = s.fast.value - s.slow.value;
    const prev = s.prevD;
    s.prevD = d;
    if (prev !== prev) return; // first ready bar: no previous difference yet
    if (prev <= 0 && d > 0) this.signal(bar.instrumentId, 'LONG', `ema ${this.p.fast}/${this.p.slow} cross up`);
    else if (prev >= 0 && d < 0) this.signal(bar.instrumentId, this.p.allow_short ? 'SHORT' : 'FLAT', `ema ${this.p.fast}/${this.p.slow} cross down`);
  }

  private signal(instrumentId: string, direction: 'LONG' | 'SHORT' | 'FLAT', reason: string): void {
    this.ctx.submit({
      kind: 'target',
      instrumentId,
      direction,
      stopLossPct: this.p.stop_loss_pct,
      takeProfitPct: this.p.take_profit_pct,
      reason,
    });
  }
}

export const emaCross: StrategyDefinition<typeof emaCrossParams> = {
  name: 'ema_cross',
  description: 'Fast/slow EMA crossover on bar closes; long-only unless allow_short.',
  params: emaCrossParams,
  create: (id, params, instruments) => new EmaCross(id, params, instruments),
};
