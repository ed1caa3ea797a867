/**
 * Turns v20 transactions into engine VenueEvents, keeping what it must know about each order: its
 * client order id (`clientExtensions.id`), current v20 order id (it changes when an order is
 * replaced), quantity, fills, and the trades it opened. Idempotent: a transaction id already applied
 * is ignored, so the same transaction may arrive from an order's reply, the transaction stream and a
 * `sinceid` backfill in any interleaving (each source is in id order) and is reported once.
 *
 * Events (each with `venueTxId` = the transaction id as a number):
 *   *_ORDER (create)        OrderAccepted; for MARKET orders and FOK/IOC orders it waits for the fill or
 *                           cancel of the same order (an immediate cancel is then an OrderRejected)
 *   ORDER_FILL              OrderFilled (lastQty = |units|, lastPx = the fill price rounded to the
 *                           instrument's precision, tradeId = the fill's transaction id, fee =
 *                           commission + guaranteed execution fee in the account currency)
 *   ORDER_CANCEL            OrderRejected `oanda.rejected.<reason>` for an order never accepted;
 *                           OrderExpired for TIME_IN_FORCE_EXPIRED; else OrderCanceled reason <reason>;
 *                           CLIENT_REQUEST_REPLACED is not an end (the replacement follows)
 *   *_ORDER (REPLACEMENT)   OrderUpdated with the new units/price
 *   *_ORDER_REJECT          OrderRejected `oanda.rejected.<rejectReason>`
 * Dependent orders (STOP_LOSS / TAKE_PROFIT / TRAILING_STOP_LOSS) an entry created on fill carry the
 * client id `<entry>.sl|.tp|.tsl`; once the engine sends its bracket child they are replaced by orders
 * carrying the child's client id, and those map to the child.
 * A transaction about an order this mapper does not know is `unmatched` (the venue hands it to
 * reconciliation), unless `adopt` is on (the replay of `transactionsSince`), where such orders are
 * tracked under their client id or `oanda-<orderId>`.
 */
import type { VenueEvent } from '../../core/events';
import type { Instrument } from '../../core/instrument';
import { money, type Money } from '../../core/money';
import type { OrderSide } from '../../core/order';
import { fillTicks, priceTicks, unitsInt, v20Time } from './mapping';
import type { V20Transaction } from './schemas';

export type DependentKind = 'stopLoss' | 'takeProfit' | 'trailingStopLoss';

export interface Tracked {
  clientOrderId: string;
  strategyId: string | null;
  instrumentId: string;
  side: OrderSide;
  qty: number;
  filledQty: number;
  /** Current v20 order id (null until created). */
  venueOrderId: string | null;
  accepted: boolean;
  done: boolean;
  /** Accept only with the fill/cancel (MARKET, FOK, IOC). */
  deferAccept: boolean;
  /** Trades opened by this order's fills. */
  tradeIds: string[];
  /** A dependent order of trades (a bracket child), or null. */
  dependent: { kind: DependentKind; tradeIds: string[] } | null;
  /** v20 order type as created (for snapshots). */
  v20Type: string | null;
}

const CREATE_TYPES: Record<string, string> = {
  MARKET_ORDER: 'MARKET',
  LIMIT_ORDER: 'LIMIT',
  STOP_ORDER: 'STOP',
  MARKET_IF_TOUCHED_ORDER: 'MARKET_IF_TOUCHED',
  TAKE_PROFIT_ORDER: 'TAKE_PROFIT',
  STOP_LOSS_ORDER: 'STOP_LOSS',
  TRAILING_STOP_LOSS_ORDER: 'TRAILING_STOP_LOSS',
  GUARANTEED_STOP_LOSS_ORDER: 'GUARANTEED_STOP_LOSS',
};

const DEPENDENT: Record<string, DependentKind> = { TAKE_PROFIT: 'takeProfit', STOP_LOSS: 'stopLoss', TRAILING_STOP_LOSS: 'trailingStopLoss', GUARANTEED_STOP_LOSS: 'stopLoss' };

export interface TxMapperOptions {
  instrument: (id: string) => Instrument | undefined;
  accountCurrency: string;
  adopt?: boolean;
}

