/**
 * The risk meters as data: from the `risk` view (RiskDto) to one row per limit — value, limit, how
 * full (0..100+ %) and a level (`ok` below 75 %, `warn` from 75 %, `breach` at 100 %, `off` when the
 * check is disabled) — plus price freshness per instrument. Pure, so the store tests run it under Node.
 */
import type { RiskDto } from '../../../../engine/protocol/contract';
import { age, money, pct } from '../../ui/format';

export type MeterLevel = 'ok' | 'warn' | 'breach' | 'off';

export interface MeterRow {
  key: 'exposure' | 'positions' | 'trades' | 'dailyLoss' | 'drawdown';
  label: string;
  value: string;
  limit: string;
  /** Fill of the meter, % of the limit (null when off). */
  fillPct: number | null;
  level: MeterLevel;
  /** What happens at the limit (loss guards). */
  action?: string;
}

export interface FreshnessRow {
  instrumentId: string;
  age: string;
  source: string;
  stale: boolean;
  limit: string;
}

export function levelOf(fillPct: number | null): MeterLevel {
  if (fillPct === null) return 'off';
  if (fillPct >= 100) return 'breach';
  if (fillPct >= 75) return 'warn';
  return 'ok';
}

const fill = (value: number, limit: number | null): number | null => (limit === null ? null : limit <= 0 ? (value > 0 ? 100 : 0) : Math.max(0, (value / limit) * 100));

/** One meter; its level follows from how full it is. */
function meter(key: MeterRow['key'], label: string, value: string, limit: string, fillPct: number | null, action?: MeterRow['action']): MeterRow {
  return { key, label, value, limit, fillPct, level: levelOf(fillPct), ...(action !== undefined ? { action } : {}) };
}

export function riskMeters(r: RiskDto): MeterRow[] {
  const e = r.exposure;
  const exposureFill = e.limit === null ? null : (e.usedPct ?? fill(Number(e.value), Number(e.limit)));
  const off = <T,>(limit: T | null, show: (l: T) => string) => (limit === null ? 'off' : show(limit));
  return [
    meter('exposure', 'Exposure', money(e.value, 0), off(e.limit, (l) => `${money(l, 0)}${e.capPct !== null ? ` (${e.capPct}%)` : ''}`), exposureFill),
    meter('positions', 'Open positions', String(r.openPositions.value), off(r.openPositions.limit, String), fill(r.openPositions.value, r.openPositions.limit)),
    meter('trades', 'Trades today', String(r.tradesToday.value), off(r.tradesToday.limit, String), fill(r.tradesToday.value, r.tradesToday.limit)),
    meter('dailyLoss', 'Daily loss', pct(r.dailyLoss.value, 2), off(r.dailyLoss.limit, (l) => pct(l, 2)), fill(Math.max(0, r.dailyLoss.value), r.dailyLoss.limit), r.dailyLoss.action),
    meter('drawdown', 'Drawdown', pct(r.drawdown.value, 2), off(r.drawdown.limit, (l) => pct(l, 2)), fill(Math.max(0, r.drawdown.value), r.drawdown.limit), r.drawdown.action),
  ];
}

export function freshnessRows(r: RiskDto): FreshnessRow[] {
  return r.freshness.map((f) => ({
    instrumentId: f.instrumentId,
    age: age(f.ageMs),
    source: f.source,
    stale: f.stale,
    limit: f.limitMs === null ? 'off' : age(f.limitMs),
  }));
}
