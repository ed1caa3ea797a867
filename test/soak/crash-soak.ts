/**
 * Crash soak of the engine process: a fast paper session (speed 0) is killed with SIGKILL at random
 * moments — during start-up, restore, reconciliation or mid-replay — and restarted, again and again;
 * a last run replays to the end of the data and stops with SIGTERM. Then the files are checked:
 *
 *   - no client order id was sent twice: the paper venue records every submission it receives
 *     (engine/node/paper/paper-venue-store.ts `submissions`), and none appears twice;
 *   - no fill was lost or doubled: every venue fill (trade id) is in the journal exactly once, and the
 *     journal has no venue fill the venue does not;
 *   - the journal equals the venue: positions (units), working orders (ids), and cash = the venue's
 *     balance, to the micro-unit;
 *   - every start reconciled (`ReconciliationCompleted ok`), none failed; both SQLite files pass
 *     `PRAGMA integrity_check`.
 *
 *   npm run soak -- [--kills 100] [--seed 1] [--bars 6000] [--symbols 12] [--min-ms 300] [--max-ms 2500] [--keep]
 *
 * The data is generated (engine/data/synthetic.ts; FX-like and equity-like symbols, seeded), so the
 * run needs nothing outside the project. Kill delays are drawn (seeded) between --min-ms and --max-ms
 * after the spawn, so some land before the engine is ready (restore, reconciliation) and most mid-replay.
 * Exit code 0 when every check passed, 1 otherwise. `runCrashSoak` is what the CI test calls (a short run).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Command } from 'commander';
import { money } from '../../engine/core/money';
import { barFileName } from '../../engine/data/bar-file-name';
import { formatBarsCsv } from '../../engine/data/csv-write';
import { mulberry32 } from '../../engine/data/prng';
import { generateSyntheticBars } from '../../engine/data/synthetic';
import { JOURNAL_FILE, Journal, rebuildState } from '../../engine/node/journal';
import { PAPER_VENUE_FILE, PaperVenueStore } from '../../engine/node/paper/paper-venue-store';
import type { Instrument } from '../../engine/core/instrument';
import { loadSessionData } from '../../engine/node/cli/session-options';
import { validateConfig } from '../../engine/runtime/config';
import { parse as parseYaml } from 'yaml';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const ENTRY = join(ROOT, 'engine/node/main.ts');

export interface CrashSoakOptions {
  kills: number;
  seed: number;
  /** Bars per symbol. */
  bars: number;
  symbols: number;
  minMs: number;
  maxMs: number;
  /** Keep the temp dir (default: removed when every check passed). */
  keep?: boolean;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export interface CrashSoakResult {
  dir: string;
  kills: number;
  /** Kills that landed after the engine was ready (mid-replay) / before (start-up, restore, reconciliation). */
  killsMidReplay: number;
  killsDuringStart: number;
  starts: number;
  reconciliations: { ok: number; failed: number; differences: number };
  venueFills: number;
  journalFills: number;
  venueSubmissions: number;
  duplicateSubmissions: { clientOrderId: string; count: number }[];
  lostFills: string[];
  doubledFills: string[];
  unknownFills: string[];
  positions: { journal: [string, number][]; venue: [string, number][] };
  workingOrders: { journal: string[]; venue: string[] };
  cash: { journal: number; venue: number };
  integrity: { journal: string; venue: string };
  finalExitCode: number | null;
  seconds: number;
  failures: string[];
}

const CONFIG = `
strategy:
  name: ema_cross
  fast: 3
  slow: 8
  allow_short: true
exposure:
  max_portfolio_exposure_pct: 60
  max_open_positions: 10
  scale_to_cap: true
risk:
  max_trades_per_day: null
  stale_price: { bar_minutes: null, quote_seconds: null }
paper:
  latency_ms: 250
  spread_ticks: 2
engine:
  on_shutdown: keep
`;

/** Writes the generated data; returns the instruments as the engine loads them (the same loader). */
async function writeData(dir: string, o: CrashSoakOptions): Promise<{ instruments: readonly Instrument[] }> {
  const fx = ['EUR_USD', 'GBP_USD', 'AUD_USD', 'NZD_USD', 'USD_CAD', 'USD_CHF'];
  const names = Array.from({ length: o.symbols }, (_, i) => (i < fx.length && i % 2 === 0 ? fx[i / 2]! : `SOAK${i}`));
  const series = generateSyntheticBars({ symbols: names, start: Date.UTC(2024, 0, 1), resolution: '15min', count: o.bars, calendar: 'fx', seed: o.seed });
  mkdirSync(join(dir, 'data'), { recursive: true });
  for (const s of series) writeFileSync(join(dir, 'data', barFileName(s.symbol, '15min')), formatBarsCsv(s.bars, { precision: s.pricePrecision }));
  const { config } = validateConfig(parseYaml(CONFIG));
  const data = await loadSessionData({ data: join(dir, 'data'), param: [] }, config);
  return { instruments: data.instruments };
}

