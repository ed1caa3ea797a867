/**
 * The v20 test server's trading operations, each answering with the status and body the spec gives
 * the endpoint (v20.json paths POST /accounts/{accountID}/orders, PUT …/orders/{orderSpecifier},
 * PUT …/orders/{orderSpecifier}/cancel, PUT …/orders/{orderSpecifier}/clientExtensions,
 * PUT …/trades/{tradeSpecifier}/close, PUT …/trades/{tradeSpecifier}/orders,
 * PUT …/trades/{tradeSpecifier}/clientExtensions, PUT …/positions/{instrument}/close,
 * PATCH …/configuration; API-NOTES.md "Orders", "Trades", "Positions", "Errors").
 *
 * Every operation runs in one transaction batch, committed (and streamed) before the reply is built;
 * afterwards pending orders that the new state makes due are filled in batches of their own, as a
 * price change would fill them. Price changes from the test go through `priceChanged`.
 */
import * as D from './decimal';
import type { Dec } from './decimal';
import { Account, extWire } from './account';
import type { Market } from './market';
import { Matching, type Outcome } from './matching';
import type { ClientExtensions, OrderRec, TradeRec } from './model';
import {
  ORDER_REQUEST_TYPES,
  echoOf,
  isObj,
  messageFor,
  parseClientExtensions,
  parseOrderRequest,
  RejectError,
  type NewOrder,
} from './orders';
import type { Batch, Txn, TransactionLog } from './transactions';

export interface Reply {
  status: number;
  body: Record<string, unknown>;
}

export interface ForcedOutcome {
  reason: string;
  /** 'cancel': accepted, then cancelled (201 + orderCancelTransaction); 'reject': 400 reject. */
  as: 'cancel' | 'reject';
}

type Raw = Record<string, unknown>;

function plainError(status: number, errorMessage: string, errorCode?: string): Reply {
  return { status, body: { ...(errorCode !== undefined ? { errorCode } : {}), errorMessage } };
}

export class Venue {
  readonly matching: Matching;

  constructor(
    readonly account: Account,
    readonly market: Market,
    readonly log: TransactionLog,
    private readonly now: () => number,
  ) {
    this.matching = new Matching(account, market);
  }

  private run<T>(requestID: string | undefined, fn: (batch: Batch) => T): T {
    this.housekeeping();
    const batch = this.log.begin(this.now(), requestID);
    let result: T;
    try {
      result = fn(batch);
    } finally {
      batch.commit();
    }
    this.settleAll();
    return result;
  }

