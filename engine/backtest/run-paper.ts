/**
 * A paper trading session: the same TradingEngine as a backtest, fed a live-like quote stream made
 * from bars (engine/data/quote-replay.ts) and trading against the paper venue (the simulated venue's
 * quote path with latency and slippage, plus its own PaperAccount).
 *
 * Two clocks. The ENGINE runs on market time (a SimClock moved to each quote's time), exactly as a
 * backtest, so the same inputs give the same events at any speed and fills, latency and day rolls
 * are in market time. The PACING clock decides when the next item is handed over: a WallClock for
 * people (speed 1 = real time, 60 = a minute per second, 0 = as fast as possible, yielding between
 * slices), a SimClock in tests.
 *
 * A session ends at the end of the data, after `durationMs` of pacing-clock time, or on `stop()`
 * (the CLI calls it on SIGINT/SIGTERM). `onExit: 'flatten'` then flattens through the kill switch and
 * keeps replaying until the venue has confirmed; when the data has run out, the last quote of each
 * instrument is handed to the venue again (at the engine's time plus the latency) so that the closes
 * can fill. `'keep'` leaves positions and orders as they are.
 */
import type { Bar } from '../core/bar';
import { SimClock, type Clock } from '../core/clock';
import type { EngineEvent } from '../core/events';
import type { FlattenReport } from '../core/flatten-report';
import type { Instrument } from '../core/instrument';
import { money } from '../core/money';
import { ReplayPacer, replayItems, type ReplayItem, type SpreadSpec } from '../data/quote-replay';
import type { TradingStateStore } from '../risk/kill-switch-store';
import type { FlattenHandle } from '../risk/kill-switch';
import type { EngineConfig, ResolvedStrategy } from '../runtime/config';
import { feeModelFrom, slippageModelFrom } from '../runtime/sim-models';
import { TradingEngine, type TradingEngineOptions } from '../runtime/trading-engine';
import { ConstantLatencyModel } from '../sim/latency-models';
import { PaperAccount } from '../sim/paper-account';
import { PaperVenue, type PaperVenueLedger, type PaperVenueRestore } from '../sim/paper-venue';
import type { EpochMs } from '../core/time';

export type OnExit = 'flatten' | 'keep';
export type PaperEndReason = 'end_of_data' | 'duration' | 'stopped';

export interface PaperSessionOptions {
  bars: readonly Bar[];
  instruments: readonly Instrument[];
  config: EngineConfig;
  strategies: readonly ResolvedStrategy[];
  /** Pacing clock: a WallClock (people) or a SimClock (tests). */
  pacer: Clock;
  /** 1 = real time, 60 = a minute per second, 0 = as fast as possible. */
  speed: number;
  /** Speed 0: items per slice before yielding to the host (default Infinity: one synchronous run). */
  batch?: number;
  /** Stop after this much pacing-clock time (default: run to the end of the data). */
  durationMs?: number | null;
  /** What to do with positions when the session ends (default 'keep'). */
  onExit?: OnExit;
  /** Default from config.paper (2 ticks). */
  spread?: SpreadSpec;
  stateStore?: TradingStateStore;
  /** Client order id prefix (default 'PAPER'). */
  idPrefix?: string;
  /** Every engine event, as it happens. */
  onEvent?: (e: EngineEvent) => void;
  /** Continuation of an earlier session (from the journal): event ids, client order id numbers, trading state. */
  resume?: Pick<TradingEngineOptions, 'lastEventId' | 'lastClientOrderNumber' | 'initialState'>;
  /**
   * Runs each engine input (one replayed quote or bar, a flatten on stop) — the host wraps it in a
   * journal batch, committed before anything is acknowledged (default: runs it as is).
   */
  runInput?: (fn: () => void) => void;
  /** Where the paper venue keeps its books (engine/node/paper/paper-venue-store.ts); default: in memory only. */
  ledger?: PaperVenueLedger;
  /** A restarted venue: what its ledger kept (working orders, account, ids). */
  restoreVenue?: PaperVenueRestore;
  /**
   * Market time the previous run reached: the replay continues with the items after it (the market
   * does not replay what the venue has already traded against) and the clock starts there.
   */
  resumeAfter?: EpochMs | null;
}

