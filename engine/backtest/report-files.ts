/**
 * The files a backtest writes, as strings (the Node host writes them to disk): trades.csv,
 * orders.csv, equity.csv and metrics.json. Pure and deterministic: the same run gives the same bytes
 * (no wall-clock times, fixed number formatting, stable key order).
 */
import type { CacheView } from '../core/cache';
import { formatDecimal } from '../core/fixed';
import { ticksToPrice, unitsToQty } from '../core/instrument';
import { avgFillTicks, type Order } from '../core/order';
import { isoUtc } from '../core/time';
import type { Metrics } from '../portfolio/metrics';
import type { BacktestResult } from './run-backtest';
import type { EquityCurve, TradeRecord } from '../portfolio/types';

/** A float as fixed decimals with trailing zeros trimmed (keeping `minDecimals`). */
export function fmtNum(x: number, decimals: number, minDecimals = 0): string {
  if (!Number.isFinite(x)) return '';
  let s = x.toFixed(decimals);
  if (s.includes('.')) {
    s = s.replace(/0+$/, '');
    const dot = s.indexOf('.');
    const have = s.length - dot - 1;
    if (have < minDecimals) s = s + '0'.repeat(minDecimals - have);
    if (s.endsWith('.')) s = s.slice(0, -1);
  }
  return s === '-0' ? '0' : s;
}

/** Money (micro-units) as a decimal with at least 2 and at most 6 decimals, exact. */
export function fmtMoney(m: number): string {
  const s = formatDecimal(m, 6).replace(/0{1,4}$/, '');
  return s;
}

function csvCell(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

function csv(header: string[], rows: string[][]): string {
  return [header.join(','), ...rows.map((r) => r.map(csvCell).join(','))].join('\n') + '\n';
}

export const TRADES_HEADER = ['symbol', 'side', 'quantity', 'entry_time', 'entry_price', 'exit_time', 'exit_price', 'pnl', 'fees', 'exit_reason'];

export function tradesCsv(trades: readonly TradeRecord[], cache: CacheView): string {
  return csv(
    TRADES_HEADER,
    trades.map((t) => {
      const inst = cache.instrument(t.instrumentId);
      return [
        t.instrumentId,
        t.direction,
        fmtNum(unitsToQty(inst, t.qty), inst.unitPrecision),
        isoUtc(t.entryTs),
        fmtNum(t.entryPx, inst.pricePrecision + 4),
        isoUtc(t.exitTs),
        fmtNum(t.exitPx, inst.pricePrecision + 4),
        fmtMoney(t.pnl),
        fmtMoney(t.fees),
        t.exitReason,
      ];
    }),
  );
}

export const ORDERS_HEADER = [
  'client_order_id',
  'venue_order_id',
  'strategy',
  'symbol',
  'side',
  'type',
  'role',
  'tif',
  'quantity',
  'price',
  'trigger_price',
  'status',
  'filled_quantity',
  'avg_fill_price',
  'created',
  'updated',
  'parent',
  'oco_group',
  'tag',
  'reason_code',
];

/** `reasons` maps a client order id to the code of its denial, rejection or cancellation. */
export function ordersCsv(orders: readonly Readonly<Order>[], cache: CacheView, reasons: ReadonlyMap<string, string>): string {
  return csv(
    ORDERS_HEADER,
    orders.map((o) => {
      const inst = cache.instrument(o.instrumentId);
      const px = (t: number | null) => (t === null ? '' : fmtNum(ticksToPrice(inst, t), inst.pricePrecision));
      return [
        o.clientOrderId,
        o.venueOrderId ?? '',
        o.strategyId,
        o.instrumentId,
        o.side,
        o.type,
        o.role,
        o.tif,
        fmtNum(unitsToQty(inst, o.qty), inst.unitPrecision),
        px(o.price),
        px(o.triggerPrice),
        o.status,
        fmtNum(unitsToQty(inst, o.filledQty), inst.unitPrecision),
        o.filledQty > 0 ? fmtNum(ticksToPrice(inst, avgFillTicks(o)), inst.pricePrecision + 4) : '',
        isoUtc(o.tsInit),
        isoUtc(o.tsLast),
        o.parentId ?? '',
        o.ocoGroup ?? '',
        o.tag,
        reasons.get(o.clientOrderId) ?? '',
      ];
    }),
  );
}

export const EQUITY_HEADER = ['timestamp', 'equity', 'cash', 'gross_exposure', 'open_positions', 'drawdown_pct'];

export function equityCsv(curve: EquityCurve, startingCash: number): string {
  const rows: string[][] = [];
  let peak = startingCash;
  for (let i = 0; i < curve.length; i++) {
    const eq = curve.equity[i]!;
    if (eq > peak) peak = eq;
    rows.push([
      isoUtc(curve.ts[i]!),
      fmtNum(eq, 6, 2),
      fmtNum(curve.cash[i]!, 6, 2),
      fmtNum(curve.grossExposure[i]!, 6, 2),
      String(curve.openPositions[i]!),
      fmtNum(peak > 0 ? ((peak - eq) / peak) * 100 : 0, 6),
    ]);
  }
  return csv(EQUITY_HEADER, rows);
}

/** metrics.json: the run description and the statistics, keys in a fixed order. */
export function metricsJson(run: Record<string, unknown>, metrics: Metrics): string {
  return JSON.stringify({ run, metrics }, null, 2) + '\n';
}

/** Every output file of a backtest by name, as written by the CLI. */
export function backtestFiles(result: BacktestResult, run: Record<string, unknown>, startingCash: number): Record<string, string> {
  const cache = result.engine.kernel.cache;
  return {
    'trades.csv': tradesCsv(result.trades, cache),
    'orders.csv': ordersCsv(result.orders, cache, result.orderReasons),
    'equity.csv': equityCsv(result.equity, startingCash),
    'metrics.json': metricsJson(run, result.metrics),
  };
}
