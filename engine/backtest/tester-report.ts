/**
 * The tester report: one self-contained HTML page (inline CSS and SVG, no script, no font, no image,
 * no external reference of any kind; a Content-Security-Policy of `default-src 'none'` says so to the
 * browser) with the MetaTrader-style figures of engine/portfolio/tester-metrics.ts and four charts:
 * equity and balance, equity drawdown, monthly returns (a year x month table) and the distribution of
 * trade results. Dark theme, the desktop app's colours. Pure and deterministic: the same input gives
 * the same bytes (the generation time is an input, shown only when given).
 *
 * Every text that comes from outside (titles, instrument names, notes) is escaped. Each figure is a
 * `<span data-figure="<name>" data-value="<exact value>">` whose text is the rounded display value:
 * money as an exact decimal with 6 places, ratios and fractions as JavaScript's shortest round-trip
 * number, counts as integers, `null` for a figure that is undefined (`n/a` on screen). Names are the
 * TesterFigures fields, with `.` for nested ones (`equityDrawdown.maximal`,
 * `maxConsecutiveWins.money`). Tests and tools read the figures back from those attributes.
 */
import { formatDecimal } from '../core/fixed';
import { formatMoney, MONEY_ONE, type Money } from '../core/money';
import type { EpochMs } from '../core/time';
import { computeTesterFigures, type Drawdown, type Streak, type TesterFigures, type TesterInput } from '../portfolio/tester-metrics';
import { esc, histogram, histogramChart, lineChart } from './tester-report-svg';

export interface TesterReportInput {
  title: string;
  /** A backtest, or a period of live / paper trading from the journal. */
  source: 'backtest' | 'period';
  accountCurrency: string;
  /** Rows of the header table, e.g. `['Strategy', 'ema_cross']`. */
  info: readonly (readonly [string, string])[];
  tester: TesterInput;
  /** Remarks shown under the figures (how the input was made, what it lacks). */
  notes?: readonly string[];
  /** When the report was made; shown in the footer when given. */
  generatedAt?: EpochMs;
}

export interface TesterReport {
  title: string;
  html: string;
  figures: TesterFigures;
}

type Kind = 'money' | 'pct' | 'ratio' | 'count' | 'num';

