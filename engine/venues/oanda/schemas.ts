/**
 * zod schemas for the parts of the v20 REST and streaming API this client uses, written from the
 * official spec (../shared/reference/oanda-v20/v20.json, 3.0.25). Conventions:
 * - Prices, units, money and rates are decimal STRINGS and stay strings here (`Decimal`); they become
 *   integer ticks / units / micro-units only at the boundary (mapping.ts), never through parseFloat.
 * - IDs (transactions, orders, trades) are strings of digits (`Id`); counts are JSON numbers.
 * - Objects are loose (`z.looseObject`): the service adds fields over time and a client must not break
 *   on them; the fields this client reads are typed and checked.
 * - Transactions share one loose schema with the fields of every type the client reads, all optional
 *   apart from `id`, `type` and `time`; `type` picks what is read.
 */
import { z } from 'zod';

export const Decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a decimal string');
export const Id = z.string().regex(/^\d+$/, 'must be a string of digits');
export const DateTime = z.string().min(1);

export const ClientExtensions = z.looseObject({
  id: z.string().optional(),
  tag: z.string().optional(),
  comment: z.string().optional(),
});
export type ClientExtensions = z.infer<typeof ClientExtensions>;

export const ErrorBody = z.looseObject({ errorMessage: z.string().optional(), errorCode: z.string().optional() });

// ------------------------------------------------------------------ accounts, instruments

export const InstrumentSchema = z.looseObject({
  name: z.string(),
  type: z.enum(['CURRENCY', 'CFD', 'METAL']),
  displayName: z.string().optional(),
  pipLocation: z.number().int(),
  displayPrecision: z.number().int().min(0),
  tradeUnitsPrecision: z.number().int().min(0),
  minimumTradeSize: Decimal,
  maximumTrailingStopDistance: Decimal.optional(),
  minimumTrailingStopDistance: Decimal.optional(),
  maximumPositionSize: Decimal.optional(),
  maximumOrderUnits: Decimal.optional(),
  marginRate: Decimal,
});
export type V20Instrument = z.infer<typeof InstrumentSchema>;

export const AccountInstrumentsResponse = z.looseObject({ instruments: z.array(InstrumentSchema), lastTransactionID: Id.optional() });

export const AccountsResponse = z.looseObject({ accounts: z.array(z.looseObject({ id: z.string(), tags: z.array(z.unknown()).optional() })) });

const summaryFields = {
  id: z.string(),
  alias: z.string().optional(),
  currency: z.string(),
  balance: Decimal,
  pl: Decimal.optional(),
  financing: Decimal.optional(),
  commission: Decimal.optional(),
  marginRate: Decimal.optional(),
  openTradeCount: z.number().int().optional(),
  openPositionCount: z.number().int().optional(),
  pendingOrderCount: z.number().int().optional(),
  hedgingEnabled: z.boolean(),
  unrealizedPL: Decimal,
  NAV: Decimal,
  marginUsed: Decimal,
  marginAvailable: Decimal,
  positionValue: Decimal.optional(),
  marginCloseoutPercent: Decimal.optional(),
  withdrawalLimit: Decimal.optional(),
  lastTransactionID: Id,
};
export const AccountSummarySchema = z.looseObject(summaryFields);
export type V20AccountSummary = z.infer<typeof AccountSummarySchema>;
export const AccountSummaryResponse = z.looseObject({ account: AccountSummarySchema, lastTransactionID: Id });

// ------------------------------------------------------------------ orders, trades, positions

const OnFillDetails = z.looseObject({
  price: Decimal.optional(),
  distance: Decimal.optional(),
  timeInForce: z.string().optional(),
  gtdTime: DateTime.optional(),
  clientExtensions: ClientExtensions.optional(),
});

export const OrderSchema = z.looseObject({
  id: Id,
  type: z.string(),
  state: z.enum(['PENDING', 'FILLED', 'TRIGGERED', 'CANCELLED']),
  createTime: DateTime.optional(),
  instrument: z.string().optional(),
  units: Decimal.optional(),
  price: Decimal.optional(),
  distance: Decimal.optional(),
  trailingStopValue: Decimal.optional(),
  tradeID: Id.optional(),
  clientTradeID: z.string().optional(),
  timeInForce: z.string().optional(),
  gtdTime: DateTime.optional(),
  positionFill: z.string().optional(),
  triggerCondition: z.string().optional(),
  clientExtensions: ClientExtensions.optional(),
  tradeClientExtensions: ClientExtensions.optional(),
  stopLossOnFill: OnFillDetails.optional(),
  takeProfitOnFill: OnFillDetails.optional(),
  trailingStopLossOnFill: OnFillDetails.optional(),
  fillingTransactionID: Id.optional(),
  filledTime: DateTime.optional(),
  tradeOpenedID: Id.optional(),
  tradeReducedID: Id.optional(),
  tradeClosedIDs: z.array(Id).optional(),
  cancellingTransactionID: Id.optional(),
  cancelledTime: DateTime.optional(),
  replacesOrderID: Id.optional(),
  replacedByOrderID: Id.optional(),
});
export type V20Order = z.infer<typeof OrderSchema>;

