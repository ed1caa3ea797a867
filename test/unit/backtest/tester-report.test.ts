/**
 * The tester report page as a string: self-contained (no script, no external reference), every
 * outside text escaped, every figure in a data-figure attribute with its exact value, deterministic;
 * and its chart helpers (decimation keeps extremes, histogram bins with zero on an edge).
 */
import { describe, expect, it } from 'vitest';
import { money } from '../../../engine/core/money';
import { balanceCurveFromTrades, testerCurveFromEquityCurve } from '../../../engine/backtest/tester-report-input';
import { axisNumber, buildTesterReport, displayMoney, type TesterReportInput } from '../../../engine/backtest/tester-report';
import { decimate, esc, histogram } from '../../../engine/backtest/tester-report-svg';

const M = (x: number | string) => money(String(x));
const T0 = Date.parse('2024-01-02T00:00:00Z');
const H = 3_600_000;

function sample(): TesterReportInput {
  const ts = Array.from({ length: 500 }, (_, i) => T0 + i * H);
  const equity = ts.map((_, i) => M((10_000 + Math.round(Math.sin(i / 17) * 30_000) / 100 + i).toFixed(2)));
  return {
    title: 'Report <script>alert("x")</script> & co',
    source: 'backtest',
    accountCurrency: 'USD',
    info: [['Strategy', 'ema "fast" <8>']],
    tester: {
      initialDeposit: M(10_000),
      trades: [
        { direction: 'LONG', pnl: M('12.345678'), exitTs: T0 + 5 * H },
        { direction: 'SHORT', pnl: M(-7), exitTs: T0 + 9 * H },
        { direction: 'LONG', pnl: M('1234567.5'), exitTs: T0 + 20 * H },
      ],
      curve: { ts, equity, balance: equity },
    },
    notes: ["it's <b>not</b> bold"],
  };
}

function figures(html: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of html.matchAll(/data-figure="([^"]+)" data-kind="[a-z]+" data-value="([^"]*)"/g)) out.set(m[1]!, m[2]!);
  return out;
}