interface Fig {
  key: string;
  kind: Kind;
  v: number | null;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Money as `-12,345.67` (half-even to cents). */
export function displayMoney(m: Money): string {
  const s = formatMoney(m, 2);
  const neg = s.startsWith('-');
  const [int, frac] = (neg ? s.slice(1) : s).split('.') as [string, string];
  return `${neg ? '-' : ''}${int.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${frac}`;
}

function display(kind: Kind, v: number | null): string {
  if (v === null) return 'n/a';
  switch (kind) {
    case 'money':
      return displayMoney(v);
    case 'pct':
      return `${(v * 100).toFixed(2)}%`;
    case 'ratio':
    case 'num':
      return v.toFixed(2);
    case 'count':
      return String(v);
  }
}

function exact(kind: Kind, v: number | null): string {
  if (v === null) return 'null';
  return kind === 'money' ? formatDecimal(v, 6) : String(v);
}

function span(f: Fig): string {
  const sign = f.v !== null && (f.kind === 'money' || f.kind === 'pct' || f.kind === 'ratio') ? (f.v < 0 ? ' neg' : '') : '';
  return `<span class="fig${sign}" data-figure="${esc(f.key)}" data-kind="${f.kind}" data-value="${esc(exact(f.kind, f.v))}">${esc(display(f.kind, f.v))}</span>`;
}

function row(label: string, main: Fig, ...extra: Fig[]): string {
  const more = extra.length > 0 ? ` <span class="paren">(${extra.map(span).join(', ')})</span>` : '';
  return `<tr><th scope="row">${esc(label)}</th><td>${span(main)}${more}</td></tr>`;
}

const money = (key: string, v: Money | null): Fig => ({ key, kind: 'money', v });
const pct = (key: string, v: number | null): Fig => ({ key, kind: 'pct', v });
const ratio = (key: string, v: number | null): Fig => ({ key, kind: 'ratio', v });
const count = (key: string, v: number): Fig => ({ key, kind: 'count', v });
const num = (key: string, v: number | null): Fig => ({ key, kind: 'num', v });

function drawdownRows(label: string, key: string, d: Drawdown): string {
  return (
    row(`${label} drawdown absolute`, money(`${key}.absolute`, d.absolute)) +
    row(`${label} drawdown maximal`, money(`${key}.maximal`, d.maximal), pct(`${key}.maximalPct`, d.maximalPct)) +
    row(`${label} drawdown relative`, pct(`${key}.relativePct`, d.relativePct), money(`${key}.relative`, d.relative))
  );
}

function streakRow(label: string, key: string, s: Streak, countFirst: boolean): string {
  return countFirst ? row(label, count(`${key}.count`, s.count), money(`${key}.money`, s.money)) : row(label, money(`${key}.money`, s.money), count(`${key}.count`, s.count));
}

function figuresTables(f: TesterFigures): string {
  const profit =
    row('Initial deposit', money('initialDeposit', f.initialDeposit)) +
    (f.initialEquity !== f.initialDeposit ? row('Initial equity', money('initialEquity', f.initialEquity)) : '') +
    row('Total net profit', money('totalNetProfit', f.totalNetProfit)) +
    row('Gross profit', money('grossProfit', f.grossProfit)) +
    row('Gross loss', money('grossLoss', f.grossLoss)) +
    row('Profit factor', ratio('profitFactor', f.profitFactor)) +
    row('Expected payoff', money('expectedPayoff', f.expectedPayoff)) +
    row('Recovery factor', ratio('recoveryFactor', f.recoveryFactor)) +
    row('Final balance', money('finalBalance', f.finalBalance)) +
    row('Final equity', money('finalEquity', f.finalEquity));
  const risk =
    row('Sharpe ratio', ratio('sharpe', f.sharpe)) +
    row('Sortino ratio', ratio('sortino', f.sortino)) +
    row('Calmar ratio', ratio('calmar', f.calmar)) +
    row('CAGR', pct('cagr', f.cagr)) +
    drawdownRows('Balance', 'balanceDrawdown', f.balanceDrawdown) +
    drawdownRows('Equity', 'equityDrawdown', f.equityDrawdown) +
    row('VaR 95% (daily)', pct('var95', f.var95)) +
    row('Expected shortfall 95% (daily)', pct('expectedShortfall95', f.expectedShortfall95)) +
    row('Trading days', count('tradingDays', f.tradingDays));
  const trades =
    row('Total trades', count('totalTrades', f.totalTrades)) +
    row('Short trades (won %)', count('shortTrades', f.shortTrades), pct('shortWonPct', f.shortWonPct)) +
    row('Long trades (won %)', count('longTrades', f.longTrades), pct('longWonPct', f.longWonPct)) +
    row('Profit trades (% of total)', count('profitTrades', f.profitTrades), pct('profitTradesPct', f.profitTradesPct)) +
    row('Loss trades (% of total)', count('lossTrades', f.lossTrades), pct('lossTradesPct', f.lossTradesPct)) +
    row('Largest profit trade', money('largestProfitTrade', f.largestProfitTrade)) +
    row('Largest loss trade', money('largestLossTrade', f.largestLossTrade)) +
    row('Average profit trade', money('averageProfitTrade', f.averageProfitTrade)) +
    row('Average loss trade', money('averageLossTrade', f.averageLossTrade)) +
    streakRow('Maximum consecutive wins ($)', 'maxConsecutiveWins', f.maxConsecutiveWins, true) +
    streakRow('Maximum consecutive losses ($)', 'maxConsecutiveLosses', f.maxConsecutiveLosses, true) +
    streakRow('Maximal consecutive profit (count)', 'maximalConsecutiveProfit', f.maximalConsecutiveProfit, false) +
    streakRow('Maximal consecutive loss (count)', 'maximalConsecutiveLoss', f.maximalConsecutiveLoss, false) +
    row('Average consecutive wins', num('averageConsecutiveWins', f.averageConsecutiveWins)) +
    row('Average consecutive losses', num('averageConsecutiveLosses', f.averageConsecutiveLosses));
  const table = (cls: string, caption: string, body: string) => `<table class="figures ${cls}"><caption>${esc(caption)}</caption><tbody>${body}</tbody></table>`;
  return `<div class="grid">${table('profit', 'Profit', profit)}${table('risk', 'Risk', risk)}${table('trades', 'Trades', trades)}</div>`;
}

function heat(r: number | null, maxAbs: number): string {
  if (r === null || r === 0 || !(maxAbs > 0)) return '';
  const a = (0.15 + 0.7 * Math.min(1, Math.abs(r) / maxAbs)).toFixed(3);
  return r > 0 ? ` style="background:rgba(63,185,80,${a})"` : ` style="background:rgba(229,83,75,${a})"`;
}

function monthlyTable(f: TesterFigures): string {
  if (f.monthly.length === 0) return '<p class="muted">no samples</p>';
  const byYear = new Map<number, TesterFigures['monthly']>();
  for (const m of f.monthly) {
    const list = byYear.get(m.year) ?? [];
    list.push(m);
    byYear.set(m.year, list);
  }
  let maxAbs = 0;
  for (const m of f.monthly) if (m.return !== null) maxAbs = Math.max(maxAbs, Math.abs(m.return));
  const head = `<tr><th scope="col">Year</th>${MONTHS.map((m) => `<th scope="col">${m}</th>`).join('')}<th scope="col">Year</th></tr>`;
  const rows: string[] = [];
  for (const [year, months] of byYear) {
    const cells: string[] = [];
    for (let mo = 1; mo <= 12; mo++) {
      const m = months.find((x) => x.month === mo);
      if (!m) {
        cells.push('<td class="empty"></td>');
        continue;
      }
      const id = `${year}-${String(mo).padStart(2, '0')}`;
      cells.push(
        `<td${heat(m.return, maxAbs)} title="${esc(`${id}: ${displayMoney(m.pnl)}`)}" data-month="${id}" data-value="${esc(exact('ratio', m.return))}" data-pnl="${formatDecimal(m.pnl, 6)}">${esc(display('pct', m.return))}</td>`,
      );
    }
    const pnl = months.reduce((s, m) => s + m.pnl, 0);
    const base = months[0]!.endEquity - months[0]!.pnl;
    const yr = base > 0 ? pnl / base : null;
    cells.push(`<td class="year"${heat(yr, maxAbs)} data-year="${year}" data-value="${esc(exact('ratio', yr))}" data-pnl="${formatDecimal(pnl, 6)}">${esc(display('pct', yr))}</td>`);
    rows.push(`<tr><th scope="row">${year}</th>${cells.join('')}</tr>`);
  }
  return `<table class="monthly"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`;
}

const STYLE = `
:root{color-scheme:dark;--bg:#0f1216;--panel:#161b22;--border:#262d36;--text:#d6dde6;--muted:#8b96a3;--up:#3fb950;--down:#e5534b;--equity:#3fb950;--balance:#58a6ff;
font-family:system-ui,-apple-system,'Segoe UI',Roboto,Ubuntu,sans-serif;font-size:14px;background:var(--bg);color:var(--text)}
*{box-sizing:border-box}body{margin:0}
main{max-width:1240px;margin:0 auto;padding:20px 24px 32px}
h1{font-size:20px;font-weight:600;margin:0 0 12px}h2{font-size:15px;font-weight:600;margin:0 0 10px;color:var(--text)}
section{background:var(--panel);border:1px solid var(--border);border-radius:6px;padding:14px 16px;margin:14px 0}
table{border-collapse:collapse}th{font-weight:normal;color:var(--muted);text-align:left}
.info th{padding:2px 16px 2px 0}.info td{padding:2px 0}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(340px,1fr));gap:8px 24px;align-items:start}
.figures{width:100%}.figures caption{text-align:left;color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.06em;padding-bottom:4px}
.figures th,.figures td{padding:4px 0;border-bottom:1px solid var(--border)}.figures td{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.fig.neg{color:var(--down)}.paren{color:var(--muted)}.paren .fig.neg{color:var(--down)}
.chart{width:100%;height:auto;display:block}.chart .grid{stroke:var(--border);stroke-width:1}.chart .axisline{stroke:var(--muted);stroke-width:1}
.chart .axis{fill:var(--muted);font-size:11px}.chart .muted{fill:var(--muted)}.chart .line{fill:none;stroke-width:1.5;stroke-linejoin:round}
.chart .area{opacity:.35;stroke:none}.chart .bar.win{fill:var(--up)}.chart .bar.loss{fill:var(--down)}
.legend{display:flex;gap:16px;font-size:12px;color:var(--muted);margin-bottom:6px}.legend i{display:inline-block;width:12px;height:3px;vertical-align:middle;margin-right:6px}
.monthly{width:100%;font-variant-numeric:tabular-nums}.monthly th,.monthly td{padding:5px 6px;text-align:right;border:1px solid var(--border)}
.monthly thead th{text-align:center}.monthly td.year{font-weight:600}
.notes{color:var(--muted);font-size:12px;line-height:1.5}.notes ul{margin:0;padding-left:18px}.muted{color:var(--muted)}
footer{color:var(--muted);font-size:12px;margin-top:10px}
`;

/** An axis value: grouped thousands, no decimals from 100 up, else at most 2 (trailing zeros trimmed). */
export function axisNumber(v: number): string {
  const s = Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2).replace(/\.?0+$/, '');
  const neg = s.startsWith('-');
  const [int, frac] = (neg ? s.slice(1) : s).split('.') as [string, string | undefined];
  const out = `${neg ? '-' : ''}${int.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${frac !== undefined ? `.${frac}` : ''}`;
  return out === '-0' ? '0' : out;
}

