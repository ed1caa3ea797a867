/**
 * The SQLite journal (engine/node/journal): append rate with the chosen durability (WAL,
 * synchronous = FULL: one fsync of the WAL per commit) for engine inputs of 10 events (about one bar's
 * worth) under (i) group commit with its default bounds (1,000 events / 50 ms, plus the host's final
 * `commit()`), (ii) a forced commit per input (the per-input policy), (iii) 1 event per commit; and
 * recovery time (`rebuildState`) of a journal of 1,000,000 events written by a real engine session
 * (100,000 in quick mode). Every append case reopens its file and checks that all events are there.
 *
 * Events are real engine events: a template captured from a real session (orders, fills, positions),
 * renumbered. The recovery journal is written by a real TradingEngine + SimulatedVenue placing a market
 * order every bar; it is generated with synchronous = OFF to save time (generation is not what is timed).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SimClock } from '../../engine/core/clock';
import type { EngineEvent } from '../../engine/core/events';
import { makeInstrument } from '../../engine/core/instrument';
import { money } from '../../engine/core/money';
import { Journal } from '../../engine/node/journal/journal';
import { rebuildState } from '../../engine/node/journal/rebuild';
import { validateConfig } from '../../engine/runtime/config';
import { TradingEngine } from '../../engine/runtime/trading-engine';
import { SimulatedVenue } from '../../engine/sim';
import { fmt, type BenchContext, type BenchSection } from './harness';

const BAR_MS = 60_000;
const T0 = Date.UTC(2024, 0, 2, 14, 30);
const INSTRUMENTS = ['AAA', 'BBB', 'CCC', 'DDD'].map((id) => makeInstrument({ id, assetClass: 'equity', quoteCurrency: 'USD', pricePrecision: 2 }));
const RAW_CONFIG = {
  account: { starting_cash: '10000000' },
  exposure: { max_portfolio_exposure_pct: null, max_open_positions: null },
  risk: {
    max_trades_per_day: null,
    max_position_pct: null,
    max_sector_pct: null,
    max_leverage: null,
    price_sanity_pct: null,
    stale_price: { bar_minutes: null, quote_seconds: null },
    trim_over_cap: false,
    guards: { daily_loss: { limit_pct: null }, drawdown: { limit_pct: null } },
  },
};

/**
 * A real engine placing one market order per instrument per bar (alternating sides), journaled with
 * one batch per bar, until the journal holds `events` events. Returns the engine.
 */
function session(journal: Journal | null, events: number, onEvent?: (e: EngineEvent) => void): TradingEngine {
  const { config, strategies } = validateConfig(RAW_CONFIG);
  const clock = new SimClock(T0);
  const byId = new Map(INSTRUMENTS.map((i) => [i.id, i]));
  const engine = new TradingEngine({ clock, venue: new SimulatedVenue({ instruments: (id) => byId.get(id), clock }), instruments: INSTRUMENTS, config, strategies, idPrefix: 'B', enforceStrategyBudget: false });
  journal?.attach(engine);
  if (onEvent) engine.kernel.bus.onAny(onEvent);
  let ts = T0;
  let k = 0;
  const step = () => {
    clock.advanceTo(ts + BAR_MS);
    for (const inst of INSTRUMENTS) {
      const px = 100 + ((k * 7 + inst.id.charCodeAt(0)) % 50) / 10;
      engine.onBar({ instrumentId: inst.id, ts, durationMs: BAR_MS, open: px, high: px + 0.1, low: px - 0.1, close: px, volume: 1_000 });
      engine.orders.submit('bench', { instrumentId: inst.id, side: k % 4 < 2 ? 'BUY' : 'SELL', qty: 10 + (k % 3), type: 'MARKET' });
    }
    engine.endOfTimestamp(ts + BAR_MS);
    ts += BAR_MS;
    k++;
  };
  while (engine.kernel.lastEventId < events) {
    if (journal) journal.batch(step);
    else step();
  }
  return engine;
}

/** Real events from a short session, as templates for the append benchmark. */
function templates(): EngineEvent[] {
  const out: EngineEvent[] = [];
  session(null, 2_000, (e) => out.push(JSON.parse(JSON.stringify(e)) as EngineEvent));
  return out.sort((a, b) => a.id - b.id);
}

/**
 * Appends `total` events in inputs of `perTx` events (`batch`), then the host's final `commit()`.
 * With `group` the inputs are group-committed (default bounds), else each input commits.
 */
function appendRate(dir: string, tpl: EngineEvent[], total: number, perTx: number, opts: { noSync?: boolean; group?: boolean; name?: string } = {}): { eps: number; ms: number; commits: number } {
  const path = join(dir, `append-${opts.name ?? ''}${perTx}-${opts.group ? 'group' : 'input'}-${opts.noSync ? 'nosync' : 'full'}.sqlite`);
  const j = new Journal({ path, groupCommit: opts.group === true });
  if (opts.noSync) j.db.pragma('synchronous = OFF');
  let commits = 0;
  let ms: number;
  try {
    const t0 = performance.now();
    for (let i = 0; i < total; i += perTx) {
      j.batch(() => {
        for (let k = i; k < i + perTx && k < total; k++) j.append({ ...tpl[k % tpl.length]!, id: k + 1 } as EngineEvent);
      });
      if (j.uncommitted === 0) commits++;
    }
    j.commit();
    ms = performance.now() - t0;
  } finally {
    j.close();
  }
  const check = new Journal({ path });
  try {
    if (check.eventCount() !== total || check.lastSeq() !== total) throw new Error(`journal bench: ${path} holds ${check.eventCount()} events, expected ${total}`);
  } finally {
    check.close();
  }
  return { eps: total / (ms / 1000), ms, commits: Math.max(commits, 1) };
}

