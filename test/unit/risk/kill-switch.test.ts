/**
 * The kill switch on a real engine (TradingEngine + SimulatedVenue + SimClock): halt, flatten (cancel
 * everything, close everything, HALTED, report), retries of rejected closes, persistence of HALTED
 * through the Node store, re-arm.
 */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SimClock } from '../../../engine/core/clock';
import type { EngineEvent } from '../../../engine/core/events';
import type { Instrument } from '../../../engine/core/instrument';
import { JsonTradingStateStore } from '../../../engine/node/risk/json-trading-state-store';
import { MemoryTradingStateStore, type TradingStateStore } from '../../../engine/risk/kill-switch-store';
import { validateConfig } from '../../../engine/runtime/config';
import { TradingEngine } from '../../../engine/runtime/trading-engine';
import { SimulatedVenue } from '../../../engine/sim';
import { AAA, BAR_MS, BBB, bar, CCC, DDD, EngineHarness, NO_LIMITS, T0 } from '../runtime/engine-harness';

const all = (px: number) => ['AAA', 'BBB', 'CCC', 'DDD'].map((instrumentId) => ({ instrumentId, open: px, close: px }));

/** Three positions (one with a working bracket) and two resting limits. */
function busy(): EngineHarness {
  const h = new EngineHarness();
  h.step(all(100));
  h.submit({ instrumentId: 'AAA', side: 'BUY', qty: 30, type: 'MARKET', bracket: { stopLossDistance: 500, takeProfitDistance: 800 } });
  h.submit({ instrumentId: 'BBB', side: 'SELL', qty: 40, type: 'MARKET' });
  h.submit({ instrumentId: 'CCC', side: 'BUY', qty: 30, type: 'MARKET' });
  h.submit({ instrumentId: 'DDD', side: 'BUY', qty: 10, type: 'LIMIT', price: 9500 });
  h.submit({ instrumentId: 'AAA', side: 'BUY', qty: 10, type: 'LIMIT', price: 9600 });
  h.step(all(100));
  expect(h.denials().map((d) => d.code)).toEqual([]);
  expect(h.engine.portfolio.openPositionCount()).toBe(3);
  expect(h.working().map((o) => o.role).sort()).toEqual(['ENTRY', 'ENTRY', 'STOP_LOSS', 'TAKE_PROFIT']);
  return h;
}

describe('kill switch: halt', () => {
  it('halts once: entries denied, a second halt changes nothing', () => {
    const h = new EngineHarness();
    expect(h.engine.killSwitch.halt('manual', 'user:test')).toBe(true);
    expect(h.engine.killSwitch.halt('again', 'user:test')).toBe(false);
    expect(h.engine.state.state).toBe('HALTED');
    expect(h.of('KillSwitchActivated')).toMatchObject([{ action: 'halt', reason: 'manual', source: 'user:test' }]);
    expect(h.of('TradingStateChanged')).toMatchObject([{ from: 'ACTIVE', to: 'HALTED', reason: 'manual', source: 'user:test' }]);
    const r = h.submit({ instrumentId: 'AAA', side: 'BUY', qty: 10, type: 'MARKET' });
    expect(r).toMatchObject({ ok: false, code: 'risk.halted' });
  });
});

