/**
 * The backtest command as a user runs it: a real process, real files. No arguments runs on the bundled
 * sample data; the same arguments give byte-identical files; bad arguments and bad files give one
 * coded line and a non-zero exit, never a stack trace.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './golden-cases';

const CLI = join(ROOT, 'engine/node/cli/backtest.ts');

function backtest(args: string[], cwd = ROOT) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'bt-cli-'));

describe('npm run backtest', () => {
  it('runs with no arguments on the bundled sample data and writes the four files', () => {
    const out = tmp();
    const r = backtest(['--out', out]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/data: 8 series, 31,512 bars from the bundled sample data/);
    expect(r.out).toMatch(/Sharpe/);
    expect(r.out).toMatch(/bars processed: 31,512 in [\d.]+ s \([\d,]+ bars\/s\)/);
    expect(readdirSync(out).sort()).toEqual(['equity.csv', 'metrics.json', 'orders.csv', 'trades.csv']);
    expect(readFileSync(join(out, 'trades.csv'), 'utf8').split('\n')[0]).toBe('symbol,side,quantity,entry_time,entry_price,exit_time,exit_price,pnl,fees,exit_reason');
  });

  it('writes byte-identical outputs for the same inputs, with a config file and overrides', () => {
    const cfg = join(tmp(), 'engine.yaml');
    writeFileSync(
      cfg,
      ['strategy:', '  name: ema_cross_momentum', '  risk:', '    stop_loss_pct: 0.2', '    take_profit_pct: 0.3', 'exposure:', '  max_portfolio_exposure_pct: 10', '  max_open_positions: 5', ''].join('\n'),
    );
    const args = ['--config', cfg, '--symbols', 'AAPL,EUR_USD,USD_JPY', '--from', '2024-04-01', '--to', '2024-06-01', '--param', 'confirm_bars=2', '--fees', 'percent:0.02', '--slippage', 'ticks:1', '--cash', '50000'];
    const a = tmp();
    const b = tmp();
    expect(backtest([...args, '--out', a]).code).toBe(0);
    expect(backtest([...args, '--out', b]).code).toBe(0);
    for (const f of ['trades.csv', 'orders.csv', 'equity.csv', 'metrics.json']) {
      expect(readFileSync(join(b, f), 'utf8'), f).toBe(readFileSync(join(a, f), 'utf8'));
    }
    const m = JSON.parse(readFileSync(join(a, 'metrics.json'), 'utf8')) as { run: { params: Record<string, unknown>; symbols: string[]; starting_cash: string } };
    expect(m.run.params).toMatchObject({ short_window: 3, confirm_bars: 2, stop_loss_pct: 0.2 });
    expect(m.run.symbols).toEqual(['AAPL', 'EUR_USD', 'USD_JPY']);
    expect(m.run.starting_cash).toBe('50000');
  });

  const bad: [string, string[], number, RegExp][] = [
    ['an unknown strategy', ['--strategy', 'nope'], 78, /^error \[config\.invalid\]: invalid configuration:\n {2}- strategy\.name: unknown strategy "nope" \(known: ema_cross, ema_cross_momentum\)/],
    ['an invalid parameter', ['--param', 'fast=30', '--param', 'slow=10'], 78, /^error \[config\.invalid\]: invalid configuration:\n {2}- strategy\.fast: fast must be shorter than slow/],
    ['a malformed --param', ['--param', 'fast'], 64, /^error \[usage\.bad_param\]/],
    ['a missing data folder', ['--data', '/nonexistent/dir'], 65, /^error \[data\.file_not_found\]/],
    ['a symbol with no file', ['--symbols', 'ZZZ'], 65, /^error \[data\.symbol_not_found\]/],
    ['a bad date', ['--from', 'yesterday'], 64, /^error \[usage\.bad_time\]/],
    ['a bad fee spec', ['--fees', 'lots'], 64, /^error \[usage\.bad_fees\]/],
    ['an unknown option', ['--frobnicate'], 64, /unknown option '--frobnicate'/],
    ['a missing config file', ['--config', '/nonexistent.yaml'], 78, /^error \[config\.file_not_found\]/],
  ];
  for (const [what, args, code, msg] of bad) {
    it(`refuses ${what} with exit ${code} and one coded line, no stack trace`, () => {
      const r = backtest([...args, '--out', tmp()]);
      expect(r.code).toBe(code);
      expect(r.err).toMatch(msg);
      expect(r.err).not.toMatch(/\n\s+at /);
    });
  }

  it('reports rejected rows with file, line and reason and still runs', () => {
    const dir = tmp();
    writeFileSync(
      join(dir, 'ABC_15min.csv'),
      [
        'timestamp,open,high,low,close,volume',
        ...Array.from({ length: 60 }, (_, i) => {
          const t = new Date(Date.UTC(2024, 0, 2, 14, 30) + i * 900_000).toISOString().slice(0, 19).replace('T', ' ');
          const p = (100 + Math.sin(i / 5) * 3).toFixed(2);
          return i === 10 ? `${t},abc,101,99,100,1000` : i === 20 ? `${t},100,99,101,100,1000` : `${t},${p},${(Number(p) + 0.5).toFixed(2)},${(Number(p) - 0.5).toFixed(2)},${p},1000`;
        }),
      ].join('\n'),
    );
    const r = backtest(['--data', dir, '--out', tmp()]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/line 12.*unparsable_number/);
    expect(r.out).toMatch(/line 22.*high_below_low/);
  });
});
