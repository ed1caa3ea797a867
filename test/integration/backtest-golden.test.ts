/**
 * Golden regression backtests (LEAN style): each pins the hash of its trade list and its main
 * statistics, so any change in fills, sizing, risk or accounting shows up here. Also: the same inputs
 * give byte-identical outputs, and the books balance to the micro-unit.
 */
import { describe, expect, it } from 'vitest';
import { money } from '../../engine/core/money';
import { GOLDEN_CASES, runGolden, sha256 } from './golden-cases';

interface Pinned {
  trades: number;
  tradesSha256: string;
  finalEquity: number;
  maxDrawdown: number;
  winRate: number;
  profitFactor: number;
  exitReasons: Record<string, number>;
}

const PINNED: Pinned[] = [
  {
    trades: 653,
    tradesSha256: '218c0141c5ce21811040e59055401223c6f8bff3e6a9b9c18a8c87a40ff88782',
    finalEquity: 98936.522212,
    maxDrawdown: 0.015687984029999935,
    winRate: 0.29096477794793263,
    profitFactor: 0.8079959072646864,
    exitReasons: { signal: 652, end_of_data: 1 },
  },
  {
    trades: 457,
    tradesSha256: 'f7882a1c4ab9d0cab8962f0028fa0fb71bfe75770c9593f8db64e68d0760f695',
    finalEquity: 98421.97681,
    maxDrawdown: 0.016533217670426693,
    winRate: 0.3063457330415755,
    profitFactor: 0.616527501041782,
    exitReasons: { take_profit: 140, stop_loss: 259, reverse: 58 },
  },
  {
    trades: 1044,
    tradesSha256: 'b90d0b2190522e949b627dd953a97140ec55f8b8149f67edd9d356aff602a5d1',
    finalEquity: 98596.41835,
    maxDrawdown: 0.014411717093847875,
    winRate: 0.3170498084291188,
    profitFactor: 0.610633758268135,
    exitReasons: { take_profit: 278, stop_loss: 354, signal: 412 },
  },
  {
    trades: 278,
    tradesSha256: 'e9fab2d3a6f1dc8ffab51481235a894d16d99cb4fb7a96f65fb2d1a477e47f35',
    finalEquity: 98944.996,
    maxDrawdown: 0.13516060886471443,
    winRate: 0.29856115107913667,
    profitFactor: 0.9812472464218729,
    exitReasons: { signal: 278 },
  },
];

describe('golden backtests', () => {
  GOLDEN_CASES.forEach((c, i) => {
    it(c.name, async () => {
      const pin = PINNED[i]!;
      const { result, files } = await runGolden(c);
      const m = result.metrics;
      expect(result.trades.length).toBe(pin.trades);
      expect(sha256(files['trades.csv']!)).toBe(pin.tradesSha256);
      expect(m.finalEquity).toBeCloseTo(pin.finalEquity, 6);
      expect(m.maxDrawdown).toBeCloseTo(pin.maxDrawdown, 12);
      expect(m.winRate).toBeCloseTo(pin.winRate, 12);
      expect(m.profitFactor).toBeCloseTo(pin.profitFactor, 12);
      const reasons: Record<string, number> = {};
      for (const t of result.trades) reasons[t.exitReason] = (reasons[t.exitReason] ?? 0) + 1;
      expect(reasons).toEqual(pin.exitReasons);

      // The books balance exactly: flat at the end, cash = start + sum of net trade P&L, to the micro-unit.
      const p = result.engine.portfolio;
      expect(p.openPositionCount()).toBe(0);
      expect(p.cash()).toBe(money('100000') + result.trades.reduce((s, t) => s + t.pnl, 0));
      expect(p.equity()).toBe(p.cash());
      // No order is left working and none is in a pending state.
      expect(result.engine.kernel.cache.openOrders()).toHaveLength(0);
    });
  });

  it('gives byte-identical files for the same inputs', async () => {
    for (const c of GOLDEN_CASES.slice(1, 3)) {
      const a = await runGolden(c);
      const b = await runGolden(c);
      for (const name of Object.keys(a.files)) expect(b.files[name], name).toBe(a.files[name]);
    }
  });
});
