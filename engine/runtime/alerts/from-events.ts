/**
 * Engine events -> alerts, and the alerts that the host and the venue clients raise themselves (price
 * freshness, venue connection, engine start / stop / restart), built here so that every alert of one
 * kind reads the same wherever it comes from.
 *
 *   OrderFilled                 trade.executed          info
 *   PositionClosed              position.closed         info     (the closing order's role is named)
 *     ... by a STOP_LOSS order  position.stop_loss      warning
 *   OrderRejected               order.rejected          warning  key per rejection code
 *   RiskLimitBreached           risk.limit_breached     critical
 *   TradingStateChanged         risk.state_changed      critical to HALTED, warning to REDUCING, else info
 *   KillSwitchActivated         risk.kill_switch        critical
 *   FlattenCompleted            risk.flatten_completed  critical when failed, else warning
 *   StrategyStateChanged        strategy.faulted        critical (FAULTED only)
 *   ReconciliationDifference    reconcile.difference    warning
 *   ReconciliationCompleted     reconcile.completed     info (warning with differences) / reconcile.failed critical
 *
 * The stop-loss test needs the order that closed the position, and PositionClosed does not name it:
 * the portfolio emits PositionClosed from inside its OrderFilled handler, so on the bus's catch-all
 * subscription PositionClosed arrives first and its OrderFilled right after, in the same synchronous
 * publish. The close is held until that fill names the order (a close that no fill follows, which the
 * engine does not produce today, is still reported, on the next microtask, without the order).
 *
 * `EngineEventAlerts.onEvent` runs inside the engine's publish: it is O(1), never throws (a failure goes
 * to `onError`) and only hands alerts to the router, which sends them later.
 */
import type { CacheView } from '../../core/cache';
import type { EngineEvent, OrderFilled, PositionClosed } from '../../core/events';
import { formatMoney, type Money } from '../../core/money';
import { formatDecimal } from '../../core/fixed';
import type { AlertInput } from './alert';

export interface EventAlertOptions {
  cache: CacheView;
  accountCurrency: string;
  publish: (a: AlertInput) => unknown;
  onError?: (err: unknown, context: string) => void;
}

/** Signed money for people: `+123.45 USD`, `-0.50 USD`. */
export function signedMoney(m: Money, ccy: string): string {
  const s = formatMoney(m, 2);
  return `${m > 0 ? '+' : ''}${s} ${ccy}`;
}

export class EngineEventAlerts {
  private readonly pending = new Map<string, PositionClosed>();
  private flushQueued = false;

  constructor(private readonly o: EventAlertOptions) {}

  /** Subscribe it with `bus.onAny`. */
  onEvent(e: EngineEvent): void {
    try {
      this.handle(e);
    } catch (err) {
      try {
        this.o.onError?.(err, `alert for ${e.type}`);
      } catch {
        // nowhere further to report; the engine must go on
      }
    }
  }

  private px(instrumentId: string, ticks: number): string {
    const c = this.o.cache;
    return c.hasInstrument(instrumentId) ? formatDecimal(ticks, c.instrument(instrumentId).pricePrecision) : String(ticks);
  }

  private qty(instrumentId: string, units: number): string {
    const c = this.o.cache;
    return c.hasInstrument(instrumentId) ? formatDecimal(units, c.instrument(instrumentId).unitPrecision) : String(units);
  }

  /** An average price (not on the tick grid): two more decimals than the instrument has. */
  private avg(instrumentId: string, px: number): string {
    const c = this.o.cache;
    return c.hasInstrument(instrumentId) ? px.toFixed(c.instrument(instrumentId).pricePrecision + 2) : String(px);
  }

