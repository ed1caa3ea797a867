/**
 * The daily / weekly summary: figures of one period computed from what the journal holds (the rows are
 * read by engine/node/alerts/summary-queries.ts), and its text for people.
 *
 *   P&L          equity at the end of the period minus equity at its start (exact micro-units)
 *   trades       positions closed in the period (round trips); a win has net P&L > 0 (fees included),
 *                a loss < 0 (the README's trade conventions); win rate = wins / trades
 *   drawdown     the deepest fall from a peak inside the period (the peak starts at the start equity),
 *                and the distance of the final equity below the all-time peak
 *   exposure     gross exposure / equity at the end, and the most it reached in the period
 *   risk events  guard breaches, denials by code, trading state changes, kill-switch uses
 *
 * Money stays integer micro-units; ratios are plain numbers (fractions) used for display only.
 */
import { formatMoney, type Money } from '../../core/money';
import { isoUtc } from './alert';
import { signedMoney } from './from-events';
import type { Period, SummaryKind } from './schedule';

export interface EquityRow {
  ts: number;
  equity: Money;
  grossExposure: Money;
  openPositions: number;
}

export interface RiskEventRow {
  ts: number;
  /** RiskLimitBreached, OrderDenied, OrderModifyDenied, TradingStateChanged, KillSwitchActivated */
  type: string;
  /** guard, denial code, `FROM->TO`, or kill-switch action */
  code: string;
  reason: string;
  source: string;
}

export interface SummaryData {
  currency: string;
  /** The last equity sample at or before the period's start, or null (then the first sample inside it). */
  before: EquityRow | null;
  /** Equity samples inside the period (from, to], in time order. */
  samples: EquityRow[];
  /** Highest equity ever sampled up to the period's end, or null. */
  peakEquity: Money | null;
  /** Net P&L (fees included) of every position closed in the period, in closing order. */
  closedTrades: { ts: number; instrumentId: string; pnl: Money }[];
  fills: number;
  /** Fees of those fills per fee currency, micro-units of that currency (non-zero only). */
  fees: { currency: string; amount: Money }[];
  riskEvents: RiskEventRow[];
}

export interface Summary {
  kind: SummaryKind;
  period: Period;
  currency: string;
  startEquity: Money | null;
  endEquity: Money | null;
  pnl: Money | null;
  /** pnl / startEquity */
  returnPct: number | null;
  trades: number;
  wins: number;
  losses: number;
  /** wins / trades, null without trades */
  winRate: number | null;
  grossWin: Money;
  grossLoss: Money;
  best: { instrumentId: string; pnl: Money } | null;
  worst: { instrumentId: string; pnl: Money } | null;
  fills: number;
  fees: { currency: string; amount: Money }[];
  /** Deepest fall from a peak inside the period, fraction (0.05 = 5 %). */
  maxDrawdown: number | null;
  /** Final equity below the all-time peak, fraction. */
  drawdownFromPeak: number | null;
  grossExposure: Money | null;
  /** Gross exposure / equity at the end, fraction. */
  exposure: number | null;
  maxExposure: number | null;
  openPositions: number | null;
  risk: {
    breaches: { guard: string; ts: number; reason: string }[];
    denials: Record<string, number>;
    stateChanges: { ts: number; change: string; source: string; reason: string }[];
    killSwitch: { ts: number; action: string; source: string; reason: string }[];
  };
}

