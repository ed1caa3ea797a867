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

const pct = (max: number) => z.number().gt(0).max(max);
const decimalString = z
  .union([z.string(), z.number()])
  .transform((v) => String(v))
  .refine((s) => /^\d+(\.\d+)?$/.test(s), { message: 'must be a non-negative decimal number' });

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
    sizing: z
      .discriminatedUnion('method', [
        z.object({ method: z.literal('fixed_fraction'), fraction_pct: pct(100).default(2) }).strict(),
        z.object({ method: z.literal('fixed_risk'), risk_pct: pct(100).default(0.5) }).strict(),
      ])
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
    account: z
      .object({
        currency: z.string().regex(/^[A-Z]{3}$/).default('USD'),
        starting_cash: decimalString.default('100000'),
      })
      .strict()
      .default({ currency: 'USD', starting_cash: '100000' }),
    sizing: z
      .discriminatedUnion('method', [
        z.object({ method: z.literal('fixed_fraction'), fraction_pct: pct(100).default(2) }).strict(),
        z.object({ method: z.literal('fixed_risk'), risk_pct: pct(100).default(0.5) }).strict(),
      ])
      .default({ method: 'fixed_fraction', fraction_pct: 2 }),
    backtest: z
      .object({
        fees: feeConfigSchema.default({}),
        slippage: slippageConfigSchema.default({}),
        close_at_end: z.boolean().default(true).describe('close open positions at the last close'),
      })
      .strict()
      .default({ fees: {}, slippage: {}, close_at_end: true }),
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
    if (risk.stop_loss_pct !== undefined) params.stop_loss_pct = risk.stop_loss_pct;
    if (risk.take_profit_pct !== undefined) params.take_profit_pct = risk.take_profit_pct;
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
