/**
 * A real engine session (EngineHarness: TradingEngine + SimulatedVenue + SimClock) with a journal
 * attached and every engine input (a timestamp's bars, a command) in its own journal batch, the way
 * the host runs it: market orders, a bracket entry whose take-profit fills (OCO cancels the stop), a
 * partial exit, a working limit order, a cancel, a halt and an entry denied while halted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { Journal } from '../../../../engine/node/journal/journal';
import { EngineHarness } from '../../runtime/engine-harness';

export function tempJournalPath(): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'journal-'));
  return { dir, path: join(dir, 'data', 'journal.sqlite') };
}

/**
 * A fresh temp journal path for every test (handed to `set`), and after each test every journal in
 * `open` closed and the folder removed.
 */
export function useTempJournal(open: { close(): void }[], set: (dir: string, path: string) => void): void {
  let dir = '';
  beforeEach(() => {
    const t = tempJournalPath();
    dir = t.dir;
    set(t.dir, t.path);
  });
  afterEach(() => {
    for (const j of open.splice(0)) j.close();
    rmSync(dir, { recursive: true, force: true });
  });
}

export function runSession(journal: Journal): EngineHarness {
  const h = new EngineHarness({ startStrategies: false });
  journal.attach(h.engine);
  const input = <T>(fn: () => T): T => journal.batch(fn);
  input(() => h.step([{ open: 100, close: 100 }, { instrumentId: 'BBB', open: 50, close: 50 }]));
  input(() => h.submit({ instrumentId: 'AAA', side: 'BUY', qty: 100, type: 'MARKET', bracket: { stopLossDistance: 200, takeProfitDistance: 300 } }));
  input(() => h.submit({ instrumentId: 'BBB', side: 'SELL', qty: 40, type: 'MARKET' }));
  input(() => h.step([{ open: 100, close: 101 }, { instrumentId: 'BBB', open: 50, close: 49.5 }]));
  input(() => h.step([{ open: 101, high: 103.5, low: 100.5, close: 103.2 }, { instrumentId: 'BBB', open: 49.5, close: 49 }]));
  input(() => h.submit({ instrumentId: 'BBB', side: 'BUY', qty: 15, type: 'MARKET', role: 'EXIT', reduceOnly: true }));
  input(() => h.submit({ instrumentId: 'CCC', side: 'BUY', qty: 7, type: 'LIMIT', price: 1_900 }));
  input(() => h.submit({ instrumentId: 'AAA', side: 'BUY', qty: 3, type: 'LIMIT', price: 9_000 }));
  input(() => h.step([{ open: 103, close: 102 }, { instrumentId: 'BBB', open: 49, close: 48.25 }, { instrumentId: 'CCC', open: 20, close: 20 }]));
  input(() => h.engine.orders.cancel(h.orders().find((o) => o.instrumentId === 'AAA' && o.type === 'LIMIT')!.clientOrderId));
  input(() => h.submit({ instrumentId: 'AAA', side: 'BUY', qty: 50, type: 'MARKET', bracket: { stopLossDistance: 150 } }));
  input(() => h.step([{ open: 102, close: 102.5 }, { instrumentId: 'BBB', open: 48.25, close: 48.75 }, { instrumentId: 'CCC', open: 20, close: 19.5 }]));
  input(() => h.engine.killSwitch.halt('test halt', 'user:test'));
  input(() => h.submit({ instrumentId: 'DDD', side: 'BUY', qty: 5, type: 'MARKET' }));
  input(() => h.step([{ open: 102.5, close: 102.75 }, { instrumentId: 'BBB', open: 48.75, close: 48.5 }, { instrumentId: 'CCC', open: 19.5, close: 19.25 }]));
  return h;
}
