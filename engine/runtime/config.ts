/**
 * The engine's configuration: one zod schema with defaults, shared by the YAML loader, the CLI and
 * (later) the UI's editor. Unknown keys are errors (a misspelt limit must not be silently ignored);
 * `validateConfig` reports every problem with its path.
 *
 * The strategy section takes the strategy's own parameters at its top level, with `risk` (stop-loss /
 * take-profit in percent of the entry price) and `limits` (per-strategy trade limits) beside them:
 *
 *   strategy:
 *     name: ema_cross_momentum
 *     short_window: 3
 *     risk: { stop_loss_pct: 0.2, take_profit_pct: 0.3 }
 *     limits: { max_trades_per_day: 50, max_concurrent_trades: 10 }
 *   exposure: { max_portfolio_exposure_pct: 10, max_open_positions: 5 }
 */
import { z } from 'zod';
import { EngineError } from '../core/errors';
import { parseStrategyParams } from '../strategies/registry';
import { alertsConfigSchema, defaultAlertsConfig } from './alerts/config-schema';

const pct = (max: number) => z.number().gt(0).max(max);
const decimalString = z
  .union([z.string(), z.number()])
  .transform((v) => String(v))
  .refine((s) => /^\d+(\.\d+)?$/.test(s), { message: 'must be a non-negative decimal number' });

/**
 * Position sizing, per strategy or account-wide (engine/risk/sizing.ts):
 *  - fixed_fraction: notional = fraction_pct % of equity
 *  - fixed_risk: risk_pct % of equity between entry and stop (no stop: no entry)
 *  - volatility: risk_pct % of equity over a stop of atr_multiple × ATR(atr_period) (ATR not ready: no entry)
 *  - kelly: notional = kelly_fraction × (win_rate − (1 − win_rate) / payoff_ratio) of equity, at most max_pct %
 *  - confidence: a signal's tier (1 strongest .. 3) picks a band of % of equity to risk (bands_pct[tier − 1]);
 *    band_point 1 takes its upper bound, 0 its lower; notional never above max_position_pct % of equity
 */
export const sizingConfigSchema = z.discriminatedUnion('method', [
  z.object({ method: z.literal('fixed_fraction'), fraction_pct: pct(100).default(2) }).strict(),
  z.object({ method: z.literal('fixed_risk'), risk_pct: pct(100).default(0.5) }).strict(),
  z
    .object({
      method: z.literal('volatility'),
      atr_period: z.number().int().min(1).max(1000).default(14),
      atr_multiple: z.number().gt(0).max(100).default(2),
      risk_pct: pct(100).default(0.5),
    })
    .strict(),
  z
    .object({
      method: z.literal('kelly'),
      win_rate: z.number().gt(0).lt(1),
      payoff_ratio: z.number().gt(0),
      kelly_fraction: z.number().gt(0).max(1).default(0.25),
      max_pct: pct(100).default(5),
    })
    .strict(),
  z
    .object({
      method: z.literal('confidence'),
      bands_pct: z
        .array(z.tuple([pct(100), pct(100)]).refine(([lo, hi]) => lo <= hi, { message: 'a band is [low, high] with low <= high' }))
        .min(1)
        .default([
          [3, 5],
          [1, 2],
          [0.5, 1],
        ])
        .describe('% of equity to risk for confidence tier 1, 2, 3, ...'),
      band_point: z.number().min(0).max(1).default(1).describe('where in its band a tier sizes: 0 = low, 1 = high'),
      default_tier: z.number().int().min(1).default(3).describe('tier of a signal without a confidence'),
      max_position_pct: pct(100).default(5).describe('notional never above this % of equity'),
    })
    .strict(),
]);

const guardSchema = (limit: number | null) =>
  z
    .object({
      limit_pct: pct(100).nullable().default(limit).describe('loss that trips the guard, % (null = off)'),
      action: z.enum(['reducing', 'halted']).default('halted'),
    })
    .strict()
    .default({ limit_pct: limit, action: 'halted' });

const sizeBoundSchema = z
  .object({
    units: z.number().int().min(1).nullable().default(null).describe('quantity units (10^-unit_precision)'),
    notional: z.number().gt(0).nullable().default(null).describe('account currency'),
  })
  .strict()
  .default({ units: null, notional: null });

/**
 * The account's risk section: pre-trade checks beyond `exposure:` (each null = off), portfolio guards
 * and trimming. Defaults are the user's values; see resources/config/engine.example.yaml.
 */