export interface PaperSummary {
  reason: PaperEndReason;
  quotes: number;
  bars: number;
  /** Engine cash, account currency micro-units. */
  cash: number;
  equity: number;
  positions: { instrumentId: string; qty: number; avgPx: number }[];
  /** The paper venue's own book. */
  venueBalances: { currency: string; amount: number }[];
  venuePositions: { instrumentId: string; qty: number; avgPx: number }[];
  state: string;
  trades: number;
  flatten: FlattenReport | null;
}

export function spreadFrom(config: EngineConfig): SpreadSpec {
  const p = config.paper;
  return p.spread_bps !== undefined ? { bps: p.spread_bps } : { ticks: p.spread_ticks ?? 2 };
}

export class PaperSession {
  readonly engine: TradingEngine;
  readonly venue: PaperVenue;
  readonly account: PaperAccount;
  /** Market time. */
  readonly clock: SimClock;
  private readonly o: PaperSessionOptions;
  private readonly pacer: ReplayPacer;
  private readonly latencyMs: number;
  private quotes = 0;
  private bars = 0;
  private sampleTs = Number.NaN;
  private ending: { reason: PaperEndReason; onExit: OnExit } | null = null;
  private flattenHandle: FlattenHandle | null = null;
  private finished: PaperSummary | null = null;
  private resolve!: (s: PaperSummary) => void;
  private cancelDuration: (() => void) | null = null;
  readonly done: Promise<PaperSummary>;

  constructor(opts: PaperSessionOptions) {
    this.o = opts;
    const { config } = opts;
    const first = opts.bars[0];
    const resumeAfter = opts.resumeAfter ?? null;
    this.clock = new SimClock(resumeAfter ?? (first ? first.ts : 0));
    const byId = new Map(opts.instruments.map((i) => [i.id, i]));
    this.latencyMs = config.paper.latency_ms;
    this.account = new PaperAccount({
      currency: config.account.currency,
      startingCash: money(config.account.starting_cash),
      instrument: (id) => byId.get(id),
      convert: (amount, from, to) => this.engine.portfolio.converter().convert(amount, from, to),
    });
    this.venue = new PaperVenue({
      instruments: (id) => byId.get(id),
      clock: this.clock,
      account: this.account,
      feeModel: feeModelFrom(config.backtest.fees),
      slippageModel: slippageModelFrom(config.backtest.slippage),
      latencyModel: new ConstantLatencyModel({ ms: this.latencyMs }),
      ...(opts.ledger ? { ledger: opts.ledger } : {}),
    });
    if (opts.restoreVenue) this.venue.restoreFrom(opts.restoreVenue);
    this.engine = new TradingEngine({
      clock: this.clock,
      venue: this.venue,
      instruments: opts.instruments,
      config,
      strategies: opts.strategies,
      idPrefix: opts.idPrefix ?? 'PAPER',
      ...(opts.stateStore ? { stateStore: opts.stateStore } : {}),
      ...opts.resume,
    });
    if (opts.onEvent) this.engine.kernel.bus.onAny(opts.onEvent);
    // A flatten asked for after the data has run out (from a client of a still-running engine) has
    // no later prices to fill at: settle it at the last quotes, once the current input has finished.
    this.engine.kernel.bus.on('KillSwitchActivated', (e) => {
      if (e.action === 'flatten' && this.dataEnded) queueMicrotask(() => this.settleFlatten());
    });
    this.pacer = new ReplayPacer({
      clock: opts.pacer,
      speed: opts.speed,
      items: after(replayItems(opts.bars, opts.instruments, opts.spread ?? spreadFrom(config)), resumeAfter),
      deliver: (item) => this.input(() => this.deliver(item)),
      onEnd: () => this.onDataEnd(),
      ...(opts.batch !== undefined ? { batch: opts.batch } : {}),
    });
    this.done = new Promise((res) => {
      this.resolve = res;
    });
  }

