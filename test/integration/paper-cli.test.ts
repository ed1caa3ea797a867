/**
 * `npm run paper` as a user runs it: a real process on the bundled sample data.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './golden-cases';

const CLI = join(ROOT, 'engine/node/cli/paper.ts');

function paper(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('npm run paper', () => {
  it('runs at speed 0 on the bundled data, prints trades and positions, flattens on exit and exits 0', () => {
    const r = paper(['--speed', '0', '--duration', '30s', '--to', '2024-01-12', '--on-exit', 'flatten']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^paper: ema_cross on [A-Z_, ]+ \([\d,]+ bars\), speed as fast as possible, on exit: flatten\n/);
    expect(r.out).toMatch(/\d{4}-\d\d-\d\dT[\d:]+Z TRADE {4}\w+ (BUY|SELL) \d+ @ [\d.]+ \(ema_cross, PAPER-/);
    expect(r.out).toMatch(/POSITION \w+ opened/);
    expect(r.out).toMatch(/KILL {5}flatten: paper session end_of_data \[paper:end_of_data\]/);
    expect(r.out).toMatch(/FLATTEN {2}completed/);
    expect(r.out).toMatch(/session ended \(end_of_data\): [\d,]+ quotes, [\d,]+ bars, \d+ trades/);
    expect(r.out).toMatch(/risk: trading HALTED/);
    expect(r.out).toMatch(/\npositions: none\n/);
  });

  it('prints one JSON object per line with --json', () => {
    const r = paper(['--speed', '0', '--symbols', 'AAPL', '--to', '2024-01-20', '--json']);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l) as { type: string });
    expect(lines.some((l) => l.type === 'OrderFilled')).toBe(true);
    expect(lines[lines.length - 1]).toMatchObject({ type: 'SessionEnded', reason: 'end_of_data' });
  });

  it('stops cleanly on SIGINT, keeping positions by default, exit 0', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--speed', '3600', '--symbols', 'AAPL'], { cwd: ROOT });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    await new Promise<void>((res) => {
      const t = setInterval(() => {
        if (out.includes('STRATEGY ema_cross RUNNING')) {
          clearInterval(t);
          res();
        }
      }, 50);
    });
    child.kill('SIGINT');
    const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
    expect(code).toBe(0);
    expect(out).toMatch(/session ended \(stopped\)/);
    expect(out).toMatch(/risk: trading ACTIVE/);
  });

  it('refuses bad arguments with a usage exit code', () => {
    expect(paper(['--duration', 'soon']).code).toBe(64);
    expect(paper(['--spread', 'wide']).code).toBe(64);
    expect(paper(['--on-exit', 'panic']).code).toBe(64);
  });
});
