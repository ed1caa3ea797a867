/**
 * The v20 REST calls this client makes, one method each, with the request shapes of the spec and
 * the zod schema of each answer (schemas.ts). Idempotency (whether the transport may retry):
 *   GET ...                                  yes
 *   PUT orders/{id}/cancel                   yes (a second cancel finds nothing to cancel: 404, handled)
 *   PUT trades/{id}/orders                   yes (sets the trade's dependent orders to the same values)
 *   PUT orders/{id}/clientExtensions         yes
 *   PATCH accounts/{id}/configuration        yes
 *   POST orders                              NO: a lost reply is resolved with getOrder('@clientId')
 *   PUT orders/{id} (replace)                NO: the replaced order is gone; resolved by looking up
 *   PUT trades/{id}/close, positions/close   NO: a second close could close a newer trade
 * Specifiers: an order/trade id, or `@` + its client id (URL-encoded here).
 */
import type { z } from 'zod';
import type { V20Http } from './http-client';
import {
  AccountInstrumentsResponse,
  AccountResponse,
  AccountsResponse,
  AccountSummaryResponse,
  CandlesResponse,
  ChangesResponse,
  OrderGetResponse,
  OrderResponse,
  OrdersResponse,
  PositionsResponse,
  PricingResponse,
  TradeGetResponse,
  TradesResponse,
  TransactionResponse,
  TransactionsResponse,
} from './schemas';

export interface CandleQuery {
  granularity: string;
  price?: string;
  count?: number;
  from?: string;
  to?: string;
  includeFirst?: boolean;
}

/** Dependent-order details of the v20 spec (decimal strings). */
export interface OnFill {
  price?: string;
  distance?: string;
  timeInForce?: string;
  gtdTime?: string;
  clientExtensions?: { id?: string; tag?: string; comment?: string };
}

export type OrderRequestBody = Record<string, unknown> & { type: string };

export class V20Api {
  constructor(
    readonly http: V20Http,
    readonly accountId: string,
  ) {}

  private get acct(): string {
    return `/v3/accounts/${encodeURIComponent(this.accountId)}`;
  }

  static spec(specifier: string): string {
    return encodeURIComponent(specifier).replace(/^%40/, '@');
  }

  listAccounts(): Promise<z.output<typeof AccountsResponse>> {
    return this.get('/v3/accounts', AccountsResponse);
  }

  account(): Promise<z.output<typeof AccountResponse>> {
    return this.get(this.acct, AccountResponse);
  }

  summary(): Promise<z.output<typeof AccountSummaryResponse>> {
    return this.get(`${this.acct}/summary`, AccountSummaryResponse);
  }

  instruments(names?: readonly string[]): Promise<z.output<typeof AccountInstrumentsResponse>> {
    return this.get(`${this.acct}/instruments`, AccountInstrumentsResponse, names && names.length > 0 ? { instruments: names.join(',') } : undefined);
  }

  changes(sinceTransactionID: string): Promise<z.output<typeof ChangesResponse>> {
    return this.get(`${this.acct}/changes`, ChangesResponse, { sinceTransactionID });
  }

  candles(instrument: string, q: CandleQuery): Promise<z.output<typeof CandlesResponse>> {
    return this.get(`/v3/instruments/${encodeURIComponent(instrument)}/candles`, CandlesResponse, {
      granularity: q.granularity,
      price: q.price,
      count: q.count,
      from: q.from,
      to: q.to,
      includeFirst: q.includeFirst,
    });
  }

  pricing(instruments: readonly string[]): Promise<z.output<typeof PricingResponse>> {
    return this.get(`${this.acct}/pricing`, PricingResponse, { instruments: instruments.join(','), includeHomeConversions: true });
  }

  // ---------------------------------------------------------------- orders

  /** POST orders. Never retried (see the header). */
  createOrder(order: OrderRequestBody): Promise<{ status: number; body: z.output<typeof OrderResponse> }> {
    return this.http.request({ method: 'POST', path: `${this.acct}/orders`, body: { order }, schema: OrderResponse, idempotent: false });
  }

