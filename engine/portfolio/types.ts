/** Records the portfolio produces: closed round-trip trades, position details, the equity curve. */
import type { Money } from '../core/money';
import type { EpochMs } from '../core/time';

/** Why a round trip ended, from the closing fill's order (`trades.csv` exit_reason). */
export type ExitReason = 'signal' | 'stop_loss' | 'take_profit' | 'flatten' | 'end_of_data' | 'reverse';

/**
 * One round trip: a position from flat to open and back to flat (a flip ends one trade and starts the
 * next). Money fields are account-currency micro-units; prices are floats in price units.
 */
export interface TradeRecord {
  instrumentId: string;
  direction: 'LONG' | 'SHORT';
  /** Largest absolute quantity held during the trade, integer units. */
  qty: number;
  entryTs: EpochMs;
  /** Quantity-weighted average price of the fills that opened or added to the trade. */
  entryPx: number;
  exitTs: EpochMs;
  /** Quantity-weighted average price of the fills that reduced or closed the trade. */
  exitPx: number;
  /** Realized P&L net of fees: grossPnl - fees. */
  pnl: Money;
  /** Realized P&L before fees (each closing fill's quote-currency P&L converted at that fill). */
  grossPnl: Money;
  /** Fees of the trade's fills (a flipping fill's fee is split pro rata between the two trades). */
  fees: Money;
  exitReason: ExitReason;
}

/** A position's accounting state, beyond the `PositionView` that other layers see. */
export interface PositionDetail {
  instrumentId: string;
  /** Signed quantity, integer units. */
  qty: number;
  /** Signed cost of the open quantity, quote-currency micro-units (sum of entry notionals left open). */
  costBasis: Money;
  quoteCurrency: string;
  /** Average entry price of the open quantity (float, price units). */
  avgPx: number;
  tsOpened: EpochMs;
  /** Realized P&L before fees since the position opened, account currency. */
  realizedPnl: Money;
  /** Fees paid since the position opened, account currency. */
  fees: Money;
  /** Unrealized P&L at the last mark, account currency. */
  unrealizedPnl: Money;
  /** Signed market value at the last mark, account currency. */
  marketValue: Money;
  /** Signed notional at the last mark, quote currency. */
  markNotional: Money;
}

/**
 * The sampled equity curve as parallel typed arrays (one element per `sampleEquity` call).
 * `ts` is epoch ms; `equity`, `cash` and `grossExposure` are float account-currency units (the exact
 * micro-unit integers divided by 10^6, for statistics and charts); `openPositions` is a count.
 */
export interface EquityCurve {
  readonly length: number;
  readonly ts: Float64Array;
  readonly equity: Float64Array;
  readonly cash: Float64Array;
  readonly grossExposure: Float64Array;
  readonly openPositions: Float64Array;
}
