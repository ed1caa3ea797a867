/**
 * Group commit (engine/node/journal/journal.ts header): inputs end without a commit and the open
 * group is committed at a size or time bound, when the host calls `commit()`, before an order is sent
 * (OrderSubmitted barrier), by a write outside any input, and at `close()`. Durability is observed from
 * a second connection (it sees committed data only) and, for a crash, by SIGKILLing a child process
 * that appends and checking the file it leaves.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { SimClock } from '../../../../engine/core/clock';
import type { EngineEvent } from '../../../../engine/core/events';
import type { Order } from '../../../../engine/core/order';
import { Journal, type JournalOptions } from '../../../../engine/node/journal/journal';
import { validateConfig } from '../../../../engine/runtime/config';
import { TradingEngine } from '../../../../engine/runtime/trading-engine';
import { SimulatedVenue, type SimulatedVenueOptions } from '../../../../engine/sim';
import { AAA, BAR_MS, NO_LIMITS, T0, bar } from '../../runtime/engine-harness';
import { runSession, useTempJournal } from './session';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'crash-child.ts');

let path: string;
const open: Journal[] = [];
useTempJournal(open, (_d, p) => {
  path = p;
});

function journal(opts: Omit<JournalOptions, 'path'> = {}): Journal {
  const j = new Journal({ path, ...opts });
  open.push(j);
  return j;
}

/** Events committed to the file, as a second connection sees them. */
function onDisk(): number {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

let seq = 0;
function ev(): EngineEvent {
  seq++;
  return { id: seq, type: 'OrderAccepted', tsEvent: seq, tsInit: seq, clientOrderId: 'T-1', venueOrderId: `V-${seq}` };
}
/** One engine input of `n` events. */
function input(j: Journal, n: number): void {
  j.batch(() => {
    for (let i = 0; i < n; i++) j.append(ev());
  });
}
beforeEach(() => {
  seq = 0;
});

describe('Journal: group commit', () => {
  it('is off by default: every batch commits when it ends', () => {
    const j = journal();
    expect(j.groupCommit).toBe(false);
    input(j, 3);
    expect(onDisk()).toBe(3);
    expect(j.uncommitted).toBe(0);
  });

  it('commits at the end of the input that reaches the size bound, never inside an input', () => {
    let now = 0;
    const j = journal({ groupCommit: { maxEvents: 25, maxDelayMs: 1_000_000, clock: () => now } });
    expect(j.groupCommit).toBe(true);
    input(j, 10);
    input(j, 10);
    expect(j.uncommitted).toBe(20);
    expect(j.inBatch).toBe(false);
    expect(onDisk()).toBe(0);
    // the same connection reads its own uncommitted events
    expect(j.eventCount()).toBe(20);
    input(j, 10); // 30 >= 25: committed, the whole input with it
    expect(onDisk()).toBe(30);
    expect(j.uncommitted).toBe(0);
    input(j, 10);
    expect(onDisk()).toBe(30);
    now = 10;
    input(j, 40); // one input larger than the bound: not split, committed when it ends
    expect(onDisk()).toBe(80);
  });

  it('commits at the end of the input that reaches the time bound, and by the idle timer when no input comes', async () => {
    let now = 0;
    const j = journal({ groupCommit: { maxEvents: 1_000, maxDelayMs: 50, clock: () => now } });
    input(j, 5);
    now = 49;
    input(j, 5);
    expect(onDisk()).toBe(0);
    now = 50; // 50 ms since the first uncommitted write
    input(j, 5);
    expect(onDisk()).toBe(15);

    j.close();
    // the idle timer, on the real clock: no later input comes to close the group
    const idle = journal({ groupCommit: { maxEvents: 1_000, maxDelayMs: 20 } });
    input(idle, 7);
    expect(onDisk()).toBe(15);
    await new Promise((r) => setTimeout(r, 120));
    expect(onDisk()).toBe(22);
    expect(idle.uncommitted).toBe(0);
  });

  it('commits everything pending when the host calls commit() before acknowledging', () => {
    const j = journal({ groupCommit: true });
    input(j, 10);
    input(j, 10);
    expect(onDisk()).toBe(0);
    j.commit();
    expect(onDisk()).toBe(20);
    expect(j.uncommitted).toBe(0);
    j.commit(); // nothing pending: a no-op
    // begin() / end() / commit() by hand: commit() inside an input ends it, durable on return
    j.begin();
    j.append(ev());
    expect(() => j.begin()).toThrow(expect.objectContaining({ code: 'journal.nested_batch' }));
    j.commit();
    expect(onDisk()).toBe(21);
    j.begin();
    j.append(ev());
    j.end();
    expect(onDisk()).toBe(21);
    // a write outside any input commits on its own, and takes the open group with it
    j.recordConfigChange({ path: 'risk.max_leverage', old: 1, new: 2, source: 'desktop', ts: 1 });
    expect(onDisk()).toBe(22);
    input(j, 3);
    j.close(); // between inputs: the group is committed
    expect(onDisk()).toBe(25);
  });

  it('rolls back an open input at close (never acknowledged)', () => {
    const j = journal({ groupCommit: true });
    input(j, 2);
    j.commit();
    j.begin();
    j.append(ev());
    j.close();
    expect(onDisk()).toBe(2);
  });

  it('still commits OrderInitialized (and every earlier input) before the venue submit is called', () => {
    const j = journal({ groupCommit: { maxEvents: 1_000_000, maxDelayMs: 1_000_000 } });
    const seen: { id: string; onDisk: string[]; all: number; emitted: number }[] = [];
    let emitted = 0;
    class CheckingVenue extends SimulatedVenue {
      override submit(order: Readonly<Order>): void {
        const db = new Database(path, { readonly: true, fileMustExist: true });
        const types = db.prepare('SELECT type FROM events WHERE client_order_id = ? ORDER BY seq').pluck().all(order.clientOrderId) as string[];
        const all = (db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n;
        db.close();
        seen.push({ id: order.clientOrderId, onDisk: types, all, emitted });
        super.submit(order);
      }
    }
    const { config, strategies } = validateConfig(NO_LIMITS);
    const clock = new SimClock(T0);
    const opts: SimulatedVenueOptions = { instruments: (id) => (id === 'AAA' ? AAA : undefined), clock };
    const engine = new TradingEngine({ clock, venue: new CheckingVenue(opts), instruments: [AAA], config, strategies, idPrefix: 'S' });
    j.attach(engine);
    engine.kernel.bus.onAny(() => emitted++);
    const step = (px: number, ts: number) =>
      j.batch(() => {
        clock.advanceTo(ts + BAR_MS);
        engine.onBar(bar('AAA', ts, BAR_MS, px, px, px, px));
        engine.endOfTimestamp(ts + BAR_MS);
      });
    step(100, T0);
    j.batch(() => engine.orders.submit('manual', { instrumentId: 'AAA', side: 'BUY', qty: 10, type: 'MARKET', bracket: { stopLossDistance: 100, takeProfitDistance: 100 } }));
    step(100, T0 + BAR_MS);
    expect(seen.map((s) => s.id)).toEqual(['S-1', 'S-2', 'S-3']);
    for (const s of seen) {
      expect(s.onDisk).toEqual(['OrderInitialized', 'OrderSubmitted']);
      expect(s.all).toBe(s.emitted); // every event before the send is on disk, earlier inputs too
    }
    // the events after the last send wait for the bounds or the host's commit
    expect(onDisk()).toBeLessThan(emitted);
    j.commit();
    expect(onDisk()).toBe(emitted);
  });

  it('journals a whole engine session exactly as per-input commit does', () => {
    const h = runSession(journal({ groupCommit: true }));
    open.splice(0).forEach((j) => j.close());
    const j = journal();
    expect([...j.records()].map((r) => r.event)).toEqual(JSON.parse(JSON.stringify([...h.events].sort((a, b) => a.id - b.id))));
  });

  it('after a SIGKILL mid-stream holds every committed event, whole inputs only, and passes the integrity check', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, path], { stdio: ['ignore', 'pipe', 'pipe'] });
    let committed = 0;
    let lines = 0;
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      let buf = '';
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const m = /^C (\d+)$/.exec(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
          if (m) {
            committed = Number(m[1]);
            if (++lines === 40) {
              child.kill('SIGKILL');
              resolve();
            }
          }
        }
      });
      child.on('exit', () => reject(new Error(`child exited early: ${stderr}`)));
    });
    expect(await exited).toBe('SIGKILL');
    expect(committed).toBeGreaterThan(0);

    const j = journal();
    expect(j.db.pragma('integrity_check', { simple: true })).toBe('ok');
    const n = j.eventCount();
    expect(n).toBeGreaterThanOrEqual(committed);
    expect(n % 10).toBe(0); // whole inputs: a transaction is never half on disk
    expect(j.lastSeq()).toBe(n); // no gaps: 1..n, in order
    const ids = [...j.records()].map((r) => r.event.id);
    expect(ids).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  });
});
