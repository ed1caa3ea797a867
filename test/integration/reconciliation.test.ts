/**
 * Restart and reconciliation of a journaled paper session, in process, with the real files: the
 * engine's SQLite journal and the paper venue's own SQLite books in a temp data dir, restored by the
 * same code the engine process runs (engine/node/paper/restore-session.ts). A "crash" is a session
 * whose objects are dropped mid-run without any shutdown step (every input was already committed by
 * then, exactly as after a SIGKILL between inputs; the SIGKILL itself is the crash soak's job).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SimClock } from '../../engine/core/clock';
import type { EngineEvent, VenueEvent } from '../../engine/core/events';
import { priceToTicks } from '../../engine/core/instrument';
import { money } from '../../engine/core/money';
import type { Order } from '../../engine/core/order';
import type { Bar } from '../../engine/core/bar';
import { JOURNAL_FILE, Journal } from '../../engine/node/journal';
import { PAPER_VENUE_FILE, PaperVenueStore } from '../../engine/node/paper/paper-venue-store';
import { reconcileSession, restorePaperSession, type RestoredPaperSession } from '../../engine/node/paper/restore-session';
import { JsonTradingStateStore } from '../../engine/node/risk/json-trading-state-store';
import { validateConfig } from '../../engine/runtime/config';
import { PaperAccount } from '../../engine/sim/paper-account';
import { PaperVenue } from '../../engine/sim/paper-venue';
import { PaperEmergencyFlattener } from '../../engine/node/paper/paper-emergency-flattener';
import { AAA, BAR_MS, BBB, bar, NO_LIMITS, T0 } from '../unit/runtime/engine-harness';

const INSTRUMENTS = [AAA, BBB];
const byId = new Map(INSTRUMENTS.map((i) => [i.id, i]));

function wave(id: string, n: number, base: number, phase: number): Bar[] {
  return Array.from({ length: n }, (_, i) => {
    const o = base + Math.round(Math.sin((i + phase) / 6) * 500) / 100;
    const c = base + Math.round(Math.sin((i + 1 + phase) / 6) * 500) / 100;
    return bar(id, T0 + i * BAR_MS, BAR_MS, o, Math.max(o, c) + 0.1, Math.min(o, c) - 0.1, c);
  });
}
const BARS = [...wave('AAA', 160, 100, 0), ...wave('BBB', 160, 50, 3)].sort((a, b) => a.ts - b.ts || a.instrumentId.localeCompare(b.instrumentId));
const { config, strategies } = validateConfig({ ...NO_LIMITS, strategy: { name: 'ema_cross', fast: 3, slow: 8 }, paper: { spread_ticks: 4, latency_ms: 250 }, engine: { on_shutdown: 'keep' } });

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tw-reconcile-'));
  dirs.push(d);
  return d;
}

interface Run {
  r: RestoredPaperSession;
  journal: Journal;
  events: EngineEvent[];
  close: () => void;
}

/** Opens (restores) the session of `dir` on the bars up to `untilTs`; it is RECONCILING until `reconcileSession`. */
function open(dir: string, untilTs = Infinity): Run {
  const journal = new Journal({ path: join(dir, JOURNAL_FILE) });
  const r = restorePaperSession({
    dataDir: dir,
    journal,
    config,
    strategies,
    bars: BARS.filter((b) => b.ts <= untilTs),
    instruments: INSTRUMENTS,
    pacer: new SimClock(0),
    speed: 0,
    stateStore: new JsonTradingStateStore(join(dir, 'trading-state.json')),
    idPrefix: 'ENG',
    runInput: (fn) => (journal.inBatch ? fn() : journal.batch(fn)),
  });
  const events: EngineEvent[] = [];
  r.session.engine.kernel.bus.onAny((e) => events.push(e));
  return {
    r,
    journal,
    events,
    close: () => {
      r.detach();
      r.venueStore.close();
      journal.close();
    },
  };
}

/** A first run: from nothing to `untilTs`, then dropped (no shutdown step). */
async function firstRun(dir: string, untilTs: number): Promise<void> {
  const run = open(dir, untilTs);
  expect((await reconcileSession(run.r)).status).toBe('ok');
  await run.r.session.start();
  run.close();
}

/** The venue on its own, while the engine is down (a broker keeps trading). */
function venueAlone(dir: string) {
  const store = new PaperVenueStore({ path: join(dir, PAPER_VENUE_FILE), currency: 'USD', startingCash: money(config.account.starting_cash) });
  const books = store.load();
  const clock = new SimClock(books.lastMarketTs ?? T0);
  const venue = new PaperVenue({ instruments: (id) => byId.get(id), clock, account: new PaperAccount({ currency: 'USD', startingCash: money(config.account.starting_cash), instrument: (id) => byId.get(id) }), ledger: store });
  venue.restoreFrom(books);
  const events: VenueEvent[] = [];
  venue.bind((e) => events.push(e));
  return {
    venue,
    store,
    events,
    clock,
    quote(instrumentId: string, bid: number, ask: number) {
      clock.advanceTo(clock.now() + 1000);
      venue.onQuote({ instrumentId, ts: clock.now(), bid, ask });
    },
  };
}

