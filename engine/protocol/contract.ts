/**
 * The contract between the engine and its views: every command (`noun.verb`, request and response
 * zod schemas) and every push, in this one file. Types are derived from the schemas (`z.infer`); the
 * server validates every inbound frame against them, the client is typed by them.
 *
 * Wire conventions (frames are JSON-safe):
 *  - Money (account currency) is a decimal string with 6 decimals, exact micro-units ("100000.000000").
 *  - Prices are decimal strings in the instrument's precision ("101.25"); quantities are decimal
 *    strings in the instrument's unit precision ("10"). The engine converts them to integer ticks /
 *    units at the boundary (a price with more decimals than the instrument has is `decimal.precision`).
 *  - Times are epoch milliseconds (numbers); percentages and ratios are plain numbers.
 *
 * Frames:
 *   request   {id, cmd, args}
 *   response  {id, ok: true, result} | {id, ok: false, error: {code, message, details?}}
 *             (id is null when the request could not be read at all: bad JSON, bad frame)
 *   push      {push, data}
 */
import { z } from 'zod';

export const PROTOCOL_VERSION = 1;

// ------------------------------------------------------------------ wire primitives

/** A signed decimal number as text: "12", "-0.5", "101.25". */
export const decimalString = z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a decimal number as a string, e.g. "101.25"');
/** A positive decimal string (quantities). */
export const positiveDecimalString = z
  .string()
  .regex(/^\d+(\.\d+)?$/, 'must be a positive decimal number as a string, e.g. "10"')
  .refine((s) => /[1-9]/.test(s), { message: 'must be greater than zero' });
export const moneyString = decimalString;
export const epochMs = z.number().finite();

export const tradingStateSchema = z.enum(['ACTIVE', 'REDUCING', 'HALTED', 'RECONCILING']);
export const sideSchema = z.enum(['BUY', 'SELL']);
export const orderTypeSchema = z.enum(['MARKET', 'LIMIT', 'STOP', 'MARKET_IF_TOUCHED', 'TRAILING_STOP']);
export const tifSchema = z.enum(['GTC', 'GTD', 'IOC', 'FOK', 'DAY']);
export const orderRoleSchema = z.enum(['ENTRY', 'EXIT', 'STOP_LOSS', 'TAKE_PROFIT', 'FLATTEN']);
export const orderStatusSchema = z.enum([
  'INITIALIZED',
  'DENIED',
  'SUBMITTED',
  'ACCEPTED',
  'PARTIALLY_FILLED',
  'FILLED',
  'PENDING_CANCEL',
  'PENDING_UPDATE',
  'CANCELED',
  'REJECTED',
  'EXPIRED',
]);
export const strategyStateSchema = z.enum(['STOPPED', 'RUNNING', 'FAULTED']);

export const errorInfoSchema = z.object({
  code: z.string(),
  message: z.string(),
  details: z.unknown().optional(),
});
export type ErrorInfo = z.infer<typeof errorInfoSchema>;

// ------------------------------------------------------------------ records

export const positionSchema = z.object({
  instrumentId: z.string(),
  /** Signed quantity (decimal string, instrument units). */
  qty: decimalString,
  /** Average entry price. */
  avgPx: decimalString,
  markPx: decimalString.nullable(),
  unrealizedPnl: moneyString,
  marketValue: moneyString,
  tsOpened: epochMs,
});
export type PositionDto = z.infer<typeof positionSchema>;

export const orderSchema = z.object({
  clientOrderId: z.string(),
  venueOrderId: z.string().nullable(),
  strategyId: z.string(),
  instrumentId: z.string(),
  side: sideSchema,
  type: orderTypeSchema,
  qty: decimalString,
  filledQty: decimalString,
  price: decimalString.nullable(),
  triggerPrice: decimalString.nullable(),
  avgFillPx: decimalString.nullable(),
  tif: tifSchema,
  reduceOnly: z.boolean(),
  role: orderRoleSchema,
  parentId: z.string().nullable(),
  status: orderStatusSchema,
  tag: z.string(),
  tsInit: epochMs,
  tsLast: epochMs,
});
export type OrderDto = z.infer<typeof orderSchema>;

export const fillSchema = z.object({
  tradeId: z.string(),
  clientOrderId: z.string(),
  strategyId: z.string(),
  instrumentId: z.string(),
  side: sideSchema,
  qty: decimalString,
  px: decimalString,
  fee: moneyString,
  feeCurrency: z.string(),
  liquidity: z.enum(['MAKER', 'TAKER']),
  ts: epochMs,
});
export type FillDto = z.infer<typeof fillSchema>;