describe('tester report page', () => {
  it('is self-contained: no script, no external URL, a CSP that forbids loading anything', () => {
    const { html } = buildTesterReport(sample());
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\b(src|href)\s*=/i);
    expect(html).not.toMatch(/url\(/i);
    expect(html).not.toMatch(/@import|@font-face/i);
    // The only URL is the SVG namespace (an identifier, never fetched).
    expect([...html.matchAll(/https?:\/\/[^"'\s)]+/g)].map((m) => m[0])).toEqual(expect.arrayContaining(['http://www.w3.org/2000/svg']));
    expect(new Set([...html.matchAll(/https?:\/\/[^"'\s)]+/g)].map((m) => m[0]))).toEqual(new Set(['http://www.w3.org/2000/svg']));
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
  });

  it('escapes every outside text', () => {
    const { html, title } = buildTesterReport(sample());
    expect(title).toBe('Report <script>alert("x")</script> & co');
    expect(html).toContain('<title>Report &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co</title>');
    expect(html).toContain('ema &quot;fast&quot; &lt;8&gt;');
    expect(html).toContain('it&#39;s &lt;b&gt;not&lt;/b&gt; bold');
    expect(esc(`<>&"'`)).toBe('&lt;&gt;&amp;&quot;&#39;');
  });

  it('shows each figure with its exact value in data-value and a rounded text', () => {
    const { html, figures: f } = buildTesterReport(sample());
    const got = figures(html);
    expect(got.get('grossProfit')).toBe('1234579.845678');
    expect(got.get('grossLoss')).toBe('-7.000000');
    expect(got.get('totalTrades')).toBe('3');
    expect(got.get('profitFactor')).toBe(String(f.profitFactor));
    expect(got.get('shortWonPct')).toBe('0');
    expect(got.get('sharpe')).toBe(String(f.sharpe));
    expect(got.get('equityDrawdown.maximal')).toBe((f.equityDrawdown.maximal / 1e6).toFixed(6));
    expect(got.get('maxConsecutiveWins.count')).toBe('1');
    expect(got.get('initialEquity')).toBeUndefined(); // shown only when it differs from the deposit
    expect(html).toContain('data-figure="grossProfit" data-kind="money" data-value="1234579.845678">1,234,579.85</span>');
    expect(html).toContain('data-figure="grossLoss" data-kind="money" data-value="-7.000000">-7.00</span>');
    // Every numeric field of the figures has a cell.
    for (const k of Object.keys(f)) {
      if (k === 'monthly' || k === 'startTs' || k === 'endTs' || k === 'initialEquity' || k === 'longWon' || k === 'shortWon') continue;
      const v = (f as unknown as Record<string, unknown>)[k];
      if (typeof v === 'object' && v !== null) for (const sub of Object.keys(v)) expect(got.has(`${k}.${sub}`), `${k}.${sub}`).toBe(true);
      else expect(got.has(k), k).toBe(true);
    }
  });

  it('is deterministic; the generation time appears only when given', () => {
    const a = buildTesterReport(sample()).html;
    expect(buildTesterReport(sample()).html).toBe(a);
    expect(a).not.toContain('Generated');
    expect(buildTesterReport({ ...sample(), generatedAt: Date.parse('2025-01-02T03:04:05Z') }).html).toContain('Generated 2025-01-02T03:04:05Z');
  });

  it('has the four charts and a monthly table with the month cells', () => {
    const { html } = buildTesterReport(sample());
    for (const label of ['Equity and balance curve', 'Equity drawdown curve', 'Histogram of trade results']) expect(html).toContain(`aria-label="${label}"`);
    expect(html).toContain('data-month="2024-01"');
    expect((html.match(/<rect class="bar /g) ?? []).length).toBeGreaterThan(0);
  });

  it('renders with no trades and no samples', () => {
    const { html } = buildTesterReport({ ...sample(), tester: { initialDeposit: M(1), trades: [], curve: { ts: [], equity: [], balance: [] } } });
    expect(html).toContain('no samples');
    expect(html).toContain('no trades');
    expect(figures(html).get('profitFactor')).toBe('null');
  });

  it('formats money and axis values', () => {
    expect(displayMoney(M('-1234567.125'))).toBe('-1,234,567.12');
    expect(displayMoney(M('0.005'))).toBe('0.00');
    expect(displayMoney(M('999.995'))).toBe('1,000.00');
    expect(axisNumber(125_000)).toBe('125,000');
    expect(axisNumber(-0.5)).toBe('-0.5');
    expect(axisNumber(20)).toBe('20');
    expect(axisNumber(-0)).toBe('0');
  });
});

describe('chart helpers', () => {
  it('decimation keeps the first, last, lowest and highest sample of every bucket', () => {
    const ts = Array.from({ length: 10_000 }, (_, i) => i);
    const v = ts.map((i) => (i === 4321 ? -50 : i === 777 ? 80 : Math.sin(i)));
    const idx = decimate(ts, v, 100);
    expect(idx.length).toBeLessThanOrEqual(400);
    expect(idx).toContain(0);
    expect(idx).toContain(9999);
    expect(idx).toContain(4321);
    expect(idx).toContain(777);
    expect([...idx].sort((a, b) => a - b)).toEqual(idx);
    expect(decimate([1, 2, 3], [1, 2, 3], 100)).toEqual([0, 1, 2]);
  });

  it('histogram: round widths, zero on an edge, every value counted once', () => {
    const vals = [-95, -40, -0.01, 0, 0.01, 12, 250];
    const bins = histogram(vals, 30);
    expect(bins.reduce((s, b) => s + b.count, 0)).toBe(vals.length);
    const w = bins[0]!.hi - bins[0]!.lo;
    expect([1, 2, 5, 10, 20, 50].includes(w)).toBe(true);
    expect(bins.some((b) => b.lo === 0)).toBe(true);
    expect(bins.length).toBeLessThanOrEqual(32);
    for (const v of vals) expect(bins.filter((b) => v >= b.lo && v < b.hi).length).toBe(1);
    expect(histogram([5, 5, 5])).toEqual([{ lo: 5, hi: 6, count: 3 }]);
    expect(histogram([])).toEqual([]);
  });
});

describe('report inputs', () => {
  it('equity curve floats back to micro-units exactly, or report.inexact_curve', () => {
    const c = testerCurveFromEquityCurve({ length: 2, ts: Float64Array.of(1, 2), equity: Float64Array.of(100000.123456, 99999.5), cash: Float64Array.of(100000, 99000.000001) });
    expect(c).toEqual({ ts: [1, 2], equity: [100_000_123_456, 99_999_500_000], balance: [100_000_000_000, 99_000_000_001] });
    expect(() => testerCurveFromEquityCurve({ length: 1, ts: Float64Array.of(1), equity: Float64Array.of(0.1234567), cash: Float64Array.of(0) })).toThrow(
      expect.objectContaining({ code: 'report.inexact_curve' }),
    );
  });

  it('balance after each closed trade, one sample per exit time', () => {
    const c = balanceCurveFromTrades(M(100), [
      { direction: 'LONG', pnl: M(5), exitTs: 20 },
      { direction: 'LONG', pnl: M(-2), exitTs: 10 },
      { direction: 'SHORT', pnl: M(1), exitTs: 20 },
    ]);
    expect(c).toEqual({ ts: [10, 20], equity: [M(98), M(104)], balance: [M(98), M(104)] });
  });
});
