/**
 * The renderer's store logic under Node (no DOM needed): views from snapshot + patches with Maps
 * replaced (never mutated), stale and skipped patches, the <= 20 Hz coalescer, the zustand store's
 * slices, the persisted layout (no secrets, bad input ignored), exact money display and risk sizing.
 */
import { describe, expect, it } from 'vitest';
import type { PositionDto } from '../../../engine/protocol/contract';
import { createAppStore } from '../../../renderer/src/store/app-store';
import { Coalescer, type CoalescerTimer } from '../../../renderer/src/store/coalescer';
import { DEFAULT_LAYOUT, LAYOUT_KEY, readLayout, writeLayout } from '../../../renderer/src/store/layout';
import { applyViewFrames, emptyViews, type ViewFrame } from '../../../renderer/src/store/views';
import { unitsForRisk } from '../../../renderer/src/features/ticket/sizing';
import { money, moneySub } from '../../../renderer/src/ui/format';

const pos = (id: string, qty: string): PositionDto => ({ instrumentId: id, qty, avgPx: '100.00', markPx: '101.00', unrealizedPnl: '10.000000', marketValue: '1010.000000', tsOpened: 1 });

class ManualTimer implements CoalescerTimer {
  t = 0;
  private q: { at: number; cb: () => void; live: boolean }[] = [];
  now() {
    return this.t;
  }
  after(ms: number, cb: () => void) {
    const e = { at: this.t + ms, cb, live: true };
    this.q.push(e);
    return () => {
      e.live = false;
    };
  }
  advance(ms: number) {
    const end = this.t + ms;
    for (;;) {
      const next = this.q.filter((e) => e.live && e.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.t = next.at;
      next.live = false;
      next.cb();
    }
    this.t = end;
  }
}

describe('views: snapshot + patches', () => {
  it('applies a snapshot, then patches in seq order, replacing Maps instead of mutating them', () => {
    const s0 = emptyViews();
    const s1 = applyViewFrames(s0, [
      { kind: 'snapshot', view: 'positions', seq: 3, data: { AAA: pos('AAA', '10') } },
      { kind: 'snapshot', view: 'account', seq: 1, data: { equity: '1.000000' } },
    ]);
    expect(s1.positions.get('AAA')?.qty).toBe('10');
    expect(s1.seq.positions).toBe(3);
    const before = s1.positions;
    const s2 = applyViewFrames(s1, [
      { kind: 'patch', view: 'positions', seq: 4, ops: [{ op: 'upsert', key: 'BBB', value: pos('BBB', '-5') }] },
      { kind: 'patch', view: 'positions', seq: 5, ops: [{ op: 'remove', key: 'AAA' }] },
    ]);
    expect([...s2.positions.keys()]).toEqual(['BBB']);
    expect(s2.positions).not.toBe(before);
    // The previous Map is untouched: a selector holding it still sees the old state.
    expect([...before.keys()]).toEqual(['AAA']);
    // Views that did not change keep their identity.
    expect(s2.account).toBe(s1.account);
    expect(s2.orders).toBe(s1.orders);
    expect(s2.seq.positions).toBe(5);
  });

  it('drops patches already in the snapshot, returns the same state when nothing changed, and flags a gap', () => {
    const s1 = applyViewFrames(emptyViews(), [{ kind: 'snapshot', view: 'orders', seq: 10, data: {} }]);
    expect(applyViewFrames(s1, [{ kind: 'patch', view: 'orders', seq: 9, ops: [{ op: 'remove', key: 'x' }] }])).toBe(s1);
    // A patch for a view without a snapshot yet is ignored (its snapshot follows).
    expect(applyViewFrames(s1, [{ kind: 'patch', view: 'risk', seq: 1, ops: [{ op: 'replace', value: {} }] }])).toBe(s1);
    const gap = applyViewFrames(s1, [{ kind: 'patch', view: 'orders', seq: 12, ops: [] }]);
    expect(gap.gaps).toEqual(['orders']);
    expect(gap.seq.orders).toBe(10);
    const healed = applyViewFrames(gap, [{ kind: 'snapshot', view: 'orders', seq: 12, data: {} }]);
    expect(healed.gaps).toEqual([]);
  });

  it('replace ops set a singleton view', () => {
    const s1 = applyViewFrames(emptyViews(), [{ kind: 'snapshot', view: 'engine', seq: 0, data: { tradingState: 'ACTIVE', source: 'x', lastEventId: 1 } }]);
    const s2 = applyViewFrames(s1, [{ kind: 'patch', view: 'engine', seq: 1, ops: [{ op: 'replace', value: { tradingState: 'HALTED', source: 'user:ws', lastEventId: 2 } }] }]);
    expect(s2.engine?.tradingState).toBe('HALTED');
  });
});

describe('coalescer: at most 20 batches a second', () => {
  it('delivers a burst as one batch and spaces batches by the interval', () => {
    const timer = new ManualTimer();
    const batches: number[][] = [];
    const c = new Coalescer<number>((b) => batches.push(b), timer, 50);
    for (let i = 0; i < 100; i++) c.push(i);
    timer.advance(0);
    expect(batches).toEqual([Array.from({ length: 100 }, (_, i) => i)]);
    // A steady stream of 1000 items/s for one second: at most 20 (+1 for the first) batches.
    for (let ms = 0; ms < 1000; ms++) {
      c.push(ms);
      timer.advance(1);
    }
    timer.advance(100);
    expect(batches.length - 1).toBeLessThanOrEqual(21);
    expect(batches.slice(1).flat()).toHaveLength(1000);
  });
});

describe('app store (zustand slices)', () => {
  it('view batches become one state change each; alerts are newest first and bounded', () => {
    const store = createAppStore();
    let changes = 0;
    store.subscribe(() => changes++);
    const frames: ViewFrame[] = [{ kind: 'snapshot', view: 'quotes', seq: 1, data: {} }];
    for (let i = 2; i < 50; i++) frames.push({ kind: 'patch', view: 'quotes', seq: i, ops: [{ op: 'upsert', key: 'AAA', value: { instrumentId: 'AAA', bid: String(i), ask: String(i + 1) } }] });
    store.getState().applyFrames(frames);
    expect(changes).toBe(1);
    expect(store.getState().views.quotes.get('AAA')?.bid).toBe('49');
    for (let i = 0; i < 250; i++) store.getState().pushAlert({ level: 'info', code: `c${i}`, message: 'm', ts: i });
    expect(store.getState().alerts).toHaveLength(200);
    expect(store.getState().alerts[0]!.code).toBe('c249');
  });
});

describe('layout persistence', () => {
  it('round-trips, ignores bad fields, and never holds the token', () => {
    const saved = new Map<string, string>();
    writeLayout({ setItem: (k, v) => saved.set(k, v) }, { ...DEFAULT_LAYOUT, instrumentId: 'EUR_USD', bottomTab: 'fills', emas: [9, 21] });
    const text = saved.get(LAYOUT_KEY)!;
    expect(readLayout(text)).toMatchObject({ instrumentId: 'EUR_USD', bottomTab: 'fills', emas: [9, 21] });
    expect(text).not.toMatch(/token/i);
    expect(readLayout('{not json')).toEqual(DEFAULT_LAYOUT);
    expect(readLayout(JSON.stringify({ timeframeMs: 7, bottomTab: 'nope', emas: [1], sideWidth: 99999 }))).toEqual(DEFAULT_LAYOUT);
  });
});

describe('money display and risk sizing', () => {
  it('shows exact money strings rounded half away from zero, and subtracts exactly', () => {
    expect(money('100000.000000')).toBe('100,000.00');
    expect(money('-1234.565000')).toBe('-1,234.57');
    expect(money('0.004999')).toBe('0.00');
    expect(money('-0.004000')).toBe('0.00');
    expect(money('999.995000')).toBe('1,000.00');
    expect(moneySub('100000.000000', '100000.100001')).toBe('-0.100001');
    expect(moneySub('0.3', '0.1')).toBe('0.200000');
  });

  it('sizes by risk: never above the budget, whole minQty multiples', () => {
    // 1% of 100,000 = 1,000 at risk; 2.50 per unit -> 400 units.
    expect(unitsForRisk({ equity: '100000.000000', riskPct: 1, entry: 100, stop: 97.5, pricePrecision: 2, unitPrecision: 0, minQty: 1 })).toEqual({ qty: '400' });
    expect(unitsForRisk({ equity: '100000.000000', riskPct: 1, entry: 1.1, stop: 1.09, pricePrecision: 5, unitPrecision: 0, minQty: 1000 })).toEqual({ qty: '100000' });
    expect(unitsForRisk({ equity: '100.000000', riskPct: 0.1, entry: 100, stop: 90, pricePrecision: 2, unitPrecision: 0, minQty: 1 })).toHaveProperty('error');
    expect(unitsForRisk({ equity: '100.000000', riskPct: 1, entry: 100, stop: 100, pricePrecision: 2, unitPrecision: 0, minQty: 1 })).toHaveProperty('error');
  });
});
