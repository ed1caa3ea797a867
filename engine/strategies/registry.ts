/**
 * The strategies the engine knows, by name, and parameter parsing with coded errors.
 */
import { z } from 'zod';
import { EngineError } from '../core/errors';
import { emaCross } from './ema-cross';
import { emaCrossMomentum } from './ema-cross-momentum';
import type { Strategy, StrategyDefinition } from './strategy';

export const STRATEGIES: ReadonlyMap<string, StrategyDefinition> = new Map<string, StrategyDefinition>([
  [emaCross.name, emaCross as unknown as StrategyDefinition],
  [emaCrossMomentum.name, emaCrossMomentum as unknown as StrategyDefinition],
]);

export function strategyDefinition(name: string): StrategyDefinition {
  const def = STRATEGIES.get(name);
  if (!def) throw new EngineError('strategy.unknown', `unknown strategy "${name}" (known: ${[...STRATEGIES.keys()].join(', ')})`);
  return def;
}

/** Parses raw parameters against the strategy's schema; every problem is listed in `details`. */
export function parseStrategyParams(name: string, raw: unknown): Record<string, unknown> {
  const def = strategyDefinition(name);
  const r = def.params.safeParse(raw ?? {});
  if (!r.success) {
    const issues = r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw new EngineError('strategy.invalid_params', `invalid parameters for ${name}: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`, issues);
  }
  return r.data as Record<string, unknown>;
}

export function createStrategy(name: string, id: string, rawParams: unknown, instruments: readonly string[]): Strategy {
  const def = strategyDefinition(name);
  return def.create(id, parseStrategyParams(name, rawParams), instruments);
}

/** JSON description of every strategy's parameters (for the UI and `--help`). */
export function describeStrategies(): { name: string; description: string; params: unknown }[] {
  return [...STRATEGIES.values()].map((d) => ({ name: d.name, description: d.description, params: z.toJSONSchema(d.params, { io: 'input', unrepresentable: 'any' }) }));
}