export const accountSchema = z.object({
  currency: z.string(),
  cash: moneyString,
  equity: moneyString,
  unrealizedPnl: moneyString,
  realizedPnl: moneyString,
  marginUsed: moneyString,
  grossExposure: moneyString,
  netExposure: moneyString,
  startOfDayEquity: moneyString,
  peakEquity: moneyString,
  openPositions: z.number().int(),
});
export type AccountDto = z.infer<typeof accountSchema>;

/** A limit and how much of it is used; `limit` null = the check is off. */
const usage = <T extends z.ZodType>(v: T) => z.object({ value: v, limit: v.nullable(), usedPct: z.number().nullable() });

export const riskSchema = z.object({
  tradingState: tradingStateSchema,
  exposure: usage(moneyString).extend({ capPct: z.number().nullable() }),
  openPositions: usage(z.number().int()),
  tradesToday: usage(z.number().int()),
  /** Loss since the start of the UTC day, % of start-of-day equity (negative = a gain). */
  dailyLoss: usage(z.number()).extend({ action: z.enum(['REDUCING', 'HALTED']) }),
  /** Drawdown from the peak equity, %; `limit` is the halt level. */
  drawdown: usage(z.number()).extend({ action: z.enum(['REDUCING', 'HALTED']) }),
  limits: z.object({
    maxPortfolioExposurePct: z.number().nullable(),
    maxOpenPositions: z.number().nullable(),
    maxTradesPerDay: z.number().nullable(),
    maxPositionPct: z.number().nullable(),
    maxSectorPct: z.number().nullable(),
    maxLeverage: z.number().nullable(),
    priceSanityPct: z.number().nullable(),
    scaleToCap: z.boolean(),
  }),
  /** Price freshness per instrument (separate from connection heartbeats). */
  freshness: z.array(
    z.object({
      instrumentId: z.string(),
      lastPriceTs: epochMs.nullable(),
      ageMs: z.number().nullable(),
      source: z.enum(['bar', 'quote', 'none']),
      limitMs: z.number().nullable(),
      stale: z.boolean(),
    }),
  ),
});
export type RiskDto = z.infer<typeof riskSchema>;

export const strategyInfoSchema = z.object({ id: z.string(), state: strategyStateSchema, instruments: z.array(z.string()) });

export const flattenReportSchema = z.object({
  flattenId: z.number().int(),
  reason: z.string(),
  source: z.string(),
  startedAt: epochMs,
  completedAt: epochMs.nullable(),
  status: z.enum(['in_progress', 'completed', 'failed']),
  strategiesStopped: z.array(z.string()),
  cancels: z.array(
    z.object({
      clientOrderId: z.string(),
      instrumentId: z.string(),
      role: orderRoleSchema,
      side: sideSchema,
      openQty: decimalString,
      outcome: z.enum(['canceled', 'filled', 'expired', 'rejected', 'pending', 'cancel_rejected']),
      pass: z.number().int(),
    }),
  ),
  closes: z.array(
    z.object({
      instrumentId: z.string(),
      startQty: decimalString,
      closedQty: decimalString,
      avgPx: decimalString.nullable(),
      status: z.enum(['closed', 'failed', 'pending']),
      attempts: z.array(
        z.object({
          attempt: z.number().int(),
          clientOrderId: z.string(),
          ts: epochMs,
          side: sideSchema,
          qty: decimalString,
          outcome: z.enum(['working', 'filled', 'partially_filled', 'denied', 'rejected', 'canceled', 'expired']),
          code: z.string().optional(),
          reason: z.string().optional(),
        }),
      ),
      fills: z.array(z.object({ tradeId: z.string(), qty: decimalString, px: decimalString, ts: epochMs })),
    }),
  ),
  failures: z.array(z.object({ ts: epochMs, instrumentId: z.string(), clientOrderId: z.string(), code: z.string(), reason: z.string() })),
  maxAttempts: z.number().int(),
});
export type FlattenReportDto = z.infer<typeof flattenReportSchema>;

/**
 * Market data. Bars are market data as received (engine/core/bar.ts): their prices are plain numbers,
 * not exact decimals (nothing is accounted with them); `ts` is the bar's open time.
 */
export const barSchema = z.object({
  ts: epochMs,
  durationMs: z.number().int().positive(),
  open: z.number(),
  high: z.number(),
  low: z.number(),
  close: z.number(),
  volume: z.number(),
});
export type BarDto = z.infer<typeof barSchema>;

