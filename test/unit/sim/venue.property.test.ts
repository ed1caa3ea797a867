import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Bar, Ohlc } from '../../../engine/core/bar';
import { isTerminal, sideSign, type OrderSide, type OrderType, type TimeInForce } from '../../../engine/core/order';
import {
  FixedSlippageModel,
  NextBarOpenFillModel,
  PercentFeeModel,
  PercentSlippageModel,
  VolatilitySlippageModel,
  VolumeParticipationFillModel,
  ZeroSlippageModel,
  type FillModel,
  type SlippageModel,
} from '../../../engine/sim';
import { BAR_MS, Harness } from './harness';

type Action =
  | { kind: 'bar'; drift: number; up: number; down: number; close: number; half: number | null; volume: number; nextDay: boolean }
  | { kind: 'submit'; side: OrderSide; type: OrderType; qty: number; offset: number; tif: TimeInForce; gtdBars: number; reduceOnly: boolean; oco: string | null }
  | { kind: 'cancel'; pick: number }
  | { kind: 'modify'; pick: number; qty: number | null; offset: number | null };

const barAction = fc.record({
  kind: fc.constant('bar' as const),
  drift: fc.integer({ min: -150, max: 150 }),
  up: fc.integer({ min: 0, max: 200 }),
  down: fc.integer({ min: 0, max: 200 }),
  close: fc.integer({ min: -150, max: 150 }),
  half: fc.option(fc.integer({ min: 0, max: 20 }), { nil: null }),
  volume: fc.integer({ min: 0, max: 3000 }),
  nextDay: fc.integer({ min: 0, max: 9 }).map((x) => x === 0),
});

const submitAction = fc.record({
  kind: fc.constant('submit' as const),
  side: fc.constantFrom<OrderSide>('BUY', 'SELL'),
  type: fc.constantFrom<OrderType>('MARKET', 'LIMIT', 'STOP', 'MARKET_IF_TOUCHED'),
  qty: fc.integer({ min: 1, max: 300 }),
  offset: fc.integer({ min: -300, max: 300 }),
  tif: fc.constantFrom<TimeInForce>('GTC', 'GTC', 'DAY', 'GTD', 'IOC', 'FOK'),
  gtdBars: fc.integer({ min: 1, max: 4 }),
  reduceOnly: fc.integer({ min: 0, max: 4 }).map((x) => x === 0),
  oco: fc.constantFrom<string | null>(null, null, 'a', 'b'),
});

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: barAction },
  { weight: 4, arbitrary: submitAction },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('modify' as const),
      pick: fc.nat(),
      qty: fc.option(fc.integer({ min: 1, max: 300 }), { nil: null }),
      offset: fc.option(fc.integer({ min: -300, max: 300 }), { nil: null }),
    }),
  },
);

const fillModel = fc.constantFrom<() => FillModel>(
  () => new NextBarOpenFillModel(),
  () => new VolumeParticipationFillModel({ fraction: 0.05 }),
  () => new VolumeParticipationFillModel({ fraction: 0.5 }),
);
const slippageModel = fc.constantFrom<() => SlippageModel>(
  () => new ZeroSlippageModel(),
  () => new FixedSlippageModel({ ticks: 7 }),
  () => new FixedSlippageModel({ ticks: 500 }),
  () => new PercentSlippageModel({ pct: 0.3 }),
  () => new VolatilitySlippageModel({ fractionOfRange: 0.5 }),
);

const ohlc = (o: number, h: number, l: number, c: number): Ohlc => ({ open: o / 100, high: h / 100, low: l / 100, close: c / 100 });

function sideRange(bar: Bar, side: OrderSide): [number, number] {
  const p = bar.bid && bar.ask ? (side === 'BUY' ? bar.ask : bar.bid) : bar;
  return [Math.round(p.low * 100), Math.round(p.high * 100)];
}

