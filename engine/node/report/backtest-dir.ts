/**
 * A tester-report input from a backtest output folder: the files `npm run backtest` writes
 * (engine/backtest/report-files.ts): `trades.csv` (the closed trades, net P&L exact to the
 * micro-unit), `equity.csv` (equity and cash per timestamp, exact decimals) and `metrics.json` (the
 * run's description: strategy, symbols, account currency, starting cash). Nothing is recomputed from
 * floats: every money cell is parsed as an exact decimal.
 *
 * Errors: `report.not_found` (no such folder or file), `report.bad_file` (a file that is not what the
 * backtest writes: wrong header, a bad cell; the message names the file and line).
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError } from '../../core/errors';
import { parseDecimal } from '../../core/fixed';
import { MONEY_SCALE, type Money } from '../../core/money';
import { EQUITY_HEADER, TRADES_HEADER } from '../../backtest/report-files';
import type { TesterReportInput } from '../../backtest/tester-report';
import type { TesterTrade } from '../../portfolio/tester-metrics';
import { errnoCode } from '../errno';

export const REPORT_NOT_FOUND = 'report.not_found';
export const REPORT_BAD_FILE = 'report.bad_file';

/** Rows of an RFC 4180 CSV text (quoted fields with `""` escapes; `\n` or `\r\n` line ends). */
export function parseCsv(text: string, file: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
      i++;
      continue;
    }
    if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      line++;
    } else if (ch === '"') throw new EngineError(REPORT_BAD_FILE, `${file}:${line}: a quote inside an unquoted field`);
    else field += ch;
    i++;
  }
  if (quoted) throw new EngineError(REPORT_BAD_FILE, `${file}:${line}: unterminated quoted field`);
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

