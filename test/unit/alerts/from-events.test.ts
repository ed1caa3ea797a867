/**
 * Engine events -> alerts, on a real engine (TradingEngine + SimulatedVenue, engine-harness.ts): a
 * fill is "trade executed", a position closed by its bracket's stop is "stop-loss hit" (the closing
 * order's role), by its take-profit "position closed (take-profit)"; halt, flatten and a guard breach
 * give their alerts with the right severities; milestones fire once per threshold.
 */
import { describe, expect, it } from 'vitest';
import type { AlertInput } from '../../../engine/runtime/alerts/alert';
import { EngineEventAlerts } from '../../../engine/runtime/alerts/from-events';
import { MilestoneTracker } from '../../../engine/runtime/alerts/milestones';
import { EngineHarness, RISK_OFF } from '../runtime/engine-harness';

function withAlerts(h: EngineHarness): AlertInput[] {
  const out: AlertInput[] = [];
  const m = new EngineEventAlerts({ cache: h.engine.kernel.cache, accountCurrency: 'USD', publish: (a) => out.push(a) });
  h.engine.kernel.bus.onAny((e) => m.onEvent(e));
  return out;
}

const kinds = (l: AlertInput[]) => l.map((a) => `${a.severity} ${a.kind}`);

describe('engine events as alerts', () => {
  it('a bracket stop filling is a stop-loss hit; the take-profit is a plain close; every fill is a trade', async () => {
    const h = new EngineHarness({ startStrategies: false });
    const alerts = withAlerts(h);
    h.flat(100);
    h.flat(100, 'BBB');
    h.submit({ instrumentId: 'AAA', side: 'BUY', qty: 100, type: 'MARKET', bracket: { stopLossDistance: 200, takeProfitDistance: 300 } });
    h.submit({ instrumentId: 'BBB', side: 'BUY', qty: 10, type: 'MARKET', bracket: { stopLossDistance: 200, takeProfitDistance: 300 } });
    h.step([{ open: 100, close: 100 }, { instrumentId: 'BBB', open: 100, close: 100 }]);
    h.step([{ open: 100, high: 100.5, low: 97.5, close: 98 }, { instrumentId: 'BBB', open: 100, high: 103.5, low: 99.8, close: 103 }]);
    await Promise.resolve();
    expect(kinds(alerts)).toEqual([
      'info trade.executed',
      'info trade.executed',
      'info trade.executed',
      'warning position.stop_loss',
      'info trade.executed',
      'info position.closed',
    ]);
    const stop = alerts.find((a) => a.kind === 'position.stop_loss')!;
    expect(stop.title).toBe('Stop-loss hit on AAA: P&L -200.00 USD');
    expect(stop.text).toMatch(/^closed by T-\d+ \(STOP_LOSS\): SELL 100 @ 98\.00$/);
    expect(alerts.find((a) => a.kind === 'position.closed')!.title).toBe('BBB position closed (take-profit): P&L +30.00 USD');
    expect(alerts[0]!.title).toBe('BUY 100 AAA @ 100.00');
    expect(new Set(alerts.map((a) => a.key)).size).toBe(alerts.length);
  });

  it('halt, flatten and a guard breach: critical and warning alerts with stable keys', async () => {
    const h = new EngineHarness({ startStrategies: false, config: { exposure: { max_portfolio_exposure_pct: null, max_open_positions: null }, risk: { ...RISK_OFF, guards: { ...RISK_OFF.guards, drawdown: { limit_pct: 1 } } } } });
    const alerts = withAlerts(h);
    h.flat(100);
    h.submit({ instrumentId: 'AAA', side: 'BUY', qty: 1000, type: 'MARKET' });
    h.flat(100);
    h.flat(98); // -2000 on 100000: 2 % drawdown > 1 %
    await Promise.resolve();
    const breach = alerts.find((a) => a.kind === 'risk.limit_breached')!;
    expect(breach).toMatchObject({ severity: 'critical', key: 'risk:drawdown' });
    expect(breach.title).toMatch(/^Risk limit breached: drawdown 2\.\d\d% \(limit 1%\)$/);
    expect(alerts.find((a) => a.kind === 'risk.state_changed')).toMatchObject({ severity: 'critical', title: 'Trading ACTIVE -> HALTED' });
    h.engine.killSwitch.flatten('test flatten', 'user:test');
    h.flat(98);
    await Promise.resolve();
    expect(alerts.filter((a) => a.kind === 'risk.kill_switch').map((a) => a.title)).toEqual(['Kill switch: flatten']);
    const done = alerts.find((a) => a.kind === 'risk.flatten_completed')!;
    expect(done.severity).toBe('warning');
    expect(done.title).toBe('Flatten completed: 1 of 1 positions closed, 0 orders canceled, 0 failures');
    expect(alerts.find((a) => a.kind === 'position.closed')!.title).toBe('AAA position closed (flatten): P&L -2000.00 USD');
  });

  it('milestones: each return threshold and trade count once; thresholds passed before the start are not announced', () => {
    const out: AlertInput[] = [];
    const m = new MilestoneTracker({ startingCash: 100_000_000_000, currency: 'USD', returnPct: [10, 5, 25], tradeCounts: [2, 3], equity: 106_000_000_000, closedTrades: 0, publish: (a) => out.push(a) });
    m.onEquity(109_999_999_999, 1);
    m.onEquity(126_000_000_000, 2);
    m.onEquity(130_000_000_000, 3);
    m.onTradeClosed(4);
    m.onTradeClosed(5);
    m.onTradeClosed(6);
    m.onTradeClosed(7);
    expect(out.map((a) => a.title)).toEqual(['Milestone: equity up 25% from the start', 'Milestone: 2 trades closed', 'Milestone: 3 trades closed']);
  });
});
