import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { divRoundHalfEven, formatDecimal, mulInt, parseDecimal, shiftScale, toScaledInt } from '../../../engine/core/fixed';
import { formatMoney, money } from '../../../engine/core/money';

describe('fixed-point helpers', () => {
  it('rounds integer division half to even, exactly', () => {
    expect(divRoundHalfEven(5, 2)).toBe(2);
    expect(divRoundHalfEven(7, 2)).toBe(4);
    expect(divRoundHalfEven(-5, 2)).toBe(-2);
    expect(divRoundHalfEven(-7, 2)).toBe(-4);
    expect(divRoundHalfEven(10, 3)).toBe(3);
    expect(divRoundHalfEven(11, 3)).toBe(4);
    expect(divRoundHalfEven(1, -3)).toBe(0);
    expect(Object.is(divRoundHalfEven(-1, 3), 0)).toBe(true);
    expect(() => divRoundHalfEven(1, 0)).toThrow(expect.objectContaining({ code: 'invariant.division_by_zero' }));
  });

  it('agrees with BigInt half-even division for large safe integers', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), fc.integer({ min: 1, max: 2 ** 40 }), (n, d) => {
        const bn = BigInt(n);
        const bd = BigInt(d);
        let q = bn / bd;
        const r = bn - q * bd;
        const twice = (r < 0n ? -r : r) * 2n;
        if (twice > bd || (twice === bd && q % 2n !== 0n)) q += r > 0n ? 1n : -1n;
        expect(divRoundHalfEven(n, d)).toBe(Number(q));
      }),
    );
  });

  it('parses and formats decimal strings exactly', () => {
    expect(parseDecimal('1.08123', 5)).toBe(108123);
    expect(parseDecimal('-0.5', 2)).toBe(-50);
    expect(parseDecimal('.25', 2)).toBe(25);
    expect(parseDecimal('172.345', 2, true)).toBe(17234);
    expect(parseDecimal('172.355', 2, true)).toBe(17236);
    expect(() => parseDecimal('1.001', 2)).toThrow(expect.objectContaining({ code: 'decimal.precision' }));
    expect(() => parseDecimal('1e5', 2)).toThrow(expect.objectContaining({ code: 'decimal.invalid' }));
    expect(formatDecimal(108123, 5)).toBe('1.08123');
    expect(formatDecimal(-5, 3)).toBe('-0.005');
    expect(formatDecimal(42, 0)).toBe('42');
    fc.assert(fc.property(fc.integer({ min: -1e12, max: 1e12 }), fc.integer({ min: 0, max: 8 }), (x, s) => parseDecimal(formatDecimal(x, s), s) === x));
  });

  it('turns float market prices into ticks without representation error', () => {
    expect(toScaledInt(1.005, 2)).toBe(101);
    expect(toScaledInt(1.04858, 5)).toBe(104858);
    expect(toScaledInt(-2.675, 2)).toBe(-268);
    expect(toScaledInt(150.123, 3)).toBe(150123);
    expect(() => toScaledInt(NaN, 2)).toThrow(expect.objectContaining({ code: 'invariant.not_finite' }));
  });

  it('refuses products that would leave the exact integer range', () => {
    expect(mulInt(2 ** 26, 2 ** 26)).toBe(2 ** 52);
    expect(() => mulInt(2 ** 30, 2 ** 30)).toThrow(expect.objectContaining({ code: 'invariant.fixed_overflow' }));
    expect(shiftScale(123456, -3)).toBe(123);
    expect(shiftScale(123500, -3)).toBe(124);
    expect(shiftScale(12, 4)).toBe(120000);
  });

  it('formats money from micro-units', () => {
    expect(money('100000')).toBe(100_000_000_000);
    expect(formatMoney(17_235_000)).toBe('17.24');
    expect(formatMoney(17_225_000)).toBe('17.22');
    expect(formatMoney(-1_500_000, 0)).toBe('-2');
  });
});