export interface ApplyResult {
  events: VenueEvent[];
  /** The transaction concerns no order this mapper knows (or it is an account-level transaction). */
  unmatched: boolean;
  /** Orders first seen in this transaction (adopt mode). */
  adopted: Tracked[];
}

export class TxMapper {
  readonly byClient = new Map<string, Tracked>();
  readonly byVenue = new Map<string, string>();
  /** Trade id -> client id of the order whose fill opened it. */
  readonly tradeOwner = new Map<string, string>();
  /** Trade id -> its instrument and signed open units (for dependents seen in a replay). */
  readonly tradeInfo = new Map<string, { instrumentId: string; units: number }>();
  /** v20 order id -> the entry and kind of an on-fill dependent order not (yet) bound to a child. */
  readonly onFill = new Map<string, { entry: string; kind: DependentKind }>();
  private readonly seen = new Set<string>();
  private readonly seenOrder: string[] = [];
  lastTxId = 0;
  /** Currency of fees (the account's), set once the account is known. */
  accountCurrency: string;

  constructor(private readonly opts: TxMapperOptions) {
    this.accountCurrency = opts.accountCurrency;
  }

  track(t: Tracked): Tracked {
    this.byClient.set(t.clientOrderId, t);
    if (t.venueOrderId) this.byVenue.set(t.venueOrderId, t.clientOrderId);
    return t;
  }

  hasSeen(txId: string): boolean {
    return this.seen.has(txId);
  }

  /** Marks a transaction handled without events (a reject reported from a reply). */
  markSeen(txId: string): void {
    if (this.seen.has(txId)) return;
    this.seen.add(txId);
    this.seenOrder.push(txId);
    if (this.seenOrder.length > 50_000) this.seen.delete(this.seenOrder.shift()!);
    const n = Number(txId);
    if (n > this.lastTxId) this.lastTxId = n;
  }

  bindVenueId(clientOrderId: string, venueOrderId: string): void {
    const t = this.byClient.get(clientOrderId);
    if (!t) return;
    t.venueOrderId = venueOrderId;
    this.byVenue.set(venueOrderId, clientOrderId);
  }

  apply(tx: V20Transaction): ApplyResult {
    const out: ApplyResult = { events: [], unmatched: false, adopted: [] };
    if (this.seen.has(tx.id)) return out;
    this.markSeen(tx.id);
    const ts = v20Time(tx.time);
    const txNo = Number(tx.id);
    const type = tx.type;
    if (CREATE_TYPES[type] !== undefined) this.onCreate(tx, CREATE_TYPES[type], ts, txNo, out);
    else if (type === 'ORDER_FILL') this.onFillTx(tx, ts, txNo, out);
    else if (type === 'ORDER_CANCEL') this.onCancel(tx, ts, txNo, out);
    else if (type.endsWith('_ORDER_REJECT')) {
      const t = this.find(tx.clientExtensions?.id ?? null, null);
      if (t && !t.done) {
        t.done = true;
        out.events.push({ type: 'OrderRejected', tsEvent: ts, clientOrderId: t.clientOrderId, code: `oanda.rejected.${tx.rejectReason ?? 'UNKNOWN'}`, reason: `${type}: ${tx.rejectReason ?? 'rejected'}`, venueTxId: txNo });
      } else if (!t) out.unmatched = true;
    } else if (type !== 'ORDER_CANCEL_REJECT' && type !== 'ORDER_CLIENT_EXTENSIONS_MODIFY' && type !== 'TRADE_CLIENT_EXTENSIONS_MODIFY') {
      // Account-level (transfers, financing, margin calls, configuration): no order event.
      out.unmatched = true;
    }
    return out;
  }

  private find(clientId: string | null, orderId: string | null): Tracked | undefined {
    if (orderId !== null) {
      const c = this.byVenue.get(orderId);
      if (c !== undefined) return this.byClient.get(c);
    }
    return clientId !== null ? this.byClient.get(clientId) : undefined;
  }

