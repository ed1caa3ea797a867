import { describe, expect, it } from 'vitest';
import { notional } from '../../../engine/core/instrument';
import {
  CompositeFeeModel,
  ConstantLatencyModel,
  decimalRatio,
  divHalfEvenBig,
  FixedSlippageModel,
  notionalTimes,
  PercentFeeModel,
  PercentSlippageModel,
  PerUnitFeeModel,
  SpreadFeeModel,
  VolatilitySlippageModel,
  VolumeParticipationFillModel,
  ZeroFeeModel,
  ZeroSlippageModel,
} from '../../../engine/sim';
import { AAPL, EUR_USD, Harness } from './harness';

describe('exact helpers', () => {
  it('reads decimals as exact ratios', () => {
    expect(decimalRatio('0.1', 'x')).toEqual({ num: 1n, den: 10n });
    expect(decimalRatio(0.25, 'x')).toEqual({ num: 25n, den: 100n });
    expect(decimalRatio(1e-7, 'x')).toEqual({ num: 1n, den: 10_000_000n });
    expect(decimalRatio('3', 'x')).toEqual({ num: 3n, den: 1n });
    expect(() => decimalRatio('-1', 'x')).toThrow(/non-negative/);
    expect(() => decimalRatio(Number.NaN, 'x')).toThrow(/finite/);
    expect(() => decimalRatio('1e3', 'x')).toThrow(/plain/);
  });

  it('divides half-to-even', () => {
    expect([5n, 15n, 25n, -5n, -15n, 7n, -7n].map((n) => divHalfEvenBig(n, 10n))).toEqual([0n, 2n, 2n, 0n, -2n, 1n, -1n]);
    expect(divHalfEvenBig(5n, -10n)).toBe(0n);
    expect(() => divHalfEvenBig(1n, 0n)).toThrow();
  });

  it('notionalTimes with ratio 1 equals notional()', () => {
    for (const [ticks, qty] of [
      [17235, 100],
      [108123, 100_000],
      [1, 1],
      [99999, 3],
    ] as const) {
      expect(notionalTimes(AAPL, ticks, qty, { num: 1n, den: 1n })).toBe(notional(AAPL, ticks, qty));
      expect(notionalTimes(EUR_USD, ticks, qty, { num: 1n, den: 1n })).toBe(notional(EUR_USD, ticks, qty));
    }
  });
});

describe('fee models', () => {
  const req = (ticks: number, qty: number, instrument = AAPL) =>
    ({ instrument, ticks, qty, liquidity: 'TAKER' as const, order: {} as never });

  it('PercentFeeModel: 0.1 % of 100 AAPL at 172.35 is 17.235 USD = 17235000 micro', () => {
    expect(new PercentFeeModel({ pct: 0.1 }).fee(req(17235, 100))).toBe(17_235_000);
    expect(new PercentFeeModel({ pct: '0.1' }).fee(req(17235, 100))).toBe(17_235_000);
  });

  it('PercentFeeModel rounds half-to-even to the micro-unit, once', () => {
    // 0.001 % of 172.25 = 0.0017225 USD = 1722.5 micro -> 1722; of 172.35 -> 1723.5 -> 1724.
    expect(new PercentFeeModel({ pct: '0.001' }).fee(req(17225, 1))).toBe(1722);
    expect(new PercentFeeModel({ pct: '0.001' }).fee(req(17235, 1))).toBe(1724);
  });

  it('PerUnitFeeModel with and without a minimum', () => {
    expect(new PerUnitFeeModel({ perUnit: '0.005' }).fee(req(17235, 100))).toBe(500_000);
    expect(new PerUnitFeeModel({ perUnit: '0.005', minimum: '1.00' }).fee(req(17235, 100))).toBe(1_000_000);
    expect(new PerUnitFeeModel({ perUnit: '0.005', minimum: '1.00' }).fee(req(17235, 1000))).toBe(5_000_000);
    // 0.0000005 * 3 units = 0.0000015 USD = 1.5 micro -> 2 (half-to-even).
    expect(new PerUnitFeeModel({ perUnit: '0.0000005' }).fee(req(17235, 3))).toBe(2);
  });

  it('SpreadFeeModel charges half the spread per fill', () => {
    // 1.5 pips on 100,000 EUR_USD: half of 15 ticks = 7.5 ticks * 1e-5 * 100000 = 7.5 USD.
    expect(new SpreadFeeModel({ spreadTicks: 15 }).fee(req(108123, 100_000, EUR_USD))).toBe(7_500_000);
    // 1 tick (0.01) on 1 AAPL share: half a cent = 5000 micro.
    expect(new SpreadFeeModel({ spreadTicks: 1 }).fee(req(17235, 1))).toBe(5000);
  });

  it('CompositeFeeModel sums its models', () => {
    const m = new CompositeFeeModel([new PercentFeeModel({ pct: 0.1 }), new PerUnitFeeModel({ perUnit: '0.005' }), new ZeroFeeModel()]);
    expect(m.fee(req(17235, 100))).toBe(17_735_000);
  });

  it('rejects bad parameters', () => {
    expect(() => new SpreadFeeModel({ spreadTicks: 1.5 })).toThrow();
    expect(() => new PerUnitFeeModel({ perUnit: 'abc' })).toThrow();
    expect(() => new PercentFeeModel({ pct: -1 })).toThrow();
    expect(() => new FixedSlippageModel({ ticks: -1 })).toThrow();
    expect(() => new VolumeParticipationFillModel({ fraction: 0 })).toThrow();
    expect(() => new VolumeParticipationFillModel({ fraction: 1.5 })).toThrow();
    expect(() => new ConstantLatencyModel({ ms: -5 })).toThrow();
  });

  it('reports the fee of a venue fill in the quote currency', () => {
    const h = new Harness({ feeModel: new PercentFeeModel({ pct: 0.1 }) });
    const id = h.submit({ side: 'BUY', type: 'MARKET', qty: 100 });
    h.bar(172.35, 173, 172, 172.5);
    expect(h.fills(id)[0]).toMatchObject({ fee: 17_235_000, feeCurrency: 'USD' });
    const jpy = h.submit({ side: 'BUY', type: 'MARKET', qty: 1000, instrumentId: 'USD_JPY' });
    h.bar(150.123, 150.5, 150, 150.2, { instrumentId: 'USD_JPY', ts: h.nextTs });
    // 0.1 % of 1000 * 150.123 JPY = 150.123 JPY.
    expect(h.fills(jpy)[0]).toMatchObject({ lastPx: 150123, fee: 150_123_000, feeCurrency: 'JPY' });
  });
});