  private reply(status: number, batch: Batch, fields: Record<string, Txn | undefined>): Reply {
    const body: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) body[k] = v;
    body.relatedTransactionIDs = batch.ids();
    body.lastTransactionID = this.account.lastTransactionID();
    return { status, body };
  }

  // ---- orders ---------------------------------------------------------------------------------------

  /** POST /accounts/{id}/orders. */
  createOrder(bodyRaw: unknown, requestID: string | undefined, forced?: ForcedOutcome): Reply {
    const raw = isObj(bodyRaw) ? bodyRaw.order : undefined;
    if (!isObj(raw)) return plainError(400, "Invalid value specified for 'order'", 'INVALID_ORDER');
    if (typeof raw.type !== 'string' || !(ORDER_REQUEST_TYPES as readonly string[]).includes(raw.type)) {
      return plainError(400, "Invalid value specified for 'order.type'", 'INVALID_ORDER_TYPE');
    }
    return this.run(requestID, (batch) => {
      const parsed = parseOrderRequest(raw, { account: this.account, market: this.market, now: batch.time });
      if (!parsed.ok) return this.rejectReply(batch, parsed.reject.type, parsed.reject.rejectReason, parsed.reject.message, parsed.reject.echo);
      if (forced?.as === 'reject') {
        return this.rejectReply(batch, `${raw.type as string}_ORDER_REJECT`, forced.reason, messageFor(forced.reason), echoOf(raw));
      }
      const out = this.matching.submit(batch, parsed.order, 'CLIENT_ORDER', forced?.reason);
      return this.reply(201, batch, {
        orderCreateTransaction: out.create,
        orderFillTransaction: out.fill,
        orderCancelTransaction: out.cancel,
      });
    });
  }

  private rejectReply(batch: Batch, type: string, rejectReason: string, message: string, echo: Raw, status = 400): Reply {
    const { type: _ignored, ...fields } = echo;
    const txn = batch.add({ ...fields, type, reason: 'CLIENT_ORDER', rejectReason });
    return {
      status,
      body: {
        orderRejectTransaction: txn,
        relatedTransactionIDs: batch.ids(),
        lastTransactionID: this.account.lastTransactionID(),
        errorCode: rejectReason,
        errorMessage: message,
      },
    };
  }

  private orderDoesntExist(batch: Batch, spec: string, field = 'orderCancelRejectTransaction'): Reply {
    const txn = batch.add({
      type: 'ORDER_CANCEL_REJECT',
      ...(/^\d+$/.test(spec) ? { orderID: spec } : { clientOrderID: spec.slice(1) }),
      rejectReason: 'ORDER_DOESNT_EXIST',
    });
    return {
      status: 404,
      body: {
        [field]: txn,
        relatedTransactionIDs: batch.ids(),
        lastTransactionID: this.account.lastTransactionID(),
        errorCode: 'ORDER_DOESNT_EXIST',
        errorMessage: 'The Order specified does not exist',
      },
    };
  }

  /** PUT /accounts/{id}/orders/{spec}/cancel. */
  cancelOrder(spec: string, requestID: string | undefined): Reply {
    return this.run(requestID, (batch) => {
      const order = this.account.orderBySpecifier(spec);
      if (!order || order.state !== 'PENDING') return this.orderDoesntExist(batch, spec);
      const txn = this.matching.cancel(batch, order, 'CLIENT_REQUEST');
      return this.reply(200, batch, { orderCancelTransaction: txn });
    });
  }

  /** PUT /accounts/{id}/orders/{spec}: cancel and replace. */
  replaceOrder(spec: string, bodyRaw: unknown, requestID: string | undefined): Reply {
    const raw = isObj(bodyRaw) ? bodyRaw.order : undefined;
    if (!isObj(raw)) return plainError(400, "Invalid value specified for 'order'", 'INVALID_ORDER');
    if (typeof raw.type !== 'string' || !(ORDER_REQUEST_TYPES as readonly string[]).includes(raw.type)) {
      return plainError(400, "Invalid value specified for 'order.type'", 'INVALID_ORDER_TYPE');
    }
    return this.run(requestID, (batch) => {
      const old = this.account.orderBySpecifier(spec);
      if (!old || old.state !== 'PENDING') return this.orderDoesntExist(batch, spec);
      const isDep = old.tradeID !== undefined;
      const reqDep = ['TAKE_PROFIT', 'STOP_LOSS', 'TRAILING_STOP_LOSS'].includes(raw.type as string);
      const request = isDep && raw.tradeID === undefined && raw.clientTradeID === undefined ? { ...raw, tradeID: old.tradeID } : raw;
      const parsed = parseOrderRequest(request, { account: this.account, market: this.market, now: batch.time, replacing: old.id });
      if (!parsed.ok) return this.rejectReply(batch, parsed.reject.type, parsed.reject.rejectReason, parsed.reject.message, parsed.reject.echo);
      if (isDep !== reqDep || (isDep && (parsed.order.type !== old.type || parsed.order.tradeID !== old.tradeID))) {
        return this.rejectReply(batch, `${raw.type as string}_ORDER_REJECT`, 'REPLACING_ORDER_INVALID', messageFor('REPLACING_ORDER_INVALID'), echoOf(raw));
      }
      const spec2: NewOrder = { ...parsed.order, replacesOrderID: old.id };
      if (spec2.clientExtensions === undefined && old.clientExtensions) spec2.clientExtensions = { ...old.clientExtensions };
      const cancel = this.matching.cancel(batch, old, 'CLIENT_REQUEST_REPLACED', String(Number(batch.nextId()) + 1));
      const out = this.matching.submit(batch, spec2, 'REPLACEMENT');
      return this.reply(201, batch, {
        orderCancelTransaction: cancel,
        orderCreateTransaction: out.create,
        orderFillTransaction: out.fill,
        replacingOrderCancelTransaction: out.cancel,
      });
    });
  }

  /** PUT /accounts/{id}/orders/{spec}/clientExtensions. */
  setOrderClientExtensions(spec: string, bodyRaw: unknown, requestID: string | undefined): Reply {
    return this.run(requestID, (batch) => {
      const order = this.account.orderBySpecifier(spec);
      const reject = (code: string, status: number): Reply => {
        const txn = batch.add({ type: 'ORDER_CLIENT_EXTENSIONS_MODIFY_REJECT', orderID: order?.id ?? spec, rejectReason: code });
        return {
          status,
          body: {
            orderClientExtensionsModifyRejectTransaction: txn,
            lastTransactionID: this.account.lastTransactionID(),
            relatedTransactionIDs: batch.ids(),
            errorCode: code,
            errorMessage: messageFor(code),
          },
        };
      };
      if (!order || order.state !== 'PENDING') return reject('ORDER_DOESNT_EXIST', 404);
      const body = isObj(bodyRaw) ? bodyRaw : {};
      let ce: ClientExtensions | undefined;
      let tce: ClientExtensions | undefined;
      try {
        ce = parseClientExtensions(body.clientExtensions, 'CLIENT_ORDER');
        tce = parseClientExtensions(body.tradeClientExtensions, 'CLIENT_TRADE');
      } catch (e) {
        if (e instanceof RejectError) return reject(e.rejectReason, 400);
        throw e;
      }
      if (!ce && !tce) return reject('CLIENT_EXTENSIONS_DATA_MISSING', 400);
      if (ce?.id !== undefined && this.account.pendingClientIdTaken(ce.id, order.id)) return reject('CLIENT_ORDER_ID_ALREADY_EXISTS', 400);
      if (ce) order.clientExtensions = { ...order.clientExtensions, ...ce };
      if (tce) order.tradeClientExtensions = { ...order.tradeClientExtensions, ...tce };
      const txn = batch.add({
        type: 'ORDER_CLIENT_EXTENSIONS_MODIFY',
        orderID: order.id,
        ...(order.clientExtensions?.id !== undefined ? { clientOrderID: order.clientExtensions.id } : {}),
        ...(ce ? { clientExtensionsModify: extWire(ce) } : {}),
        ...(tce ? { tradeClientExtensionsModify: extWire(tce) } : {}),
      });
      return this.reply(200, batch, { orderClientExtensionsModifyTransaction: txn });
    });
  }

  // ---- trades ---------------------------------------------------------------------------------------

  /** PUT /accounts/{id}/trades/{spec}/close. */
  closeTrade(spec: string, bodyRaw: unknown, requestID: string | undefined): Reply {
    return this.run(requestID, (batch) => {
      const trade = this.account.tradeBySpecifier(spec);
      const body = isObj(bodyRaw) ? bodyRaw : {};
      const unitsRaw = body.units === undefined ? 'ALL' : String(body.units);
      const reject = (code: string, status: number): Reply => {
        const txn = batch.add({
          type: 'MARKET_ORDER_REJECT',
          ...(trade ? { instrument: trade.instrument } : {}),
          timeInForce: 'FOK',
          positionFill: 'REDUCE_ONLY',
          reason: 'TRADE_CLOSE',
          tradeClose: { tradeID: trade?.id ?? spec, units: unitsRaw },
          rejectReason: code,
        });
        // The spec's 400 reply of this endpoint has no relatedTransactionIDs / lastTransactionID; its 404 has.
        const ids = status === 404 ? { relatedTransactionIDs: batch.ids(), lastTransactionID: this.account.lastTransactionID() } : {};
        return { status, body: { orderRejectTransaction: txn, ...ids, errorCode: code, errorMessage: messageFor(code) } };
      };
      if (!trade || trade.state !== 'OPEN') return reject('TRADE_DOESNT_EXIST', 404);
      let units: Dec;
      if (unitsRaw === 'ALL') units = D.abs(trade.currentUnits);
      else {
        const u = D.parseDec(unitsRaw);
        const def = this.market.def(trade.instrument)!;
        if (u === null || u <= 0n) return reject('CLOSE_TRADE_PARTIAL_UNITS_MISSING', 400);
        if (!D.fitsPlaces(u, def.tradeUnitsPrecision)) return reject('UNITS_PRECISION_EXCEEDED', 400);
        if (u > D.abs(trade.currentUnits)) return reject('CLOSE_TRADE_UNITS_EXCEED_TRADE_SIZE', 400);
        units = u;
      }
      const out = this.matching.submit(
        batch,
        {
          type: 'MARKET',
          instrument: trade.instrument,
          units: trade.currentUnits > 0n ? -units : units,
          timeInForce: 'FOK',
          positionFill: 'REDUCE_ONLY',
          reason: 'TRADE_CLOSE',
          tradeClose: { tradeID: trade.id, ...(trade.clientExtensions?.id !== undefined ? { clientTradeID: trade.clientExtensions.id } : {}), units: unitsRaw },
        },
        'TRADE_CLOSE',
      );
      return this.reply(200, batch, {
        orderCreateTransaction: out.create,
        orderFillTransaction: out.fill,
        orderCancelTransaction: out.cancel,
      });
    });
  }

  /** PUT /accounts/{id}/trades/{spec}/clientExtensions. */
  setTradeClientExtensions(spec: string, bodyRaw: unknown, requestID: string | undefined): Reply {
    return this.run(requestID, (batch) => {
      const trade = this.account.tradeBySpecifier(spec);
      const reject = (code: string, status: number): Reply => {
        const txn = batch.add({ type: 'TRADE_CLIENT_EXTENSIONS_MODIFY_REJECT', tradeID: trade?.id ?? spec, rejectReason: code });
        return {
          status,
          body: {
            tradeClientExtensionsModifyRejectTransaction: txn,
            lastTransactionID: this.account.lastTransactionID(),
            relatedTransactionIDs: batch.ids(),
            errorCode: code,
            errorMessage: messageFor(code),
          },
        };
      };
      if (!trade || trade.state !== 'OPEN') return reject('TRADE_DOESNT_EXIST', 404);
      let ce: ClientExtensions | undefined;
      try {
        ce = parseClientExtensions(isObj(bodyRaw) ? bodyRaw.clientExtensions : undefined, 'CLIENT_TRADE');
      } catch (e) {
        if (e instanceof RejectError) return reject(e.rejectReason, 400);
        throw e;
      }
      if (!ce) return reject('CLIENT_EXTENSIONS_DATA_MISSING', 400);
      if (ce.id !== undefined && ce.id !== trade.clientExtensions?.id && this.account.openTradeClientIdTaken(ce.id)) {
        return reject('CLIENT_TRADE_ID_ALREADY_EXISTS', 400);
      }
      trade.clientExtensions = { ...trade.clientExtensions, ...ce };
      const txn = batch.add({
        type: 'TRADE_CLIENT_EXTENSIONS_MODIFY',
        tradeID: trade.id,
        ...(trade.clientExtensions.id !== undefined ? { clientTradeID: trade.clientExtensions.id } : {}),
        tradeClientExtensionsModify: extWire(ce),
      });
      return this.reply(200, batch, { tradeClientExtensionsModifyTransaction: txn });
    });
  }

  /** PUT /accounts/{id}/trades/{spec}/orders: create, replace or cancel a trade's TP/SL/TSL. */
  setTradeOrders(spec: string, bodyRaw: unknown, requestID: string | undefined): Reply {
    const body = isObj(bodyRaw) ? bodyRaw : {};
    return this.run(requestID, (batch) => {
      const trade = this.account.tradeBySpecifier(spec);
      if (!trade || trade.state !== 'OPEN') return plainError(404, 'The Trade specified does not exist', 'TRADE_DOESNT_EXIST');
      const kinds = [
        ['takeProfit', 'TAKE_PROFIT', 'takeProfitOrderID'],
        ['stopLoss', 'STOP_LOSS', 'stopLossOrderID'],
        ['trailingStopLoss', 'TRAILING_STOP_LOSS', 'trailingStopLossOrderID'],
      ] as const;
      // Validate every requested order first, so a bad one changes nothing.
      const parsed: Partial<Record<(typeof kinds)[number][0], NewOrder | null>> = {};
      for (const [key, type, idField] of kinds) {
        if (!(key in body)) continue;
        const details = body[key];
        if (details === null) {
          parsed[key] = null;
          continue;
        }
        const existing = trade[idField];
        const p = parseOrderRequest(
          { ...(isObj(details) ? details : {}), type, tradeID: trade.id },
          { account: this.account, market: this.market, now: batch.time, replacing: existing },
        );
        if (!p.ok) {
          const txn = batch.add({ ...p.reject.echo, type: p.reject.type, reason: 'CLIENT_ORDER', rejectReason: p.reject.rejectReason });
          return {
            status: 400,
            body: {
              [`${key}OrderRejectTransaction`]: txn,
              lastTransactionID: this.account.lastTransactionID(),
              relatedTransactionIDs: batch.ids(),
              errorCode: p.reject.rejectReason,
              errorMessage: p.reject.message,
            },
          };
        }
        parsed[key] = p.order;
      }
      const fields: Record<string, Txn | undefined> = {};
      for (const [key, , idField] of kinds) {
        const want = parsed[key];
        if (want === undefined) continue;
        const existingId = trade[idField];
        const existing = existingId !== undefined ? this.account.orders.get(existingId) : undefined;
        const live = existing && existing.state === 'PENDING' ? existing : undefined;
        if (want === null) {
          if (live) fields[`${key}OrderCancelTransaction`] = this.matching.cancel(batch, live, 'CLIENT_REQUEST');
          continue;
        }
        if (live) {
          fields[`${key}OrderCancelTransaction`] = this.matching.cancel(batch, live, 'CLIENT_REQUEST_REPLACED', String(Number(batch.nextId()) + 1));
          want.replacesOrderID = live.id;
        }
        const { order, txn } = this.matching.create(batch, want, live ? 'REPLACEMENT' : 'CLIENT_ORDER');
        fields[`${key}OrderTransaction`] = txn;
        if (key !== 'trailingStopLoss' && this.market.quote(trade.instrument).tradeable && this.matching.triggered(order, this.market.quote(trade.instrument))) {
          const out: Outcome = this.matching.execute(batch, order, `${order.type}_ORDER`);
          fields[`${key}OrderFillTransaction`] = out.fill;
          fields[`${key}OrderCreatedCancelTransaction`] = out.cancel;
          if (out.fill) break; // the trade is closed; nothing else applies to it
        }
      }
      return this.reply(200, batch, fields);
    });
  }

  // ---- positions ------------------------------------------------------------------------------------

  /** PUT /accounts/{id}/positions/{instrument}/close. */
  closePosition(instrument: string, bodyRaw: unknown, requestID: string | undefined): Reply {
    const body = isObj(bodyRaw) ? bodyRaw : {};
    if (!this.market.def(instrument)) return plainError(400, "Invalid value specified for 'instrument'", 'INVALID_INSTRUMENT');
    return this.run(requestID, (batch) => {
      const sides = [
        ['long', body.longUnits],
        ['short', body.shortUnits],
      ] as const;
      const wanted = sides.filter(([, v]) => v !== undefined && v !== null && String(v) !== 'NONE');
      const rejectAll = (code: string, status = 400): Reply => {
        const out: Record<string, unknown> = {};
        for (const [side, v] of wanted.length > 0 ? wanted : sides) {
          out[`${side}OrderRejectTransaction`] = batch.add({
            type: 'MARKET_ORDER_REJECT',
            instrument,
            timeInForce: 'FOK',
            positionFill: 'REDUCE_ONLY',
            reason: 'POSITION_CLOSEOUT',
            [`${side}PositionCloseout`]: { instrument, units: v === undefined || v === null ? 'NONE' : String(v) },
            rejectReason: code,
          });
        }
        return {
          status,
          body: { ...out, relatedTransactionIDs: batch.ids(), lastTransactionID: this.account.lastTransactionID(), errorCode: code, errorMessage: messageFor(code) },
        };
      };
      if (wanted.length === 0) return rejectAll('CLOSEOUT_POSITION_INCOMPLETE_SPECIFICATION');
      const plans: { side: 'long' | 'short'; units: Dec; raw: string }[] = [];
      for (const [side, v] of wanted) {
        const raw = String(v);
        const held = this.account
          .openTrades(instrument)
          .filter((tr) => (tr.currentUnits > 0n) === (side === 'long'))
          .reduce((s, tr) => s + D.abs(tr.currentUnits), D.ZERO);
        if (held === 0n) return rejectAll('CLOSEOUT_POSITION_DOESNT_EXIST');
        let units = held;
        if (raw !== 'ALL') {
          const u = D.parseDec(raw);
          if (u === null || u <= 0n) return rejectAll('CLOSEOUT_POSITION_PARTIAL_UNITS_MISSING');
          if (u > held) return rejectAll('CLOSEOUT_POSITION_UNITS_EXCEED_POSITION_SIZE');
          units = u;
        }
        plans.push({ side, units, raw });
      }
      const fields: Record<string, Txn | undefined> = {};
      for (const p of plans) {
        const closeout = { instrument, units: p.raw };
        const out = this.matching.submit(
          batch,
          {
            type: 'MARKET',
            instrument,
            units: p.side === 'long' ? -p.units : p.units,
            timeInForce: 'FOK',
            positionFill: 'REDUCE_ONLY',
            reason: 'POSITION_CLOSEOUT',
            ...(p.side === 'long' ? { longPositionCloseout: closeout } : { shortPositionCloseout: closeout }),
          },
          'POSITION_CLOSEOUT',
        );
        fields[`${p.side}OrderCreateTransaction`] = out.create;
        fields[`${p.side}OrderFillTransaction`] = out.fill;
        fields[`${p.side}OrderCancelTransaction`] = out.cancel;
      }
      return this.reply(200, batch, fields);
    });
  }

  // ---- account ----------------------------------------------------------------------------------------

  /** PATCH /accounts/{id}/configuration. */
  configure(bodyRaw: unknown, requestID: string | undefined): Reply {
    const body = isObj(bodyRaw) ? bodyRaw : {};
    return this.run(requestID, (batch) => {
      const reject = (code: string): Reply => {
        const txn = batch.add({ type: 'CLIENT_CONFIGURE_REJECT', ...pick(body, ['alias', 'marginRate']), rejectReason: code });
        return {
          status: 400,
          body: { clientConfigureRejectTransaction: txn, lastTransactionID: this.account.lastTransactionID(), errorCode: code, errorMessage: messageFor(code) },
        };
      };
      const alias = body.alias;
      const rate = body.marginRate;
      if (alias === undefined && rate === undefined) return reject('CLIENT_CONFIGURE_DATA_MISSING');
      if (alias !== undefined && (typeof alias !== 'string' || alias.length === 0 || alias.length > 64)) return reject('ALIAS_INVALID');
      let mr: Dec | undefined;
      if (rate !== undefined) {
        const r = typeof rate === 'string' ? D.parseDec(rate) : null;
        if (r === null || r <= 0n || r > D.ONE) return reject('MARGIN_RATE_INVALID');
        mr = r;
      }
      if (typeof alias === 'string') this.account.alias = alias;
      if (mr !== undefined) this.account.marginRate = mr;
      const txn = batch.add({
        type: 'CLIENT_CONFIGURE',
        ...(typeof alias === 'string' ? { alias } : {}),
        ...(mr !== undefined ? { marginRate: D.fmt(mr, 4) } : {}),
      });
      return { status: 200, body: { clientConfigureTransaction: txn, lastTransactionID: this.account.lastTransactionID() } };
    });
  }

  // ---- outside the app --------------------------------------------------------------------------------

  /** A market order placed on OANDA's own platform (no client extensions, no request of ours). */
  externalMarketOrder(instrument: string, units: Dec, extra: Partial<NewOrder> = {}): Outcome {
    return this.run(undefined, (batch) =>
      this.matching.submit(batch, { type: 'MARKET', instrument, units, timeInForce: 'FOK', positionFill: 'DEFAULT', ...extra }, extra.reason ?? 'CLIENT_ORDER'),
    );
  }

  // ---- the market moves -----------------------------------------------------------------------------

  /** After a price change: move trailing stops, expire and fill what is due. */
  priceChanged(instrument: string): void {
    this.housekeeping();
    this.matching.updateTrailing(instrument);
    this.settle(instrument);
  }

  /** Cancels pending orders whose time in force has run out (each in its own batch). */
  housekeeping(): void {
    const now = this.now();
    for (const o of this.matching.expiredOrders(now)) {
      if (o.state !== 'PENDING') continue;
      const batch = this.log.begin(now);
      this.matching.cancel(batch, o, 'TIME_IN_FORCE_EXPIRED');
      batch.commit();
    }
  }

  private settleAll(): void {
    for (const name of this.market.names()) this.settle(name);
  }

  /** Fills due pending orders of `instrument`, oldest first, one batch each, until none is due. */
  settle(instrument: string): void {
    for (let guard = 0; guard < 10_000; guard++) {
      const due = this.matching.dueOrders(instrument)[0];
      if (!due) return;
      const batch = this.log.begin(this.now());
      try {
        this.matching.execute(batch, due, this.fillReason(due));
      } finally {
        batch.commit();
      }
    }
    throw new Error('oanda-server: order triggering did not settle');
  }

  private fillReason(o: OrderRec): string {
    return `${o.type}_ORDER`;
  }

  openTrade(id: string): TradeRec | undefined {
    const tr = this.account.trades.get(id);
    return tr && tr.state === 'OPEN' ? tr : undefined;
  }
}

function pick(o: Raw, keys: string[]): Raw {
  const out: Raw = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