export function computeSummary(kind: SummaryKind, period: Period, d: SummaryData): Summary {
  const first = d.before ?? d.samples[0] ?? null;
  const last = d.samples.length > 0 ? d.samples[d.samples.length - 1]! : d.before;
  const startEquity = first?.equity ?? null;
  const endEquity = last?.equity ?? null;
  const pnl = startEquity !== null && endEquity !== null ? endEquity - startEquity : null;

  let maxDd: number | null = null;
  let maxExp: number | null = null;
  if (first !== null) {
    let peak = first.equity;
    maxDd = 0;
    for (const s of [first, ...d.samples]) {
      if (s.equity > peak) peak = s.equity;
      if (peak > 0) maxDd = Math.max(maxDd, (peak - s.equity) / peak);
      if (s.equity > 0) maxExp = Math.max(maxExp ?? 0, s.grossExposure / s.equity);
    }
  }

  let wins = 0;
  let losses = 0;
  let grossWin = 0;
  let grossLoss = 0;
  let best: Summary['best'] = null;
  let worst: Summary['worst'] = null;
  for (const t of d.closedTrades) {
    if (t.pnl > 0) {
      wins++;
      grossWin += t.pnl;
    } else if (t.pnl < 0) {
      losses++;
      grossLoss += t.pnl;
    }
    if (best === null || t.pnl > best.pnl) best = { instrumentId: t.instrumentId, pnl: t.pnl };
    if (worst === null || t.pnl < worst.pnl) worst = { instrumentId: t.instrumentId, pnl: t.pnl };
  }
  const trades = d.closedTrades.length;

  const risk: Summary['risk'] = { breaches: [], denials: {}, stateChanges: [], killSwitch: [] };
  for (const r of d.riskEvents) {
    if (r.type === 'RiskLimitBreached') risk.breaches.push({ guard: r.code, ts: r.ts, reason: r.reason });
    else if (r.type === 'OrderDenied' || r.type === 'OrderModifyDenied') risk.denials[r.code] = (risk.denials[r.code] ?? 0) + 1;
    else if (r.type === 'TradingStateChanged') risk.stateChanges.push({ ts: r.ts, change: r.code, source: r.source, reason: r.reason });
    else if (r.type === 'KillSwitchActivated') risk.killSwitch.push({ ts: r.ts, action: r.code, source: r.source, reason: r.reason });
  }

  const peak = d.peakEquity !== null && endEquity !== null ? Math.max(d.peakEquity, endEquity) : null;
  return {
    kind,
    period,
    currency: d.currency,
    startEquity,
    endEquity,
    pnl,
    returnPct: pnl !== null && startEquity !== null && startEquity > 0 ? pnl / startEquity : null,
    trades,
    wins,
    losses,
    winRate: trades > 0 ? wins / trades : null,
    grossWin,
    grossLoss,
    best,
    worst,
    fills: d.fills,
    fees: d.fees,
    maxDrawdown: maxDd,
    drawdownFromPeak: peak !== null && endEquity !== null && peak > 0 ? (peak - endEquity) / peak : null,
    grossExposure: last?.grossExposure ?? null,
    exposure: last !== null && last.equity > 0 ? last.grossExposure / last.equity : null,
    maxExposure: maxExp,
    openPositions: last?.openPositions ?? null,
    risk,
  };
}

const pct = (f: number | null, digits = 2) => (f === null ? 'n/a' : `${(f * 100).toFixed(digits)}%`);

/** Local date-time of an instant in the summary's zone, `2024-01-02 17:00 America/New_York`. */
function local(ts: number, tz: string): string {
  const s = new Intl.DateTimeFormat('en-CA', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).format(new Date(ts));
  return `${s.replace(',', '')} ${tz}`;
}

/** The summary as an alert's title and plain text. */
export function formatSummary(s: Summary, timezone: string): { title: string; text: string } {
  const ccy = s.currency;
  const name = s.kind === 'daily' ? 'Daily' : 'Weekly';
  const title = s.pnl === null ? `${name} summary: no equity recorded` : `${name} summary: P&L ${signedMoney(s.pnl, ccy)} (${pct(s.returnPct)})`;
  const lines: string[] = [];
  lines.push(`Period: ${local(s.period.from, timezone)} -> ${local(s.period.to, timezone)}`);
  if (s.startEquity !== null && s.endEquity !== null) lines.push(`Equity: ${formatMoney(s.startEquity, 2)} -> ${formatMoney(s.endEquity, 2)} ${ccy}`);
  lines.push(
    `Trades: ${s.trades} closed, ${s.wins} won, ${s.losses} lost, win rate ${pct(s.winRate, 1)}` +
      (s.trades > 0 ? `; won ${formatMoney(s.grossWin, 2)}, lost ${formatMoney(s.grossLoss, 2)} ${ccy}` : ''),
  );
  if (s.best !== null && s.worst !== null) lines.push(`Best ${s.best.instrumentId} ${signedMoney(s.best.pnl, ccy)}, worst ${s.worst.instrumentId} ${signedMoney(s.worst.pnl, ccy)}`);
  lines.push(`Fills: ${s.fills}, fees ${s.fees.length === 0 ? `0.00 ${ccy}` : s.fees.map((f) => `${formatMoney(f.amount, 2)} ${f.currency}`).join(', ')}`);
  lines.push(`Drawdown: max ${pct(s.maxDrawdown)} in the period, ${pct(s.drawdownFromPeak)} below the peak now`);
  lines.push(
    `Exposure: ${s.grossExposure === null ? 'n/a' : `${formatMoney(s.grossExposure, 2)} ${ccy}`} gross (${pct(s.exposure)} of equity, max ${pct(s.maxExposure)}), ${s.openPositions ?? 'n/a'} open positions`,
  );
  const r = s.risk;
  const denials = Object.entries(r.denials)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([c, n]) => `${c} x${n}`);
  if (r.breaches.length + r.stateChanges.length + r.killSwitch.length + denials.length === 0) lines.push('Risk events: none');
  else {
    lines.push('Risk events:');
    for (const b of r.breaches) lines.push(`- ${isoUtc(b.ts)} limit breached: ${b.guard}`);
    for (const k of r.killSwitch) lines.push(`- ${isoUtc(k.ts)} kill switch ${k.action} by ${k.source}: ${k.reason}`);
    for (const c of r.stateChanges) lines.push(`- ${isoUtc(c.ts)} trading ${c.change} (${c.source}): ${c.reason}`);
    if (denials.length > 0) lines.push(`- denied orders: ${denials.join(', ')}`);
  }
  return { title, text: lines.join('\n') };
}
