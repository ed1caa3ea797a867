/**
 * Fill models: how a working order meets one bar. A fill model decides whether the order trades on
 * the bar, at what reference price (before slippage) and how many units. The venue does the rest
 * (eligibility, priority, reduce-only, FOK, slippage, fees, OCO, events).
 *
 * Provided:
 * - `NextBarOpenFillModel` (default): the whole remaining quantity at the rules of `touchOnBar`.
 * - `VolumeParticipationFillModel`: the same prices, but at most a fraction of the bar's volume per
 *   bar (shared by all orders of the instrument on that bar); the rest stays working (partial fills).
 *
 * Other models fit the same interface, for example a bar-close model (market orders at the close of
 * the bar they were placed on, for daily strategies), a worst-price model (stops at the bar's extreme
 * instead of the level) or a queue-position model for limit orders (fill only once the level has
 * traded through by some ticks).
 */
import type { Bar } from '../core/bar';
import { EngineError } from '../core/errors';
import { pow10 } from '../core/fixed';
import type { Instrument } from '../core/instrument';
import { simLeaves, type OhlcTicks, type SimOrderView } from './types';

export interface FillRequest {
  readonly instrument: Instrument;
  readonly order: SimOrderView;
  readonly bar: Bar;
  /** The bar side the order trades against (ask for BUY, bid for SELL when the bar has both), in ticks. */
  readonly ticks: OhlcTicks;
  /** Units already filled on this instrument's bar by orders matched before this one. */
  readonly volumeUsed: number;
}

export interface FillDecision {
  /** Reference fill price in ticks, before slippage; within [ticks.low, ticks.high]. */
  readonly ticks: number;
  /**
   * Units to fill now, 0..leaves (a multiple of minQty). 0 means the order's level was reached but
   * nothing can fill (no volume left): a STOP or MIT is then triggered and trades as a market order.
   */
  readonly qty: number;
  /** The price is the bar's open (a market order, or a level gapped through at the open). */
  readonly atOpen: boolean;
}

export interface FillModel {
  /** How the order trades on this bar, or null when its level is not reached. */
  fill(req: FillRequest): FillDecision | null;
}

export interface BarTouch {
  readonly ticks: number;
  readonly atOpen: boolean;
}

/**
 * Where an order trades on a bar side, by backtrader's rules (all prices in ticks):
 * - MARKET, or a triggered STOP/MIT: the open.
 * - BUY LIMIT L: open <= L -> open; else low <= L -> L.   SELL LIMIT: open >= L -> open; else high >= L -> L.
 * - BUY STOP S: open >= S -> open (gap); else high >= S -> S.  SELL STOP: open <= S -> open; else low <= S -> S.
 *   A TRAILING_STOP matches as a STOP at its current trigger (the venue trails it between bars).
 * - BUY MARKET_IF_TOUCHED P (P below the market): touched when low <= P; at the open when
 *   open <= P, else at P. SELL MIT (P above the market): touched when high >= P; at the open when
 *   open >= P, else at P.
 * Returns null when the level is not reached.
 */
export function touchOnBar(o: SimOrderView, t: OhlcTicks): BarTouch | null {
  if (o.type === 'MARKET' || o.triggered) return { ticks: t.open, atOpen: true };
  const buy = o.side === 'BUY';
  if (o.type === 'STOP' || o.type === 'TRAILING_STOP') {
    const s = o.triggerPrice;
    if (s === null) return null;
    if (buy) {
      if (t.open >= s) return { ticks: t.open, atOpen: true };
      return t.high >= s ? { ticks: s, atOpen: false } : null;
    }
    if (t.open <= s) return { ticks: t.open, atOpen: true };
    return t.low <= s ? { ticks: s, atOpen: false } : null;
  }
  // LIMIT and MARKET_IF_TOUCHED share the geometry (a level on the favourable side of the market).
  const p = o.price;
  if (p === null) return null;
  if (buy) {
    if (t.open <= p) return { ticks: t.open, atOpen: true };
    return t.low <= p ? { ticks: p, atOpen: false } : null;
  }
  if (t.open >= p) return { ticks: t.open, atOpen: true };
  return t.high >= p ? { ticks: p, atOpen: false } : null;
}

/** The default: the whole remaining quantity fills wherever `touchOnBar` says. */
export class NextBarOpenFillModel implements FillModel {
  readonly name = 'NextBarOpenFillModel';

  fill(req: FillRequest): FillDecision | null {
    const touch = touchOnBar(req.order, req.ticks);
    return touch ? { ticks: touch.ticks, atOpen: touch.atOpen, qty: simLeaves(req.order) } : null;
  }
}

export interface VolumeParticipationFillModelOptions {
  /** Largest share of a bar's volume (0 < fraction <= 1) that this venue's orders may take on that bar. */
  fraction: number;
}

/**
 * Fills at most `fraction` of the bar's volume per bar, shared by all orders of the instrument in
 * matching order (market, stops, limits; then submission order). Bar volume is in instrument
 * quantity (shares, contracts; for FX quote bars whatever the feed counts) and becomes units with
 * the instrument's unitPrecision, rounded down; fills are rounded down to multiples of minQty. What
 * does not fill stays working and carries over to the next bar (a triggered stop then trades at that
 * bar's open). A bar without volume fills nothing.
 */
export class VolumeParticipationFillModel implements FillModel {
  readonly name = 'VolumeParticipationFillModel';
  readonly fraction: number;

  constructor(opts: VolumeParticipationFillModelOptions) {
    if (!(opts.fraction > 0 && opts.fraction <= 1)) {
      throw new EngineError('sim.invalid_parameter', `VolumeParticipationFillModel: fraction must be in (0, 1], got ${opts.fraction}`);
    }
    this.fraction = opts.fraction;
  }

  /** Units this model lets trade on a bar in total. */
  capacity(inst: Instrument, bar: Bar): number {
    if (!(bar.volume > 0) || !Number.isFinite(bar.volume)) return 0;
    return Math.floor(bar.volume * pow10(inst.unitPrecision) * this.fraction + 1e-9);
  }

  fill(req: FillRequest): FillDecision | null {
    const touch = touchOnBar(req.order, req.ticks);
    if (!touch) return null;
    const left = Math.max(0, this.capacity(req.instrument, req.bar) - req.volumeUsed);
    const minQty = req.instrument.minQty;
    const qty = Math.min(simLeaves(req.order), Math.floor(left / minQty) * minQty);
    return { ticks: touch.ticks, atOpen: touch.atOpen, qty };
  }
}