describe('kill switch: flatten', () => {
  it('cancels every working order, closes 3 positions at the next bar, ends HALTED with a report', () => {
    const h = busy();
    const done: unknown[] = [];
    const handle = h.engine.killSwitch.flatten('operator pressed the button', 'user:test');
    handle.onDone((r) => done.push(r));
    expect(h.engine.state.state).toBe('HALTED');
    expect(handle.done).toBe(false);
    // Cancels are confirmed by the simulated venue at once; the closes wait for the next bar.
    expect(h.working().map((o) => o.role)).toEqual(['FLATTEN', 'FLATTEN', 'FLATTEN']);
    expect(h.working().every((o) => o.reduceOnly && o.type === 'MARKET')).toBe(true);

    h.step([
      { instrumentId: 'AAA', open: 101, close: 101 },
      { instrumentId: 'BBB', open: 99.5, close: 99.5 },
      { instrumentId: 'CCC', open: 102.25, close: 102.25 },
    ]);
    expect(handle.done).toBe(true);
    expect(h.engine.portfolio.openPositionCount()).toBe(0);
    expect(h.working()).toEqual([]);
    expect(h.engine.state.state).toBe('HALTED');

    const r = handle.report();
    expect(done).toEqual([r]);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
    expect(r).toMatchObject({ flattenId: 1, status: 'completed', reason: 'operator pressed the button', source: 'user:test', startedAt: T0 + 2 * BAR_MS, completedAt: T0 + 3 * BAR_MS, failures: [] });
    expect(r.cancels.map((c) => [c.role, c.instrumentId, c.openQty, c.outcome]).sort()).toEqual([
      ['ENTRY', 'AAA', 10, 'canceled'],
      ['ENTRY', 'DDD', 10, 'canceled'],
      ['STOP_LOSS', 'AAA', 30, 'canceled'],
      ['TAKE_PROFIT', 'AAA', 30, 'canceled'],
    ]);
    const closes = Object.fromEntries(r.closes.map((c) => [c.instrumentId, c]));
    expect(closes.AAA).toMatchObject({ startQty: 30, closedQty: 30, avgPx: 101, status: 'closed', attempts: [{ attempt: 1, side: 'SELL', qty: 30, outcome: 'filled' }] });
    expect(closes.BBB).toMatchObject({ startQty: -40, closedQty: 40, avgPx: 99.5, status: 'closed', attempts: [{ attempt: 1, side: 'BUY', qty: 40, outcome: 'filled' }] });
    expect(closes.CCC).toMatchObject({ startQty: 30, closedQty: 30, avgPx: 102.25, status: 'closed', fills: [{ qty: 30, px: 102.25, pxTicks: 10225 }] });
    expect(h.trades().filter((t) => t.exitReason === 'flatten')).toHaveLength(3);
    const completed = h.of('FlattenCompleted');
    expect(completed).toHaveLength(1);
    expect(completed[0]!.report).toEqual(r);
  });

  it('twice is once: the same handle, one KillSwitchActivated, one FlattenCompleted, and no new orders', () => {
    const h = busy();
    const a = h.engine.killSwitch.flatten('first', 'user:a');
    const b = h.engine.killSwitch.flatten('second', 'user:b');
    expect(b).toBe(a);
    const orders = h.orders().length;
    h.step(all(101));
    const c = h.engine.killSwitch.flatten('third', 'user:c');
    expect(c).toBe(a);
    expect(h.orders().length).toBe(orders);
    expect(h.of('KillSwitchActivated')).toHaveLength(1);
    expect(h.of('FlattenCompleted')).toHaveLength(1);
    expect(h.engine.killSwitch.halt('after', 'user:d')).toBe(false);
  });

  it('completes at once when nothing is open, and the completion promise resolves', async () => {
    const h = new EngineHarness();
    const handle = h.engine.killSwitch.flatten('nothing to do', 'user:test');
    expect(handle.done).toBe(true);
    await expect(handle.completion).resolves.toMatchObject({ status: 'completed', cancels: [], closes: [] });
  });
});

/** An engine over a venue that can suspend an instrument (it then rejects every order for it, `not_tradeable`). */
function suspendable(maxAttempts: number, store?: TradingStateStore) {
  const clock = new SimClock(T0);
  const insts: Instrument[] = [AAA, BBB, CCC, DDD];
  const suspended = new Set<string>();
  const venue = new SimulatedVenue({
    clock,
    instruments: (id) => {
      const i = insts.find((x) => x.id === id);
      return i && suspended.has(id) ? { ...i, tradeable: false } : i;
    },
  });
  const { config, strategies } = validateConfig({ ...NO_LIMITS, kill_switch: { max_close_attempts: maxAttempts } });
  const engine = new TradingEngine({ clock, venue, instruments: insts, config, strategies, idPrefix: 'K', ...(store ? { stateStore: store } : {}) });
  const events: EngineEvent[] = [];
  engine.kernel.bus.onAny((e) => events.push(e));
  let ts = T0;
  const step = (px: number, ids = ['AAA', 'BBB']) => {
    clock.advanceTo(ts + BAR_MS);
    for (const id of ids) engine.onBar(bar(id, ts, BAR_MS, px, px, px, px));
    engine.endOfTimestamp(ts + BAR_MS);
    ts += BAR_MS;
  };
  return { engine, suspended, step, events };
}