  /** Starts the strategies and the replay; resolves when the session has ended. */
  start(): Promise<PaperSummary> {
    this.input(() => this.engine.start(this.o.strategies));
    const d = this.o.durationMs;
    if (d != null) this.cancelDuration = this.o.pacer.setTimer(this.o.pacer.now() + d, () => this.stop('duration'));
    this.pacer.start();
    return this.done;
  }

  /** Ends the session (idempotent): flattens first when `onExit` is 'flatten'. */
  stop(reason: PaperEndReason = 'stopped', onExit: OnExit = this.o.onExit ?? 'keep'): void {
    if (this.ending || this.finished) return;
    this.ending = { reason, onExit };
    if (onExit === 'flatten') {
      this.input(() => {
        this.flattenHandle = this.engine.killSwitch.flatten(`paper session ${reason}`, `paper:${reason}`);
      });
      if (!this.flattenHandle) return this.finish();
      if (this.flattenHandle.done) return this.finish();
      // Keep replaying until the venue confirms; with no data left, settle at the last quotes.
      if (!this.pacer.running) this.settleAtLastQuotes();
      return;
    }
    this.finish();
  }

  private input(fn: () => void): void {
    if (this.o.runInput) this.o.runInput(fn);
    else fn();
  }

  private deliver(item: ReplayItem): void {
    if (item.ts > this.sampleTs) this.sample();
    if (item.ts > this.clock.now()) this.clock.advanceTo(item.ts);
    if (item.kind === 'quote') {
      this.quotes++;
      this.engine.onQuote(item.quote);
    } else {
      this.bars++;
      this.engine.onBar(item.bar);
      this.sampleTs = item.ts;
    }
    if (this.ending && this.flattenHandle?.done) this.finish();
  }

  private sample(): void {
    if (this.sampleTs === this.sampleTs) this.engine.endOfTimestamp(this.sampleTs);
    this.sampleTs = Number.NaN;
  }

  private dataEnded = false;

  private onDataEnd(): void {
    this.dataEnded = true;
    if (this.finished) return;
    if (this.ending) this.settleAtLastQuotes();
    else this.stop('end_of_data');
  }

  /** Hands the venue each instrument's last quote again, at the engine's time plus the latency, until the flatten is done. */
  private settleAtLastQuotes(): void {
    this.settleFlatten(this.flattenHandle);
    this.finish();
  }

  /** The settling loop: the last quotes again (stale prices, after the data ended) until the flatten completes or runs out of attempts. */
  private settleFlatten(handle = this.engine.killSwitch.lastFlatten()): void {
    for (let i = 0; handle && !handle.done && i <= this.engine.killSwitch.lastFlatten()!.report().maxAttempts; i++) {
      const ts = this.clock.now() + Math.max(1, this.latencyMs);
      this.clock.advanceTo(ts);
      this.input(() => {
        for (const inst of this.o.instruments) {
          const q = this.engine.kernel.cache.lastQuote(inst.id);
          if (q) this.engine.onQuote({ ...q, ts });
        }
      });
    }
  }

  private finish(): void {
    if (this.finished) return;
    this.pacer.stop();
    this.cancelDuration?.();
    this.sample();
    this.engine.strategies.stopAll('paper session ended');
    const p = this.engine.portfolio;
    this.finished = {
      reason: this.ending?.reason ?? 'end_of_data',
      quotes: this.quotes,
      bars: this.bars,
      cash: p.cash(),
      equity: p.equity(),
      positions: p.openPositions().map((x) => ({ instrumentId: x.instrumentId, qty: x.qty, avgPx: x.avgPx })),
      venueBalances: this.account.balances(),
      venuePositions: this.account.positions().map((x) => ({ instrumentId: x.instrumentId, qty: x.qty, avgPx: x.avgPx })),
      state: this.engine.state.state,
      trades: p.trades().length,
      flatten: this.flattenHandle ? this.flattenHandle.report() : null,
    };
    this.resolve(this.finished);
  }

  get summary(): PaperSummary | null {
    return this.finished;
  }
}

/** The items strictly after market time `ts` (all of them when null). */
function* after(items: Iterator<ReplayItem>, ts: EpochMs | null): Generator<ReplayItem> {
  for (let r = items.next(); !r.done; r = items.next()) if (ts === null || r.value.ts > ts) yield r.value;
}
