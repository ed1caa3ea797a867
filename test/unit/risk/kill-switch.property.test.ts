/**
 * Property: whatever happened before (entries with and without brackets, resting limits, partial
 * fills, any prices), a flatten followed by market data ends with no position, no working order and
 * the engine HALTED, and its report says 'completed'.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VolumeParticipationFillModel } from '../../../engine/sim';
import { EngineHarness } from '../runtime/engine-harness';

const INSTS = ['AAA', 'BBB', 'CCC'] as const;

type Action =
  | { kind: 'market'; inst: number; buy: boolean; qty: number; bracket: boolean }
  | { kind: 'limit'; inst: number; buy: boolean; qty: number; offsetBp: number }
  | { kind: 'bar'; moves: number[]; volume: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant('market' as const), inst: fc.nat(2), buy: fc.boolean(), qty: fc.integer({ min: 1, max: 40 }), bracket: fc.boolean() }),
  fc.record({ kind: fc.constant('limit' as const), inst: fc.nat(2), buy: fc.boolean(), qty: fc.integer({ min: 1, max: 40 }), offsetBp: fc.integer({ min: -300, max: 300 }) }),
  fc.record({ kind: fc.constant('bar' as const), moves: fc.array(fc.integer({ min: -300, max: 300 }), { minLength: 3, maxLength: 3 }), volume: fc.integer({ min: 5, max: 400 }) }),
);

describe('flatten property', () => {
  it('always ends flat, with nothing working, HALTED and completed', () => {
    let withPositions = 0;
    let withWorking = 0;
    fc.assert(
      fc.property(fc.array(action, { minLength: 1, maxLength: 40 }), fc.boolean(), (actions, partial) => {
        const h = new EngineHarness(partial ? { fillModel: new VolumeParticipationFillModel({ fraction: 0.25 }) } : {});
        const px = [100, 50, 200];
        const bars = (volume: number) =>
          h.step(INSTS.map((instrumentId, i) => ({ instrumentId, open: px[i]!, high: px[i]! * 1.01, low: px[i]! * 0.99, close: px[i]!, volume })));
        bars(1000);
        for (const a of actions) {
          if (a.kind === 'bar') {
            a.moves.forEach((m, i) => (px[i] = Math.max(1, Math.round(px[i]! * (1 + m / 10_000) * 100) / 100)));
            bars(a.volume);
          } else if (a.kind === 'market') {
            const p = Math.round(px[a.inst]! * 100);
            h.submit({ instrumentId: INSTS[a.inst]!, side: a.buy ? 'BUY' : 'SELL', qty: a.qty, type: 'MARKET', bracket: a.bracket ? { stopLossDistance: Math.max(1, Math.round(p / 100)), takeProfitDistance: Math.max(1, Math.round(p / 50)) } : null });
          } else {
            const price = Math.max(1, Math.round(px[a.inst]! * 100 * (1 + a.offsetBp / 10_000)));
            h.submit({ instrumentId: INSTS[a.inst]!, side: a.buy ? 'BUY' : 'SELL', qty: a.qty, type: 'LIMIT', price });
          }
        }
        if (h.engine.portfolio.openPositionCount() > 0) withPositions++;
        if (h.working().length > 0) withWorking++;
        const handle = h.engine.killSwitch.flatten('property', 'test');
        // Enough market data for every close to fill (partial fills take several bars).
        for (let i = 0; i < 12 && !handle.done; i++) bars(1000);
        expect(handle.done).toBe(true);
        expect(handle.report().status).toBe('completed');
        expect(h.engine.portfolio.openPositionCount()).toBe(0);
        expect(h.working()).toEqual([]);
        expect(h.venue.workingOrders()).toEqual([]);
        expect(INSTS.map((i) => h.venue.position(i))).toEqual([0, 0, 0]);
        expect(h.engine.state.state).toBe('HALTED');
        expect(h.of('FlattenCompleted')).toHaveLength(1);
      }),
      { numRuns: 150 },
    );
    // The generated histories do reach the interesting states.
    expect(withPositions).toBeGreaterThan(30);
    expect(withWorking).toBeGreaterThan(30);
  });
});