const DependentOrder = z.looseObject({ id: Id, state: z.string().optional(), price: Decimal.optional(), distance: Decimal.optional(), clientExtensions: ClientExtensions.optional() });

export const TradeSchema = z.looseObject({
  id: Id,
  instrument: z.string(),
  price: Decimal,
  openTime: DateTime.optional(),
  state: z.enum(['OPEN', 'CLOSED', 'CLOSE_WHEN_TRADEABLE']),
  initialUnits: Decimal,
  currentUnits: Decimal,
  realizedPL: Decimal.optional(),
  unrealizedPL: Decimal.optional(),
  marginUsed: Decimal.optional(),
  clientExtensions: ClientExtensions.optional(),
  takeProfitOrder: DependentOrder.nullish(),
  stopLossOrder: DependentOrder.nullish(),
  trailingStopLossOrder: DependentOrder.nullish(),
  takeProfitOrderID: Id.optional(),
  stopLossOrderID: Id.optional(),
  trailingStopLossOrderID: Id.optional(),
});
export type V20Trade = z.infer<typeof TradeSchema>;

const PositionSide = z.looseObject({
  units: Decimal,
  averagePrice: Decimal.optional(),
  tradeIDs: z.array(Id).optional(),
  pl: Decimal.optional(),
  unrealizedPL: Decimal.optional(),
});
export const PositionSchema = z.looseObject({
  instrument: z.string(),
  pl: Decimal.optional(),
  unrealizedPL: Decimal.optional(),
  marginUsed: Decimal.optional(),
  long: PositionSide,
  short: PositionSide,
});
export type V20Position = z.infer<typeof PositionSchema>;

export const AccountSchema = AccountSummarySchema.extend({
  trades: z.array(TradeSchema),
  positions: z.array(PositionSchema),
  orders: z.array(OrderSchema),
});
export type V20Account = z.infer<typeof AccountSchema>;
export const AccountResponse = z.looseObject({ account: AccountSchema, lastTransactionID: Id });

// ------------------------------------------------------------------ transactions

const TradeOpenSchema = z.looseObject({ tradeID: Id, units: Decimal, price: Decimal.optional(), clientExtensions: ClientExtensions.optional() });
const TradeReduceSchema = z.looseObject({ tradeID: Id, units: Decimal, price: Decimal.optional(), realizedPL: Decimal.optional(), financing: Decimal.optional() });

export const TransactionSchema = z.looseObject({
  id: Id,
  time: DateTime,
  type: z.string(),
  accountID: z.string().optional(),
  batchID: Id.optional(),
  requestID: z.string().optional(),
  orderID: Id.optional(),
  clientOrderID: z.string().optional(),
  tradeID: Id.optional(),
  clientTradeID: z.string().optional(),
  instrument: z.string().optional(),
  units: Decimal.optional(),
  price: Decimal.optional(),
  distance: Decimal.optional(),
  timeInForce: z.string().optional(),
  gtdTime: DateTime.optional(),
  positionFill: z.string().optional(),
  reason: z.string().optional(),
  rejectReason: z.string().optional(),
  clientExtensions: ClientExtensions.optional(),
  tradeClientExtensions: ClientExtensions.optional(),
  replacesOrderID: Id.optional(),
  replacedByOrderID: Id.optional(),
  cancellingTransactionID: Id.optional(),
  pl: Decimal.optional(),
  financing: Decimal.optional(),
  commission: Decimal.optional(),
  guaranteedExecutionFee: Decimal.optional(),
  accountBalance: Decimal.optional(),
  amount: Decimal.optional(),
  halfSpreadCost: Decimal.optional(),
  tradeOpened: TradeOpenSchema.optional(),
  tradesClosed: z.array(TradeReduceSchema).optional(),
  tradeReduced: TradeReduceSchema.optional(),
  stopLossOnFill: OnFillDetails.optional(),
  takeProfitOnFill: OnFillDetails.optional(),
  trailingStopLossOnFill: OnFillDetails.optional(),
});
export type V20Transaction = z.infer<typeof TransactionSchema>;

export const TransactionHeartbeatSchema = z.looseObject({ type: z.literal('HEARTBEAT'), lastTransactionID: Id, time: DateTime });

export const TransactionsResponse = z.looseObject({ transactions: z.array(TransactionSchema), lastTransactionID: Id });
export const TransactionResponse = z.looseObject({ transaction: TransactionSchema, lastTransactionID: Id.optional() });

