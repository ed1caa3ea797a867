/**
 * Indicators against TA-Lib (npm `talib` 1.1.6, TA-Lib C 0.6.0-dev) to 1e-9 relative, from the first
 * value on (warm-up NaNs must line up with TA-Lib's begIndex). On this machine they agree bit for bit.
 */
import { describe, expect, it } from 'vitest';
import { atr, ema, macd, obv, roc, rsi, sma } from '../../../engine/indicators';
import { loadEurUsd, maxRelDiff, randomBars, type Bars } from './data';
import { talibRun } from './talib';

const TOL = 1e-9;

/** Mean |x| over the finite values: the floor for relative comparisons of series that cross zero. */
function scale(a: ArrayLike<number>): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    if (Number.isFinite(x)) {
      s += Math.abs(x);
      n++;
    }
  }
  return n > 0 ? s / n : 1;
}

function expectClose(ours: Float64Array, ref: Float64Array | undefined, label: string, zeroCrossing = false): void {
  expect(ref, label).toBeDefined();
  const floor = zeroCrossing ? scale(ref!) * 1e-3 : 1e-300;
  const d = maxRelDiff(ours, ref!, 0, floor);
  expect(d, `${label}: max relative difference ${d}`).toBeLessThanOrEqual(TOL);
}

function oracleSuite(label: string, bars: Bars): void {
  const n = bars.close.length;
  const close = Array.from(bars.close);
  const high = Array.from(bars.high);
  const low = Array.from(bars.low);
  const volume = Array.from(bars.volume);

  describe(label, () => {
    const real = (name: string, p: number): Float64Array | undefined => talibRun(name, { inReal: close, optInTimePeriod: p }, n).outReal;
    it('SMA', () => {
      for (const p of [2, 5, 21, 200]) expectClose(sma(bars.close, p), real('SMA', p), `SMA(${p})`);
    });
    it('EMA (seeded with the SMA of the first p values)', () => {
      for (const p of [2, 8, 21, 200]) expectClose(ema(bars.close, p), real('EMA', p), `EMA(${p})`);
    });
    it('RSI (Wilder)', () => {
      for (const p of [2, 14, 50]) expectClose(rsi(bars.close, p), real('RSI', p), `RSI(${p})`);
    });
    it('ATR (Wilder, first value at index p)', () => {
      for (const p of [1, 14, 30]) {
        expectClose(atr(bars.high, bars.low, bars.close, p), talibRun('ATR', { high, low, close, optInTimePeriod: p }, n).outReal, `ATR(${p})`);
      }
    });
    it('ROC', () => {
      for (const p of [1, 10, 30]) expectClose(roc(bars.close, p), real('ROC', p), `ROC(${p})`, true);
    });
    it('OBV (starts at the first volume)', () => {
      expectClose(obv(bars.close, bars.volume), talibRun('OBV', { inReal: close, volume }, n).outReal, 'OBV', true);
    });
    it("MACD, signal and histogram from TA-Lib's first value (index slow + signal - 2)", () => {
      for (const [f, s, g] of [
        [12, 26, 9],
        [5, 35, 5],
        [3, 10, 16],
      ] as const) {
        const ours = macd(bars.close, f, s, g);
        const ref = talibRun('MACD', { inReal: close, optInFastPeriod: f, optInSlowPeriod: s, optInSignalPeriod: g }, n);
        expectClose(ours.macd, ref.outMACD, `MACD(${f},${s},${g}) line`, true);
        expectClose(ours.signal, ref.outMACDSignal, `MACD(${f},${s},${g}) signal`, true);
        expectClose(ours.histogram, ref.outMACDHist, `MACD(${f},${s},${g}) histogram`, true);
      }
    });
  });
}

describe('TA-Lib oracle', () => {
  oracleSuite('random walk around 100 (20,000 bars)', randomBars(20_000, 11));
  oracleSuite('FX-like random walk around 1.1 (20,000 bars)', randomBars(20_000, 12, 15 * 60_000, 1.1, 5));

  it('shared EUR_USD 15-minute bars, when ../shared/data exists', () => {
    const eur = loadEurUsd();
    if (eur === null) return;
    const n = eur.close.length;
    const close = Array.from(eur.close);
    expectClose(ema(eur.close, 21), talibRun('EMA', { inReal: close, optInTimePeriod: 21 }, n).outReal, 'EUR_USD EMA(21)');
    expectClose(rsi(eur.close, 14), talibRun('RSI', { inReal: close, optInTimePeriod: 14 }, n).outReal, 'EUR_USD RSI(14)');
    expectClose(
      atr(eur.high, eur.low, eur.close, 14),
      talibRun('ATR', { high: Array.from(eur.high), low: Array.from(eur.low), close, optInTimePeriod: 14 }, n).outReal,
      'EUR_USD ATR(14)',
    );
    const m = macd(eur.close);
    const ref = talibRun('MACD', { inReal: close, optInFastPeriod: 12, optInSlowPeriod: 26, optInSignalPeriod: 9 }, n);
    expectClose(m.macd, ref.outMACD, 'EUR_USD MACD', true);
    expectClose(m.signal, ref.outMACDSignal, 'EUR_USD MACD signal', true);
    const refObv = talibRun('OBV', { inReal: close, volume: Array.from(eur.volume) }, n).outReal;
    expectClose(obv(eur.close, eur.volume), refObv, 'EUR_USD OBV', true);
  });
});