/** Bars as parallel arrays (one element per bar, ascending `ts`): compact for long histories. */
export const barSeriesSchema = z.object({
  ts: z.array(epochMs),
  open: z.array(z.number()),
  high: z.array(z.number()),
  low: z.array(z.number()),
  close: z.array(z.number()),
  volume: z.array(z.number()),
});
export type BarSeriesDto = z.infer<typeof barSeriesSchema>;

/** One instrument's top of book (the `quotes` view): prices on the tick grid, as decimal strings. */
export const quoteSchema = z.object({
  instrumentId: z.string(),
  bid: decimalString.nullable(),
  ask: decimalString.nullable(),
  spread: decimalString.nullable(),
  /** Last price the engine marks with (the quote's mid or the bar's close). */
  last: decimalString.nullable(),
  /** Time of the last price, null before the first one. */
  ts: epochMs.nullable(),
  /** The last completed bar. */
  bar: barSchema.nullable(),
});
export type QuoteDto = z.infer<typeof quoteSchema>;

export const instrumentInfoSchema = z.object({
  id: z.string(),
  assetClass: z.string(),
  quoteCurrency: z.string(),
  pricePrecision: z.number().int(),
  unitPrecision: z.number().int(),
  /** Smallest order quantity, decimal string in units. */
  minQty: decimalString,
  tradeable: z.boolean(),
});

// ------------------------------------------------------------------ views

export const viewNameSchema = z.enum(['positions', 'orders', 'account', 'risk', 'engine', 'quotes']);
export type ViewName = z.infer<typeof viewNameSchema>;

/** The `engine` view: trading state and who set it. */
export const engineViewSchema = z.object({ tradingState: tradingStateSchema, source: z.string(), lastEventId: z.number().int() });

/**
 * View data. Keyed views (`positions` by instrument id, `orders` by client order id) are objects of
 * records; singleton views (`account`, `risk`, `engine`) are one record.
 */
export const viewDataSchemas = {
  positions: z.record(z.string(), positionSchema),
  orders: z.record(z.string(), orderSchema),
  account: accountSchema,
  risk: riskSchema,
  engine: engineViewSchema,
  quotes: z.record(z.string(), quoteSchema),
} as const;

/**
 * Patch operations, applied in order: `upsert` sets a keyed view's record, `remove` deletes one,
 * `replace` sets a singleton view's whole value. Every op is absolute (idempotent).
 */
export const patchOpSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('upsert'), key: z.string(), value: z.unknown() }),
  z.object({ op: z.literal('remove'), key: z.string() }),
  z.object({ op: z.literal('replace'), value: z.unknown() }),
]);
export type PatchOp = z.infer<typeof patchOpSchema>;

// ------------------------------------------------------------------ commands

const empty = z.object({}).strict();
const okFlag = z.object({ changed: z.boolean(), tradingState: tradingStateSchema });
const configPath = z.union([z.string().min(1), z.array(z.union([z.string().min(1), z.number().int().min(0)])).min(1)]);