export const riskConfigSchema = z
  .object({
    max_trades_per_day: z.number().int().min(0).nullable().default(50).describe('entries per UTC day, account-wide'),
    max_position_pct: pct(10_000).nullable().default(5).describe('|market value| of one symbol incl. working entries, % of equity'),
    max_sector_pct: pct(10_000).nullable().default(25).describe('|market value| of one sector incl. working entries, % of equity'),
    max_leverage: z.number().gt(0).max(1000).nullable().default(2).describe('gross exposure incl. working entries / equity'),
    max_trade_risk_pct: pct(100).nullable().default(null).describe('entry-to-stop loss of an order with a bracket stop, % of equity'),
    min_order: sizeBoundSchema,
    max_order: sizeBoundSchema,
    price_sanity_pct: pct(1000).nullable().default(10).describe('LIMIT/STOP prices further than this % from the last price are denied'),
    stale_price: z
      .object({
        bar_minutes: z.number().gt(0).nullable().default(60).describe('no entries on a bar price older than this'),
        quote_seconds: z.number().gt(0).nullable().default(30).describe('no entries on a quote price older than this'),
      })
      .strict()
      .default({ bar_minutes: 60, quote_seconds: 30 }),
    correlation: z
      .object({
        max: z.number().gt(0).max(1).nullable().default(null).describe('deny an entry whose returns correlate above this with an open position (null = off)'),
        period: z.number().int().min(3).max(1000).default(50).describe('returns (bars) in the rolling Pearson window'),
      })
      .strict()
      .default({ max: null, period: 50 }),
    trim_over_cap: z.boolean().default(true).describe('while REDUCING, trim positions that price moves pushed over a cap'),
    guards: z
      .object({
        daily_loss: guardSchema(3),
        daily_reset: z.boolean().default(false).describe('a tripped daily guard returns the engine to ACTIVE at the next UTC day'),
        weekly_loss: guardSchema(null),
        monthly_loss: guardSchema(8),
        quarterly_loss: guardSchema(15),
        drawdown: guardSchema(15),
      })
      .strict()
      .default({
        daily_loss: { limit_pct: 3, action: 'halted' },
        daily_reset: false,
        weekly_loss: { limit_pct: null, action: 'halted' },
        monthly_loss: { limit_pct: 8, action: 'halted' },
        quarterly_loss: { limit_pct: 15, action: 'halted' },
        drawdown: { limit_pct: 15, action: 'halted' },
      }),
  })
  .strict();

export type RiskConfig = z.output<typeof riskConfigSchema>;

/**
 * Order handling (engine/execution). `rate_limit`: a token bucket per venue for new orders (cancels,
 * flatten and protective orders are never limited; see engine/execution/order-manager.ts); null = off.
 * Default 100 orders/s with a burst of 100: below OANDA's 120 requests/s per connection, leaving room
 * for the cancels, modifications and polling that share that limit.
 */
export const executionConfigSchema = z
  .object({
    rate_limit: z
      .object({
        orders_per_second: z.number().gt(0).max(100_000).default(100).describe('tokens added per second'),
        burst: z.number().int().min(1).max(100_000).default(100).describe('bucket size: most orders at one instant'),
      })
      .strict()
      .nullable()
      .default({ orders_per_second: 100, burst: 100 }),
  })
  .strict();

export const strategyConfigSchema = z
  .object({
    name: z.string().min(1).describe('strategy type, e.g. ema_cross_momentum'),
    id: z.string().regex(/^[A-Za-z0-9_.-]+$/).optional().describe('unique id (defaults to the name)'),
    enabled: z.boolean().default(true),
    instruments: z.array(z.string().min(1)).optional().describe('instruments to trade (default: every loaded instrument)'),
    risk: z
      .object({
        stop_loss_pct: pct(50).nullable().optional().describe('stop-loss distance, % of entry price'),
        take_profit_pct: pct(500).nullable().optional().describe('take-profit distance, % of entry price'),
      })
      .strict()
      .default({}),
    limits: z
      .object({
        max_trades_per_day: z.number().int().min(0).nullable().default(null).describe('entries per UTC day'),
        max_concurrent_trades: z.number().int().min(0).nullable().default(null).describe('open positions plus working entries of this strategy'),
      })
      .strict()
      .default({ max_trades_per_day: null, max_concurrent_trades: null }),
    sizing: sizingConfigSchema
      .optional()
      .describe('position sizing (default: the account sizing)'),
  })
  .catchall(z.unknown());

export const feeConfigSchema = z
  .object({
    percent: z.number().min(0).max(10).optional().describe('% of notional per fill'),
    per_unit: decimalString.optional().describe('quote currency per unit filled'),
    spread_ticks: z.number().int().min(0).optional().describe('half of this spread charged per fill'),
  })
  .strict();

export const slippageConfigSchema = z
  .object({
    ticks: z.number().int().min(0).optional(),
    percent: z.number().min(0).max(10).optional(),
    range_fraction: z.number().min(0).max(1).optional().describe('fraction of the bar high-low range'),
  })
  .strict()
  .refine((s) => [s.ticks, s.percent, s.range_fraction].filter((x) => x !== undefined).length <= 1, {
    message: 'choose one slippage model: ticks, percent or range_fraction',
  });

