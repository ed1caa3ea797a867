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

export function riskMeters(r: RiskDto): MeterRow[] {
  const exposureFill = r.exposure.usedPct ?? (r.exposure.limit === null ? null : fill(Number(r.exposure.value), Number(r.exposure.limit)));
  const rows: MeterRow[] = [
    {
      key: 'exposure',
      label: 'Exposure',
      value: money(r.exposure.value, 0),
      limit: r.exposure.limit === null ? 'off' : `${money(r.exposure.limit, 0)}${r.exposure.capPct !== null ? ` (${r.exposure.capPct}%)` : ''}`,
      fillPct: r.exposure.limit === null ? null : exposureFill,
      level: levelOf(r.exposure.limit === null ? null : exposureFill),
    },
    {
      key: 'positions',
      label: 'Open positions',
      value: String(r.openPositions.value),
      limit: r.openPositions.limit === null ? 'off' : String(r.openPositions.limit),
      fillPct: fill(r.openPositions.value, r.openPositions.limit),
      level: levelOf(fill(r.openPositions.value, r.openPositions.limit)),
    },
    {
      key: 'trades',
      label: 'Trades today',
      value: String(r.tradesToday.value),
      limit: r.tradesToday.limit === null ? 'off' : String(r.tradesToday.limit),
      fillPct: fill(r.tradesToday.value, r.tradesToday.limit),
      level: levelOf(fill(r.tradesToday.value, r.tradesToday.limit)),
    },
    {
      key: 'dailyLoss',
      label: 'Daily loss',
      value: pct(r.dailyLoss.value, 2),
      limit: r.dailyLoss.limit === null ? 'off' : pct(r.dailyLoss.limit, 2),
      fillPct: fill(Math.max(0, r.dailyLoss.value), r.dailyLoss.limit),
      level: levelOf(fill(Math.max(0, r.dailyLoss.value), r.dailyLoss.limit)),
      action: r.dailyLoss.action,
    },
    {
      key: 'drawdown',
      label: 'Drawdown',
      value: pct(r.drawdown.value, 2),
      limit: r.drawdown.limit === null ? 'off' : pct(r.drawdown.limit, 2),
      fillPct: fill(Math.max(0, r.drawdown.value), r.drawdown.limit),
      level: levelOf(fill(Math.max(0, r.drawdown.value), r.drawdown.limit)),
      action: r.drawdown.action,
    },
  ];
  return rows;
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
