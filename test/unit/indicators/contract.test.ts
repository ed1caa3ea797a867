import { describe, expect, it } from 'vitest';
import * as indicators from '../../../engine/indicators';
import {
  Atr,
  atr,
  BollingerBands,
  bollinger,
  Correlation,
  correlation,
  Ema,
  ema,
  Macd,
  macd,
  Obv,
  obv,
  PivotPoints,
  pivots,
  Roc,
  roc,
  Rsi,
  rsi,
  Sma,
  sma,
  Vwap,
  vwap,
} from '../../../engine/indicators';
import { BARS_PER_DAY, runIndicatorContract, type IndicatorCase } from './contract';

const badPeriods = [0, -1, 2.5, NaN, Infinity];

function closeCase<T extends Sma | Ema | Rsi | Roc>(
  name: string,
  create: () => T,
  batchFn: (v: Float64Array) => Float64Array,
  readyAt: number,
  invalidParams: (() => unknown)[],
): IndicatorCase<T> {
  return {
    name,
    columns: ['close'],
    create,
    add: (ind, [x]) => ind.add(x!),
    replace: (ind, [x]) => ind.replace(x!),
    outputs: (ind) => [ind.value],
    batch: ([v]) => [batchFn(v!)],
    readyAt,
    invalidParams,
  };
}

function macdCase(f: number, s: number, g: number): IndicatorCase<Macd> {
  return {
    name: `MACD(${f},${s},${g})`,
    columns: ['close'],
    create: () => new Macd(f, s, g),
    add: (ind, [x]) => ind.add(x!),
    replace: (ind, [x]) => ind.replace(x!),
    outputs: (ind) => [ind.macd, ind.signal, ind.histogram],
    batch: ([v]) => {
      const r = macd(v!, f, s, g);
      return [r.macd, r.signal, r.histogram];
    },
    readyAt: s + g - 1,
    invalidParams: [
      () => new Macd(26, 12, 9),
      () => new Macd(12, 12, 9),
      () => new Macd(0, 26, 9),
      () => new Macd(12, 26, 0),
      () => new Macd(12, 26.5, 9),
      () => macd([1, 2, 3], 12, 26, 0),
      () => macd([1, 2, 3], 30, 26, 9),
    ],
  };
}

function bbCase(p: number, k: number): IndicatorCase<BollingerBands> {
  return {
    name: `BB(${p},${k})`,
    columns: ['close'],
    create: () => new BollingerBands(p, k),
    add: (ind, [x]) => ind.add(x!),
    replace: (ind, [x]) => ind.replace(x!),
    outputs: (ind) => [ind.middle, ind.upper, ind.lower],
    batch: ([v]) => {
      const r = bollinger(v!, p, k);
      return [r.middle, r.upper, r.lower];
    },
    readyAt: p,
    invalidParams: [
      ...badPeriods.map((b) => () => new BollingerBands(b, 2)),
      () => new BollingerBands(20, -1),
      () => new BollingerBands(20, NaN),
      () => bollinger([1, 2, 3], 0, 2),
      () => bollinger([1, 2, 3], 20, Infinity),
    ],
  };
}

function atrCase(p: number): IndicatorCase<Atr> {
  return {
    name: `ATR(${p})`,
    columns: ['high', 'low', 'close'],
    create: () => new Atr(p),
    add: (ind, [h, l, c]) => ind.add(h!, l!, c!),
    replace: (ind, [h, l, c]) => ind.replace(h!, l!, c!),
    outputs: (ind) => [ind.value],
    batch: ([h, l, c]) => [atr(h!, l!, c!, p)],
    readyAt: p + 1,
    invalidParams: [...badPeriods.map((b) => () => new Atr(b)), () => atr([1], [1], [1], 0)],
    invalidBatchCalls: [() => atr([1, 2], [1], [1, 2], 14), () => atr([1, 2], [1, 2], [1], 14)],
  };
}

type PairColumn = 'close' | 'other' | 'volume';

function correlationCase(p: number, columns: readonly [PairColumn, PairColumn]): IndicatorCase<Correlation> {
  return {
    name: `Correlation(${p}) of ${columns.join(', ')}`,
    columns,
    create: () => new Correlation(p),
    add: (ind, [x, y]) => ind.add(x!, y!),
    replace: (ind, [x, y]) => ind.replace(x!, y!),
    outputs: (ind) => [ind.value],
    batch: ([x, y]) => [correlation(x!, y!, p)],
    readyAt: p,
    invalidParams: [...badPeriods.map((b) => () => new Correlation(b)), () => new Correlation(1), () => correlation([1, 2], [1, 2], 1)],
    invalidBatchCalls: [() => correlation([1, 2], [1], 2)],
  };
}

