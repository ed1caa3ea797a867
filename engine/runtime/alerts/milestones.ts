/**
 * Performance milestones: equity up N % from the starting cash (each threshold once, the first time
 * equity reaches it) and N closed trades. Thresholds already passed when the tracker starts are taken
 * as reached, so a restart does not announce them again.
 *
 * `onEquity` runs at the end of every engine timestamp and `onTradeClosed` on every PositionClosed:
 * both are O(1) (one comparison with the next threshold) and only hand an alert to the router.
 * Thresholds are integer micro-units computed once; no float touches the equity comparison.
 */
import type { Money } from '../../core/money';
import type { AlertInput } from './alert';
import { signedMoney } from './from-events';

export interface MilestoneOptions {
  startingCash: Money;
  currency: string;
  returnPct: readonly number[];
  tradeCounts: readonly number[];
  /** Equity and closed trades when the tracker starts. */
  equity: Money;
  closedTrades: number;
  publish: (a: AlertInput) => unknown;
}

export class MilestoneTracker {
  private readonly levels: { pct: number; equity: Money }[];
  private nextLevel = 0;
  private readonly counts: number[];
  private nextCount = 0;
  private trades: number;

  constructor(private readonly o: MilestoneOptions) {
    this.levels = [...new Set(o.returnPct)]
      .sort((a, b) => a - b)
      .map((pct) => ({ pct, equity: o.startingCash + Math.round((o.startingCash * pct) / 100) }));
    this.counts = [...new Set(o.tradeCounts)].sort((a, b) => a - b);
    while (this.nextLevel < this.levels.length && o.equity >= this.levels[this.nextLevel]!.equity) this.nextLevel++;
    this.trades = o.closedTrades;
    while (this.nextCount < this.counts.length && this.trades >= this.counts[this.nextCount]!) this.nextCount++;
  }

  onEquity(equity: Money, ts: number): void {
    const l = this.levels[this.nextLevel];
    if (l === undefined || equity < l.equity) return;
    let reached = l;
    while (this.nextLevel < this.levels.length && equity >= this.levels[this.nextLevel]!.equity) reached = this.levels[this.nextLevel++]!;
    this.o.publish({
      severity: 'info',
      kind: 'performance.milestone',
      key: `milestone:return:${reached.pct}`,
      title: `Milestone: equity up ${reached.pct}% from the start`,
      text: `equity ${signedMoney(equity - this.o.startingCash, this.o.currency)} over the starting cash`,
      ts,
    });
  }

  onTradeClosed(ts: number): void {
    this.trades++;
    const c = this.counts[this.nextCount];
    if (c === undefined || this.trades < c) return;
    this.nextCount++;
    this.o.publish({ severity: 'info', kind: 'performance.milestone', key: `milestone:trades:${c}`, title: `Milestone: ${c} trades closed`, text: `${this.trades} positions closed since the engine started`, ts });
  }
}
