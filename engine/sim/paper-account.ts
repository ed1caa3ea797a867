/**
 * The paper venue's own book of money and positions, built only from the venue's fills (never from the
 * engine's portfolio), so that a later reconciliation can compare the engine with the venue as it
 * will with a real broker. Booking follows the venue's usual rules: the realized P&L of a fill that
 * reduces a position (closed units at the fill price against their share of the cost basis, rounded
 * half-to-even like every notional) and the fee are booked to the balance in the account currency;
 * amounts in another currency are converted by `convert` (the session passes the rates the engine
 * sees at that moment), or, without a converter, kept as a balance in their own currency.
 */
import { EngineError } from '../core/errors';
import type { OrderFilled } from '../core/events';
import { notional, ticksToPrice, type Instrument } from '../core/instrument';
import type { Money } from '../core/money';
import { mulDivRoundHalfEven } from '../core/muldiv';

export interface PaperAccountOptions {
  currency: string;
  /** Starting balance, micro-units of `currency`. */
  startingCash: Money;
  instrument: (id: string) => Instrument | undefined;
  /** Converts micro-units between currencies at the current rate. */
  convert?: (amount: Money, from: string, to: string) => Money;
}

export interface PaperPosition {
  instrumentId: string;
  /** Signed units. */
  qty: number;
  /** Average open price (float, display). */
  avgPx: number;
  /** Signed cost basis, micro-units of the quote currency. */
  costBasis: Money;
}

/** The account as plain data (persisted by the paper venue after each fill). */
export interface PaperAccountState {
  /** Micro-units per currency. */
  balances: { currency: string; amount: Money }[];
  /** Signed units and signed cost basis (micro-units of the quote currency) per instrument. */
  positions: { instrumentId: string; qty: number; costBasis: Money }[];
}

type Fill = Pick<OrderFilled, 'instrumentId' | 'side' | 'lastQty' | 'lastPx' | 'fee' | 'feeCurrency' | 'tradeId'>;

export class PaperAccount {
  readonly currency: string;
  private readonly o: PaperAccountOptions;
  private readonly cash = new Map<string, Money>();
  private readonly pos = new Map<string, { qty: number; cost: Money }>();

  constructor(opts: PaperAccountOptions) {
    this.o = opts;
    this.currency = opts.currency;
    this.cash.set(opts.currency, opts.startingCash);
  }

  /** Books one of the venue's fills. */
  book(f: Fill): void {
    const inst = this.o.instrument(f.instrumentId);
    if (!inst) throw new EngineError('paper.unknown_instrument', `paper account: fill ${f.tradeId} for unknown instrument ${f.instrumentId}`);
    const sign = f.side === 'BUY' ? 1 : -1;
    const p = this.pos.get(f.instrumentId) ?? { qty: 0, cost: 0 };
    const abs = Math.abs(p.qty);
    const closed = p.qty !== 0 && Math.sign(p.qty) !== sign ? Math.min(abs, f.lastQty) : 0;
    const opened = f.lastQty - closed;
    // The fill's notional once, split into its closing part and the rest (the portfolio's rule, so
    // both books round the same way).
    const fillNotional = notional(inst, f.lastPx, sign * f.lastQty);
    const closeNotional = closed === 0 ? 0 : closed === f.lastQty ? fillNotional : notional(inst, f.lastPx, sign * closed);
    if (closed > 0) {
      const closedCost = closed === abs ? p.cost : mulDivRoundHalfEven(p.cost, closed, abs);
      this.credit(-(closeNotional + closedCost), inst.quoteCurrency);
      p.cost -= closedCost;
      p.qty += sign * closed;
    }
    if (opened > 0) {
      p.cost += fillNotional - closeNotional;
      p.qty += sign * opened;
    }
    this.credit(-f.fee, f.feeCurrency);
    if (p.qty === 0) this.pos.delete(f.instrumentId);
    else this.pos.set(f.instrumentId, p);
  }

  /** The whole account as plain data. */
  state(): PaperAccountState {
    return {
      balances: this.balances(),
      positions: [...this.pos.entries()].map(([instrumentId, p]) => ({ instrumentId, qty: p.qty, costBasis: p.cost })).sort((a, b) => a.instrumentId.localeCompare(b.instrumentId)),
    };
  }

  /** Replaces the account with a persisted state (a restarted paper venue). */
  restore(s: PaperAccountState): void {
    for (const b of s.balances) if (!Number.isSafeInteger(b.amount)) throw new EngineError('paper.invalid_state', `balance ${b.currency} ${b.amount} is not integer micro-units`);
    for (const p of s.positions) {
      if (!Number.isSafeInteger(p.qty) || !Number.isSafeInteger(p.costBasis) || !this.o.instrument(p.instrumentId)) {
        throw new EngineError('paper.invalid_state', `position ${p.instrumentId} ${p.qty} @ ${p.costBasis} cannot be restored`);
      }
    }
    this.cash.clear();
    this.pos.clear();
    for (const b of s.balances) this.cash.set(b.currency, b.amount);
    if (!this.cash.has(this.currency)) this.cash.set(this.currency, 0);
    for (const p of s.positions) if (p.qty !== 0) this.pos.set(p.instrumentId, { qty: p.qty, cost: p.costBasis });
  }

  /** Signed units and the average open price in ticks (cost basis / units), for reconciliation. */
  positionTicks(): { instrumentId: string; qty: number; avgPx: number }[] {
    return [...this.pos.entries()]
      .map(([instrumentId, p]) => {
        const perUnit = notional(this.o.instrument(instrumentId)!, 1, 1);
        return { instrumentId, qty: p.qty, avgPx: perUnit === 0 ? 0 : p.cost / p.qty / perUnit };
      })
      .sort((a, b) => a.instrumentId.localeCompare(b.instrumentId));
  }

  private credit(amount: Money, ccy: string): void {
    if (amount === 0) return;
    const target = ccy === this.currency || !this.o.convert ? ccy : this.currency;
    const value = target === ccy ? amount : this.o.convert!(amount, ccy, target);
    this.cash.set(target, (this.cash.get(target) ?? 0) + value);
  }

  /** Balance in one currency (default the account currency), micro-units. */
  balance(ccy: string = this.currency): Money {
    return this.cash.get(ccy) ?? 0;
  }

  /** Every balance, account currency first. */
  balances(): { currency: string; amount: Money }[] {
    return [...this.cash.entries()]
      .map(([currency, amount]) => ({ currency, amount }))
      .sort((a, b) => (a.currency === this.currency ? -1 : b.currency === this.currency ? 1 : a.currency.localeCompare(b.currency)));
  }

  positions(): PaperPosition[] {
    return [...this.pos.entries()]
      .map(([instrumentId, p]) => {
        const inst = this.o.instrument(instrumentId)!;
        const perUnit = notional(inst, 1, 1);
        return { instrumentId, qty: p.qty, costBasis: p.cost, avgPx: perUnit === 0 ? 0 : ticksToPrice(inst, p.cost / p.qty / perUnit) };
      })
      .sort((a, b) => a.instrumentId.localeCompare(b.instrumentId));
  }
}