/** Per-instrument overrides of what is inferred from a data file's symbol and prices. */
export const instrumentOverrideSchema = z
  .object({
    asset_class: z.enum(['fx', 'equity', 'crypto', 'cfd', 'index', 'commodity']).optional(),
    base_currency: z.string().regex(/^[A-Z0-9]{2,6}$/).optional(),
    quote_currency: z.string().regex(/^[A-Z]{3,5}$/).optional(),
    price_precision: z.number().int().min(0).max(10).optional(),
    tick_size: z.number().int().min(1).optional().describe('smallest price increment, in units of 10^-price_precision'),
    unit_precision: z.number().int().min(0).max(10).optional(),
    min_qty: z.number().int().min(1).optional().describe('smallest order, in units of 10^-unit_precision'),
    contract_size: z.number().int().min(1).optional(),
    margin_rate: z.string().regex(/^(0?\.\d+|1)$/).optional(),
    sector: z.string().min(1).optional(),
    tradeable: z.boolean().optional(),
  })
  .strict();

export const engineConfigSchema = z
  .object({
    instruments: z.record(z.string(), instrumentOverrideSchema).default({}),
    strategy: strategyConfigSchema.optional(),
    strategies: z.array(strategyConfigSchema).optional(),
    exposure: z
      .object({
        max_portfolio_exposure_pct: pct(10_000).nullable().default(10),
        max_open_positions: z.number().int().min(0).nullable().default(5),
        scale_to_cap: z.boolean().default(true).describe('resize entries to the room under a cap instead of denying them'),
      })
      .strict()
      .default({ max_portfolio_exposure_pct: 10, max_open_positions: 5, scale_to_cap: true }),
    risk: riskConfigSchema.default(() => riskConfigSchema.parse({})),
    account: z
      .object({
        currency: z.string().regex(/^[A-Z]{3}$/).default('USD'),
        starting_cash: decimalString.default('100000'),
      })
      .strict()
      .default({ currency: 'USD', starting_cash: '100000' }),
    sizing: sizingConfigSchema.default({ method: 'fixed_fraction', fraction_pct: 2 }),
    strategy_budget_ms: z
      .number()
      .gt(0)
      .max(60_000)
      .default(250)
      .describe('time one strategy callback may take in a paper or live session before the strategy is faulted, ms (backtests do not enforce it)'),
    kill_switch: z
      .object({
        max_close_attempts: z.number().int().min(1).max(20).default(3).describe('tries per position to close it on a flatten (a rejected close is retried on the next market data)'),
      })
      .strict()
      .default({ max_close_attempts: 3 }),
    paper: z
      .object({
        spread_ticks: z.number().int().min(0).optional().describe('quote spread made from bars, ticks (default 2; bid/ask bars use their own sides)'),
        spread_bps: z.number().min(0).max(1000).optional().describe('quote spread made from bars, basis points of the price'),
        latency_ms: z.number().min(0).max(60_000).default(0).describe('order latency of the paper venue, ms of market time'),
      })
      .strict()
      .refine((p) => p.spread_ticks === undefined || p.spread_bps === undefined, { message: 'give spread_ticks or spread_bps, not both' })
      .default({ latency_ms: 0 }),
    execution: executionConfigSchema.default({ rate_limit: { orders_per_second: 100, burst: 100 } }),
    engine: z
      .object({
        server: z
          .object({
            host: z.string().min(1).default('127.0.0.1').describe('address the engine server binds (127.0.0.1: this machine only)'),
            port: z.number().int().min(0).max(65_535).default(8787).describe('TCP port of the WebSocket + HTTP server (0 = any free port)'),
            allowed_origins: z.array(z.string().url()).default([]).describe('browser origins allowed to connect (exact origins, e.g. http://localhost:5173)'),
          })
          .strict()
          .default({ host: '127.0.0.1', port: 8787, allowed_origins: [] }),
        on_shutdown: z.enum(['keep', 'flatten']).default('keep').describe('positions when the engine process stops: keep them or flatten them first'),
        shutdown_timeout_ms: z.number().int().min(0).max(600_000).default(10_000).describe('how long a shutdown waits for the flatten to be confirmed, ms'),
      })
      .strict()
      .default({ server: { host: '127.0.0.1', port: 8787, allowed_origins: [] }, on_shutdown: 'keep', shutdown_timeout_ms: 10_000 }),
    backtest: z
      .object({
        fees: feeConfigSchema.default({}),
        slippage: slippageConfigSchema.default({}),
        close_at_end: z.boolean().default(true).describe('close open positions at the last close'),
      })
      .strict()
      .default({ fees: {}, slippage: {}, close_at_end: true }),
    /** Alert channels, routing, storm limits, summaries, milestones (engine/runtime/alerts/config-schema.ts). */
    alerts: alertsConfigSchema.default(defaultAlertsConfig),
  })
  .strict()
  .refine((c) => !(c.strategy && c.strategies), { message: 'give either strategy or strategies, not both', path: ['strategies'] });