  private handle(e: EngineEvent): void {
    const pub = this.o.publish;
    switch (e.type) {
      case 'OrderFilled': {
        const order = this.o.cache.order(e.clientOrderId);
        const role = order?.role ?? 'ENTRY';
        pub({
          severity: 'info',
          kind: 'trade.executed',
          key: `fill:${e.tradeId}`,
          title: `${e.side} ${this.qty(e.instrumentId, e.lastQty)} ${e.instrumentId} @ ${this.px(e.instrumentId, e.lastPx)}`,
          text: `order ${e.clientOrderId} (${e.strategyId}, ${role}) filled ${this.qty(e.instrumentId, e.lastQty)}, ${this.qty(e.instrumentId, e.leavesQty)} left; fee ${formatMoney(e.fee, 2)} ${e.feeCurrency}`,
          ts: e.tsEvent,
        });
        const closed = this.pending.get(e.instrumentId);
        if (closed !== undefined) {
          this.pending.delete(e.instrumentId);
          this.closeAlert(closed, e, role);
        }
        return;
      }
      case 'PositionClosed': {
        const earlier = this.pending.get(e.instrumentId);
        if (earlier !== undefined) this.closeAlert(earlier, null, null);
        this.pending.set(e.instrumentId, e);
        if (!this.flushQueued) {
          this.flushQueued = true;
          queueMicrotask(() => this.flush());
        }
        return;
      }
      case 'OrderRejected':
        pub({ severity: 'warning', kind: 'order.rejected', key: `reject:${e.code}`, title: `Order ${e.clientOrderId} rejected by the venue: ${e.code}`, text: e.reason, ts: e.tsEvent });
        return;
      case 'RiskLimitBreached':
        pub({
          severity: 'critical',
          kind: 'risk.limit_breached',
          key: `risk:${e.guard}`,
          title: `Risk limit breached: ${e.guard} ${e.value.toFixed(2)}% (limit ${e.limit}%)`,
          text: `The ${e.guard} guard asks for ${e.action}.`,
          ts: e.tsEvent,
        });
        return;
      case 'TradingStateChanged': {
        const severity = e.to === 'HALTED' ? 'critical' : e.to === 'REDUCING' ? 'warning' : 'info';
        pub({ severity, kind: 'risk.state_changed', key: `state:${e.to}:${e.source}`, title: `Trading ${e.from} -> ${e.to}`, text: `${e.reason} (${e.source})`, ts: e.tsEvent });
        return;
      }
      case 'KillSwitchActivated':
        pub({ severity: 'critical', kind: 'risk.kill_switch', key: `kill:${e.action}`, title: `Kill switch: ${e.action}`, text: `${e.reason} (${e.source})`, ts: e.tsEvent });
        return;
      case 'FlattenCompleted': {
        const r = e.report;
        const closed = r.closes.filter((c) => c.status === 'closed').length;
        const lines = r.closes.map((c) => `${c.instrumentId} ${c.status}: ${this.qty(c.instrumentId, c.closedQty)} of ${this.qty(c.instrumentId, Math.abs(c.startQty))}${c.avgPx !== null ? ` @ ${this.avg(c.instrumentId, c.avgPx)}` : ''}`);
        for (const f of r.failures) lines.push(`failure ${f.instrumentId} ${f.clientOrderId}: ${f.code} ${f.reason}`);
        pub({
          severity: r.status === 'completed' ? 'warning' : 'critical',
          kind: 'risk.flatten_completed',
          key: `flatten:${r.flattenId}`,
          title: `Flatten ${r.status}: ${closed} of ${r.closes.length} positions closed, ${r.cancels.length} orders canceled, ${r.failures.length} failures`,
          text: lines.join('\n'),
          ts: e.tsEvent,
        });
        return;
      }
      case 'StrategyStateChanged':
        if (e.state === 'FAULTED') pub({ severity: 'critical', kind: 'strategy.faulted', key: `strategy:${e.strategyId}:faulted`, title: `Strategy ${e.strategyId} faulted`, text: e.reason, ts: e.tsEvent });
        return;
      case 'ReconciliationDifference':
        pub({
          severity: 'warning',
          kind: 'reconcile.difference',
          key: `reconcile:${e.id}`,
          title: `Reconciliation: ${e.kind.replace(/_/g, ' ')}${e.instrument !== null ? ` on ${e.instrument}` : ''}${e.orderId !== null ? ` (order ${e.orderId})` : ''}`,
          text: `journal: ${e.journal}\nvenue: ${e.venue}\n${e.detail}`,
          ts: e.tsEvent,
        });
        return;
      case 'ReconciliationCompleted':
        if (e.status === 'failed') {
          pub({ severity: 'critical', kind: 'reconcile.failed', key: `reconcile:failed:${e.venue}`, title: `Reconciliation with ${e.venue} failed: no trading`, text: `${e.code ?? ''} ${e.reason}`.trim(), ts: e.tsEvent });
        } else {
          pub({
            severity: e.differences > 0 ? 'warning' : 'info',
            kind: 'reconcile.completed',
            key: `reconcile:completed:${e.venue}`,
            title: `Reconciled with ${e.venue}: ${e.differences} ${e.differences === 1 ? 'difference' : 'differences'} adopted`,
            text: e.reason,
            ts: e.tsEvent,
          });
        }
        return;
      default:
        return;
    }
  }

