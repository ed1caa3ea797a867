import { EngineError } from '../core/errors';
import { MAX_PERIOD } from './validate';

/**
 * Data describing every indicator, for UIs that list indicators and build parameter forms. The
 * defaults here are the constructor / batch-function defaults.
 */

export type IndicatorId = 'sma' | 'ema' | 'rsi' | 'macd' | 'bb' | 'atr' | 'vwap' | 'obv' | 'roc' | 'pivots' | 'correlation';

/** Input series an indicator reads; `ts` is the bar open time (epoch ms); `x`/`y` are any two series. */
export type IndicatorInput = 'close' | 'high' | 'low' | 'volume' | 'ts' | 'x' | 'y';

export interface IndicatorParamDescriptor {
  /** Constructor / batch argument name, in argument order. */
  name: string;
  label: string;
  type: 'integer' | 'number';
  default: number;
  min: number;
  max?: number;
}

export interface IndicatorDescriptor {
  id: IndicatorId;
  name: string;
  /** Streaming class exported from `engine/indicators`. */
  className: string;
  /** Batch function exported from `engine/indicators`. */
  batchName: string;
  /** Arguments of `add(...)`, in order (`ts` optional where listed). */
  inputs: readonly IndicatorInput[];
  params: readonly IndicatorParamDescriptor[];
  /** Output field names; the first one is `value`. */
  outputs: readonly string[];
  /** Drawn over the price (same scale) rather than in a separate pane. */
  overlay: boolean;
}

const period = (def: number, min = 1): IndicatorParamDescriptor => ({
  name: 'period',
  label: 'Period',
  type: 'integer',
  default: def,
  min,
  max: MAX_PERIOD,
});

export const INDICATORS: readonly IndicatorDescriptor[] = [
  {
    id: 'sma',
    name: 'Simple moving average',
    className: 'Sma',
    batchName: 'sma',
    inputs: ['close'],
    params: [period(20)],
    outputs: ['value'],
    overlay: true,
  },
  {
    id: 'ema',
    name: 'Exponential moving average',
    className: 'Ema',
    batchName: 'ema',
    inputs: ['close'],
    params: [period(20)],
    outputs: ['value'],
    overlay: true,
  },
  {
    id: 'rsi',
    name: 'Relative strength index',
    className: 'Rsi',
    batchName: 'rsi',
    inputs: ['close'],
    params: [period(14)],
    outputs: ['value'],
    overlay: false,
  },
  {
    id: 'macd',
    name: 'MACD',
    className: 'Macd',
    batchName: 'macd',
    inputs: ['close'],
    params: [
      { name: 'fastPeriod', label: 'Fast period', type: 'integer', default: 12, min: 1, max: MAX_PERIOD },
      { name: 'slowPeriod', label: 'Slow period', type: 'integer', default: 26, min: 2, max: MAX_PERIOD },
      { name: 'signalPeriod', label: 'Signal period', type: 'integer', default: 9, min: 1, max: MAX_PERIOD },
    ],
    outputs: ['macd', 'signal', 'histogram'],
    overlay: false,
  },
  {
    id: 'bb',
    name: 'Bollinger Bands',
    className: 'BollingerBands',
    batchName: 'bollinger',
    inputs: ['close'],
    params: [period(20), { name: 'multiplier', label: 'Std dev multiplier', type: 'number', default: 2, min: 0 }],
    outputs: ['middle', 'upper', 'lower'],
    overlay: true,
  },
  {
    id: 'atr',
    name: 'Average true range',
    className: 'Atr',
    batchName: 'atr',
    inputs: ['high', 'low', 'close'],
    params: [period(14)],
    outputs: ['value'],
    overlay: false,
  },
  {
    id: 'vwap',
    name: 'VWAP (UTC-day session)',
    className: 'Vwap',
    batchName: 'vwap',
    inputs: ['high', 'low', 'close', 'volume', 'ts'],
    params: [],
    outputs: ['value'],
    overlay: true,
  },
  {
    id: 'obv',
    name: 'On-balance volume',
    className: 'Obv',
    batchName: 'obv',
    inputs: ['close', 'volume'],
    params: [],
    outputs: ['value'],
    overlay: false,
  },
  {
    id: 'roc',
    name: 'Rate of change (%)',
    className: 'Roc',
    batchName: 'roc',
    inputs: ['close'],
    params: [period(10)],
    outputs: ['value'],
    overlay: false,
  },
  {
    id: 'pivots',
    name: 'Pivot points (classic, previous UTC day)',
    className: 'PivotPoints',
    batchName: 'pivots',
    inputs: ['high', 'low', 'close', 'ts'],
    params: [],
    outputs: ['pivot', 'r1', 'r2', 'r3', 's1', 's2', 's3'],
    overlay: true,
  },
  {
    id: 'correlation',
    name: 'Rolling correlation (Pearson)',
    className: 'Correlation',
    batchName: 'correlation',
    inputs: ['x', 'y'],
    params: [period(20, 2)],
    outputs: ['value'],
    overlay: false,
  },
];

/** The descriptor of `id`. */
export function indicatorDescriptor(id: IndicatorId): IndicatorDescriptor {
  const d = INDICATORS.find((x) => x.id === id);
  if (d === undefined) throw new EngineError('indicator.unknown', `unknown indicator "${String(id)}"`);
  return d;
}
