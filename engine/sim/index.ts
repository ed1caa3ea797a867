/**
 * engine/sim: the simulated venue and its swappable models, named `<How><Role>` with parameter
 * objects (QuantConnect LEAN style).
 */
export { SimulatedVenue, type InstrumentSource, type SimulatedVenueOptions } from './simulated-venue';
export {
  NextBarOpenFillModel,
  VolumeParticipationFillModel,
  touchOnBar,
  type BarTouch,
  type FillDecision,
  type FillModel,
  type FillRequest,
  type VolumeParticipationFillModelOptions,
} from './fill-models';
export {
  FixedSlippageModel,
  PercentSlippageModel,
  VolatilitySlippageModel,
  ZeroSlippageModel,
  type FixedSlippageModelOptions,
  type PercentSlippageModelOptions,
  type SlippageModel,
  type SlippageRequest,
  type VolatilitySlippageModelOptions,
} from './slippage-models';
export {
  CompositeFeeModel,
  PercentFeeModel,
  PerUnitFeeModel,
  SpreadFeeModel,
  ZeroFeeModel,
  type FeeModel,
  type FeeRequest,
  type PercentFeeModelOptions,
  type PerUnitFeeModelOptions,
  type SpreadFeeModelOptions,
} from './fee-models';
export { ConstantLatencyModel, ZeroLatencyModel, type ConstantLatencyModelOptions, type LatencyModel } from './latency-models';
export { decimalRatio, divHalfEvenBig, intTimes, notionalTimes, type Ratio } from './exact';
export { simLeaves, type Liquidity, type OhlcTicks, type SimOrderView } from './types';
