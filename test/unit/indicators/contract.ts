/**
 * The contract every streaming indicator passes (run for each one by `contract.test.ts`):
 * warm-up, streaming == batch at every index (bit for bit), replace semantics, reset, invalid
 * parameters and invalid (non-finite) inputs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../engine/core/errors';
import type { StreamingIndicator } from '../../../engine/indicators';
import { mulberry32, randomBars, randomWalk, type Bars } from './data';

/** Input columns of the contract data; `other` is a second, independent series (for correlation). */
export type Column = keyof Bars | 'other';
export type ContractData = Record<Column, Float64Array>;

export interface IndicatorCase<T extends StreamingIndicator> {
  name: string;
  /** Columns passed to `add` / `replace`, in argument order. */
  columns: readonly Column[];
  create: () => T;
  add: (ind: T, args: readonly number[]) => void;
  replace: (ind: T, args: readonly number[]) => void;
  /** Every output, in a fixed order (the same order as `batch`). */
  outputs: (ind: T) => number[];
  batch: (cols: Float64Array[]) => Float64Array[];
  /** The count at which `isReady` turns true on the contract data. */
  readyAt: number;
  /** Calls that must throw `indicator.invalid_param` (constructors and batch functions). */
  invalidParams: (() => unknown)[];
  /** Extra argument lists that must throw `indicator.invalid_input` (besides non-finite values). */
  invalidArgs?: number[][];
  /** Batch calls with malformed inputs (e.g. series of different lengths) that must throw `indicator.invalid_input`. */
  invalidBatchCalls?: (() => unknown)[];
}

/** 600 bars of 15 minutes from 2024-01-01T00:00Z (96 per UTC day) plus an independent series. */
export const CONTRACT_N = 600;
export const BARS_PER_DAY = 96;

export function contractData(seed = 42, n = CONTRACT_N): ContractData {
  const bars = randomBars(n, seed);
  return { ...bars, other: randomWalk(n, seed + 1, 50, 0.02) };
}

function argsAt(c: IndicatorCase<StreamingIndicator>, data: ContractData, i: number): number[] {
  return c.columns.map((col) => data[col][i]!);
}

function gather(c: IndicatorCase<StreamingIndicator>, data: ContractData, rows: readonly number[]): Float64Array[] {
  return c.columns.map((col) => Float64Array.from(rows, (r) => data[col][r]!));
}

/** Asserts a function throws an EngineError with `code`. */
export function expectEngineError(fn: () => unknown, code: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, `expected ${code}`).toBeInstanceOf(EngineError);
  expect((thrown as EngineError).code).toBe(code);
}

/** Index of the first differing element, compared bit for bit (NaN equals NaN), or -1. */
function firstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

function streamAll<T extends StreamingIndicator>(c: IndicatorCase<T>, ind: T, data: ContractData, n: number): number[][] {
  const outs: number[][] = [];
  for (let i = 0; i < n; i++) {
    c.add(ind, argsAt(c as never, data, i));
    outs.push(c.outputs(ind));
  }
  return outs;
}

function expectMatchesBatch(rows: number[][], batch: Float64Array[], label: string): void {
  for (let k = 0; k < batch.length; k++) {
    const streamed = rows.map((r) => r[k]!);
    const d = firstDiff(streamed, batch[k]!);
    expect(d, `${label}: output ${k} differs at index ${d} (stream ${streamed[d]}, batch ${batch[k]![d]})`).toBe(-1);
  }
}

