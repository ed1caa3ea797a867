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
 *   - the last venue transaction id seen (events stamped `venueTxId`), the start of the reconciliation;
 *   - what the risk side needs (engine/runtime/restore.ts): which strategy opened each position, the
 *     entries sent on the latest day, the portfolio guards tripped since the engine was last ACTIVE,
 *     and the execution algorithms that had not finished.
 * Events are streamed from SQLite, so memory grows with the orders, not with the journal.
 *
 * `target`: replay into an existing cache and portfolio (a live engine's, muted while restoring:
 * TradingEngine.beginRestore) instead of fresh ones.
 */
import { Cache } from '../../core/cache';
import type { TradingState } from '../../core/events';
import type { Instrument } from '../../core/instrument';
import type { Money } from '../../core/money';
import type { Order } from '../../core/order';
import { Portfolio } from '../../portfolio/portfolio';
import type { PositionDetail, TradeRecord } from '../../portfolio/types';
import type { TradingStateRecord } from '../../risk/kill-switch-store';
import type { RestoreFacts } from '../../runtime/restore';
import { utcDayStart } from '../../core/time';
import type { Journal } from './journal';

export interface RebuildOptions {
  instruments: readonly Instrument[];
  accountCurrency: string;
  /** Opening cash of the account, micro-units (the configuration's starting cash). */
  startingCash: Money;
  /** Replay into these (a live engine's) instead of a fresh cache and portfolio. */
  target?: { cache: Cache; portfolio: Portfolio };
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
  /** Highest `venueTxId` of a journaled venue event (0: none). */
  lastVenueTxId: number;
  /** The restore inputs of engine/runtime/restore.ts. */
  restore: RestoreFacts;
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
  let cache: Cache;
  let portfolio: Portfolio;
  if (opts.target) {
    ({ cache, portfolio } = opts.target);
  } else {
    cache = new Cache();
    for (const inst of opts.instruments) cache.addInstrument(inst);
    portfolio = new Portfolio({ accountCurrency: opts.accountCurrency, startingCash: opts.startingCash, cache, emit: () => {} });
  }
  const ids = new Map<string, number>();
  let tradingState: TradingStateRecord | null = null;
  let lastEventId = 0;
  let lastVenueTxId = 0;
  let n = 0;
  const owners = new Map<string, string>();
  let entryDay = Number.NaN;
  let entries = new Map<string, number>();
  let tripped = new Set<string>();
  const algos = new Map<string, RestoreFacts['unfinishedAlgos'][number]>();
  for (const { event: e, context } of journal.records()) {
    n++;
    lastEventId = e.id;
    const tx = (e as { venueTxId?: number }).venueTxId;
    if (tx !== undefined && tx > lastVenueTxId) lastVenueTxId = tx;
    switch (e.type) {
      case 'OrderInitialized':
        noteId(ids, e.order.clientOrderId);
        cache.applyEvent(e);
        break;
      case 'OrderSubmitted': {
        cache.applyEvent(e);
        const o = cache.order(e.clientOrderId);
        if (o?.role === 'ENTRY') {
          const day = utcDayStart(e.tsEvent);
          if (day !== entryDay) {
            entryDay = day;
            entries = new Map();
          }
          entries.set(o.strategyId, (entries.get(o.strategyId) ?? 0) + 1);
        }
        break;
      }
      case 'OrderFilled': {
        cache.applyEvent(e);
        if (context !== null) {
          for (const [id, px] of Object.entries(context)) if (cache.hasInstrument(id)) cache.marketState(id).price = px;
        }
        portfolio.applyFill(e);
        const o = cache.order(e.clientOrderId);
        if (o?.role === 'ENTRY') owners.set(o.instrumentId, o.strategyId);
        break;
      }
      case 'AlgoStarted':
        noteId(ids, e.algoId);
        algos.set(e.algoId, { algoId: e.algoId, strategyId: e.strategyId, instrumentId: e.instrumentId, side: e.side, qty: e.qty, filledQty: 0, slicesDone: 0, slices: e.slices });
        break;
      case 'AlgoProgressed': {
        const a = algos.get(e.algoId);
        if (a) Object.assign(a, { filledQty: e.filledQty, slicesDone: e.slicesDone });
        break;
      }
      case 'AlgoFinished':
        algos.delete(e.algoId);
        break;
      case 'RiskLimitBreached':
        tripped.add(e.guard);
        break;
      case 'TradingStateChanged':
        tradingState = { state: e.to as TradingState, reason: e.reason, source: e.source, ts: e.tsEvent };
        if (e.to === 'ACTIVE') tripped = new Set();
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
    lastVenueTxId,
    restore: {
      owners,
      entries: Number.isNaN(entryDay) ? null : { day: entryDay, byStrategy: entries },
      trippedGuards: [...tripped],
      unfinishedAlgos: [...algos.values()],
      equity: journal.equityCurve().map((s) => ({ ts: s.ts, equity: s.equity })),
    },
  };
}