describe('indicator contract', () => {
  runIndicatorContract(closeCase('SMA(1)', () => new Sma(1), (v) => sma(v, 1), 1, []));
  runIndicatorContract(
    closeCase('SMA(20)', () => new Sma(20), (v) => sma(v, 20), 20, [...badPeriods.map((b) => () => new Sma(b)), () => sma([1, 2], 0)]),
  );
  runIndicatorContract(closeCase('EMA(1)', () => new Ema(1), (v) => ema(v, 1), 1, []));
  runIndicatorContract(
    closeCase('EMA(21)', () => new Ema(21), (v) => ema(v, 21), 21, [...badPeriods.map((b) => () => new Ema(b)), () => ema([1, 2], -3)]),
  );
  runIndicatorContract(closeCase('RSI(1)', () => new Rsi(1), (v) => rsi(v, 1), 2, []));
  runIndicatorContract(
    closeCase('RSI(14)', () => new Rsi(14), (v) => rsi(v, 14), 15, [...badPeriods.map((b) => () => new Rsi(b)), () => rsi([1, 2], 0.5)]),
  );
  runIndicatorContract(closeCase('ROC(1)', () => new Roc(1), (v) => roc(v, 1), 2, []));
  runIndicatorContract(
    closeCase('ROC(10)', () => new Roc(10), (v) => roc(v, 10), 11, [...badPeriods.map((b) => () => new Roc(b)), () => roc([1, 2], 0)]),
  );
  runIndicatorContract(macdCase(12, 26, 9));
  runIndicatorContract(macdCase(3, 5, 1));
  runIndicatorContract(bbCase(1, 2));
  runIndicatorContract(bbCase(20, 2));
  runIndicatorContract(bbCase(50, 0));
  runIndicatorContract(atrCase(1));
  runIndicatorContract(atrCase(14));
  // (closes repeat, so a 2-bar window of closes can be flat: NaN by definition)
  runIndicatorContract(correlationCase(2, ['other', 'volume']));
  runIndicatorContract(correlationCase(20, ['close', 'other']));
  runIndicatorContract({
    name: 'OBV',
    columns: ['close', 'volume'],
    create: () => new Obv(),
    add: (ind: Obv, [c, v]) => ind.add(c!, v!),
    replace: (ind: Obv, [c, v]) => ind.replace(c!, v!),
    outputs: (ind: Obv) => [ind.value],
    batch: ([c, v]) => [obv(c!, v!)],
    readyAt: 1,
    invalidParams: [],
    invalidBatchCalls: [() => obv([1, 2], [1])],
  });
  runIndicatorContract({
    name: 'VWAP (UTC-day sessions)',
    columns: ['high', 'low', 'close', 'volume', 'ts'],
    create: () => new Vwap(),
    add: (ind: Vwap, [h, l, c, v, t]) => ind.add(h!, l!, c!, v!, t!),
    replace: (ind: Vwap, [h, l, c, v, t]) => ind.replace(h!, l!, c!, v!, t!),
    outputs: (ind: Vwap) => [ind.value],
    batch: ([h, l, c, v, t]) => [vwap(h!, l!, c!, v!, t!)],
    readyAt: 1,
    invalidParams: [],
    invalidBatchCalls: [() => vwap([1], [1], [1], [1, 2]), () => vwap([1], [1], [1], [1], [1, 2])],
    invalidArgs: [[101, 99, 100, -5, Date.UTC(2024, 0, 1)]],
  });
  runIndicatorContract({
    name: 'Pivot points (UTC-day periods)',
    columns: ['high', 'low', 'close', 'ts'],
    create: () => new PivotPoints(),
    add: (ind: PivotPoints, [h, l, c, t]) => ind.add(h!, l!, c!, t!),
    replace: (ind: PivotPoints, [h, l, c, t]) => ind.replace(h!, l!, c!, t!),
    outputs: (ind: PivotPoints) => [ind.pivot, ind.r1, ind.r2, ind.r3, ind.s1, ind.s2, ind.s3],
    batch: ([h, l, c, t]) => {
      const r = pivots(h!, l!, c!, t!);
      return [r.pivot, r.r1, r.r2, r.r3, r.s1, r.s2, r.s3];
    },
    readyAt: BARS_PER_DAY + 1,
    invalidParams: [],
    invalidBatchCalls: [() => pivots([1], [1], [1], [1, 2]), () => pivots([1, 2], [1], [1], [1, 2])],
  });
});

describe('registry', () => {
  it('every descriptor names an exported class and batch function, with defaults that validate', () => {
    const ids = new Set<string>();
    for (const d of indicators.INDICATORS) {
      expect(ids.has(d.id)).toBe(false);
      ids.add(d.id);
      const Cls = (indicators as Record<string, unknown>)[d.className];
      const fn = (indicators as Record<string, unknown>)[d.batchName];
      expect(typeof Cls, d.className).toBe('function');
      expect(typeof fn, d.batchName).toBe('function');
      const ind = new (Cls as new (...a: number[]) => { count: number; isReady: boolean })(...d.params.map((p) => p.default));
      expect(ind.count).toBe(0);
      expect(ind.isReady).toBe(false);
      expect(d.outputs.length).toBeGreaterThan(0);
      for (const p of d.params) expect(p.default).toBeGreaterThanOrEqual(p.min);
    }
    expect(ids.size).toBe(11);
    expect(indicators.indicatorDescriptor('macd').outputs).toEqual(['macd', 'signal', 'histogram']);
  });
});
