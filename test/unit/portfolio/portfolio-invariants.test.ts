import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { notional, type Instrument } from '../../../engine/core/instrument';
import { AAPL, BTC_USD, EUR_USD, T0, USD, bigRoundHalfEven, codeOf, fill, makePortfolio, setPrice } from './helpers';

/** Independent reference: ticks * qty * contractSize * 10^(6 - pp - up), half-even, in BigInt. */
function refNotional(inst: Instrument, ticks: number, qty: number): number {
  const raw = BigInt(ticks) * BigInt(qty) * BigInt(inst.contractSize);
  const shift = 6 - inst.pricePrecision - inst.unitPrecision;
  return shift >= 0 ? Number(raw * 10n ** BigInt(shift)) : bigRoundHalfEven(raw, 10n ** BigInt(-shift));
}

describe('notional', () => {
  it('equals a BigInt reference, also where ticks * units exceeds 2^53 before scaling (10 BTC at 95,000)', () => {
    fc.assert(
      fc.property(fc.constantFrom(AAPL, EUR_USD, BTC_USD), fc.integer({ min: -(2 ** 26), max: 2 ** 26 }), fc.integer({ min: 1, max: 2 ** 26 }), (inst, ticks, qty) => {
        const ref = refNotional(inst, ticks, qty);
        fc.pre(Number.isSafeInteger(ref));
        expect(notional(inst, ticks, qty)).toBe(ref);
      }),
      { numRuns: 1000 },
    );
    expect(notional(BTC_USD, 9_500_000, 1_000_000_000)).toBe(950_000 * USD);
    expect(codeOf(() => notional(BTC_USD, 2 ** 52, 2 ** 40))).toBe('invariant.fixed_overflow');
  });
});

const instruments = [
  { inst: AAPL, maxQty: 5_000, px: [1_000, 90_000] as const },
  { inst: EUR_USD, maxQty: 20_000_000, px: [90_000, 130_000] as const },
  // up to 25 BTC at up to 95,000.00: ticks * units reaches 2.4e16 > 2^53 before scaling
  { inst: BTC_USD, maxQty: 2_500_000_000, px: [1_000_000, 9_500_000] as const },
];

const step = fc.record({
  buy: fc.boolean(),
  qtyFrac: fc.double({ min: 0.0001, max: 1, noNaN: true }),
  pxFrac: fc.double({ min: 0, max: 1, noNaN: true }),
  fee: fc.integer({ min: 0, max: 5 * USD }),
  mark: fc.boolean(),
});

describe('Portfolio invariants (property)', () => {
  it('for fill sequences ending flat: Σ realized == Σ sell notional - Σ buy notional, cash == start + Σ realized - Σ fees', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: instruments.length - 1 }), fc.array(step, { minLength: 1, maxLength: 40 }), (which, steps) => {
        const spec = instruments[which]!;
        const { inst } = spec;
        const start = 1_000_000_000 * USD;
        const { pf, cache, events } = makePortfolio([inst], start);
        let qty = 0;
        let sells = 0;
        let buys = 0;
        let fees = 0;
        let ts = T0;
        const apply = (side: 'BUY' | 'SELL', q: number, px: number, fee: number): void => {
          pf.applyFill(fill({ inst, side, qty: q, px, fee, ts: (ts += 60_000) }));
          const n = refNotional(inst, px, q);
          if (side === 'BUY') buys += n;
          else sells += n;
          fees += fee;
          qty += side === 'BUY' ? q : -q;
          expect(pf.position(inst.id)?.qty ?? 0).toBe(qty);
        };
        for (const s of steps) {
          const q = Math.max(1, Math.floor(s.qtyFrac * spec.maxQty));
          const px = Math.round(spec.px[0] + s.pxFrac * (spec.px[1] - spec.px[0]));
          apply(s.buy ? 'BUY' : 'SELL', q, px, s.fee);
          if (s.mark) {
            setPrice(cache, inst.id, (px + 7) / 10 ** inst.pricePrecision);
            pf.mark(inst.id);
          }
        }
        if (qty !== 0) apply(qty > 0 ? 'SELL' : 'BUY', Math.abs(qty), spec.px[0] + 12_345, 1);

        const realizedFromEvents = events.reduce((s, e) => s + (e.type === 'PositionOpened' ? 0 : e.realizedPnl), 0);
        expect(pf.realizedPnl()).toBe(sells - buys);
        expect(realizedFromEvents).toBe(sells - buys);
        expect(pf.cash()).toBe(start + (sells - buys) - fees);
        expect(pf.totalFees()).toBe(fees);
        expect(pf.equity()).toBe(pf.cash());
        expect(pf.unrealizedPnl()).toBe(0);
        expect(pf.grossExposure()).toBe(0);
        expect(pf.netExposure()).toBe(0);
        expect(pf.openPositions()).toHaveLength(0);
        const trades = pf.trades();
        expect(trades.reduce((s, t) => s + t.pnl, 0)).toBe(pf.cash() - start);
        expect(trades.reduce((s, t) => s + t.fees, 0)).toBe(fees);
        expect(trades.reduce((s, t) => s + t.grossPnl, 0)).toBe(sells - buys);
        const closedEvents = events.filter((e) => e.type === 'PositionClosed');
        expect(closedEvents.map((e) => e.totalRealizedPnl)).toEqual(trades.map((t) => t.pnl));
      }),
      { numRuns: 400 },
    );
  });

  it('the running unrealized sum equals the sum over positions after any marks', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.boolean(), fc.integer({ min: 1, max: 1000 }), fc.double({ min: 0.5, max: 2, noNaN: true })), { maxLength: 60 }), (ops) => {
        const insts = [AAPL, EUR_USD, BTC_USD];
        const { pf, cache } = makePortfolio(insts);
        for (const [i, buy, q, f] of ops) {
          const inst = insts[i]!;
          const basePx = inst === AAPL ? 100 : inst === EUR_USD ? 1.1 : 60_000;
          const price = Number((basePx * f).toFixed(inst.pricePrecision));
          setPrice(cache, inst.id, price);
          if (buy || q % 3 === 0) pf.applyFill(fill({ inst, side: buy ? 'BUY' : 'SELL', qty: q, px: Math.round(price * 10 ** inst.pricePrecision) }));
          if (q % 2 === 0) pf.markAll();
          else pf.mark(inst.id);
        }
        const open = pf.openPositions();
        expect(pf.unrealizedPnl()).toBe(open.reduce((s, p) => s + p.unrealizedPnl, 0));
        expect(pf.grossExposure()).toBe(open.reduce((s, p) => s + Math.abs(p.marketValue), 0));
        expect(pf.netExposure()).toBe(open.reduce((s, p) => s + p.marketValue, 0));
        expect(pf.equity()).toBe(pf.cash() + pf.unrealizedPnl());
      }),
      { numRuns: 200 },
    );
  });
});