describe('SimulatedVenue properties', () => {
  it('never overfills, fills inside the bar, never changes terminal orders, keeps brackets off the entry bar', () => {
    fc.assert(
      fc.property(
        fillModel,
        slippageModel,
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.array(action, { minLength: 10, maxLength: 80, size: 'max' }),
        (mkFill, mkSlip, brackets, reactModify, clockAtOpen, actions) => {
        const h = new Harness({ fillModel: mkFill(), slippageModel: mkSlip(), feeModel: new PercentFeeModel({ pct: 0.1 }) });
        h.clockAtOpen = clockAtOpen;
        const ids: string[] = [];
        const modifiedOn = new Map<string, Bar | null>();
        const acceptIndex = new Map<string, number>();
        const fullFillIndex = new Map<string, number>();
        const terminalAt = new Map<string, number>();
        const acceptedOn = new Map<string, Bar | null>();
        const filledSum = new Map<string, number>();
        let position = 0;
        let last = 10_000;

        h.onEvent = (e) => {
          const i = h.events.length - 1;
          const bar = h.eventBars[i] ?? null;
          // Terminal orders never change again (refusals of our own requests are not changes).
          if (terminalAt.has(e.clientOrderId) && e.type !== 'OrderCancelRejected') {
            throw new Error(`event ${e.type} for terminal order ${e.clientOrderId}`);
          }
          const o = h.order(e.clientOrderId);
          if (e.type === 'OrderAccepted') {
            acceptedOn.set(e.clientOrderId, bar);
            acceptIndex.set(e.clientOrderId, i);
          }
          if (e.type === 'OrderFilled' && e.leavesQty === 0) fullFillIndex.set(e.clientOrderId, i);
          if (e.type === 'OrderFilled') {
            expect(Number.isSafeInteger(e.lastQty) && e.lastQty > 0).toBe(true);
            expect(bar).not.toBeNull();
            // The bar an order was accepted on, or last modified on, never fills it.
            expect(acceptedOn.get(e.clientOrderId)).not.toBe(bar);
            if (modifiedOn.has(e.clientOrderId)) expect(modifiedOn.get(e.clientOrderId)).not.toBe(bar);
            const [lo, hi] = sideRange(bar!, e.side);
            expect(e.lastPx).toBeGreaterThanOrEqual(lo);
            expect(e.lastPx).toBeLessThanOrEqual(hi);
            expect(e.fee).toBeGreaterThanOrEqual(0);
            expect(e.slippage).toBeGreaterThanOrEqual(0);
            const sum = (filledSum.get(e.clientOrderId) ?? 0) + e.lastQty;
            filledSum.set(e.clientOrderId, sum);
            expect(sum).toBe(o.filledQty);
            expect(sum).toBeLessThanOrEqual(o.qty);
            expect(e.leavesQty).toBe(o.qty - o.filledQty);
            const before = position;
            position += sideSign(e.side) * e.lastQty;
            if (o.reduceOnly) {
              expect(Math.abs(position)).toBeLessThan(Math.abs(before));
              expect(Math.sign(position) * Math.sign(before)).toBeGreaterThanOrEqual(0);
            }
            if (brackets && !o.reduceOnly && e.leavesQty === 0 && o.ocoGroup === null) {
              // Re-entrant bracket submission, as the order manager does on an entry fill.
              const exit = e.side === 'BUY' ? 'SELL' : 'BUY';
              const dir = e.side === 'BUY' ? 1 : -1;
              const group = `br-${e.clientOrderId}`;
              ids.push(h.submit({ side: exit, type: 'STOP', qty: o.qty, triggerPrice: Math.max(1, e.lastPx - dir * 50), ocoGroup: group, reduceOnly: true }));
              ids.push(h.submit({ side: exit, type: 'LIMIT', qty: o.qty, price: Math.max(1, e.lastPx + dir * 50), ocoGroup: group, reduceOnly: true }));
            }
          }
          if (isTerminal(o)) terminalAt.set(e.clientOrderId, i);
          if (reactModify && e.type === 'OrderFilled') {
            // Re-entrant modification: move the oldest other open order's level onto this fill price.
            const other = h.cache.openOrders('AAPL').find((x) => x.clientOrderId !== e.clientOrderId && x.type !== 'MARKET' && x.status !== 'SUBMITTED');
            if (other) {
              h.modify(other.clientOrderId, other.type === 'STOP' ? { triggerPrice: e.lastPx } : { price: e.lastPx });
              const last = h.events.at(-1);
              if (last?.type === 'OrderUpdated' && last.clientOrderId === other.clientOrderId) modifiedOn.set(other.clientOrderId, h.currentBar);
            }
          }
        };

        /** OCO: once a member has filled completely, every member accepted before that fill is terminal. */
        const checkOco = (): void => {
          for (const [filled, at] of fullFillIndex) {
            const group = h.order(filled).ocoGroup;
            if (group === null) continue;
            for (const [id, accepted] of acceptIndex) {
              if (id !== filled && accepted < at && h.order(id).ocoGroup === group) expect(isTerminal(h.order(id)), `${id} after ${filled} filled`).toBe(true);
            }
          }
        };

        for (const a of actions) {
          if (a.kind === 'bar') {
            const open = Math.max(500, last + a.drift);
            const close = Math.max(300, open + a.close);
            const high = Math.max(open, close) + a.up;
            const low = Math.max(100, Math.min(open, close) - a.down);
            const extra =
              a.half === null
                ? {}
                : {
                    bid: ohlc(open - a.half, high - a.half, low - a.half, close - a.half),
                    ask: ohlc(open + a.half, high + a.half, low + a.half, close + a.half),
                  };
            if (a.nextDay) h.nextTs += 86_400_000;
            h.bar(open / 100, high / 100, low / 100, close / 100, { volume: a.volume, ...extra });
            last = close;
            checkOco();
          } else if (a.kind === 'submit') {
            const level = Math.max(1, last + a.offset);
            ids.push(
              h.submit({
                side: a.side,
                type: a.type,
                qty: a.qty,
                price: a.type === 'LIMIT' || a.type === 'MARKET_IF_TOUCHED' ? level : null,
                triggerPrice: a.type === 'STOP' ? level : null,
                tif: a.tif,
                expireTs: a.tif === 'GTD' ? h.clock.now() + a.gtdBars * BAR_MS : null,
                reduceOnly: a.reduceOnly,
                ocoGroup: a.oco,
              }),
            );
          } else if (ids.length > 0) {
            const id = ids[a.pick % ids.length]!;
            const o = h.order(id);
            if (a.kind === 'cancel') {
              if (isTerminal(o)) h.venue.cancel(o);
              else h.cancel(id);
            } else {
              const changes = {
                ...(a.qty !== null ? { qty: a.qty } : {}),
                ...(a.offset !== null ? (o.type === 'STOP' ? { triggerPrice: Math.max(1, last + a.offset) } : { price: Math.max(1, last + a.offset) }) : {}),
              };
              if (isTerminal(o)) h.venue.modify(o, changes);
              else h.modify(id, changes);
            }
          }
        }
        expect(h.venue.position('AAPL')).toBe(position);
        for (const id of ids) {
          const o = h.order(id);
          expect(o.filledQty).toBe(filledSum.get(id) ?? 0);
          expect(o.filledQty).toBeLessThanOrEqual(o.qty);
        }
        // The venue's working set agrees with the kernel's open orders.
        expect(h.venue.workingOrders().map((w) => w.clientOrderId)).toEqual(
          h.cache.openOrders().filter((o) => o.status !== 'SUBMITTED' || o.venueOrderId !== null).map((o) => o.clientOrderId),
        );
        },
      ),
      { numRuns: 200, seed: 20240102 },
    );
  });

  it('is deterministic: the same inputs give the same event log', () => {
    const run = () => {
      const h = new Harness({ fillModel: new VolumeParticipationFillModel({ fraction: 0.2 }), slippageModel: new FixedSlippageModel({ ticks: 3 }) });
      h.submit({ side: 'BUY', type: 'MARKET', qty: 250 });
      h.submit({ side: 'SELL', type: 'LIMIT', qty: 100, price: 10100 });
      h.submit({ side: 'SELL', type: 'STOP', qty: 100, triggerPrice: 9900, ocoGroup: 'x' });
      for (let i = 0; i < 6; i++) h.bar(100 + i * 0.3, 101 + i * 0.3, 99 + i * 0.3, 100.5 + i * 0.3, { volume: 400 + i * 100 });
      return JSON.stringify(h.events);
    };
    expect(run()).toBe(run());
  });
});