export type EngineConfig = z.output<typeof engineConfigSchema>;
export type StrategyConfig = z.output<typeof strategyConfigSchema>;

export interface ConfigIssue {
  path: string;
  message: string;
}

/** A strategy entry resolved to its id, its validated parameters and its limits. */
export interface ResolvedStrategy {
  id: string;
  name: string;
  enabled: boolean;
  instruments: string[] | null;
  params: Record<string, unknown>;
  limits: { maxTradesPerDay: number | null; maxConcurrentTrades: number | null };
  sizing: EngineConfig['sizing'];
}

const STRATEGY_KEYS = new Set(['name', 'id', 'enabled', 'instruments', 'risk', 'limits', 'sizing']);

/**
 * Validates a parsed configuration object. Throws `config.invalid` listing every problem (schema and
 * strategy parameters) in `details` as `{ path, message }`; never returns a half-valid config.
 */
export function validateConfig(raw: unknown): { config: EngineConfig; strategies: ResolvedStrategy[] } {
  const issues: ConfigIssue[] = [];
  const r = engineConfigSchema.safeParse(raw ?? {});
  if (!r.success) issues.push(...r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));

  // Strategy parameters are checked even where the schema failed, so that one run reports every
  // problem of the file: from the validated entries, or else from the raw ones.
  const rawObj = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const listed = Array.isArray(rawObj.strategies);
  const rawEntries: unknown[] = listed ? (rawObj.strategies as unknown[]) : rawObj.strategy !== undefined ? [rawObj.strategy] : [];
  const okEntries = r.success ? (r.data.strategies ?? (r.data.strategy ? [r.data.strategy] : [])) : null;
  const strategies: ResolvedStrategy[] = [];
  const ids = new Set<string>();
  rawEntries.forEach((rawEntry, idx) => {
    const base = listed ? `strategies.${idx}` : 'strategy';
    const s = okEntries?.[idx];
    const e = (typeof rawEntry === 'object' && rawEntry !== null ? rawEntry : {}) as Record<string, unknown>;
    const name = s?.name ?? (typeof e.name === 'string' ? e.name : null);
    if (name === null) return; // the schema reports the missing name
    const id = s?.id ?? (typeof e.id === 'string' ? e.id : name);
    if (ids.has(id)) issues.push({ path: `${base}.id`, message: `duplicate strategy id "${id}"` });
    ids.add(id);
    const source: Record<string, unknown> = s ?? e;
    const params: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(source)) if (!STRATEGY_KEYS.has(k)) params[k] = v;
    const risk = (typeof source.risk === 'object' && source.risk !== null ? source.risk : {}) as Record<string, unknown>;
    for (const k of ['stop_loss_pct', 'take_profit_pct'] as const) {
      if (risk[k] === undefined) continue;
      // One place for a value: the same setting at the top level and under `risk` would silently compete.
      if (params[k] !== undefined) issues.push({ path: `${base}.${k}`, message: `given both here and as ${base}.risk.${k}; keep one` });
      params[k] = risk[k];
    }
    let parsed: Record<string, unknown>;
    try {
      parsed = parseStrategyParams(name, params);
    } catch (err) {
      if (err instanceof EngineError && err.code === 'strategy.invalid_params' && Array.isArray(err.details)) {
        for (const d of err.details as ConfigIssue[]) {
          const key = d.path === 'stop_loss_pct' || d.path === 'take_profit_pct' ? `risk.${d.path}` : d.path;
          issues.push({ path: key ? `${base}.${key}` : base, message: d.message });
        }
      } else if (err instanceof EngineError) {
        issues.push({ path: `${base}.name`, message: err.message });
      } else throw err;
      return;
    }
    if (s && r.success) {
      strategies.push({
        id,
        name,
        enabled: s.enabled,
        instruments: s.instruments ?? null,
        params: parsed,
        limits: { maxTradesPerDay: s.limits.max_trades_per_day, maxConcurrentTrades: s.limits.max_concurrent_trades },
        sizing: s.sizing ?? r.data.sizing,
      });
    }
  });
  if (issues.length > 0 || !r.success) {
    // The configuration schema and a strategy's own schema may both flag one value: report it once.
    const seen = new Set<string>();
    throw configError(issues.filter((i) => !seen.has(i.path) && seen.add(i.path)));
  }
  return { config: r.data, strategies };
}

function configError(issues: ConfigIssue[]): EngineError {
  return new EngineError('config.invalid', `invalid configuration:\n${issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}`).join('\n')}`, issues);
}