export const commands = {
  'engine.status': {
    args: empty,
    result: z.object({
      state: z.enum(['starting', 'ready', 'stopping']),
      tradingState: tradingStateSchema,
      tradingStateSource: z.string(),
      clock: z.object({ now: epochMs }),
      versions: z.object({ protocol: z.number().int(), engine: z.string() }),
      strategies: z.array(strategyInfoSchema),
      instruments: z.array(z.string()),
      lastEventId: z.number().int(),
      flattening: z.boolean(),
    }),
  },
  'positions.list': { args: empty, result: z.object({ positions: z.array(positionSchema) }) },
  'orders.list': {
    args: z.object({ scope: z.enum(['open', 'all']).default('open') }).strict(),
    result: z.object({ orders: z.array(orderSchema) }),
  },
  'fills.list': {
    args: z.object({ limit: z.number().int().min(1).max(1000).default(100) }).strict(),
    result: z.object({ fills: z.array(fillSchema) }),
  },
  'account.get': { args: empty, result: accountSchema },
  'risk.get': { args: empty, result: riskSchema },
  'risk.halt': {
    args: z.object({ reason: z.string().max(500).default('halted by the user') }).strict(),
    result: okFlag,
  },
  'risk.flatten': {
    args: z.object({ reason: z.string().max(500).default('flattened by the user') }).strict(),
    /** done: the report is final; else `flattenId` names the `flatten.completed` push to wait for. */
    result: z.object({ done: z.boolean(), flattenId: z.number().int(), report: flattenReportSchema }),
  },
  'risk.rearm': { args: empty, result: okFlag },
  'orders.submit': {
    args: z
      .object({
        instrumentId: z.string().min(1),
        side: sideSchema,
        type: orderTypeSchema.default('MARKET'),
        qty: positiveDecimalString,
        price: decimalString.optional(),
        triggerPrice: decimalString.optional(),
        trailingDistance: decimalString.optional(),
        tif: tifSchema.optional(),
        expireTs: epochMs.optional(),
        reduceOnly: z.boolean().optional(),
        /** Bracket protection: fixed prices and/or distances from the fill price (all price units). */
        stopLoss: decimalString.optional(),
        takeProfit: decimalString.optional(),
        stopLossDistance: decimalString.optional(),
        takeProfitDistance: decimalString.optional(),
        tag: z.string().max(200).optional(),
      })
      .strict(),
    result: z.object({ clientOrderId: z.string(), qty: decimalString }),
  },
  'orders.cancel': {
    args: z.object({ clientOrderId: z.string().min(1) }).strict(),
    result: z.object({ clientOrderId: z.string(), status: orderStatusSchema }),
  },
  'orders.cancelAll': {
    args: z.object({ instrumentId: z.string().min(1).optional() }).strict(),
    result: z.object({ clientOrderIds: z.array(z.string()) }),
  },
  'orders.modify': {
    args: z
      .object({
        clientOrderId: z.string().min(1),
        qty: positiveDecimalString.optional(),
        price: decimalString.nullable().optional(),
        triggerPrice: decimalString.nullable().optional(),
      })
      .strict(),
    result: z.object({ clientOrderId: z.string(), status: orderStatusSchema }),
  },
  'strategies.list': { args: empty, result: z.object({ strategies: z.array(strategyInfoSchema) }) },
  'strategies.start': { args: z.object({ id: z.string().min(1) }).strict(), result: strategyInfoSchema },
  'strategies.stop': { args: z.object({ id: z.string().min(1) }).strict(), result: strategyInfoSchema },
  'config.get': { args: empty, result: z.object({ config: z.record(z.string(), z.unknown()) }) },
  'config.set': {
    args: z.object({ path: configPath, value: z.unknown() }).strict(),
    result: z.object({
      path: z.string(),
      old: z.unknown(),
      new: z.unknown(),
      /** True when the running engine uses the new value now; false when it takes effect at the next start. */
      applied: z.boolean(),
    }),
  },
  'views.subscribe': {
    args: z.object({ views: z.array(viewNameSchema).min(1) }).strict(),
    /** The snapshots follow as `view.snapshot` pushes, one per view, then `view.patch` pushes. */
    result: z.object({ views: z.array(z.object({ view: viewNameSchema, seq: z.number().int() })) }),
  },
  'market.instruments': { args: empty, result: z.object({ instruments: z.array(instrumentInfoSchema) }) },
  'market.bars': {
    /**
     * The bars the engine has seen for an instrument (nothing after its clock), resampled to
     * `timeframeMs` (a whole multiple of the instrument's bar duration; default: that duration),
     * the most recent `limit` of them.
     */
    args: z
      .object({
        instrumentId: z.string().min(1),
        timeframeMs: z.number().int().positive().optional(),
        limit: z.number().int().min(1).max(200_000).default(5000),
      })
      .strict(),
    result: z.object({ instrumentId: z.string(), baseMs: z.number().int().nullable(), timeframeMs: z.number().int().nullable(), bars: barSeriesSchema }),
  },
  'backtest.run': {
    /**
     * Backtests one strategy (a strategy section of the configuration: `name` plus its parameters,
     * validated like the file) over the bars the engine has recorded, with the running configuration's
     * account, risk and costs. Sends `backtest.progress` pushes while it runs.
     */
    args: z
      .object({
        strategy: z.record(z.string(), z.unknown()),
        instruments: z.array(z.string().min(1)).min(1).optional(),
        fromTs: epochMs.optional(),
        toTs: epochMs.optional(),
      })
      .strict(),
    result: z.object({
      runId: z.string(),
      strategyId: z.string(),
      bars: z.number().int(),
      instruments: z.array(z.string()),
      fromTs: epochMs.nullable(),
      toTs: epochMs.nullable(),
      metrics: z.record(z.string(), z.number().nullable()),
      /** Sampled equity (at most 2000 points), account currency units. */
      equity: z.object({ ts: z.array(epochMs), equity: z.array(z.number()) }),
      trades: z.array(
        z.object({
          instrumentId: z.string(),
          direction: z.enum(['LONG', 'SHORT']),
          qty: decimalString,
          entryTs: epochMs,
          entryPx: z.number(),
          exitTs: epochMs,
          exitPx: z.number(),
          pnl: moneyString,
          fees: moneyString,
          exitReason: z.string(),
        }),
      ),
    }),
  },
  'config.history': {
    args: z.object({ limit: z.number().int().min(1).max(1000).default(100) }).strict(),
    /** Configuration changes made through the protocol since the engine started, newest last. */
    result: z.object({
      changes: z.array(z.object({ path: z.string(), old: z.unknown(), new: z.unknown(), applied: z.boolean(), source: z.string(), ts: epochMs })),
    }),
  },
  'views.unsubscribe': {
    args: z.object({ views: z.array(viewNameSchema).min(1) }).strict(),
    result: z.object({ views: z.array(viewNameSchema) }),
  },
  'report.tester': {
    /**
     * A tester report (MetaTrader-style figures and charts) as one self-contained HTML page: of a live /
     * paper period [from, to) of the journal (open ends: the journal's start / end), or of a backtest
     * run (`runId` of `backtest.run`, or of a run stored in the journal). `report.unavailable` when the
     * host has no report service; `report.bad_period`, `report.unknown_run` for bad arguments.
     */
    args: z.discriminatedUnion('source', [
      z.object({ source: z.literal('period'), from: epochMs.optional(), to: epochMs.optional() }).strict(),
      z.object({ source: z.literal('backtest'), runId: z.string().min(1).max(100) }).strict(),
    ]),
    result: z.object({ title: z.string(), html: z.string() }),
  },
} as const;

