export { Portfolio, UNKNOWN_INSTRUMENT, INVALID_FILL, type PortfolioOptions, type PositionEvent } from './portfolio';
export {
  CurrencyConverter,
  convertMoney,
  findConversionRoute,
  applyRoute,
  routeRateTicks,
  convertAtTicks,
  NO_CONVERSION_RATE,
  type ConversionRoute,
} from './conversion';
export { EquityCurveBuffer } from './equity-curve';
export {
  computeMetrics,
  dailyReturns,
  monthlyReturns,
  historicalVar,
  formatMetricsTable,
  INVALID_METRICS_INPUT,
  type Metrics,
  type MetricsInput,
  type EquitySeries,
  type DailyEquity,
  type MonthlyReturn,
} from './metrics';
export type { TradeRecord, ExitReason, PositionDetail, EquityCurve } from './types';
