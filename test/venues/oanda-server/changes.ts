/**
 * Account changes since a transaction (v20.json path /accounts/{accountID}/changes, definitions
 * AccountChanges, AccountChangesState, DynamicOrderState, CalculatedTradeState,
 * CalculatedPositionState; API-NOTES.md "Accounts" → changes). The changes are derived from the
 * transactions after `since`: orders created (in their current state), cancelled and filled, trades
 * opened, reduced and closed (TradeSummary now), positions of instruments that had fills; the state
 * is the account's current calculated figures with every pending order's trigger distance (and
 * trailing stop value), every open trade's P/L and margin, every open position's P/L.
 */
import * as D from './decimal';
import type { Account } from './account';
import type { OrderRec } from './model';
import type { Txn } from './transactions';

type Wire = Record<string, unknown>;

function defined(o: Wire): Wire {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

export function dynamicOrderState(acct: Account, o: OrderRec): Wire {
  const q = acct.market.quote(o.instrument);
  const threshold = o.type === 'TRAILING_STOP_LOSS' ? o.trailingStopValue : o.price;
  // Entry orders watch the side they buy or sell at; dependent orders the side that closes the trade.
  const buys = o.units !== undefined ? o.units > 0n : (acct.trades.get(o.tradeID ?? '')?.currentUnits ?? 0n) < 0n;
  const ref = buys ? q.ask : q.bid;
  return defined({
    id: o.id,
    trailingStopValue:
      o.type === 'TRAILING_STOP_LOSS' && o.trailingStopValue !== undefined ? acct.market.fmtPrice(o.instrument, o.trailingStopValue) : undefined,
    triggerDistance: threshold === undefined ? undefined : acct.market.fmtPrice(o.instrument, D.abs(threshold - ref)),
    isTriggerDistanceExact: threshold === undefined ? undefined : true,
  });
}

/** AccountChanges + AccountChangesState since transaction `since` (GET …/changes). */
export function changesSince(acct: Account, since: number): { changes: Wire; state: Wire } {
  const txns: Txn[] = acct.log.since(since);
  const created = new Map<string, true>();
  const cancelled = new Map<string, true>();
  const filled = new Map<string, true>();
  const opened = new Map<string, true>();
  const reduced = new Map<string, true>();
  const closed = new Map<string, true>();
  const instruments = new Set<string>();
  for (const x of txns) {
    if (/_ORDER$/.test(x.type) && acct.orders.has(x.id)) created.set(x.id, true);
    if (x.type === 'ORDER_CANCEL') cancelled.set(String(x.orderID), true);
    if (x.type === 'ORDER_FILL') {
      filled.set(String(x.orderID), true);
      instruments.add(String(x.instrument));
      const to = x.tradeOpened as { tradeID: string } | undefined;
      if (to) opened.set(to.tradeID, true);
      const tr = x.tradeReduced as { tradeID: string } | undefined;
      if (tr) reduced.set(tr.tradeID, true);
      for (const c of (x.tradesClosed as { tradeID: string }[] | undefined) ?? []) closed.set(c.tradeID, true);
    }
  }
  const orders = (ids: Map<string, true>): Wire[] =>
    [...ids.keys()].flatMap((id) => {
      const o = acct.orders.get(id);
      return o ? [acct.orderWire(o)] : [];
    });
  const trades = (ids: Map<string, true>): Wire[] =>
    [...ids.keys()].flatMap((id) => {
      const tr = acct.trades.get(id);
      return tr ? [acct.tradeSummaryWire(tr)] : [];
    });
  return {
    changes: {
      ordersCreated: orders(created),
      ordersCancelled: orders(cancelled),
      ordersFilled: orders(filled),
      ordersTriggered: [],
      tradesOpened: trades(opened),
      tradesReduced: trades(reduced),
      tradesClosed: trades(closed),
      positions: [...instruments].sort().map((i) => acct.positionWire(i)),
      transactions: txns,
    },
    state: {
      ...acct.calculatedStateWire(),
      orders: acct.pendingOrders().map((o) => dynamicOrderState(acct, o)),
      trades: acct.openTrades().map((tr) => ({
        id: tr.id,
        unrealizedPL: D.money(acct.tradeUnrealized(tr)),
        marginUsed: D.money(acct.tradeMargin(tr)),
      })),
      positions: acct.openPositionInstruments().map((i) => acct.calculatedPositionState(i)),
    },
  };
}