function order(o: Partial<Order> & Pick<Order, 'clientOrderId' | 'instrumentId' | 'side' | 'qty'>): Order {
  return {
    venueOrderId: null,
    strategyId: 'manual',
    type: 'MARKET',
    price: null,
    triggerPrice: null,
    trailingDistance: null,
    tif: 'GTC',
    expireTs: null,
    reduceOnly: false,
    role: 'ENTRY',
    parentId: null,
    ocoGroup: null,
    bracket: null,
    tag: '',
    status: 'SUBMITTED',
    statusBeforePending: null,
    filledQty: 0,
    fillCost: 0,
    tsInit: 0,
    tsLast: 0,
    ...o,
  };
}

/** Journal and venue agree: positions, working orders, cash vs balance, fills. */
async function expectAgreement(run: Run): Promise<void> {
  const { engine, venue } = run.r.session;
  const snap = await venue.accountSnapshot();
  expect(engine.portfolio.openPositions().map((p) => [p.instrumentId, p.qty])).toEqual(snap.positions.map((p) => [p.instrumentId, p.qty]));
  expect(engine.kernel.cache.openOrders().map((o) => o.clientOrderId).sort()).toEqual(snap.orders.map((o) => o.clientOrderId).sort());
  expect(snap.balances.find((b) => b.currency === 'USD')?.amount).toBe(engine.portfolio.cash());
  const venueFills = run.r.venueStore.fills().map((f) => f.tradeId);
  const journalFills = column(run.journal, 'fills', 'trade_id').map(String);
  expect(journalFills.filter((t) => !t.startsWith('RECON-')).sort()).toEqual([...venueFills].sort());
  expect(run.r.venueStore.duplicateSubmissions()).toEqual([]);
}

/** One column of a journal view. */
function column(j: Journal, view: 'fills' | 'events', name: string): unknown[] {
  const q = j.query(view);
  const i = q.columns.indexOf(name);
  expect(i).toBeGreaterThanOrEqual(0);
  return q.rows.map((r) => r[i]);
}

const MID = T0 + 80 * BAR_MS;