  private onCreate(tx: V20Transaction, kind: string, ts: number, txNo: number, out: ApplyResult): void {
    const clientId = tx.clientExtensions?.id ?? null;
    const dep = DEPENDENT[kind];
    if (dep !== undefined && tx.tradeID) {
      // A dependent order: the engine's bracket child (client id = child), or an entry's on-fill order.
      const child = clientId !== null ? this.boundChild(clientId) : undefined;
      if (child) {
        this.bindVenueId(child.clientOrderId, tx.id);
        child.v20Type = kind;
        if (!child.accepted) {
          child.accepted = true;
          out.events.push({ type: 'OrderAccepted', tsEvent: ts, clientOrderId: child.clientOrderId, venueOrderId: tx.id, venueTxId: txNo });
        }
        return;
      }
      const owner = this.tradeOwner.get(tx.tradeID);
      if (owner !== undefined && clientId !== null && clientId.startsWith(`${owner}.`)) {
        this.onFill.set(tx.id, { entry: owner, kind: dep });
        return;
      }
      if (owner !== undefined && tx.reason === 'ON_FILL') {
        this.onFill.set(tx.id, { entry: owner, kind: dep });
        return;
      }
      if (this.opts.adopt) {
        const info = this.tradeInfo.get(tx.tradeID);
        if (info) {
          const t = this.adopt(tx, clientId, info.instrumentId, info.units > 0 ? 'SELL' : 'BUY', Math.abs(info.units), kind, out);
          t.dependent = { kind: dep, tradeIds: [tx.tradeID] };
          t.accepted = true;
          out.events.push({ type: 'OrderAccepted', tsEvent: ts, clientOrderId: t.clientOrderId, venueOrderId: tx.id, venueTxId: txNo });
          return;
        }
      }
      out.unmatched = true;
      return;
    }
    let t = this.find(clientId, null);
    if (tx.reason === 'REPLACEMENT' && tx.replacesOrderID) t = this.find(clientId, tx.replacesOrderID) ?? t;
    if (!t) {
      if (!this.opts.adopt || !tx.instrument || !tx.units) {
        out.unmatched = true;
        return;
      }
      const inst = this.opts.instrument(tx.instrument);
      if (!inst) {
        out.unmatched = true;
        return;
      }
      const u = unitsInt(inst, tx.units);
      t = this.adopt(tx, clientId, tx.instrument, u > 0 ? 'BUY' : 'SELL', Math.abs(u), kind, out);
    }
    const replacing = tx.reason === 'REPLACEMENT' && t.venueOrderId !== null && t.venueOrderId !== tx.id;
    this.bindVenueId(t.clientOrderId, tx.id);
    t.v20Type = kind;
    if (replacing) {
      const inst = this.opts.instrument(t.instrumentId);
      if (inst && tx.units) {
        t.qty = Math.abs(unitsInt(inst, tx.units));
        const px = tx.price ? priceTicks(inst, tx.price) : null;
        const isStop = kind === 'STOP';
        out.events.push({ type: 'OrderUpdated', tsEvent: ts, clientOrderId: t.clientOrderId, qty: t.qty, price: isStop ? null : px, triggerPrice: isStop ? px : null, venueTxId: txNo });
      }
      return;
    }
    t.deferAccept = kind === 'MARKET' || tx.timeInForce === 'FOK' || tx.timeInForce === 'IOC';
    if (!t.deferAccept && !t.accepted) {
      t.accepted = true;
      out.events.push({ type: 'OrderAccepted', tsEvent: ts, clientOrderId: t.clientOrderId, venueOrderId: tx.id, venueTxId: txNo });
    }
  }

  private boundChild(clientId: string): Tracked | undefined {
    const base = clientId.replace(/~\d+$/, '');
    const t = this.byClient.get(base);
    return t && t.dependent ? t : undefined;
  }

  private adopt(tx: V20Transaction, clientId: string | null, instrumentId: string, side: OrderSide, qty: number, kind: string, out: ApplyResult): Tracked {
    const t = this.track({
      clientOrderId: clientId ?? `oanda-${tx.id}`,
      strategyId: tx.clientExtensions?.tag ?? null,
      instrumentId,
      side,
      qty,
      filledQty: 0,
      venueOrderId: tx.id,
      accepted: false,
      done: false,
      deferAccept: false,
      tradeIds: [],
      dependent: null,
      v20Type: kind,
    });
    out.adopted.push(t);
    return t;
  }

