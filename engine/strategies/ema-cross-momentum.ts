/**
 * `ema_cross_momentum`: the 3/8/21 system. Short (3), mid (8) and long (21) EMAs on bar closes.
 *
 * Entry rule (long; short is the mirror image when `allow_short`):
 *  1. Cross: the short EMA crosses above the mid EMA (d = short - mid goes from <= 0 to > 0). This arms
 *     a long signal for `confirm_bars` bars (the cross bar included).
 *  2. Trend: while armed, the short and mid EMAs are both above the long EMA.
 *  3. Momentum (when `momentum_confirmations`): the mid EMA is rising (mid[t] > mid[t-1]), the long EMA
 *     is not falling (long[t] >= long[t-1]) and the short EMA is pulling away from the mid EMA
 *     (d[t] > d[t-1]). On the cross bar itself the last condition always holds.
 *  The first armed bar where 2 and 3 hold emits LONG with the configured stop-loss / take-profit; the
 *  signal then disarms. A short-over-mid cross down closes a long (or arms a short).
 */
import { z } from 'zod';
import type { Bar } from '../core/bar';
import { Ema } from '../indicators/ema';
import type { Strategy, StrategyContext, StrategyDefinition } from './strategy';

export const emaCrossMomentumParams = z
  .object({
    short_window: z.number().int().min(1).max(1000).default(3).describe('short EMA period, bars'),
    mid_window: z.number().int().min(2).max(1000).default(8).describe('mid EMA period, bars'),
    long_window: z.number().int().min(3).max(1000).default(21).describe('long (trend) EMA period, bars'),
    momentum_confirmations: z.boolean().default(true).describe('require mid slope, long slope and widening short-mid spread'),
    confirm_bars: z.number().int().min(1).max(50).default(3).describe('bars after a cross during which the confirmations may arrive'),
    allow_short: z.boolean().default(false).describe('trade the mirror-image short signals'),
    stop_loss_pct: z.number().gt(0).max(50).nullable().default(0.2).describe('stop-loss distance, % of entry price'),
    take_profit_pct: z.number().gt(0).max(500).nullable().default(0.3).describe('take-profit distance, % of entry price'),
  })
  .strict()
  .refine((p) => p.short_window < p.mid_window && p.mid_window < p.long_window, {
    message: 'windows must satisfy short < mid < long',
    path: ['short_window'],
  });

export type EmaCrossMomentumParams = z.output<typeof emaCrossMomentumParams>;

interface State {
  short: Ema;
  mid: Ema;
  long: Ema;
  prevD: number;
  prevMid: number;
  prevLong: number;
  /** Bars left in which a long (> 0) or short (< 0) signal may still be confirmed. */
  armed: number;
}

class EmaCrossMomentum implements Strategy {
  private ctx!: StrategyContext;
  private readonly states = new Map<string, State>();

  constructor(
    readonly id: string,
    private readonly p: EmaCrossMomentumParams,
    readonly instruments: readonly string[],
  ) {
    for (const i of instruments) {
      this.states.set(i, {
        short: new Ema(p.short_window),
        mid: new Ema(p.mid_window),
        long: new Ema(p.long_window),
        prevD: NaN,
        prevMid: NaN,
        prevLong: NaN,
        armed: 0,
      });
    }
  }

  onStart(ctx: StrategyContext): void {
    this.ctx = ctx;
  }

  onBar(bar: Bar): void {
    const s = this.states.get(bar.instrumentId);
    if (!s) return;
    const c = bar.close;
    s.short.add(c);
    s.mid.add(c);
    s.long.add(c);
    if (!s.long.isReady) return;
    const sh = s.short.value;
    const mid = s.mid.value;
    const lg = s.long.value;
    const d = sh - mid;
    const { prevD, prevMid, prevLong } = s;
    s.prevD = d;
    s.prevMid = mid;
    s.prevLong = lg;
    if (prevD !== prevD) return; // first ready bar

    const crossUp = prevD <= 0 && d > 0;
    const crossDown = prevD >= 0 && d < 0;
    if (crossUp || crossDown) {
      s.armed = crossUp ? this.p.confirm_bars : this.p.allow_short ? -this.p.confirm_bars : 0;
      // The opposite cross ends a position held the other way.
      const pos = this.ctx.portfolio.positionQty(bar.instrumentId);
      if (crossUp ? pos < 0 : pos > 0) this.emit(bar.instrumentId, 'FLAT', `ema short/mid cross ${crossUp ? 'up' : 'down'}`);
    }
    if (s.armed === 0) return;

    const long = s.armed > 0;
    const trend = long ? sh > lg && mid > lg : sh < lg && mid < lg;
    const momentum =
      !this.p.momentum_confirmations ||
      (long ? mid > prevMid && lg >= prevLong && d > prevD : mid < prevMid && lg <= prevLong && d < prevD);
    const stillCrossed = long ? d > 0 : d < 0;
    if (stillCrossed && trend && momentum) {
      s.armed = 0;
      this.emit(bar.instrumentId, long ? 'LONG' : 'SHORT', `ema ${this.p.short_window}/${this.p.mid_window}/${this.p.long_window} ${long ? 'up' : 'down'} with momentum`);
      return;
    }
    s.armed += long ? -1 : 1;
    if (!stillCrossed) s.armed = 0;
  }

  private emit(instrumentId: string, direction: 'LONG' | 'SHORT' | 'FLAT', reason: string): void {
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

export const emaCrossMomentum: StrategyDefinition<typeof emaCrossMomentumParams> = {
  name: 'ema_cross_momentum',
  description: '3/8/21 EMA crossover with trend filter and momentum confirmation; SL/TP in percent.',
  params: emaCrossMomentumParams,
  create: (id, params, instruments) => new EmaCrossMomentum(id, params, instruments),
};