async function readText(dir: string, name: string): Promise<string> {
  const path = join(dir, name);
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new EngineError(REPORT_NOT_FOUND, `${path}: no such file (a backtest output folder holds trades.csv, equity.csv and metrics.json)`);
    throw new EngineError(REPORT_BAD_FILE, `${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function table(text: string, file: string, header: readonly string[]): { rows: string[][]; col: (name: string) => number } {
  const rows = parseCsv(text, file);
  const head = rows.shift();
  if (!head || head.join(',') !== header.join(',')) throw new EngineError(REPORT_BAD_FILE, `${file}:1: expected the header ${header.join(',')}`);
  rows.forEach((r, i) => {
    if (r.length !== header.length) throw new EngineError(REPORT_BAD_FILE, `${file}:${i + 2}: ${r.length} fields, expected ${header.length}`);
  });
  return { rows, col: (name) => header.indexOf(name) };
}

function cellMoney(v: string, file: string, line: number, what: string): Money {
  try {
    return parseDecimal(v, MONEY_SCALE);
  } catch (e) {
    throw new EngineError(REPORT_BAD_FILE, `${file}:${line}: ${what} "${v}" is not an exact decimal (${e instanceof Error ? e.message : String(e)})`);
  }
}

function cellTime(v: string, file: string, line: number, what: string): number {
  const t = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/.test(v) ? Date.parse(v) : Number.NaN;
  if (!Number.isFinite(t)) throw new EngineError(REPORT_BAD_FILE, `${file}:${line}: ${what} "${v}" is not an ISO UTC time`);
  return t;
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : null;
}

/** The report input of the backtest whose output files are in `dir`. */
export async function backtestDirInput(dir: string): Promise<TesterReportInput> {
  try {
    if (!(await stat(dir)).isDirectory()) throw new EngineError(REPORT_NOT_FOUND, `${dir} is not a folder`);
  } catch (e) {
    if (e instanceof EngineError) throw e;
    throw new EngineError(REPORT_NOT_FOUND, `${dir}: no such folder`);
  }
  const [tradesText, equityText, metricsText] = await Promise.all([readText(dir, 'trades.csv'), readText(dir, 'equity.csv'), readText(dir, 'metrics.json')]);

  let doc: { run?: Record<string, unknown>; metrics?: Record<string, unknown> };
  try {
    doc = JSON.parse(metricsText) as typeof doc;
  } catch (e) {
    throw new EngineError(REPORT_BAD_FILE, `${join(dir, 'metrics.json')}: not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof doc !== 'object' || doc === null || typeof doc.metrics !== 'object' || doc.metrics === null) {
    throw new EngineError(REPORT_BAD_FILE, `${join(dir, 'metrics.json')}: expected {run, metrics}`);
  }
  const run = typeof doc.run === 'object' && doc.run !== null ? doc.run : {};
  const metrics = doc.metrics;
  const cashText = str(run['starting_cash']) ?? (typeof metrics['startingCash'] === 'number' ? metrics['startingCash'].toFixed(6) : null);
  if (cashText === null) throw new EngineError(REPORT_BAD_FILE, `${join(dir, 'metrics.json')}: no starting cash (run.starting_cash or metrics.startingCash)`);
  const initialDeposit = cellMoney(cashText, 'metrics.json', 0, 'starting cash');
  if (initialDeposit <= 0) throw new EngineError(REPORT_BAD_FILE, `${join(dir, 'metrics.json')}: starting cash must be > 0, got ${cashText}`);

  const tf = join(dir, 'trades.csv');
  const tt = table(tradesText, tf, TRADES_HEADER);
  const [cSide, cExit, cPnl] = [tt.col('side'), tt.col('exit_time'), tt.col('pnl')];
  const trades: TesterTrade[] = tt.rows.map((r, i) => {
    const side = r[cSide]!;
    if (side !== 'LONG' && side !== 'SHORT') throw new EngineError(REPORT_BAD_FILE, `${tf}:${i + 2}: side "${side}" is not LONG or SHORT`);
    return { direction: side, exitTs: cellTime(r[cExit]!, tf, i + 2, 'exit_time'), pnl: cellMoney(r[cPnl]!, tf, i + 2, 'pnl') };
  });

  const ef = join(dir, 'equity.csv');
  const et = table(equityText, ef, EQUITY_HEADER);
  const [cTs, cEq, cCash] = [et.col('timestamp'), et.col('equity'), et.col('cash')];
  const ts: number[] = [];
  const equity: Money[] = [];
  const balance: Money[] = [];
  et.rows.forEach((r, i) => {
    const t = cellTime(r[cTs]!, ef, i + 2, 'timestamp');
    if (ts.length > 0 && t <= ts[ts.length - 1]!) throw new EngineError(REPORT_BAD_FILE, `${ef}:${i + 2}: timestamps are not ascending`);
    ts.push(t);
    equity.push(cellMoney(r[cEq]!, ef, i + 2, 'equity'));
    balance.push(cellMoney(r[cCash]!, ef, i + 2, 'cash'));
  });

  const strategy = str(run['strategy']);
  const params = run['params'];
  const symbols = Array.isArray(run['symbols']) ? (run['symbols'] as unknown[]).map(String) : null;
  const info: [string, string][] = [['Source', `backtest output ${dir}`]];
  if (strategy !== null) info.push(['Strategy', params !== undefined ? `${strategy} ${JSON.stringify(params)}` : strategy]);
  if (symbols !== null) info.push(['Symbols', symbols.join(', ')]);
  const bars = str(run['bars']);
  if (bars !== null) info.push(['Bars', bars]);
  const currency = str(run['account_currency']);
  return {
    title: `Tester report: ${strategy ?? 'backtest'}`,
    source: 'backtest',
    accountCurrency: currency ?? 'USD',
    info,
    tester: { initialDeposit, trades, curve: { ts, equity, balance } },
    ...(currency === null ? { notes: ['metrics.json does not record the account currency: USD (the default) is shown.'] } : {}),
  };
}