describe('slippage models', () => {
  const sreq = (refTicks: number, high: number, low: number) => ({
    instrument: AAPL,
    order: {} as never,
    refTicks,
    ticks: { open: refTicks, high, low, close: refTicks },
    qty: 1,
  });

  it('compute exact tick counts', () => {
    expect(new ZeroSlippageModel().slippageTicks()).toBe(0);
    expect(new FixedSlippageModel({ ticks: 3 }).slippageTicks()).toBe(3);
    // 0.1 % of 17235 ticks = 17.235 -> 17.
    expect(new PercentSlippageModel({ pct: 0.1 }).slippageTicks(sreq(17235, 17300, 17200))).toBe(17);
    // 0.25 of a 100-tick range = 25; 0.1 of a 25-tick range = 2.5 -> 2.
    expect(new VolatilitySlippageModel({ fractionOfRange: 0.25 }).slippageTicks(sreq(10000, 10050, 9950))).toBe(25);
    expect(new VolatilitySlippageModel({ fractionOfRange: '0.1' }).slippageTicks(sreq(10000, 10020, 9995))).toBe(2);
  });

  it('moves a BUY market fill up and reports the slippage cost', () => {
    const h = new Harness({ slippageModel: new FixedSlippageModel({ ticks: 2 }) });
    const id = h.submit({ side: 'BUY', type: 'MARKET', qty: 100 });
    h.bar(172.35, 173, 172, 172.5);
    // 2 ticks * 0.01 * 100 shares = 2 USD.
    expect(h.fills(id)[0]).toMatchObject({ lastPx: 17237, slippage: 2_000_000, liquidity: 'TAKER' });
  });

  it('moves a SELL stop fill down, clamped to the bar low', () => {
    const h = new Harness({ slippageModel: new FixedSlippageModel({ ticks: 50 }) });
    const id = h.submit({ side: 'SELL', type: 'STOP', qty: 10, triggerPrice: 9900 });
    h.bar(100, 100.5, 98.8, 99);
    // 9900 - 50 = 9850 is below the low 9880: clamped to 9880; cost 20 ticks * 10 = 2 USD.
    expect(h.fills(id)[0]).toMatchObject({ lastPx: 9880, slippage: 2_000_000 });
  });

  it('slips MIT fills, percent and volatility models through the venue', () => {
    const pct = new Harness({ slippageModel: new PercentSlippageModel({ pct: 0.1 }) });
    const a = pct.submit({ side: 'BUY', type: 'MARKET_IF_TOUCHED', qty: 1, price: 9900 });
    pct.bar(100, 101, 98, 100);
    // ref 9900, 0.1 % = 9.9 -> 10 ticks.
    expect(pct.fills(a)[0]).toMatchObject({ lastPx: 9910, slippage: 100_000 });

    const vol = new Harness({ slippageModel: new VolatilitySlippageModel({ fractionOfRange: 0.1 }) });
    const b = vol.submit({ side: 'SELL', type: 'MARKET', qty: 1 });
    vol.bar(100, 101, 98, 100);
    // range 300 ticks * 0.1 = 30 ticks down from the open.
    expect(vol.fills(b)[0]).toMatchObject({ lastPx: 9970, slippage: 300_000 });
  });

  it('never slips a LIMIT fill', () => {
    const h = new Harness({ slippageModel: new FixedSlippageModel({ ticks: 5 }) });
    const touched = h.submit({ side: 'BUY', type: 'LIMIT', qty: 1, price: 9900 });
    const gapped = h.submit({ side: 'SELL', type: 'LIMIT', qty: 1, price: 9900 });
    h.bar(100, 101, 98, 100);
    expect(h.fills(touched)[0]).toMatchObject({ lastPx: 9900, slippage: 0, liquidity: 'MAKER' });
    expect(h.fills(gapped)[0]).toMatchObject({ lastPx: 10000, slippage: 0, liquidity: 'TAKER' });
  });

  it('rounds slippage to the instrument tick size', () => {
    const h = new Harness({ slippageModel: new FixedSlippageModel({ ticks: 3 }) });
    const id = h.submit({ side: 'BUY', type: 'MARKET', qty: 1, instrumentId: 'NICKEL' });
    h.bar(10, 11, 9, 10, { instrumentId: 'NICKEL' });
    // 3 ticks -> the nearest multiple of 5 = 5.
    expect(h.fills(id)[0]).toMatchObject({ lastPx: 1005, slippage: 50_000 });
  });
});
