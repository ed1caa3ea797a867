/**
 * Read-only views that strategies, sizers and the risk gate get of the portfolio. The implementation
 * lives in `engine/portfolio`; these interfaces keep the other layers independent of it.
 */
import type { Money } from './money';

export interface PositionView {
  instrumentId: string;
  /** Signed quantity units: > 0 long, < 0 short. */
  qty: number;
  /** Average entry price (float, for display and sizing). */
  avgPx: number;
  /** Opened at. */
  tsOpened: number;
  /** Unrealized P&L at the last mark, account currency micro-units. */
  unrealizedPnl: Money;
  /** Market value at the last mark (signed), account currency micro-units. */
  marketValue: Money;
}

export interface PortfolioView {
  readonly accountCurrency: string;
  /** Cash balance, account currency micro-units. */
  cash(): Money;
  /** Cash + unrealized P&L of open positions at the last marks. */
  equity(): Money;
  position(instrumentId: string): PositionView | undefined;
  /** Signed quantity held (0 when flat), without allocating a view. */
  positionQty(instrumentId: string): number;
  openPositions(): readonly PositionView[];
  /** The same positions in no particular (but deterministic) order: cheaper, for hot paths. */
  openPositionsUnordered(): readonly PositionView[];
  openPositionCount(): number;
  /** Sum of |market value| of open positions, account currency. */
  grossExposure(): Money;
  /** Margin used by open positions, account currency. */
  marginUsed(): Money;
  /** Equity at the start of the current UTC day. */
  startOfDayEquity(): Money;
  /** Highest equity seen. */
  peakEquity(): Money;
}