interface Started {
  child: ChildProcess;
  ready: boolean;
  ended: boolean;
  exit: Promise<number | null>;
}

function start(dir: string): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, '--config', join(dir, 'engine.yaml'), '--data', join(dir, 'data'), '--data-dir', join(dir, 'state'), '--port', '0', '--speed', '0'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, TW_ENGINE_TOKEN: 'soak-token-0123456789abcdef' },
  });
  const s: Started = { child, ready: false, ended: false, exit: new Promise((res) => child.on('exit', (code) => res(code))) };
  let buf = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.includes('"event":"ready"')) s.ready = true;
      if (line.includes('"event":"session_ended"')) s.ended = true;
    }
  });
  return s;
}

const sleep = (ms: number) => new Promise<void>((res) => setTimeout(res, ms));

export async function runCrashSoak(o: CrashSoakOptions): Promise<CrashSoakResult> {
  const t0 = Date.now();
  const log = o.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'tw-soak-'));
  writeFileSync(join(dir, 'engine.yaml'), CONFIG);
  const { instruments } = await writeData(dir, o);
  const rng = mulberry32(o.seed);
  let killsMid = 0;
  let killsStart = 0;
  let starts = 0;
  for (let k = 0; k < o.kills; k++) {
    const s = start(dir);
    starts++;
    // One kill in five lands during start-up (restore, reconciliation), at a random time after the
    // spawn; the others at a random time after the engine said it is ready (mid-replay).
    const duringStart = rng() < 0.2;
    const delay = o.minMs + Math.floor(rng() * (o.maxMs - o.minMs));
    let exited = false;
    if (duringStart) {
      exited = await Promise.race([s.exit.then(() => true), sleep(delay).then(() => false)]);
    } else {
      while (!s.ready && s.child.exitCode === null) await sleep(10);
      exited = s.child.exitCode !== null || (await Promise.race([s.exit.then(() => true), sleep(delay).then(() => false)]));
    }
    if (exited) {
      log(`start ${starts}: the engine exited by itself before the kill (exit ${await s.exit})`);
      break;
    }
    if (s.ended) log(`kill ${k + 1}: the replay had already ended`);
    s.child.kill('SIGKILL');
    await s.exit;
    if (s.ready) killsMid++;
    else killsStart++;
    log(`kill ${k + 1}/${o.kills} ${delay} ms after ${duringStart ? 'the spawn' : 'ready'} (${s.ready ? 'mid-replay' : 'during start-up'})`);
  }
  // The last run: to the end of the data, then a clean stop.
  const last = start(dir);
  starts++;
  const deadline = Date.now() + 600_000;
  while (!last.ended && Date.now() < deadline && last.child.exitCode === null) await sleep(100);
  last.child.kill('SIGTERM');
  const finalExitCode = await last.exit;
  log(`final run: replay ended = ${last.ended}, exit ${finalExitCode}`);

  const result = check(dir, instruments, { kills: o.kills, killsMid, killsStart, starts, finalExitCode, t0 });
  if (!last.ended) result.failures.push('the final run did not reach the end of the data');
  if (result.failures.length === 0 && !o.keep) rmSync(dir, { recursive: true, force: true });
  return result;
}