describe('restart and reconciliation (journal + paper venue books)', () => {
  it('a clean restart finds nothing to adopt: positions, orders, cash and ids continue, and the replay resumes where it stopped', async () => {
    const dir = tempDir();
    await firstRun(dir, MID);
    const run = open(dir);
    const before = run.r.session.engine.portfolio.openPositions().map((p) => [p.instrumentId, p.qty]);
    expect(run.r.session.engine.state.state).toBe('RECONCILING');
    expect(run.r.resumeAfter).toBeGreaterThanOrEqual(MID);
    const rec = await reconcileSession(run.r);
    expect(rec).toMatchObject({ status: 'ok', differences: [] });
    expect(run.r.session.engine.state.state).toBe('ACTIVE');
    expect(run.events.find((e) => e.type === 'ReconciliationCompleted')).toMatchObject({ status: 'ok', differences: 0 });
    expect(run.r.session.engine.portfolio.openPositions().map((p) => [p.instrumentId, p.qty])).toEqual(before);
    await expectAgreement(run);
    const summary = await run.r.session.start();
    // Only the bars after the resume point were replayed.
    expect(summary.bars).toBe(BARS.filter((b) => b.ts + BAR_MS > run.r.resumeAfter!).length);
    await expectAgreement(run);
    expect(run.r.session.engine.portfolio.trades().length).toBeGreaterThan(0);
    run.close();
  });

  it('adopts a fill of a working order that happened while the engine was down, and an order placed outside the app', async () => {
    const dir = tempDir();
    await firstRun(dir, MID);
    // A resting buy limit from the engine, working when it "dies".
    let run = open(dir, MID);
    await reconcileSession(run.r);
    const eng = run.r.session.engine;
    const px = eng.kernel.cache.lastPrice('AAA');
    const limit = priceToTicks(AAA, px - 1);
    const res = run.journal.batch(() => eng.orders.submit('manual', { instrumentId: 'AAA', side: 'BUY', qty: 7, type: 'LIMIT', price: limit }));
    expect(res.ok).toBe(true);
    const manualId = res.clientOrderId;
    run.close();

    // The market comes down to it while the engine is down; someone also buys 3 BBB on the broker's platform.
    const alone = venueAlone(dir);
    alone.quote('AAA', px - 1.05, px - 1.01);
    alone.venue.submit(order({ clientOrderId: 'WEB-1', instrumentId: 'BBB', side: 'BUY', qty: 3, strategyId: 'web' }));
    alone.quote('BBB', 49.5, 49.54);
    expect(alone.events.map((e) => e.type)).toEqual(['OrderFilled', 'OrderAccepted', 'OrderFilled']);
    alone.store.close();

    run = open(dir);
    const aaaBefore = run.r.session.engine.portfolio.positionQty('AAA');
    const bbbBefore = run.r.session.engine.portfolio.positionQty('BBB');
    const rec = await reconcileSession(run.r);
    expect(rec.status).toBe('ok');
    expect(rec.differences.map((d) => [d.kind, d.orderId])).toEqual([
      ['missed_event', manualId],
      ['external_order', 'WEB-1'],
      ['missed_event', 'WEB-1'],
      ['missed_event', 'WEB-1'],
    ]);
    const e = run.r.session.engine;
    expect(e.kernel.cache.order(manualId)).toMatchObject({ status: 'FILLED', filledQty: 7 });
    expect(e.kernel.cache.order('WEB-1')).toMatchObject({ status: 'FILLED', strategyId: 'web', filledQty: 3 });
    expect(e.portfolio.positionQty('AAA')).toBe(aaaBefore + 7);
    expect(e.portfolio.positionQty('BBB')).toBe(bbbBefore + 3);
    await expectAgreement(run);
    // The differences are journaled, with the missed venue transactions (venueTxId kept).
    expect(column(run.journal, 'events', 'type').filter((t) => t === 'ReconciliationDifference')).toHaveLength(4);
    run.close();
  });

  it('closes an order that was recorded but never reached the venue, and never sends it again', async () => {
    const dir = tempDir();
    await firstRun(dir, MID);
    let run = open(dir, MID);
    await reconcileSession(run.r);
    const eng = run.r.session.engine;
    // The process dies between the journal's commit of OrderSubmitted and the venue call.
    const venue = run.r.session.venue;
    venue.submit = () => {
      throw new Error('killed before the venue call');
    };
    expect(() => eng.orders.submit('manual', { instrumentId: 'BBB', side: 'BUY', qty: 5, type: 'MARKET' })).toThrow('killed');
    const lost = eng.kernel.cache.allOrders().at(-1)!.clientOrderId;
    run.close();

    run = open(dir);
    expect(run.r.session.engine.kernel.cache.order(lost)?.status).toBe('SUBMITTED');
    const rec = await reconcileSession(run.r);
    expect(rec.status).toBe('ok');
    expect(rec.differences).toEqual([expect.objectContaining({ kind: 'unknown_at_venue', orderId: lost })]);
    expect(run.r.session.engine.kernel.cache.order(lost)).toMatchObject({ status: 'REJECTED' });
    const next = run.r.session.engine.orders.submit('manual', { instrumentId: 'BBB', side: 'BUY', qty: 1, type: 'MARKET' });
    expect(next.ok && next.clientOrderId).not.toBe(lost);
    await run.r.session.start();
    await expectAgreement(run);
    run.close();
  });

  it('fails closed when the venue books are missing: stays RECONCILING, trades nothing, never reads it as flat', async () => {
    const dir = tempDir();
    await firstRun(dir, MID);
    for (const f of [PAPER_VENUE_FILE, `${PAPER_VENUE_FILE}-wal`, `${PAPER_VENUE_FILE}-shm`]) rmSync(join(dir, f), { force: true });
    const run = open(dir);
    const positions = run.r.session.engine.portfolio.openPositions().length;
    const rec = await reconcileSession(run.r);
    expect(rec).toMatchObject({ status: 'failed', code: 'reconcile.venue_behind_journal' });
    const e = run.r.session.engine;
    expect(e.state.state).toBe('RECONCILING');
    expect(e.portfolio.openPositions()).toHaveLength(positions);
    expect(e.orders.submit('manual', { instrumentId: 'AAA', side: 'BUY', qty: 1, type: 'MARKET' })).toMatchObject({ ok: false, code: 'risk.reconciling' });
    expect(run.events.find((x) => x.type === 'ReconciliationCompleted')).toMatchObject({ status: 'failed', code: 'reconcile.venue_behind_journal' });
    run.close();
  });

  it('adopts a position changed at the venue without a transaction, and reports a balance that differs', async () => {
    const dir = tempDir();
    await firstRun(dir, MID);
    const store = new PaperVenueStore({ path: join(dir, PAPER_VENUE_FILE), currency: 'USD', startingCash: money(config.account.starting_cash) });
    const books = store.load();
    const positions = books.account.positions.filter((p) => p.instrumentId !== 'AAA');
    positions.push({ instrumentId: 'AAA', qty: 11, costBasis: 11 * priceToTicks(AAA, 99) * 10_000 });
    store.db.prepare('UPDATE account SET state = ? WHERE id = 1').run(JSON.stringify({ balances: books.account.balances, positions }));
    store.close();

    const run = open(dir);
    const rec = await reconcileSession(run.r);
    expect(rec.status).toBe('ok');
    expect(rec.differences.map((d) => d.kind)).toEqual(expect.arrayContaining(['position_mismatch', 'balance_mismatch']));
    const e = run.r.session.engine;
    expect(e.portfolio.positionQty('AAA')).toBe(11);
    expect(e.kernel.cache.allOrders().some((o) => o.clientOrderId.startsWith('RECON-') && o.status === 'FILLED')).toBe(true);
    expect(e.state.state).toBe('ACTIVE');
    run.close();
  });

  it('a TWAP that was running ends stopped (engine.restarted), journaled, and its id is never reused', async () => {
    const dir = tempDir();
    await firstRun(dir, MID);
    let run = open(dir, MID);
    await reconcileSession(run.r);
    const now = run.r.session.clock.now();
    const algoId = run.journal.batch(() => run.r.session.engine.algos.start({ kind: 'TWAP', instrumentId: 'AAA', side: 'BUY', qty: 10, startTs: now + BAR_MS, endTs: now + 10 * BAR_MS, slices: 5 }));
    run.close();

    run = open(dir);
    const finished = column(run.journal, 'events', 'payload')
      .map((p) => JSON.parse(String(p)) as { type: string; algoId?: string; reason?: string; detail?: string })
      .filter((e) => e.type === 'AlgoFinished');
    expect(finished).toEqual([expect.objectContaining({ algoId, reason: 'stopped', detail: 'engine.restarted' })]);
    expect((await reconcileSession(run.r)).status).toBe('ok');
    const next = run.journal.batch(() => run.r.session.engine.algos.start({ kind: 'TWAP', instrumentId: 'AAA', side: 'BUY', qty: 10, startTs: now + BAR_MS, endTs: now + 10 * BAR_MS, slices: 5 }));
    expect(next).not.toBe(algoId);
    run.close();
  });

  it('a HALTED engine comes back HALTED after reconciling', async () => {
    const dir = tempDir();
    await firstRun(dir, MID);
    let run = open(dir, MID);
    await reconcileSession(run.r);
    run.journal.batch(() => run.r.session.engine.killSwitch.halt('test', 'user:test'));
    run.close();
    run = open(dir);
    expect((await reconcileSession(run.r)).status).toBe('ok');
    expect(run.r.session.engine.state.state).toBe('HALTED');
    run.close();
  });

  it('the emergency flatten with no engine closes everything in the venue books, and the restarted engine adopts it', async () => {
    const dir = tempDir();
    await firstRun(dir, MID);
    // A working order too, so there is something to cancel.
    let run = open(dir, MID);
    await reconcileSession(run.r);
    const px = run.r.session.engine.kernel.cache.lastPrice('BBB');
    expect(run.journal.batch(() => run.r.session.engine.orders.submit('manual', { instrumentId: 'BBB', side: 'BUY', qty: 2, type: 'LIMIT', price: priceToTicks(BBB, px - 2) })).ok).toBe(true);
    const open0 = run.r.session.engine.portfolio.openPositions().map((p) => [p.instrumentId, p.qty]);
    expect(open0.length).toBeGreaterThan(0);
    run.close();

    const report = await new PaperEmergencyFlattener({ dataDir: dir }).flatten({ reason: 'engine wedged', source: 'desktop:test', startedAt: Date.now(), signal: new AbortController().signal });
    expect(report.status).toBe('completed');
    expect(report.failures).toEqual([]);
    expect(report.cancels.length).toBeGreaterThan(0);
    expect(report.closes.map((c) => [c.instrumentId, c.startQty])).toEqual(open0);
    expect(report.closes.every((c) => c.status === 'closed' && c.closedQty === Math.abs(c.startQty))).toBe(true);

    run = open(dir);
    const rec = await reconcileSession(run.r);
    expect(rec.status).toBe('ok');
    expect(rec.differences.some((d) => d.kind === 'external_order' && d.orderId?.startsWith('EMERG-'))).toBe(true);
    expect(run.r.session.engine.portfolio.openPositions()).toEqual([]);
    expect(run.r.session.engine.kernel.cache.openOrders()).toEqual([]);
    await expectAgreement(run);
    run.close();
  });
});