/** Every field of an order-creating, -replacing or -closing answer that holds a transaction. */
export const OrderResponse = z.looseObject({
  orderCreateTransaction: TransactionSchema.optional(),
  orderFillTransaction: TransactionSchema.optional(),
  orderCancelTransaction: TransactionSchema.optional(),
  orderReissueTransaction: TransactionSchema.optional(),
  orderRejectTransaction: TransactionSchema.optional(),
  orderCancelRejectTransaction: TransactionSchema.optional(),
  replacingOrderCancelTransaction: TransactionSchema.optional(),
  longOrderCreateTransaction: TransactionSchema.optional(),
  longOrderFillTransaction: TransactionSchema.optional(),
  longOrderCancelTransaction: TransactionSchema.optional(),
  longOrderRejectTransaction: TransactionSchema.optional(),
  shortOrderCreateTransaction: TransactionSchema.optional(),
  shortOrderFillTransaction: TransactionSchema.optional(),
  shortOrderCancelTransaction: TransactionSchema.optional(),
  shortOrderRejectTransaction: TransactionSchema.optional(),
  takeProfitOrderCancelTransaction: TransactionSchema.optional(),
  takeProfitOrderTransaction: TransactionSchema.optional(),
  takeProfitOrderFillTransaction: TransactionSchema.optional(),
  takeProfitOrderCreatedCancelTransaction: TransactionSchema.optional(),
  takeProfitOrderRejectTransaction: TransactionSchema.optional(),
  stopLossOrderCancelTransaction: TransactionSchema.optional(),
  stopLossOrderTransaction: TransactionSchema.optional(),
  stopLossOrderFillTransaction: TransactionSchema.optional(),
  stopLossOrderCreatedCancelTransaction: TransactionSchema.optional(),
  stopLossOrderRejectTransaction: TransactionSchema.optional(),
  trailingStopLossOrderCancelTransaction: TransactionSchema.optional(),
  trailingStopLossOrderTransaction: TransactionSchema.optional(),
  trailingStopLossOrderRejectTransaction: TransactionSchema.optional(),
  relatedTransactionIDs: z.array(Id).optional(),
  lastTransactionID: Id.optional(),
  errorCode: z.string().optional(),
  errorMessage: z.string().optional(),
});
export type V20OrderResponse = z.infer<typeof OrderResponse>;

/** The transactions of an order answer, in id order (the order the service created them in). */
export function responseTransactions(r: V20OrderResponse): V20Transaction[] {
  const out: V20Transaction[] = [];
  for (const [k, v] of Object.entries(r)) {
    if (k.endsWith('Transaction') && v && typeof v === 'object' && 'id' in v) out.push(v as V20Transaction);
  }
  return out.sort((a, b) => Number(a.id) - Number(b.id));
}

export const OrderGetResponse = z.looseObject({ order: OrderSchema, lastTransactionID: Id.optional() });
export const OrdersResponse = z.looseObject({ orders: z.array(OrderSchema), lastTransactionID: Id.optional() });
export const TradeGetResponse = z.looseObject({ trade: TradeSchema, lastTransactionID: Id.optional() });
export const TradesResponse = z.looseObject({ trades: z.array(TradeSchema), lastTransactionID: Id.optional() });
export const PositionsResponse = z.looseObject({ positions: z.array(PositionSchema), lastTransactionID: Id.optional() });

export const ChangesResponse = z.looseObject({
  changes: z.looseObject({ transactions: z.array(TransactionSchema).optional() }),
  state: z.looseObject({
    unrealizedPL: Decimal.optional(),
    NAV: Decimal.optional(),
    marginUsed: Decimal.optional(),
    marginAvailable: Decimal.optional(),
    positionValue: Decimal.optional(),
    marginCloseoutPercent: Decimal.optional(),
    withdrawalLimit: Decimal.optional(),
  }),
  lastTransactionID: Id,
});

// ------------------------------------------------------------------ market data

export const CandlestickDataSchema = z.looseObject({ o: Decimal, h: Decimal, l: Decimal, c: Decimal });
export const CandlestickSchema = z.looseObject({
  time: DateTime,
  bid: CandlestickDataSchema.optional(),
  ask: CandlestickDataSchema.optional(),
  mid: CandlestickDataSchema.optional(),
  volume: z.number().int(),
  complete: z.boolean(),
});
export type V20Candle = z.infer<typeof CandlestickSchema>;
export const CandlesResponse = z.looseObject({ instrument: z.string(), granularity: z.string(), candles: z.array(CandlestickSchema) });

export const PriceBucketSchema = z.looseObject({ price: Decimal, liquidity: z.number() });
export const ClientPriceSchema = z.looseObject({
  type: z.literal('PRICE').optional(),
  instrument: z.string(),
  time: DateTime,
  status: z.string().optional(),
  tradeable: z.boolean().optional(),
  bids: z.array(PriceBucketSchema),
  asks: z.array(PriceBucketSchema),
  closeoutBid: Decimal.optional(),
  closeoutAsk: Decimal.optional(),
  quoteHomeConversionFactors: z.looseObject({ positiveUnits: Decimal, negativeUnits: Decimal }).optional(),
});
export type V20Price = z.infer<typeof ClientPriceSchema>;
export const PricingHeartbeatSchema = z.looseObject({ type: z.literal('HEARTBEAT'), time: DateTime });
export const PricingResponse = z.looseObject({
  time: DateTime.optional(),
  prices: z.array(ClientPriceSchema),
  homeConversions: z.array(z.looseObject({ currency: z.string(), accountGain: Decimal, accountLoss: Decimal, positionValue: Decimal.optional() })).optional(),
});