export function runIndicatorContract<T extends StreamingIndicator>(c: IndicatorCase<T>): void {
  const cc = c as unknown as IndicatorCase<StreamingIndicator>;
  const data = contractData();
  const all = Array.from({ length: CONTRACT_N }, (_, i) => i);
  const batch = c.batch(gather(cc, data, all));

  describe(c.name, () => {
    it('warms up: NaN and not ready until readyAt, then ready with finite values', () => {
      const ind = c.create();
      expect(ind.count).toBe(0);
      expect(ind.isReady).toBe(false);
      expect(c.outputs(ind).every(Number.isNaN)).toBe(true);
      for (let i = 0; i < CONTRACT_N; i++) {
        c.add(ind, argsAt(cc, data, i));
        expect(ind.count).toBe(i + 1);
        const ready = i + 1 >= c.readyAt;
        expect(ind.isReady, `isReady after ${i + 1} inputs`).toBe(ready);
        const outs = c.outputs(ind);
        if (ready) expect(outs.every(Number.isFinite), `finite after ${i + 1} inputs: ${outs.join(',')}`).toBe(true);
        else expect(outs.every(Number.isNaN), `NaN after ${i + 1} inputs`).toBe(true);
        expect(Object.is(ind.value, outs[0])).toBe(true);
      }
      expect(ind.warmup).toBeLessThanOrEqual(c.readyAt);
      for (const out of batch) {
        for (let i = 0; i < c.readyAt - 1; i++) expect(out[i]).toBeNaN();
        expect(out[c.readyAt - 1]).not.toBeNaN();
      }
    });

    it('streaming equals batch at every index, bit for bit', () => {
      const rows = streamAll(c, c.create(), data, CONTRACT_N);
      expectMatchesBatch(rows, batch, 'stream vs batch');
      expect(batch.every((b) => b.length === CONTRACT_N)).toBe(true);
    });

    it('batch on an empty input and on inputs shorter than the warm-up', () => {
      for (const n of new Set([0, Math.floor((c.readyAt - 1) / 2), c.readyAt - 1])) {
        const out = c.batch(gather(cc, data, all.slice(0, n)));
        for (const o of out) {
          expect(o.length).toBe(n);
          expect(Array.from(o).every(Number.isNaN)).toBe(true);
        }
      }
    });

    it('replace rewrites the last input: add(a); replace(b) == add(b), also several replaces in a row', () => {
      const rnd = mulberry32(7);
      const ind = c.create();
      const rows: number[][] = [];
      for (let i = 0; i < CONTRACT_N; i++) {
        // a provisional value first, then 0..3 more provisional replaces, then the final one
        c.add(ind, argsAt(cc, data, Math.floor(rnd() * CONTRACT_N)));
        const extra = Math.floor(rnd() * 4);
        for (let k = 0; k < extra; k++) c.replace(ind, argsAt(cc, data, Math.floor(rnd() * CONTRACT_N)));
        c.replace(ind, argsAt(cc, data, i));
        expect(ind.count).toBe(i + 1);
        rows.push(c.outputs(ind));
      }
      expectMatchesBatch(rows, batch, 'with replaces');
    });

    it('replace with the same input is a no-op; replace before any add acts as add', () => {
      const a = c.create();
      const b = c.create();
      for (let i = 0; i < CONTRACT_N; i++) {
        const args = argsAt(cc, data, i);
        c.add(a, args);
        c.add(b, args);
        c.replace(b, args);
        c.replace(b, args);
        expect(firstDiff(c.outputs(a), c.outputs(b))).toBe(-1);
      }
      const fresh = c.create();
      c.replace(fresh, argsAt(cc, data, 0));
      expect(fresh.count).toBe(1);
      const viaAdd = c.create();
      c.add(viaAdd, argsAt(cc, data, 0));
      expect(firstDiff(c.outputs(fresh), c.outputs(viaAdd))).toBe(-1);
    });

    it('arbitrary add/replace sequences agree with batch on the resulting series (property)', () => {
      fc.assert(
        fc.property(
          fc.array(fc.record({ replace: fc.boolean(), row: fc.nat({ max: CONTRACT_N - 1 }) }), { minLength: 1, maxLength: 250 }),
          (ops) => {
            const ind = c.create();
            const series: number[] = [];
            const outAt: number[][] = [];
            for (const op of ops) {
              const args = argsAt(cc, data, op.row);
              if (op.replace && series.length > 0) {
                c.replace(ind, args);
                series[series.length - 1] = op.row;
              } else {
                c.add(ind, args);
                series.push(op.row);
              }
              outAt[series.length - 1] = c.outputs(ind);
            }
            expect(ind.count).toBe(series.length);
            expectMatchesBatch(outAt, c.batch(gather(cc, data, series)), 'property');
          },
        ),
        { numRuns: 60, seed: 1234 },
      );
    });

    it('reset returns to the initial state', () => {
      const ind = c.create();
      streamAll(c, ind, data, 250);
      ind.reset();
      expect(ind.count).toBe(0);
      expect(ind.isReady).toBe(false);
      expect(c.outputs(ind).every(Number.isNaN)).toBe(true);
      expectMatchesBatch(streamAll(c, ind, data, CONTRACT_N), batch, 'after reset');
    });

    if (c.invalidParams.length > 0) {
      it('invalid parameters throw indicator.invalid_param', () => {
        for (const make of c.invalidParams) expectEngineError(make, 'indicator.invalid_param');
      });
    }

    it('NaN / ±Infinity inputs throw indicator.invalid_input and leave the state untouched', () => {
      const bad = [NaN, Infinity, -Infinity];
      const lists: number[][] = [...(c.invalidArgs ?? [])];
      const base = argsAt(cc, data, 0);
      for (let k = 0; k < c.columns.length; k++) {
        for (const v of bad) {
          const args = [...base];
          args[k] = v;
          lists.push(args);
        }
      }
      for (const call of c.invalidBatchCalls ?? []) expectEngineError(call, 'indicator.invalid_input');
      // batch: a bad value anywhere throws
      for (const args of lists) {
        const cols = gather(cc, data, all.slice(0, 50));
        for (let k = 0; k < cols.length; k++) cols[k]![37] = args[k]!;
        expectEngineError(() => c.batch(cols), 'indicator.invalid_input');
      }
      // streaming: every bad add/replace throws, and the results are as if it never happened
      const ind = c.create();
      const rows: number[][] = [];
      let j = 0;
      for (let i = 0; i < CONTRACT_N; i++) {
        const args = lists[j++ % lists.length]!;
        if (i > 0 && i % 3 === 0) expectEngineError(() => c.replace(ind, args), 'indicator.invalid_input');
        expectEngineError(() => c.add(ind, args), 'indicator.invalid_input');
        c.add(ind, argsAt(cc, data, i));
        if (i % 5 === 0) expectEngineError(() => c.replace(ind, args), 'indicator.invalid_input');
        rows.push(c.outputs(ind));
      }
      expectMatchesBatch(rows, batch, 'with rejected inputs');
    });
  });
}
