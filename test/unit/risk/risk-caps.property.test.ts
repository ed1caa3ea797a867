/**
 * Property: for random streams of target intents, bar moves and fills through a real engine, with the
 * portfolio, leverage, symbol and sector caps all on (scaling or denying), no cap is exceeded after
 * the gate. Drift tolerance, as in risk-engine.test.ts: an entry is checked at the last prices and
 * fills at the next bar of its instrument, and positions are marked at that fill, so committed exposure
 * at an entry's fill may exceed the cap computed at its check by two bars of price moves:
 * cap × (1 + MAX_MOVE)² (MAX_MOVE = the largest move of any bar price from the previous close, 0.5 %
 * gap × 0.5 % body × 0.3 % wick + cent rounding), plus 100 micro-units for notional rounding.
 * Committed exposure = positions minus what working exits are closing (the gate does not count such
 * exits as room, so this only makes the property stricter on the position side).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeInstrument } from '../../../engine/core/instrument';
import type { Direction } from '../../../engine/strategies/strategy';
import { EngineHarness, RISK_OFF } from '../runtime/engine-harness';
import { MAX_MOVE, barMoveArb, nextBar } from './random-market';

const mk = (id: string, sector: string) => makeInstrument({ id, assetClass: 'equity', quoteCurrency: 'USD', pricePrecision: 2, sector });
const INSTS = [mk('X1', 'X'), mk('X2', 'X'), mk('Y1', 'Y'), mk('Y2', 'Y')];
const IDS = INSTS.map((i) => i.id);
const SECTOR = new Map(INSTS.map((i) => [i.id, i.sector]));
const DRIFT = (1 + MAX_MOVE) ** 2;
const TOL = 100;

const move = barMoveArb;
const intent = fc.option(fc.record({ direction: fc.constantFrom<Direction>('LONG', 'SHORT', 'FLAT', 'LONG'), sl: fc.option(fc.integer({ min: 10, max: 200 }).map((x) => x / 100), { nil: null }) }), { nil: null, freq: 2 });
const scenario = fc.record({
  portfolioPct: fc.option(fc.integer({ min: 10, max: 80 }), { nil: null }),
  leverage: fc.option(fc.integer({ min: 1, max: 8 }).map((x) => x / 10), { nil: null }),
  symbolPct: fc.option(fc.integer({ min: 3, max: 40 }), { nil: null }),
  sectorPct: fc.option(fc.integer({ min: 5, max: 60 }), { nil: null }),
  scale: fc.boolean(),
  fraction: fc.integer({ min: 2, max: 60 }),
  steps: fc.array(fc.record({ order: fc.shuffledSubarray([0, 1, 2, 3], { minLength: 4 }), moves: fc.tuple(move, move, move, move), intents: fc.tuple(intent, intent, intent, intent) }), { minLength: 5, maxLength: 40 }),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;


interface Caps {
  gross: number;
  symbol: number;
  sector: number;
}

function run(s: Scenario): { entryFills: number; maxRatio: number } {
  const h = new EngineHarness({
    config: {
      exposure: { max_portfolio_exposure_pct: s.portfolioPct, max_open_positions: null, scale_to_cap: s.scale },
      risk: { ...RISK_OFF, max_leverage: s.leverage, max_position_pct: s.symbolPct, max_sector_pct: s.sectorPct },
      sizing: { method: 'fixed_fraction', fraction_pct: s.fraction },
    },
    instruments: INSTS,
    startStrategies: false,
  });
  const { engine } = h;
  const pf = engine.portfolio;
  const cache = engine.kernel.cache;
  const capsAtCheck = new Map<string, Caps>();
  const out = { entryFills: 0, maxRatio: 0 };
  const committed = (ids: readonly string[]) => {
    let sum = 0;
    for (const id of ids) {
      const p = pf.position(id);
      if (!p) continue;
      let closing = 0;
      for (const w of cache.openOrders(id)) if (w.role === 'EXIT' || w.role === 'FLATTEN') closing += w.qty - w.filledQty;
      sum += Math.abs(p.marketValue) * (1 - Math.min(1, closing / Math.abs(p.qty)));
    }
    return sum;
  };
  engine.kernel.bus.on('OrderFilled', (f) => {
    const o = cache.order(f.clientOrderId)!;
    if (o.role !== 'ENTRY') return;
    const caps = capsAtCheck.get(o.clientOrderId)!;
    out.entryFills++;
    const checks: [number, number][] = [
      [committed(IDS), caps.gross],
      [committed([o.instrumentId]), caps.symbol],
      [committed(IDS.filter((id) => SECTOR.get(id) === SECTOR.get(o.instrumentId))), caps.sector],
    ];
    for (const [used, cap] of checks) {
      if (!Number.isFinite(cap)) continue;
      out.maxRatio = Math.max(out.maxRatio, used / cap);
      expect(used).toBeLessThanOrEqual(cap * DRIFT + TOL);
    }
  });
  engine.kernel.bus.on('OrderRejected', (e) => {
    throw new Error(`venue rejected ${e.clientOrderId}: ${e.code}`);
  });
  const last = new Map(IDS.map((id) => [id, 100]));
  h.step(IDS.map((instrumentId) => ({ instrumentId, open: 100, close: 100 })));
  for (const st of s.steps) {
    const ts = h.ts;
    const close = ts + h.barMs;
    h.clock.advanceTo(close);
    for (const k of st.order) {
      const id = IDS[k]!;
      const mv = st.moves[k]!;
      const b = nextBar(id, ts, h.barMs, last.get(id)!, mv);
      last.set(id, b.close);
      engine.onBar(b);
      const it = st.intents[k];
      if (!it) continue;
      const eq = pf.equity();
      const pctOf = (p: number | null) => (p === null ? Infinity : (eq * p) / 100);
      const caps: Caps = { gross: Math.min(pctOf(s.portfolioPct), s.leverage === null ? Infinity : eq * s.leverage), symbol: pctOf(s.symbolPct), sector: pctOf(s.sectorPct) };
      for (const r of engine.intents.execute('p', { kind: 'target', instrumentId: id, direction: it.direction, stopLossPct: it.sl, reason: 'prop' })) {
        if (r.ok && cache.order(r.clientOrderId)!.role === 'ENTRY') capsAtCheck.set(r.clientOrderId, caps);
      }
    }
    engine.endOfTimestamp(close);
    h.ts = close;
    for (const id of IDS) expect(h.venue.position(id)).toBe(pf.positionQty(id));
  }
  return out;
}

describe('property: caps after the risk gate', () => {
  it('portfolio, leverage, symbol and sector exposure at every entry fill stay within the cap at its check + two bars of drift', () => {
    let fills = 0;
    let maxRatio = 0;
    fc.assert(
      fc.property(scenario, (s) => {
        const r = run(s);
        fills += r.entryFills;
        maxRatio = Math.max(maxRatio, r.maxRatio);
      }),
      { numRuns: 200 },
    );
    expect(fills).toBeGreaterThan(100); // exercised, not vacuous
    expect(maxRatio).toBeGreaterThan(0.9); // caps were actually reached
  });
});
