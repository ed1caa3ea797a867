/**
 * What the backtest and paper commands share: the data and strategy options, how the configuration
 * file and the command line combine into one validated configuration, and loading the data.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { EngineError } from '../../core/errors';
import { parseResolution } from '../../core/time';
import { validateConfig, type EngineConfig, type ResolvedStrategy } from '../../runtime/config';
import { loadBacktestData, type BacktestData } from '../backtest/load-backtest-data';
import { loadConfigFile } from '../config/load-config';
import { parseParams, parseTimestampText } from './parse-args';

export interface SessionOptions {
  data: string;
  symbols?: string;
  from?: string;
  to?: string;
  resolution?: string;
  strategy?: string;
  param: string[];
  config?: string;
}

/** Adds --data, --symbols, --from, --to, --resolution, --strategy, --param and --config. */
export function addSessionOptions(cmd: Command, defaultData: string): Command {
  return cmd
    .option('--data <file|dir>', 'a bar file or a folder of them', defaultData)
    .option('--symbols <A,B>', 'only these symbols (folder data)')
    .option('--from <date>', 'first bar time, UTC (2018-03-01 or 2018-03-01T14:30)')
    .option('--to <date>', 'end time, UTC, exclusive')
    .option('--resolution <res>', 'only files of this resolution (1min, 5min, 15min, 30min, 1h, 4h, 1d)')
    .option('--strategy <name>', "strategy (default: the config file's, else ema_cross)")
    .option('--param <k=v>', 'strategy parameter, repeatable (e.g. --param fast=8 --param slow=21)', (v: string, acc: string[]) => [...acc, v], [])
    .option('--config <file.yaml>', 'engine configuration (strategy, risk limits, account, costs)');
}

/**
 * The configuration file, then the command line on top, validated once as a whole. `--strategy` with
 * another name than the file's keeps the file's `risk` and `limits` for it; `--param` overrides
 * parameters. `edit` adds other command-line overrides to the raw configuration before validation.
 * `raw` is the file as read (without the command line), for hosts that keep it.
 */
export async function resolveSessionConfig(
  o: SessionOptions,
  edit: (raw: Record<string, unknown>, cfg: Record<string, unknown>) => void = () => {},
): Promise<{ config: EngineConfig; strategies: ResolvedStrategy[]; raw: Record<string, unknown> }> {
  const raw = (o.config ? (await loadConfigFile(o.config)).raw : {}) as Record<string, unknown>;
  const cfg: Record<string, unknown> = { ...raw };
  if (raw.strategies) {
    if (o.strategy !== undefined || o.param.length > 0) {
      throw new EngineError('usage.multiple_strategies', '--strategy/--param cannot be used with a config that lists several strategies');
    }
  } else {
    const fileStrategy = (raw.strategy ?? null) as Record<string, unknown> | null;
    const name = o.strategy ?? (fileStrategy?.name as string | undefined) ?? 'ema_cross';
    const base =
      fileStrategy && fileStrategy.name === name
        ? fileStrategy
        : { name, ...(fileStrategy?.risk ? { risk: fileStrategy.risk } : {}), ...(fileStrategy?.limits ? { limits: fileStrategy.limits } : {}) };
    cfg.strategy = { ...base, ...parseParams(o.param) };
  }
  edit(raw, cfg);
  return { ...validateConfig(cfg), raw };
}

export function loadSessionData(o: SessionOptions, config: EngineConfig): Promise<BacktestData> {
  return loadBacktestData(
    {
      path: resolve(o.data),
      symbols: o.symbols?.split(',').map((s) => s.trim()).filter(Boolean),
      from: o.from ? parseTimestampText(o.from, '--from') : undefined,
      to: o.to ? parseTimestampText(o.to, '--to') : undefined,
      resolution: o.resolution ? parseResolution(o.resolution) : undefined,
    },
    config,
  );
}