  private closeAlert(e: PositionClosed, fill: OrderFilled | null, role: string | null): void {
    const pnl = signedMoney(e.totalRealizedPnl, this.o.accountCurrency);
    const how = fill === null ? '' : `closed by ${fill.clientOrderId} (${role}): ${fill.side} ${this.qty(fill.instrumentId, fill.lastQty)} @ ${this.px(fill.instrumentId, fill.lastPx)}`;
    if (role === 'STOP_LOSS') {
      this.o.publish({ severity: 'warning', kind: 'position.stop_loss', key: `close:${e.instrumentId}:${e.id}`, title: `Stop-loss hit on ${e.instrumentId}: P&L ${pnl}`, text: how, ts: e.tsEvent });
      return;
    }
    const what = role === 'TAKE_PROFIT' ? ' (take-profit)' : role === 'FLATTEN' ? ' (flatten)' : '';
    this.o.publish({ severity: 'info', kind: 'position.closed', key: `close:${e.instrumentId}:${e.id}`, title: `${e.instrumentId} position closed${what}: P&L ${pnl}`, text: how, ts: e.tsEvent });
  }

  /** Reports closes that no fill followed (none today; kept so that nothing is lost if one appears). */
  private flush(): void {
    this.flushQueued = false;
    try {
      for (const e of [...this.pending.values()]) this.closeAlert(e, null, null);
    } catch (err) {
      this.o.onError?.(err, 'alert for PositionClosed');
    } finally {
      this.pending.clear();
    }
  }
}

// ------------------------------------------------------------------ alerts the host raises

const mins = (ms: number) => (ms >= 120_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`);

/** Alerts for conditions that are not engine events: the host and the venue clients call these and `router.publish`. */
export const hostAlerts = {
  priceStale(instrumentId: string, ageMs: number, ts: number): AlertInput {
    return { severity: 'warning', kind: 'data.stale', key: `price:${instrumentId}`, title: `Price data stale: ${instrumentId}`, text: `no price for ${mins(ageMs)}; no entries until it is fresh`, ts };
  },
  priceRestored(instrumentId: string, staleForMs: number, ts: number): AlertInput {
    return { severity: 'info', kind: 'data.restored', key: `price:${instrumentId}:restored`, title: `Price data restored: ${instrumentId}`, text: `stale for ${mins(staleForMs)}`, ts };
  },
  venueDisconnected(venue: string, reason: string, ts: number): AlertInput {
    return { severity: 'critical', kind: 'venue.disconnected', key: `venue:${venue}`, title: `Venue ${venue} disconnected`, text: reason, ts };
  },
  venueReconnected(venue: string, downMs: number, ts: number): AlertInput {
    return { severity: 'info', kind: 'venue.reconnected', key: `venue:${venue}:up`, title: `Venue ${venue} reconnected`, text: `down for ${mins(downMs)}`, ts };
  },
  engineStarted(detail: string, ts: number): AlertInput {
    return { severity: 'info', kind: 'engine.started', key: 'engine:started', title: 'Engine started', text: detail, ts };
  },
  engineStopped(detail: string, ts: number): AlertInput {
    return { severity: 'warning', kind: 'engine.stopped', key: 'engine:stopped', title: 'Engine stopped', text: detail, ts };
  },
  engineRestarted(detail: string, ts: number): AlertInput {
    return { severity: 'critical', kind: 'engine.restarted', key: 'engine:restarted', title: 'Engine restarted after an unclean stop (crash or kill)', text: detail, ts };
  },
} as const;