function iso(ts: number | null): string {
  return ts === null ? 'n/a' : new Date(ts).toISOString().replace('.000Z', 'Z');
}

/** The report page and the figures shown in it. Throws `report.invalid_input` for an invalid input. */
export function buildTesterReport(input: TesterReportInput): TesterReport {
  const f = computeTesterFigures(input.tester);
  const t = input.tester;
  const c = t.curve;
  const units = (m: readonly Money[]) => m.map((x) => x / MONEY_ONE);
  const ccy = input.accountCurrency;
  const moneyAxis = axisNumber;

  const initialEquity = f.initialEquity;
  let peak = initialEquity;
  const dd = c.equity.map((e) => {
    if (e > peak) peak = e;
    return -((peak - e) / peak) * 100;
  });

  const info: [string, string][] = [
    ...input.info.map(([k, v]) => [k, v] as [string, string]),
    ['Period', `${iso(f.startTs)} to ${iso(f.endTs)}`],
    ['Account currency', ccy],
  ];
  const sections = [
    `<section class="results"><h2>Results</h2>${figuresTables(f)}</section>`,
    `<section class="equity"><h2>Equity and balance (${esc(ccy)})</h2><div class="legend"><span><i style="background:var(--balance)"></i>Balance</span><span><i style="background:var(--equity)"></i>Equity</span></div>` +
      lineChart({
        ts: c.ts,
        // Balance over equity: where they coincide (no open position) the balance line shows.
        series: [
          { name: 'Equity', color: 'var(--equity)', values: units(c.equity) },
          { name: 'Balance', color: 'var(--balance)', values: units(c.balance) },
        ],
        yFormat: moneyAxis,
        label: 'Equity and balance curve',
      }) +
      '</section>',
    `<section class="drawdown"><h2>Equity drawdown (%)</h2>` +
      lineChart({ ts: c.ts, series: [{ name: 'Drawdown', color: 'var(--down)', values: dd }], area: true, yFormat: (v) => `${v.toFixed(2)}%`, label: 'Equity drawdown curve' }) +
      '</section>',
    `<section class="months"><h2>Monthly returns</h2>${monthlyTable(f)}</section>`,
    `<section class="distribution"><h2>Distribution of trade results (${esc(ccy)})</h2>` +
      histogramChart({ bins: histogram(t.trades.map((x) => x.pnl / MONEY_ONE)), xFormat: moneyAxis, label: 'Histogram of trade results' }) +
      '</section>',
  ];
  const notes = [
    ...(input.notes ?? []),
    'Net profit, gross profit and loss and the trade figures count closed trades, net of fees. Drawdowns start from the initial deposit (balance) and the initial equity; relative = the largest fall as a share of its peak, maximal = the largest fall in money.',
    'Sharpe, Sortino (annualised, 252 days, risk-free 0 unless stated), Calmar, VaR 95% and expected shortfall 95% use daily returns of end-of-day equity (UTC days); VaR and expected shortfall are historical, as losses in % of the previous day’s equity.',
  ];
  const title = input.title;
  const html =
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">' +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">` +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<meta name="generator" content="trading-workstation tester report">` +
    `<title>${esc(title)}</title><style>${STYLE}</style></head>` +
    `<body><main data-source="${input.source}"><header><h1>${esc(title)}</h1><table class="info"><tbody>` +
    info.map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${esc(v)}</td></tr>`).join('') +
    `</tbody></table></header>${sections.join('')}` +
    `<section class="notes"><h2>Notes</h2><ul>${notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul></section>` +
    (input.generatedAt !== undefined ? `<footer>Generated ${esc(iso(input.generatedAt))}</footer>` : '') +
    '</main></body></html>\n';
  return { title, html, figures: f };
}
