/**
 * What a kill-switch flatten did, as plain JSON-safe data (the `FlattenCompleted` event carries it and
 * the host shows or journals it as is). Prices are given twice: `px` as a decimal number for people,
 * `pxTicks` as the exact integer the venue filled at.
 */
import type { OrderRole, OrderSide } from './order';
import type { EpochMs } from './time';

export interface FlattenCancel {
  clientOrderId: string;
  instrumentId: string;
  role: OrderRole;
  side: OrderSide;
  /** Units still open when the cancel was asked. */
  openQty: number;
  /** Where the order ended: 'canceled' when the venue confirmed, else its final or current status. */
  outcome: 'canceled' | 'filled' | 'expired' | 'rejected' | 'pending' | 'cancel_rejected';
  /** When the order was asked to cancel (kill-switch pass 1 = at activation, later = a re-check on market data). */
  pass: number;
}

export interface FlattenFill {
  tradeId: string;
  qty: number;
  px: number;
  pxTicks: number;
  ts: EpochMs;
}

export interface FlattenAttempt {
  /** 1, 2, ... per instrument. */
  attempt: number;
  clientOrderId: string;
  ts: EpochMs;
  side: OrderSide;
  qty: number;
  outcome: 'working' | 'filled' | 'partially_filled' | 'denied' | 'rejected' | 'canceled' | 'expired';
  /** Denial / rejection code and reason, when the attempt failed. */
  code?: string;
  reason?: string;
}

export interface FlattenClose {
  instrumentId: string;
  /** Signed position when the flatten first saw it. */
  startQty: number;
  attempts: FlattenAttempt[];
  fills: FlattenFill[];
  /** Units closed by the flatten's own fills. */
  closedQty: number;
  /** Volume-weighted close price of those fills (null when nothing filled). */
  avgPx: number | null;
  status: 'closed' | 'failed' | 'pending';
}

export interface FlattenReport {
  /** Sequence number of the flatten within this engine (1, 2, ...). */
  flattenId: number;
  reason: string;
  source: string;
  startedAt: EpochMs;
  completedAt: EpochMs | null;
  /** 'completed': no position and no working order left; 'failed': a close ran out of attempts. */
  status: 'in_progress' | 'completed' | 'failed';
  /** Strategies that were running and were stopped before anything else. */
  strategiesStopped: string[];
  cancels: FlattenCancel[];
  closes: FlattenClose[];
  /** Every failed step, in order, for the operator (a close denied or rejected, a cancel refused). */
  failures: { ts: EpochMs; instrumentId: string; clientOrderId: string; code: string; reason: string }[];
  maxAttempts: number;
}