export type Commands = typeof commands;
export type CommandName = keyof Commands;
/** Arguments as the caller writes them (defaults optional). */
export type CommandArgsIn<K extends CommandName> = z.input<Commands[K]['args']>;
/** Arguments as a handler receives them (defaults applied). */
export type CommandArgs<K extends CommandName> = z.output<Commands[K]['args']>;
export type CommandResult<K extends CommandName> = z.output<Commands[K]['result']>;

export function isCommandName(s: string): s is CommandName {
  return Object.prototype.hasOwnProperty.call(commands, s);
}

// ------------------------------------------------------------------ pushes

export const pushes = {
  'view.snapshot': z.object({ view: viewNameSchema, seq: z.number().int(), data: z.unknown() }),
  'view.patch': z.object({ view: viewNameSchema, seq: z.number().int(), ops: z.array(patchOpSchema) }),
  'engine.state': z.object({ from: tradingStateSchema, to: tradingStateSchema, reason: z.string(), source: z.string(), ts: epochMs }),
  alert: z.object({ level: z.enum(['info', 'warning', 'critical']), code: z.string(), message: z.string(), ts: epochMs }),
  'backtest.progress': z.object({ runId: z.string(), done: z.number().int(), total: z.number().int(), pct: z.number(), message: z.string().optional() }),
  'flatten.completed': z.object({ report: flattenReportSchema }),
} as const;

export type Pushes = typeof pushes;
export type PushName = keyof Pushes;
export type PushData<K extends PushName> = z.infer<Pushes[K]>;

// ------------------------------------------------------------------ frames

export const requestIdSchema = z.union([z.string().min(1).max(100), z.number().int().safe()]);
export type RequestId = z.infer<typeof requestIdSchema>;

export const requestFrameSchema = z.object({ id: requestIdSchema, cmd: z.string().min(1).max(100), args: z.unknown().optional() }).strict();
export type RequestFrame = z.infer<typeof requestFrameSchema>;

export type ResponseFrame =
  | { id: RequestId | null; ok: true; result: unknown }
  | { id: RequestId | null; ok: false; error: ErrorInfo };

/** A push frame; with the default parameter, the union of every push (discriminated by `push`). */
export type PushFrame<K extends PushName = PushName> = K extends PushName ? { push: K; data: PushData<K> } : never;

export type ServerFrame = ResponseFrame | PushFrame;

export const responseFrameSchema = z.union([
  z.object({ id: requestIdSchema.nullable(), ok: z.literal(true), result: z.unknown() }),
  z.object({ id: requestIdSchema.nullable(), ok: z.literal(false), error: errorInfoSchema }),
]);
export const pushFrameSchema = z.object({ push: z.string(), data: z.unknown() });

/** Error codes of the protocol layer itself (handlers add the engine's codes). */
export const PROTOCOL_ERRORS = {
  badFrame: 'protocol.bad_frame',
  badJson: 'protocol.bad_json',
  frameTooLarge: 'protocol.frame_too_large',
  unknownCommand: 'protocol.unknown_command',
  invalidArgs: 'protocol.invalid_args',
  invalidResult: 'protocol.invalid_result',
  rateLimited: 'protocol.rate_limited',
  timeout: 'protocol.timeout',
  closed: 'protocol.closed',
  internal: 'internal',
} as const;
