/** The risk meters' rows from a RiskDto: values, limits, fill and level thresholds, and freshness. */
import { describe, expect, it } from 'vitest';
import { freshnessRows, levelOf, riskMeters } from '../../../renderer/src/features/risk/risk-meters';
import { risk } from './risk-fixture';


describe('risk meters', () => {
  it('levels: ok below 75 %, warn from 75 %, breach at 100 %, off without a limit', () => {
    expect([levelOf(0), levelOf(74.9), levelOf(75), levelOf(99.9), levelOf(100), levelOf(250), levelOf(null)]).toEqual(['ok', 'ok', 'warn', 'warn', 'breach', 'breach', 'off']);
  });

  it('one row per limit with value / limit text, fill and level', () => {
    const rows = riskMeters(risk());
    expect(rows.map((r) => [r.key, r.value, r.limit, r.level])).toEqual([
      ['exposure', '40,000', '50,000 (50%)', 'warn'],
      ['positions', '5', '5', 'breach'],
      ['trades', '3', 'off', 'off'],
      ['dailyLoss', '-1.50%', '3.00%', 'ok'],
      ['drawdown', '2.50%', '10.00%', 'ok'],
    ]);
    // A gain is not a loss: the daily-loss meter is empty.
    expect(rows[3]!.fillPct).toBe(0);
    expect(rows[4]!.fillPct).toBe(25);
    expect(rows[4]!.action).toBe('REDUCING');
  });

  it('a loss at its limit is a breach; a zero limit with any use is full', () => {
    const rows = riskMeters(risk({ dailyLoss: { value: 3.2, limit: 3, usedPct: null, action: 'HALTED' }, openPositions: { value: 1, limit: 0, usedPct: null } }));
    expect(rows.find((r) => r.key === 'dailyLoss')!.level).toBe('breach');
    expect(rows.find((r) => r.key === 'positions')!.fillPct).toBe(100);
  });

  it('price freshness per instrument, stale ones flagged', () => {
    expect(freshnessRows(risk())).toEqual([
      { instrumentId: 'AAA', age: '2 s', source: 'quote', stale: false, limit: '30 s' },
      { instrumentId: 'BBB', age: '—', source: 'none', stale: true, limit: '30 s' },
    ]);
  });
});