  private onFillTx(tx: V20Transaction, ts: number, txNo: number, out: ApplyResult): void {
    const t = this.find(tx.clientOrderID ?? null, tx.orderID ?? null);
    const inst = tx.instrument ? this.opts.instrument(tx.instrument) : undefined;
    if (inst && tx.tradeOpened) this.tradeInfo.set(tx.tradeOpened.tradeID, { instrumentId: inst.id, units: unitsInt(inst, tx.tradeOpened.units) });
    if (!t || !inst || !tx.units || !tx.price) {
      out.unmatched = true;
      return;
    }
    if (tx.tradeOpened) {
      t.tradeIds.push(tx.tradeOpened.tradeID);
      this.tradeOwner.set(tx.tradeOpened.tradeID, t.clientOrderId);
    }
    const units = Math.abs(unitsInt(inst, tx.units));
    const leaves = t.qty - t.filledQty;
    if (units > leaves && !t.dependent) {
      // More than the engine asked for: never report an overfill; reconciliation sorts it out.
      out.unmatched = true;
      return;
    }
    const lastQty = t.dependent ? Math.min(units, leaves) : units;
    if (lastQty <= 0) {
      out.unmatched = true;
      return;
    }
    if (!t.accepted) {
      t.accepted = true;
      out.events.push({ type: 'OrderAccepted', tsEvent: ts, clientOrderId: t.clientOrderId, venueOrderId: tx.orderID ?? t.venueOrderId ?? tx.id, venueTxId: txNo });
    }
    t.filledQty += lastQty;
    const fee: Money = money(tx.commission ?? '0') + money(tx.guaranteedExecutionFee ?? '0');
    const leavesAfter = t.dependent ? 0 : t.qty - t.filledQty;
    // A dependent order closes its whole trade: it is done after its fill whatever the engine's quantity.
    if (t.dependent && t.filledQty < t.qty) t.filledQty = t.qty;
    if (leavesAfter === 0) t.done = true;
    out.events.push({
      type: 'OrderFilled',
      tsEvent: ts,
      clientOrderId: t.clientOrderId,
      venueOrderId: tx.orderID ?? t.venueOrderId ?? '',
      tradeId: tx.id,
      strategyId: t.strategyId ?? '',
      instrumentId: inst.id,
      side: unitsInt(inst, tx.units) > 0 ? 'BUY' : 'SELL',
      lastQty,
      lastPx: fillTicks(inst, tx.price),
      fee,
      feeCurrency: this.accountCurrency,
      slippage: 0,
      liquidity: 'TAKER',
      leavesQty: t.dependent ? Math.max(0, t.qty - t.filledQty) : leavesAfter,
      venueTxId: txNo,
    });
    // A FOK/IOC/MARKET order with units left is cancelled by the venue: reported with its cancel.
  }

  private onCancel(tx: V20Transaction, ts: number, txNo: number, out: ApplyResult): void {
    const orderId = tx.orderID ?? null;
    if (orderId !== null && this.onFill.has(orderId)) return; // an entry's on-fill order (replaced by the child, or its trade closed)
    // A replaced order's cancel ends nothing (the replacement follows), also when it arrives before the
    // order's own creation was seen (a reply can overtake the stream): never external activity.
    if (tx.reason === 'CLIENT_REQUEST_REPLACED') return;
    const t = this.find(tx.clientOrderID ?? null, orderId);
    if (!t) {
      out.unmatched = true;
      return;
    }
    if (orderId !== null && t.venueOrderId !== null && orderId !== t.venueOrderId) return; // an older order of this client id
    if (t.done) return;
    t.done = true;
    const reason = tx.reason ?? 'CANCELLED';
    if (!t.accepted) {
      out.events.push({ type: 'OrderRejected', tsEvent: ts, clientOrderId: t.clientOrderId, code: `oanda.rejected.${reason}`, reason: `order cancelled by OANDA: ${reason}`, venueTxId: txNo });
    } else if (reason === 'TIME_IN_FORCE_EXPIRED') {
      out.events.push({ type: 'OrderExpired', tsEvent: ts, clientOrderId: t.clientOrderId, venueTxId: txNo });
    } else {
      out.events.push({ type: 'OrderCanceled', tsEvent: ts, clientOrderId: t.clientOrderId, reason, venueTxId: txNo });
    }
  }
}