export async function run(ctx: BenchContext): Promise<BenchSection[]> {
  const dir = mkdtempSync(join(tmpdir(), 'journal-bench-'));
  try {
    const tpl = templates();
    const rows: (string | number)[][] = [];
    const appendN = ctx.quick ? 20_000 : 200_000;
    const singleN = ctx.quick ? 2_000 : 20_000;
    const commitsPerS = (r: { ms: number; commits: number }) => fmt(r.commits / (r.ms / 1000));
    appendRate(dir, tpl, 10_000, 10, { group: true, name: 'warm-up' }); // JIT and page cache, not reported
    const grp = appendRate(dir, tpl, appendN, 10, { group: true });
    const g10 = appendRate(dir, tpl, appendN, 10);
    const g100 = appendRate(dir, tpl, appendN, 100);
    const g1 = appendRate(dir, tpl, singleN, 1);
    rows.push(['(i) inputs of 10 events, group commit (1,000 events / 50 ms)', fmt(appendN), fmt(grp.ms, 0), fmt(grp.eps), commitsPerS(grp)]);
    rows.push(['(ii) inputs of 10 events, commit per input (one bar)', fmt(appendN), fmt(g10.ms, 0), fmt(g10.eps), commitsPerS(g10)]);
    rows.push(['inputs of 100 events, commit per input', fmt(appendN), fmt(g100.ms, 0), fmt(g100.eps), commitsPerS(g100)]);
    const off = appendRate(dir, tpl, appendN, 10, { noSync: true });
    rows.push(['(reference, not durable) 10 events / commit, synchronous = OFF', fmt(appendN), fmt(off.ms, 0), fmt(off.eps), commitsPerS(off)]);
    rows.push(['(iii) 1 event / commit', fmt(singleN), fmt(g1.ms, 0), fmt(g1.eps), commitsPerS(g1)]);

    const recoveryN = ctx.quick ? 100_000 : 1_000_000;
    const path = join(dir, 'recovery.sqlite');
    const gen = new Journal({ path });
    gen.db.pragma('synchronous = OFF'); // generation only
    const tg = performance.now();
    const live = session(gen, recoveryN);
    const genMs = performance.now() - tg;
    gen.close();
    const sizeMb = statSync(path).size / 2 ** 20;
    const j = new Journal({ path });
    const { config } = validateConfig(RAW_CONFIG);
    const t0 = performance.now();
    const state = rebuildState(j, { instruments: INSTRUMENTS, accountCurrency: config.account.currency, startingCash: money(config.account.starting_cash) });
    const recMs = performance.now() - t0;
    const integrity = j.db.pragma('quick_check', { simple: true });
    j.close();
    if (integrity !== 'ok') throw new Error(`journal bench: quick_check of the recovery journal: ${String(integrity)}`);
    if (state.cash !== live.portfolio.cash() || state.lastEventId !== live.kernel.lastEventId || state.orders.length !== live.kernel.cache.allOrders().length) {
      throw new Error('journal bench: rebuilt state differs from the live engine');
    }
    rows.push([`rebuildState of ${fmt(state.eventsReplayed)} events (${fmt(state.orders.length)} orders, ${fmt(sizeMb, 0)} MB)`, fmt(state.eventsReplayed), fmt(recMs, 0), fmt(state.eventsReplayed / (recMs / 1000)), '']);

    return [
      {
        title: 'SQLite journal: append rate (WAL, synchronous = FULL) and recovery',
        columns: ['case', 'events', 'ms', 'events/s', 'commits/s'],
        rows,
        notes: [
          `Target >= 50,000 events/s appended with the chosen durability (synchronous = FULL). Group commit (inputs of 10 events, committed every 1,000 events or 50 ms, and before any order is sent or anything acknowledged) reached ${fmt(grp.eps)} events/s; a forced commit per input of 10 events ${fmt(g10.eps)} events/s; one event per commit ${fmt(g1.eps)} events/s (bounded by one fsync per commit on this file system: ${tmpdir()}). Without fsync (synchronous = OFF, reference only) 10 events per commit run at ${fmt(off.eps)} events/s: the difference is the fsync of each commit, so the rate a host reaches depends on how many events it groups per commit and on the disk's fsync latency.`,
          `Recovery: ${fmt(state.eventsReplayed)} events written by a real engine session (generated in ${fmt(genMs / 1000, 1)} s with synchronous = OFF) rebuilt in ${fmt(recMs / 1000, 2)} s (orders through a fresh Cache, fills through a fresh Portfolio) and checked against the live engine's cash, orders and last event id; the file passes quick_check.`,
        ],
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
