/**
 * Builds the simulated venue's fee and slippage models from configuration.
 */
import { CompositeFeeModel, FixedSlippageModel, PercentFeeModel, PercentSlippageModel, PerUnitFeeModel, SpreadFeeModel, VolatilitySlippageModel, ZeroFeeModel, ZeroSlippageModel, type FeeModel, type SlippageModel } from '../sim';
import type { EngineConfig } from './config';

export function feeModelFrom(fees: EngineConfig['backtest']['fees']): FeeModel {
  const parts: FeeModel[] = [];
  if (fees.percent !== undefined && fees.percent > 0) parts.push(new PercentFeeModel({ pct: fees.percent }));
  if (fees.per_unit !== undefined && Number(fees.per_unit) > 0) parts.push(new PerUnitFeeModel({ perUnit: fees.per_unit }));
  if (fees.spread_ticks !== undefined && fees.spread_ticks > 0) parts.push(new SpreadFeeModel({ spreadTicks: fees.spread_ticks }));
  if (parts.length === 0) return new ZeroFeeModel();
  return parts.length === 1 ? parts[0]! : new CompositeFeeModel(parts);
}

export function slippageModelFrom(s: EngineConfig['backtest']['slippage']): SlippageModel {
  if (s.ticks !== undefined) return new FixedSlippageModel({ ticks: s.ticks });
  if (s.percent !== undefined) return new PercentSlippageModel({ pct: s.percent });
  if (s.range_fraction !== undefined) return new VolatilitySlippageModel({ fractionOfRange: s.range_fraction });
  return new ZeroSlippageModel();
}