  /** PUT orders/{spec}: replaces a pending order. Never retried. */
  replaceOrder(specifier: string, order: OrderRequestBody): Promise<{ status: number; body: z.output<typeof OrderResponse> }> {
    return this.http.request({ method: 'PUT', path: `${this.acct}/orders/${V20Api.spec(specifier)}`, body: { order }, schema: OrderResponse, idempotent: false });
  }

  cancelOrder(specifier: string): Promise<{ status: number; body: z.output<typeof OrderResponse> }> {
    return this.http.request({ method: 'PUT', path: `${this.acct}/orders/${V20Api.spec(specifier)}/cancel`, schema: OrderResponse, idempotent: true, urgent: true });
  }

  setOrderClientExtensions(specifier: string, clientExtensions: OnFill['clientExtensions'], tradeClientExtensions?: OnFill['clientExtensions']): Promise<unknown> {
    return this.http
      .request({ method: 'PUT', path: `${this.acct}/orders/${V20Api.spec(specifier)}/clientExtensions`, body: { clientExtensions, tradeClientExtensions }, schema: OrderResponse, idempotent: true })
      .then((r) => r.body);
  }

  getOrder(specifier: string): Promise<z.output<typeof OrderGetResponse>> {
    return this.get(`${this.acct}/orders/${V20Api.spec(specifier)}`, OrderGetResponse);
  }

  orders(query: { state?: string; instrument?: string; count?: number; ids?: string } = {}): Promise<z.output<typeof OrdersResponse>> {
    return this.get(`${this.acct}/orders`, OrdersResponse, query);
  }

  pendingOrders(): Promise<z.output<typeof OrdersResponse>> {
    return this.get(`${this.acct}/pendingOrders`, OrdersResponse);
  }

  // ---------------------------------------------------------------- trades and positions

  openTrades(): Promise<z.output<typeof TradesResponse>> {
    return this.get(`${this.acct}/openTrades`, TradesResponse);
  }

  trade(specifier: string): Promise<z.output<typeof TradeGetResponse>> {
    return this.get(`${this.acct}/trades/${V20Api.spec(specifier)}`, TradeGetResponse);
  }

  /** PUT trades/{spec}/close with `units` "ALL" or a positive decimal. Never retried. */
  closeTrade(specifier: string, units: string, urgent = false): Promise<{ status: number; body: z.output<typeof OrderResponse> }> {
    return this.http.request({ method: 'PUT', path: `${this.acct}/trades/${V20Api.spec(specifier)}/close`, body: { units }, schema: OrderResponse, idempotent: false, urgent });
  }

  /** PUT trades/{spec}/orders: sets (or with null, cancels) the trade's take-profit, stop-loss and trailing stop. */
  setTradeOrders(specifier: string, body: { takeProfit?: OnFill | null; stopLoss?: OnFill | null; trailingStopLoss?: OnFill | null }, urgent = false): Promise<{ status: number; body: z.output<typeof OrderResponse> }> {
    return this.http.request({ method: 'PUT', path: `${this.acct}/trades/${V20Api.spec(specifier)}/orders`, body, schema: OrderResponse, idempotent: true, urgent });
  }

  openPositions(): Promise<z.output<typeof PositionsResponse>> {
    return this.get(`${this.acct}/openPositions`, PositionsResponse);
  }

  /** PUT positions/{instrument}/close; name only the side that is open. Never retried. */
  closePosition(instrument: string, body: { longUnits?: string; shortUnits?: string }, urgent = false): Promise<{ status: number; body: z.output<typeof OrderResponse> }> {
    return this.http.request({ method: 'PUT', path: `${this.acct}/positions/${encodeURIComponent(instrument)}/close`, body, schema: OrderResponse, idempotent: false, urgent });
  }

  // ---------------------------------------------------------------- transactions

  transactionsSince(id: string): Promise<z.output<typeof TransactionsResponse>> {
    return this.get(`${this.acct}/transactions/sinceid`, TransactionsResponse, { id });
  }

  transaction(id: string): Promise<z.output<typeof TransactionResponse>> {
    return this.get(`${this.acct}/transactions/${encodeURIComponent(id)}`, TransactionResponse);
  }

  private async get<S extends z.ZodType>(path: string, schema: S, query?: Record<string, string | number | boolean | undefined>): Promise<z.output<S>> {
    const r = await this.http.request({ method: 'GET', path, query, schema, idempotent: true });
    return r.body;
  }
}
