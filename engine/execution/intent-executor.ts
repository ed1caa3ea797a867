/**
 * Turns strategy intents into orders. A target intent (LONG / SHORT / FLAT) is compared with the
 * position and the working orders of its instrument:
 *  - FLAT: cancel working entries; close any position with a market EXIT (its protection is cancelled).
 *  - LONG/SHORT: nothing when already there or an entry is working; an opposite position is closed
 *    first (EXIT, tag "reverse"), then a market ENTRY sized by the strategy's sizer, carrying SL/TP as
 *    distances from the fill (percent of the reference price, turned into ticks here).
 * Every order still passes the risk gate inside the order manager.
 */
import type { CacheView } from '../core/cache';
import type { Instrument } from '../core/instrument';
import type { OrderSide } from '../core/order';
import type { PortfolioView } from '../core/portfolio-view';
import { pow10 } from '../core/fixed';
import type { PositionSizer } from '../risk/sizing';
import type { Intent, TargetIntent } from '../strategies/strategy';
import type { OrderManager, SubmitResult } from './order-manager';

export interface IntentExecutorOptions {
  cache: CacheView;
  portfolio: PortfolioView;
  orders: OrderManager;
  sizerFor: (strategyId: string) => PositionSizer;
  /** Account currency per unit of the instrument's quote currency (float; for sizing). */
  quoteToAccount: (instrument: Instrument) => number;
  /** ATR of an instrument over `period` bars (null while it warms up), for sizers that declare `atrPeriod`. */
  atr?: (instrumentId: string, period: number) => number | null;
}

export class IntentExecutor {
  constructor(private readonly o: IntentExecutorOptions) {}

  execute(strategyId: string, intent: Intent): SubmitResult[] {
    if (intent.kind === 'order') return [this.o.orders.submit(strategyId, intent.request)];
    return this.target(strategyId, intent);
  }

  private target(strategyId: string, intent: TargetIntent): SubmitResult[] {
    const { cache, portfolio, orders } = this.o;
    const id = intent.instrumentId;
    const pos = portfolio.positionQty(id);
    const working = cache.openOrders(id);
    const out: SubmitResult[] = [];
    const want = intent.direction;
    const side: OrderSide | null = want === 'LONG' ? 'BUY' : want === 'SHORT' ? 'SELL' : null;

    // Entries of this strategy that point the wrong way are cancelled.
    for (const w of working) {
      if (w.role === 'ENTRY' && w.strategyId === strategyId && w.side !== side) orders.cancel(w.clientOrderId);
    }
    const exiting = working.some((w) => (w.role === 'EXIT' || w.role === 'FLATTEN') && w.status !== 'PENDING_CANCEL');
    const holdsWrongWay = pos !== 0 && (side === null || (pos > 0) !== (side === 'BUY'));
    if (holdsWrongWay && !exiting) {
      orders.cancelProtection(id);
      out.push(
        orders.submit(strategyId, {
          instrumentId: id,
          side: pos > 0 ? 'SELL' : 'BUY',
          qty: Math.abs(pos),
          type: 'MARKET',
          role: 'EXIT',
          reduceOnly: true,
          tag: side === null ? 'signal' : 'reverse',
        }),
      );
    }
    if (side === null) return out;
    const alreadyThere = pos !== 0 && !holdsWrongWay;
    const entryWorking = working.some((w) => w.role === 'ENTRY' && w.side === side && w.status !== 'PENDING_CANCEL');
    if (alreadyThere || entryWorking) return out;

    const inst = cache.instrument(id);
    const price = cache.lastPrice(id);
    if (!(price > 0)) return out;
    const scale = pow10(inst.pricePrecision);
    const dist = (pct: number | null | undefined) => (pct != null && pct > 0 ? Math.max(inst.tickSize, Math.round((price * pct * scale) / 100)) : null);
    const slDist = dist(intent.stopLossPct);
    const tpDist = dist(intent.takeProfitPct);
    const sizer = this.o.sizerFor(strategyId);
    const qty = sizer.size({
      instrument: inst,
      price,
      equity: portfolio.equity(),
      quoteToAccount: this.o.quoteToAccount(inst),
      stopDistance: slDist === null ? null : slDist / scale,
      confidence: intent.confidence ?? null,
      atr: sizer.atrPeriod !== undefined && this.o.atr ? this.o.atr(id, sizer.atrPeriod) : null,
    });
    if (qty < inst.minQty) return out;
    out.push(
      orders.submit(strategyId, {
        instrumentId: id,
        side,
        qty,
        type: 'MARKET',
        role: 'ENTRY',
        tag: intent.reason,
        bracket: slDist !== null || tpDist !== null ? { stopLossDistance: slDist, takeProfitDistance: tpDist } : null,
      }),
    );
    return out;
  }
}

