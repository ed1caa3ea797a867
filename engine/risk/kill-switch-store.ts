/**
 * Where the kill switch keeps the trading state across restarts. A HALTED engine stays HALTED after a
 * restart until a person re-arms it, so the state is saved whenever the engine enters or leaves
 * HALTED. The port is small on purpose (a later issue moves it into the SQLite journal); the Node
 * implementation is `engine/node/risk/json-trading-state-store.ts`.
 */
import type { TradingState } from '../core/events';
import type { EpochMs } from '../core/time';

export interface TradingStateRecord {
  state: TradingState;
  reason: string;
  /** Who set it: `user:desktop`, `cli:sigint`, `kill_switch`, ... */
  source: string;
  ts: EpochMs;
}

export interface TradingStateStore {
  /** The last saved record, or null when nothing was ever saved. A store that cannot read its record must fail closed (return HALTED). */
  load(): TradingStateRecord | null;
  save(record: TradingStateRecord): void;
}

/** A store in memory, for sessions that need no persistence and for tests of a restart within one process. */
export class MemoryTradingStateStore implements TradingStateStore {
  private record: TradingStateRecord | null;

  constructor(initial: TradingStateRecord | null = null) {
    this.record = initial ? { ...initial } : null;
  }

  load(): TradingStateRecord | null {
    return this.record ? { ...this.record } : null;
  }

  save(record: TradingStateRecord): void {
    this.record = { ...record };
  }
}
