/**
 * Streaming and batch technical indicators (pure TS: no node:, DOM or electron imports).
 * Every indicator has a streaming class (`add` / `replace` / `value` / `isReady` / `count` / `reset`,
 * see `StreamingIndicator`) and a batch function returning Float64Arrays aligned to the input with NaN
 * during warm-up; both give bit-identical results. Bad parameters throw `indicator.invalid_param`,
 * NaN/±Infinity inputs throw `indicator.invalid_input` (state unchanged).
 */
export type { StreamingIndicator } from './types';
export { INVALID_INPUT, INVALID_PARAM } from './validate';
export { Sma, sma } from './sma';
export { Ema, ema, emaAlpha } from './ema';
export { Rsi, rsi } from './rsi';
export { Macd, macd, type MacdSeries } from './macd';
export { BollingerBands, bollinger, type BollingerSeries } from './bollinger';
export { Atr, atr, trueRange } from './atr';
export { Vwap, vwap } from './vwap';
export { Obv, obv } from './obv';
export { Roc, roc } from './roc';
export { PivotPoints, pivots, pivotLevels, type PivotLevels, type PivotSeries } from './pivots';
export { Correlation, correlation } from './correlation';
export {
  INDICATORS,
  indicatorDescriptor,
  type IndicatorDescriptor,
  type IndicatorId,
  type IndicatorInput,
  type IndicatorParamDescriptor,
} from './descriptors';
