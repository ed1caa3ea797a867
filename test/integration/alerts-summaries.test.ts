/**
 * Daily and weekly summaries from a real journal file (SQLite, written by a real engine session), and
 * their schedule: startAlerting with an injected SimClock sends the daily summary at the configured
 * local time in the configured time zone, with the figures of the journal, to the summary channels.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimClock, WallClock } from '../../engine/core/clock';
import { startAlerting } from '../../engine/node/alerts';
import { summaryFromJournal } from '../../engine/node/alerts/summary-queries';
import { Journal } from '../../engine/node/journal/journal';
import { createEngineProtocol } from '../../engine/protocol/handlers';
import { formatSummary } from '../../engine/runtime/alerts/summary';
import { validateConfig } from '../../engine/runtime/config';
import { runSession } from '../unit/node/journal/session';

let dir = '';
const open: { close(): void }[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'alerts-summary-'));
});
afterEach(() => {
  for (const j of open.splice(0)) j.close();
  rmSync(dir, { recursive: true, force: true });
});

function logSink() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l.trim() !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

describe('summaries from the journal', () => {
  it('P&L, trades, win rate, drawdown, exposure and risk events equal what the engine did', () => {
    const j = new Journal({ path: join(dir, 'journal.sqlite') });
    open.push(j);
    const h = runSession(j);
    // Close what is open (a long, a short, a partial fill): more trades, winners and losers.
    j.batch(() => h.engine.killSwitch.flatten('end of the test day', 'user:test'));
    j.batch(() => h.step([{ open: 102.5, close: 102 }, { instrumentId: 'BBB', open: 48.5, close: 48.4 }, { instrumentId: 'CCC', open: 19.25, close: 19.2 }]));
    const period = { from: Date.UTC(2024, 0, 1, 0, 0), to: Date.UTC(2024, 0, 3, 0, 0) };
    const s = summaryFromJournal(j.db, 'daily', period, 'USD');

    const p = h.engine.portfolio;
    const trades = p.trades();
    expect(trades.length).toBeGreaterThanOrEqual(2);
    expect(s.trades).toBe(trades.length);
    expect(s.wins).toBe(trades.filter((t) => t.pnl > 0).length);
    expect(s.losses).toBe(trades.filter((t) => t.pnl < 0).length);
    expect(s.winRate).toBe(s.wins / s.trades);
    expect(s.grossWin + s.grossLoss).toBe(trades.reduce((x, t) => x + t.pnl, 0));
    // The first equity sample is the start (no earlier one): the starting cash, nothing open yet.
    expect(s.startEquity).toBe(p.startingCash());
    expect(s.endEquity).toBe(p.equity());
    expect(s.pnl).toBe(p.equity() - p.startingCash());
    expect(s.openPositions).toBe(p.openPositionCount());
    expect(s.grossExposure).toBe(p.grossExposure());
    expect(s.fills).toBe(h.of('OrderFilled').length);
    expect(s.maxDrawdown).toBeGreaterThanOrEqual(0);
    expect(p.openPositionCount()).toBe(0);
    expect(s.risk.killSwitch.map((k) => [k.action, k.source])).toEqual([
      ['halt', 'user:test'],
      ['flatten', 'user:test'],
    ]);
    expect(s.risk.stateChanges.map((c) => c.change)).toEqual(h.of('TradingStateChanged').map((e) => `${e.from}->${e.to}`));
    expect(s.risk.denials).toEqual({ 'risk.halted': 1 });

    const text = formatSummary(s, 'America/New_York');
    expect(text.title).toMatch(/^Daily summary: P&L [+-]?\d+\.\d\d USD \(-?\d+\.\d\d%\)$/);
    expect(text.text).toContain(`Trades: ${s.trades} closed, ${s.wins} won, ${s.losses} lost`);
    expect(text.text).toContain('Period: 2023-12-31 19:00 America/New_York -> 2024-01-02 19:00 America/New_York');
    expect(text.text).toContain('kill switch halt by user:test');
    expect(text.text).toContain('denied orders: risk.halted x1');

    // A period with nothing in it says so instead of inventing figures.
    const empty = summaryFromJournal(j.db, 'weekly', { from: 0, to: Date.UTC(2020, 0, 1) }, 'USD');
    expect(empty).toMatchObject({ pnl: null, trades: 0, winRate: null, fills: 0 });
    expect(formatSummary(empty, 'UTC').title).toBe('Weekly summary: no equity recorded');
  });

  it('startAlerting sends the daily summary at the configured local time, from the journal, to the summary channels', async () => {
    const j = new Journal({ path: join(dir, 'journal.sqlite') });
    open.push(j);
    const h = runSession(j);
    const { config } = validateConfig({
      alerts: {
        channels: { console: { enabled: true } },
        summaries: { channels: ['console'], timezone: 'America/New_York', daily: { at: '12:00' }, weekly: { enabled: false } },
      },
    });
    const protocol = createEngineProtocol({ engine: h.engine, rawConfig: {}, timer: new WallClock() });
    // 2024-01-02 noon in New York is 17:00 UTC; start the clock at 16:30 UTC.
    const clock = new SimClock(Date.UTC(2024, 0, 2, 16, 30));
    const lines: string[] = [];
    const { log } = logSink();
    const alerting = startAlerting({ engine: h.engine, protocol, config, journal: j, log, env: {}, clock, consoleWrite: (l) => lines.push(l), dataDir: dir, drainMs: 0 });
    expect(alerting.scheduler.nextAt('daily')).toBe(Date.UTC(2024, 0, 2, 17, 0));
    await new Promise((r) => setTimeout(r, 20));
    const before = lines.length;
    clock.advanceTo(Date.UTC(2024, 0, 2, 16, 59, 59));
    await new Promise((r) => setTimeout(r, 20));
    expect(lines.slice(before).some((l) => l.includes('Daily summary'))).toBe(false);
    clock.advanceTo(Date.UTC(2024, 0, 2, 17, 0));
    await new Promise((r) => setTimeout(r, 20));
    const sent = lines.slice(before).filter((l) => l.includes('Daily summary'));
    expect(sent).toHaveLength(1);
    const expected = alerting.summary('daily', { from: Date.UTC(2024, 0, 1, 17, 0), to: Date.UTC(2024, 0, 2, 17, 0) });
    expect(sent[0]).toContain(expected.title);
    expect(sent[0]).toContain(`Trades: ${h.engine.portfolio.trades().length} closed`);
    expect(sent[0]!.startsWith('2024-01-02T17:00:00Z INFO ')).toBe(true);
    expect(alerting.scheduler.nextAt('daily')).toBe(Date.UTC(2024, 0, 3, 17, 0));
    await alerting.stop('test over');
    protocol.close();
  });
});
