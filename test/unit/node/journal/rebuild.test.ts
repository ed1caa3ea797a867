/**
 * Recovery: a real engine session journaled to a SQLite file, then a new Journal object on the same
 * file (as a restarted process would open it, without closing the first: a crash) rebuilds orders,
 * positions, cash, trading state, the last event id and the id counters, which must equal the live
 * engine's exactly. A restarted engine continues both sequences in the same journal.
 */
import { describe, expect, it } from 'vitest';
import { Journal } from '../../../../engine/node/journal/journal';
import { rebuildState } from '../../../../engine/node/journal/rebuild';
import { money } from '../../../../engine/core/money';
import { SimClock } from '../../../../engine/core/clock';
import { SimulatedVenue } from '../../../../engine/sim';
import { TradingEngine } from '../../../../engine/runtime/trading-engine';
import { validateConfig } from '../../../../engine/runtime/config';
import { AAA, BBB, CCC, DDD, FROZEN, LOT10, NO_LIMITS } from '../../runtime/engine-harness';
import { runSession, useTempJournal } from './session';

const INSTRUMENTS = [AAA, BBB, CCC, DDD, LOT10, FROZEN];

let path: string;
const open: Journal[] = [];
useTempJournal(open, (_d, p) => {
  path = p;
});

function journal(): Journal {
  const j = new Journal({ path });
  open.push(j);
  return j;
}

describe('rebuildState', () => {
  it('rebuilds exactly what the live engine holds after orders, fills, brackets and a halt', () => {
    const live = journal();
    const h = runSession(live);
    const eng = h.engine;
    // the session did what it claims
    expect(h.of('OrderFilled').length).toBeGreaterThanOrEqual(5);
    expect(h.orders().some((o) => o.parentId !== null && o.status === 'FILLED')).toBe(true);
    expect(h.orders().some((o) => o.status === 'CANCELED')).toBe(true);
    expect(h.denials().length).toBe(1);
    expect(eng.state.state).toBe('HALTED');
    expect(eng.portfolio.openPositionCount()).toBeGreaterThanOrEqual(2);
    expect(eng.kernel.cache.openOrders().length).toBeGreaterThanOrEqual(1);

    const cfg = validateConfig(NO_LIMITS).config;
    const rebuilt = rebuildState(journal(), { instruments: INSTRUMENTS, accountCurrency: cfg.account.currency, startingCash: money(cfg.account.starting_cash) });

    expect(rebuilt.eventsReplayed).toBe(h.events.length);
    expect(rebuilt.lastEventId).toBe(eng.kernel.lastEventId);
    expect(rebuilt.orders).toEqual(eng.kernel.cache.allOrders());
    expect(rebuilt.openOrders).toEqual(eng.kernel.cache.openOrders());
    for (const inst of INSTRUMENTS) expect(rebuilt.portfolio.positionDetail(inst.id)).toEqual(eng.portfolio.positionDetail(inst.id));
    expect(rebuilt.positions.map((p) => p.instrumentId)).toEqual(eng.portfolio.openPositions().map((p) => p.instrumentId));
    expect(rebuilt.cash).toBe(eng.portfolio.cash());
    expect(rebuilt.equity).toBe(eng.portfolio.equity());
    expect(rebuilt.portfolio.totalFees()).toBe(eng.portfolio.totalFees());
    expect(rebuilt.portfolio.realizedPnl()).toBe(eng.portfolio.realizedPnl());
    expect(rebuilt.trades).toEqual(eng.portfolio.trades());
    expect(rebuilt.tradingState).toMatchObject({ state: 'HALTED', reason: 'test halt', source: 'user:test' });
    expect(rebuilt.lastIdNumbers.get('T')).toBe(h.orders().length);
  });

  it('lets a restarted engine continue the event and client order id sequences in the same journal', () => {
    const first = journal();
    const h = runSession(first);
    first.close();
    const j = journal();
    const { config, strategies } = validateConfig(NO_LIMITS);
    const state = rebuildState(j, { instruments: INSTRUMENTS, accountCurrency: config.account.currency, startingCash: money(config.account.starting_cash) });
    const clock = new SimClock(h.clock.now());
    const byId = new Map(INSTRUMENTS.map((i) => [i.id, i]));
    const venue = new SimulatedVenue({ instruments: (id) => byId.get(id), clock });
    const engine = new TradingEngine({
      clock,
      venue,
      instruments: INSTRUMENTS,
      config,
      strategies,
      idPrefix: 'T',
      initialState: state.tradingState?.state ?? 'ACTIVE',
      lastEventId: state.lastEventId,
      lastClientOrderNumber: state.lastIdNumbers.get('T') ?? 0,
    });
    j.attach(engine);
    const res = j.batch(() => engine.orders.submit('manual', { instrumentId: 'AAA', side: 'SELL', qty: 1, type: 'MARKET', reduceOnly: true, role: 'EXIT' }));
    expect(res.clientOrderId).toBe(`T-${h.orders().length + 1}`);
    expect(j.lastSeq()).toBe(engine.kernel.lastEventId);
    const ids = [...j.records(state.lastEventId + 1)].map((r) => r.event.id);
    expect(ids[0]).toBe(state.lastEventId + 1);
    expect(ids).toEqual(ids.map((_, i) => state.lastEventId + 1 + i));
  });
});
