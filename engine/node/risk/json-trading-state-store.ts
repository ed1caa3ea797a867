/**
 * The trading state in a small JSON file, for the kill switch (engine/risk/kill-switch-store.ts).
 * Writes are atomic: a temporary file beside the target (owner-only, 0600) is written and fsynced,
 * then renamed over the target, then the folder is fsynced, so a crash leaves the old record or the
 * new one, never half a file. Reads fail closed: a file that exists but cannot be read or parsed
 * means HALTED (reason says why), never ACTIVE.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TradingState } from '../../core/events';
import type { TradingStateRecord, TradingStateStore } from '../../risk/kill-switch-store';

const STATES: ReadonlySet<TradingState> = new Set(['ACTIVE', 'REDUCING', 'HALTED', 'RECONCILING']);

export class JsonTradingStateStore implements TradingStateStore {
  constructor(readonly path: string) {}

  load(): TradingStateRecord | null {
    if (!existsSync(this.path)) return null;
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.path, 'utf8'));
    } catch (e) {
      return failClosed(`state file ${this.path} is unreadable: ${e instanceof Error ? e.message : String(e)}`);
    }
    const r = raw as Partial<Record<keyof TradingStateRecord, unknown>> | null;
    if (
      typeof r !== 'object' ||
      r === null ||
      typeof r.state !== 'string' ||
      !STATES.has(r.state as TradingState) ||
      typeof r.reason !== 'string' ||
      typeof r.source !== 'string' ||
      typeof r.ts !== 'number'
    ) {
      return failClosed(`state file ${this.path} does not hold a trading state record`);
    }
    return { state: r.state as TradingState, reason: r.reason, source: r.source, ts: r.ts };
  }

  save(record: TradingStateRecord): void {
    const dir = dirname(this.path);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = join(dir, `.${Date.now()}-${process.pid}-${Math.random().toString(36).slice(2)}.tmp`);
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, JSON.stringify({ state: record.state, reason: record.reason, source: record.source, ts: record.ts }) + '\n');
      fsyncSync(fd);
    } catch (e) {
      closeSync(fd);
      unlinkSync(tmp);
      throw e;
    }
    closeSync(fd);
    renameSync(tmp, this.path);
    try {
      const dfd = openSync(dir, 'r');
      try {
        fsyncSync(dfd);
      } finally {
        closeSync(dfd);
      }
    } catch {
      // Some platforms (Windows) cannot open or fsync a folder; the rename is still atomic there.
    }
  }
}

function failClosed(reason: string): TradingStateRecord {
  return { state: 'HALTED', reason, source: 'state_store', ts: 0 };
}