describe('kill switch: rejected closes', () => {
  it('retries a rejected close on the next market data and reports every attempt', () => {
    const { engine, suspended, step } = suspendable(3);
    step(100);
    engine.orders.submit('manual', { instrumentId: 'AAA', side: 'BUY', qty: 10, type: 'MARKET' });
    engine.orders.submit('manual', { instrumentId: 'BBB', side: 'BUY', qty: 10, type: 'MARKET' });
    step(100);
    suspended.add('AAA');
    const handle = engine.killSwitch.flatten('test', 'user:test');
    step(101); // BBB closes; AAA's second attempt is rejected too
    expect(handle.done).toBe(false);
    suspended.delete('AAA');
    step(102); // third attempt accepted
    step(103); // and filled
    expect(handle.done).toBe(true);
    const r = handle.report();
    expect(r.status).toBe('completed');
    const aaa = r.closes.find((c) => c.instrumentId === 'AAA')!;
    expect(aaa.attempts.map((a) => [a.attempt, a.outcome, a.code ?? null])).toEqual([
      [1, 'rejected', 'venue.rejected.not_tradeable'],
      [2, 'rejected', 'venue.rejected.not_tradeable'],
      [3, 'filled', null],
    ]);
    expect(aaa).toMatchObject({ status: 'closed', avgPx: 103 });
    expect(r.failures.map((f) => f.code)).toEqual(['venue.rejected.not_tradeable', 'venue.rejected.not_tradeable']);
    expect(engine.portfolio.openPositionCount()).toBe(0);
  });

  it('gives up after max_close_attempts: status failed, the position is listed, still HALTED', () => {
    const { engine, suspended, step, events } = suspendable(2);
    step(100);
    engine.orders.submit('manual', { instrumentId: 'AAA', side: 'SELL', qty: 10, type: 'MARKET' });
    step(100);
    suspended.add('AAA');
    const handle = engine.killSwitch.flatten('test', 'user:test');
    step(99);
    expect(handle.done).toBe(true);
    const r = handle.report();
    expect(r).toMatchObject({ status: 'failed', maxAttempts: 2 });
    expect(r.closes).toMatchObject([{ instrumentId: 'AAA', startQty: -10, status: 'failed', closedQty: 0 }]);
    expect(r.closes[0]!.attempts).toHaveLength(2);
    expect(engine.state.state).toBe('HALTED');
    expect(events.filter((e) => e.type === 'FlattenCompleted')).toHaveLength(1);
    // A new flatten may be asked (the position is still open) once the venue trades again.
    suspended.delete('AAA');
    const again = engine.killSwitch.flatten('retry', 'user:test');
    expect(again).not.toBe(handle);
    step(98);
    expect(again.report()).toMatchObject({ flattenId: 2, status: 'completed' });
  });
});

describe('kill switch: HALTED persists until re-armed', () => {
  it('survives a restart through the JSON store (atomic, owner-only file) and re-arms', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ks-'));
    const path = join(dir, 'state', 'trading-state.json');
    const first = suspendable(3, new JsonTradingStateStore(path));
    first.step(100);
    first.engine.orders.submit('manual', { instrumentId: 'AAA', side: 'BUY', qty: 10, type: 'MARKET' });
    first.step(100);
    first.engine.killSwitch.flatten('end of day', 'user:test');
    first.step(100);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ state: 'HALTED', reason: 'end of day', source: 'user:test' });
    expect(statSync(path).mode & 0o777).toBe(0o600);

    const second = suspendable(3, new JsonTradingStateStore(path));
    expect(second.engine.state.state).toBe('HALTED');
    second.step(100);
    expect(second.engine.orders.submit('manual', { instrumentId: 'AAA', side: 'BUY', qty: 10, type: 'MARKET' })).toMatchObject({ ok: false, code: 'risk.halted' });
    expect(second.engine.killSwitch.rearm('user:test')).toEqual({ ok: true, changed: true });
    expect(second.engine.killSwitch.rearm('user:test')).toEqual({ ok: true, changed: false });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ state: 'ACTIVE', reason: 're-armed', source: 'user:test' });

    const third = suspendable(3, new JsonTradingStateStore(path));
    expect(third.engine.state.state).toBe('ACTIVE');
  });

  it('fails closed on a damaged state file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ks-'));
    const path = join(dir, 'trading-state.json');
    writeFileSync(path, '{"state": "ACT');
    expect(new JsonTradingStateStore(path).load()).toMatchObject({ state: 'HALTED', source: 'state_store' });
    expect(suspendable(3, new JsonTradingStateStore(path)).engine.state.state).toBe('HALTED');
    expect(new JsonTradingStateStore(join(dir, 'missing.json')).load()).toBeNull();
  });

  it('persists a halt by a risk guard too, and refuses re-arm during a flatten', () => {
    const store = new MemoryTradingStateStore();
    const { engine, step } = suspendable(3, store);
    step(100);
    engine.state.set('HALTED', 'daily loss', 'risk.daily_loss');
    expect(store.load()).toMatchObject({ state: 'HALTED', source: 'risk.daily_loss' });
    engine.killSwitch.rearm('user:test');
    engine.orders.submit('manual', { instrumentId: 'AAA', side: 'BUY', qty: 10, type: 'MARKET' });
    step(100);
    engine.killSwitch.flatten('x', 'user:test');
    expect(engine.killSwitch.rearm('user:test')).toMatchObject({ ok: false, code: 'kill_switch.flatten_in_progress' });
  });
});

void CCC;
