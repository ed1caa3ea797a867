/**
 * What a restarted engine needs, rebuilt from the journal alone:
 *   - every order in its last state: the order events replayed, in sequence order, through a fresh
 *     engine/core Cache (the same state machine the live engine ran, so an illegal history throws);
 *   - positions, cash, fees and the closed trades: every OrderFilled replayed through a fresh Portfolio,
 *     with the conversion prices journaled beside each fill put into the cache first (so cross-currency
 *     fills convert at the rates the live engine used); then the positions are marked at the last
 *     journaled prices;
 *   - the trading state (the last TradingStateChanged; a journal without one says nothing);
 *   - the last event id (`TradingEngine` / Kernel `lastEventId` continues the sequence);
 *   - the highest number used per client-order-id prefix (`{prefix}-{n}`, and algorithm ids
 *     `{prefix}-ALGO-{n}`), so a restarted session never reuses an id.
 * Events are streamed from SQLite, so memory grows with the orders, not with the journal.
 */
import { Cache } from '../../core/cache';
import type { TradingState } from '../../core/events';
import type { Instrument } from '../../core/instrument';
import type { Money } from '../../core/money';
import type { Order } from '../../core/order';
import { Portfolio } from '../../portfolio/portfolio';
import type { PositionDetail, TradeRecord } from '../../portfolio/types';
import type { TradingStateRecord } from '../../risk/kill-switch-store';
import type { Journal } from './journal';

export interface RebuildOptions {
  instruments: readonly Instrument[];
  accountCurrency: string;
  /** Opening cash of the account, micro-units (the configuration's starting cash). */
  startingCash: Money;
}

export interface RebuiltState {
  /** The replayed cache: instruments, last prices, every order. */
  cache: Cache;
  /** The replayed portfolio (positions marked at the last journaled prices). */
  portfolio: Portfolio;
  orders: readonly Readonly<Order>[];
  openOrders: readonly Readonly<Order>[];
  /** Open positions by instrument id order. */
  positions: PositionDetail[];
  trades: readonly TradeRecord[];
  cash: Money;
  equity: Money;
  tradingState: TradingStateRecord | null;
  lastEventId: number;
  /** Prefix -> highest number used (`T` -> 42 for `T-42`, `T-ALGO` -> 3 for `T-ALGO-3`). */
  lastIdNumbers: Map<string, number>;
  eventsReplayed: number;
}

const ID_RE = /^(.*)-(\d+)$/;

function noteId(ids: Map<string, number>, id: string): void {
  const m = ID_RE.exec(id);
  if (m === null) return;
  const prefix = m[1]!;
  const n = Number(m[2]);
  if (n > (ids.get(prefix) ?? 0)) ids.set(prefix, n);
}

export function rebuildState(journal: Journal, opts: RebuildOptions): RebuiltState {
  const cache = new Cache();
  for (const inst of opts.instruments) cache.addInstrument(inst);
  const portfolio = new Portfolio({ accountCurrency: opts.accountCurrency, startingCash: opts.startingCash, cache, emit: () => {} });
  const ids = new Map<string, number>();
  let tradingState: TradingStateRecord | null = null;
  let lastEventId = 0;
  let n = 0;
  for (const { event: e, context } of journal.records()) {
    n++;
    lastEventId = e.id;
    switch (e.type) {
      case 'OrderInitialized':
        noteId(ids, e.order.clientOrderId);
        cache.applyEvent(e);
        break;
      case 'OrderFilled':
        cache.applyEvent(e);
        if (context !== null) {
          for (const [id, px] of Object.entries(context)) if (cache.hasInstrument(id)) cache.marketState(id).price = px;
        }
        portfolio.applyFill(e);
        break;
      case 'AlgoStarted':
        noteId(ids, e.algoId);
        break;
      case 'TradingStateChanged':
        tradingState = { state: e.to as TradingState, reason: e.reason, source: e.source, ts: e.tsEvent };
        break;
      default:
        cache.applyEvent(e);
    }
  }
  for (const p of journal.lastPrices()) {
    if (!cache.hasInstrument(p.instrumentId)) continue;
    const st = cache.marketState(p.instrumentId);
    st.price = p.price;
    st.priceTs = p.ts;
  }
  portfolio.markAll();
  const positions: PositionDetail[] = [];
  for (const v of portfolio.openPositions()) {
    const d = portfolio.positionDetail(v.instrumentId);
    if (d) positions.push(d);
  }
  return {
    cache,
    portfolio,
    orders: cache.allOrders(),
    openOrders: cache.openOrders(),
    positions,
    trades: portfolio.trades(),
    cash: portfolio.cash(),
    equity: portfolio.equity(),
    tradingState,
    lastEventId,
    lastIdNumbers: ids,
    eventsReplayed: n,
  };
}
