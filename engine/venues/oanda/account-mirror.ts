/**
 * A local mirror of the OANDA account summary: balance, NAV, unrealized P&L, margin used and
 * available, as exact micro-units of the account currency. Kept in sync three ways: the summary at
 * start, every transaction that carries `accountBalance` (fills, transfers, financing), and the
 * `state` of `/changes` polling (NAV, unrealized P&L and margin move with prices, which no transaction
 * reports). `lastTransactionID` is the id the next `/changes` poll asks from.
 */
import { money, type Money } from '../../core/money';
import type { V20AccountSummary, V20Transaction } from './schemas';

export interface AccountState {
  id: string;
  currency: string;
  hedgingEnabled: boolean;
  balance: Money;
  nav: Money;
  unrealizedPL: Money;
  marginUsed: Money;
  marginAvailable: Money;
  lastTransactionID: string;
  /** Epoch ms of the last update from the venue. */
  updatedAt: number;
}

export class AccountMirror {
  state: AccountState;
  private readonly listeners: ((s: Readonly<AccountState>) => void)[] = [];

  constructor(summary: V20AccountSummary, now = Date.now()) {
    this.state = {
      id: summary.id,
      currency: summary.currency,
      hedgingEnabled: summary.hedgingEnabled,
      balance: money(summary.balance),
      nav: money(summary.NAV),
      unrealizedPL: money(summary.unrealizedPL),
      marginUsed: money(summary.marginUsed),
      marginAvailable: money(summary.marginAvailable),
      lastTransactionID: summary.lastTransactionID,
      updatedAt: now,
    };
  }

  onChange(fn: (s: Readonly<AccountState>) => void): void {
    this.listeners.push(fn);
  }

  applyTransaction(tx: V20Transaction, now = Date.now()): void {
    let changed = false;
    if (tx.accountBalance !== undefined) {
      const b = money(tx.accountBalance);
      // NAV moves with the balance (realized P&L, financing, transfers); the next poll refines it.
      this.state.nav += b - this.state.balance;
      this.state.balance = b;
      changed = true;
    }
    if (BigInt(tx.id) > BigInt(this.state.lastTransactionID)) {
      this.state.lastTransactionID = tx.id;
      changed = true;
    }
    if (changed) this.touch(now);
  }

  applyChangesState(s: { NAV?: string; unrealizedPL?: string; marginUsed?: string; marginAvailable?: string }, lastTransactionID: string, now = Date.now()): void {
    if (s.NAV !== undefined) this.state.nav = money(s.NAV);
    if (s.unrealizedPL !== undefined) this.state.unrealizedPL = money(s.unrealizedPL);
    if (s.marginUsed !== undefined) this.state.marginUsed = money(s.marginUsed);
    if (s.marginAvailable !== undefined) this.state.marginAvailable = money(s.marginAvailable);
    if (BigInt(lastTransactionID) > BigInt(this.state.lastTransactionID)) this.state.lastTransactionID = lastTransactionID;
    this.touch(now);
  }

  private touch(now: number): void {
    this.state.updatedAt = now;
    for (const fn of this.listeners) fn(this.state);
  }
}