function check(
  dir: string,
  instruments: readonly Instrument[],
  r: { kills: number; killsMid: number; killsStart: number; starts: number; finalExitCode: number | null; t0: number },
): CrashSoakResult {
  const failures: string[] = [];
  const state = join(dir, 'state');
  const integrity = (path: string) => {
    const db = new Database(path, { readonly: true });
    try {
      return String(db.pragma('integrity_check', { simple: true }));
    } finally {
      db.close();
    }
  };
  const j = new Journal({ path: join(state, JOURNAL_FILE) });
  const venue = new PaperVenueStore({ path: join(state, PAPER_VENUE_FILE), currency: 'USD', startingCash: money('100000') });
  try {
    const rebuilt = rebuildState(j, { instruments, accountCurrency: 'USD', startingCash: money('100000') });
    const books = venue.load();
    const venueFills = venue.fills();
    const q = j.query('events');
    const iType = q.columns.indexOf('type');
    const iPayload = q.columns.indexOf('payload');
    const journalFillIds: string[] = [];
    const recon = { ok: 0, failed: 0, differences: 0 };
    for (const row of q.rows) {
      const type = row[iType];
      if (type === 'OrderFilled') {
        const f = JSON.parse(String(row[iPayload])) as { tradeId: string };
        if (!f.tradeId.startsWith('RECON-')) journalFillIds.push(f.tradeId);
      } else if (type === 'ReconciliationCompleted') {
        const c = JSON.parse(String(row[iPayload])) as { status: string; differences: number };
        if (c.status === 'ok') recon.ok++;
        else recon.failed++;
        recon.differences += c.differences;
      }
    }
    const venueIds = new Set(venueFills.map((f) => f.tradeId));
    const counts = new Map<string, number>();
    for (const id of journalFillIds) counts.set(id, (counts.get(id) ?? 0) + 1);
    const lostFills = [...venueIds].filter((id) => !counts.has(id));
    const doubledFills = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
    const unknownFills = [...counts.keys()].filter((id) => !venueIds.has(id));
    const duplicateSubmissions = venue.duplicateSubmissions();
    const jPos = rebuilt.positions.map((p) => [p.instrumentId, p.qty] as [string, number]).sort();
    const vPos = books.account.positions.map((p) => [p.instrumentId, p.qty] as [string, number]).sort();
    const jOrders = rebuilt.openOrders.map((o) => o.clientOrderId).sort();
    const vOrders = books.venue.orders.map((o) => o.clientOrderId).sort();
    const vCash = books.account.balances.find((b) => b.currency === 'USD')?.amount ?? 0;
    const integ = { journal: integrity(join(state, JOURNAL_FILE)), venue: integrity(join(state, PAPER_VENUE_FILE)) };
    const submissions = (venue.db.prepare('SELECT COUNT(*) AS n FROM submissions').get() as { n: number }).n;

    if (duplicateSubmissions.length > 0) failures.push(`client order ids sent twice: ${duplicateSubmissions.map((d) => d.clientOrderId).join(', ')}`);
    if (lostFills.length > 0) failures.push(`venue fills missing from the journal: ${lostFills.join(', ')}`);
    if (doubledFills.length > 0) failures.push(`fills journaled twice: ${doubledFills.join(', ')}`);
    if (unknownFills.length > 0) failures.push(`journal fills the venue does not have: ${unknownFills.join(', ')}`);
    if (JSON.stringify(jPos) !== JSON.stringify(vPos)) failures.push(`positions differ: journal ${JSON.stringify(jPos)}, venue ${JSON.stringify(vPos)}`);
    if (JSON.stringify(jOrders) !== JSON.stringify(vOrders)) failures.push(`working orders differ: journal ${jOrders.join(',')}, venue ${vOrders.join(',')}`);
    if (rebuilt.cash !== vCash) failures.push(`cash ${rebuilt.cash} differs from the venue balance ${vCash}`);
    if (recon.failed > 0) failures.push(`${recon.failed} reconciliation(s) failed`);
    if (integ.journal !== 'ok' || integ.venue !== 'ok') failures.push(`integrity check: journal ${integ.journal}, venue ${integ.venue}`);
    if (r.finalExitCode !== 0) failures.push(`the final run exited ${r.finalExitCode}, not 0`);
    if (venueFills.length === 0) failures.push('no fill at all: the soak traded nothing');
    return {
      dir,
      kills: r.kills,
      killsMidReplay: r.killsMid,
      killsDuringStart: r.killsStart,
      starts: r.starts,
      reconciliations: recon,
      venueFills: venueFills.length,
      journalFills: journalFillIds.length,
      venueSubmissions: submissions,
      duplicateSubmissions,
      lostFills,
      doubledFills,
      unknownFills,
      positions: { journal: jPos, venue: vPos },
      workingOrders: { journal: jOrders, venue: vOrders },
      cash: { journal: rebuilt.cash, venue: vCash },
      integrity: integ,
      finalExitCode: r.finalExitCode,
      seconds: (Date.now() - r.t0) / 1000,
      failures,
    };
  } finally {
    venue.close();
    j.close();
  }
}

const invoked = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invoked) {
  const o = new Command()
    .name('soak')
    .option('--kills <n>', 'SIGKILLs before the last run', '100')
    .option('--seed <n>', 'seed of the data and the kill times', '1')
    .option('--bars <n>', 'bars per symbol', '6000')
    .option('--symbols <n>', 'symbols', '12')
    .option('--min-ms <n>', 'earliest kill after the spawn or ready', '50')
    .option('--max-ms <n>', 'latest kill after the spawn or ready', '2500')
    .option('--keep', 'keep the temp dir')
    .parse(process.argv)
    .opts<Record<string, string | boolean>>();
  const num = (k: string) => Number(o[k]);
  void runCrashSoak({ kills: num('kills'), seed: num('seed'), bars: num('bars'), symbols: num('symbols'), minMs: num('minMs'), maxMs: num('maxMs'), keep: o['keep'] === true, log: (l) => process.stderr.write(`${l}\n`) }).then((r) => {
    const { positions, workingOrders, ...rest } = r;
    process.stdout.write(`${JSON.stringify({ ...rest, positions: positions.venue.length, workingOrders: workingOrders.venue.length }, null, 2)}\n`);
    process.stdout.write(r.failures.length === 0 ? `PASS: ${r.kills} kills, ${r.venueFills} fills, ${r.venueSubmissions} submissions, journal = venue\n` : `FAIL:\n  ${r.failures.join('\n  ')}\n`);
    process.exit(r.failures.length === 0 ? 0 : 1);
  });
}
