/**
 * Replays bars as a live-like quote stream (paper sessions).
 *
 * Quotes from a bar: four per bar, evenly spaced in the bar: open at `ts`, then the two extremes, then
 * the close at `ts + 3/4 duration`. The extremes come in the order that makes the plausible path: a bar
 * that closes at or above its open dips first (open, low, high, close), one that closes below rallies
 * first (open, high, low, close): the usual OHLC path assumption (as LEAN's and backtrader's fill
 * simulations). After its quotes, the bar itself is replayed at its close time, so bar strategies act
 * on it exactly as in a backtest, and an order they place fills at the next quote.
 *
 * Spread: bid/ask bars (`bar.bid` and `bar.ask`) use their own sides, in the path order of the mid.
 * Other bars get a spread around the bar's price, given in ticks (`{ ticks: 2 }`: bid = price - 1
 * tick, ask = price + 1 tick; an odd count puts the extra tick on the ask) or in basis points of the
 * price (`{ bps: 1.5 }`, rounded to whole ticks, at least one tick when > 0). Quotes are on the
 * instrument's tick grid and never below one tick.
 *
 * Pacing: `ReplayPacer` hands items to a consumer at a chosen speed, driven by an injected clock:
 * speed 1 = real time, 60 = a minute of market time per second, 0 = as fast as possible (in slices of
 * `batch` items that yield to the host between them through `clock.setTimer(now)`; with `batch`
 * Infinity the whole replay runs synchronously inside `start`). Item i is due at
 * `start + (item.ts - first.ts) / speed` on the pacing clock. Deterministic: the same bars, spread and
 * clock give the same items at the same times.
 */
import type { Bar, Ohlc, Quote } from '../core/bar';
import type { Clock } from '../core/clock';
import { EngineError } from '../core/errors';
import { priceToTicks, ticksToPrice, type Instrument } from '../core/instrument';
import type { EpochMs } from '../core/time';

export type SpreadSpec = { ticks: number } | { bps: number };

export const QUOTES_PER_BAR = 4;

export type ReplayItem = { kind: 'quote'; ts: EpochMs; quote: Quote } | { kind: 'bar'; ts: EpochMs; bar: Bar };

/** The four path prices of one side, in path order. */
function path(p: Ohlc, up: boolean): number[] {
  return up ? [p.open, p.low, p.high, p.close] : [p.open, p.high, p.low, p.close];
}

/** Spread in ticks (whole multiples of tickSize) at `midTicks`. */
function spreadTicks(inst: Instrument, midTicks: number, spread: SpreadSpec): number {
  if ('ticks' in spread) return spread.ticks * inst.tickSize;
  if (spread.bps <= 0) return 0;
  const raw = (midTicks * spread.bps) / 10_000;
  return Math.max(1, Math.round(raw / inst.tickSize)) * inst.tickSize;
}

export function validateSpread(spread: SpreadSpec): void {
  const v = 'ticks' in spread ? spread.ticks : spread.bps;
  const ok = 'ticks' in spread ? Number.isSafeInteger(v) && v >= 0 : Number.isFinite(v) && v >= 0;
  if (!ok) throw new EngineError('config.invalid', `quote spread must be a non-negative ${'ticks' in spread ? 'whole number of ticks' : 'number of basis points'}, got ${v}`);
}

/** The quotes that replay one bar (see the file comment). */
export function barQuotes(bar: Bar, inst: Instrument, spread: SpreadSpec): Quote[] {
  const up = bar.close >= bar.open;
  const step = Math.floor(bar.durationMs / QUOTES_PER_BAR);
  const out: Quote[] = [];
  const tick = inst.tickSize;
  if (bar.bid && bar.ask) {
    const bids = path(bar.bid, up);
    const asks = path(bar.ask, up);
    for (let k = 0; k < QUOTES_PER_BAR; k++) {
      const bid = Math.max(tick, priceToTicks(inst, bids[k]!));
      const ask = Math.max(bid, priceToTicks(inst, asks[k]!));
      out.push({ instrumentId: bar.instrumentId, ts: bar.ts + k * step, bid: ticksToPrice(inst, bid), ask: ticksToPrice(inst, ask) });
    }
    return out;
  }
  const mids = path(bar, up);
  for (let k = 0; k < QUOTES_PER_BAR; k++) {
    const mid = priceToTicks(inst, mids[k]!);
    const s = spreadTicks(inst, mid, spread);
    const below = Math.floor(s / tick / 2) * tick;
    const bid = Math.max(tick, mid - below);
    const ask = bid + s;
    out.push({ instrumentId: bar.instrumentId, ts: bar.ts + k * step, bid: ticksToPrice(inst, bid), ask: ticksToPrice(inst, ask) });
  }
  return out;
}

/**
 * The replay stream of time-ordered bars (several instruments interleaved): each bar's quotes, then
 * the bar at its close time; items in time order, ties in this order: bars (closes) before quotes,
 * then the order of the input. Bars of different lengths mix correctly.
 */
export function* replayItems(bars: readonly Bar[], instruments: readonly Instrument[], spread: SpreadSpec): Generator<ReplayItem> {
  validateSpread(spread);
  const byId = new Map(instruments.map((i) => [i.id, i]));
  let pending: { item: ReplayItem; seq: number }[] = [];
  let seq = 0;
  const order = (a: { item: ReplayItem; seq: number }, b: { item: ReplayItem; seq: number }) =>
    a.item.ts - b.item.ts || (a.item.kind === b.item.kind ? 0 : a.item.kind === 'bar' ? -1 : 1) || a.seq - b.seq;
  let i = 0;
  while (i < bars.length) {
    const ts = bars[i]!.ts;
    // Everything due at or before this bar's open goes first (a previous bar's close at `ts` included).
    pending.sort(order);
    let n = 0;
    while (n < pending.length && pending[n]!.item.ts <= ts) yield pending[n++]!.item;
    pending = pending.slice(n);
    for (; i < bars.length && bars[i]!.ts === ts; i++) {
      const bar = bars[i]!;
      const inst = byId.get(bar.instrumentId);
      if (!inst) throw new EngineError('instrument.unknown', `bar for unknown instrument ${bar.instrumentId}`);
      for (const quote of barQuotes(bar, inst, spread)) pending.push({ item: { kind: 'quote', ts: quote.ts, quote }, seq: seq++ });
      pending.push({ item: { kind: 'bar', ts: bar.ts + bar.durationMs, bar }, seq: seq++ });
    }
  }
  pending.sort(order);
  for (const p of pending) yield p.item;
}

export interface ReplayPacerOptions {
  clock: Clock;
  /** 1 = real time, 60 = a minute per second, 0 = as fast as possible. */
  speed: number;
  items: Iterator<ReplayItem>;
  deliver: (item: ReplayItem) => void;
  /** Called once when the items run out (not after `stop`). */
  onEnd?: () => void;
  /** Speed 0: items per slice before yielding to the host (default Infinity: no yielding). */
  batch?: number;
}

export class ReplayPacer {
  private readonly o: ReplayPacerOptions;
  private readonly batch: number;
  private next: ReplayItem | undefined;
  private started = false;
  private stopped = false;
  private t0 = 0;
  private first = 0;
  private cancelTimer: (() => void) | null = null;
  /** Items delivered so far. */
  delivered = 0;

  constructor(opts: ReplayPacerOptions) {
    if (!(Number.isFinite(opts.speed) && opts.speed >= 0)) throw new EngineError('usage.bad_speed', `speed must be a number >= 0, got ${opts.speed}`);
    this.o = opts;
    this.batch = opts.batch ?? Infinity;
  }

  /** Pacing-clock time at which `item` is due. */
  dueAt(item: ReplayItem): EpochMs {
    return this.o.speed === 0 ? this.t0 : this.t0 + (item.ts - this.first) / this.o.speed;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.t0 = this.o.clock.now();
    this.next = this.pull();
    if (this.next) this.first = this.next.ts;
    this.pump();
  }

  /** Stops delivering (a timer already set does nothing when it fires). */
  stop(): void {
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = null;
  }

  get running(): boolean {
    return this.started && !this.stopped && this.next !== undefined;
  }

  private pull(): ReplayItem | undefined {
    const r = this.o.items.next();
    return r.done ? undefined : r.value;
  }

  private readonly pump = (): void => {
    this.cancelTimer = null;
    let n = 0;
    while (!this.stopped) {
      const item = this.next;
      if (item === undefined) {
        this.stopped = true;
        this.o.onEnd?.();
        return;
      }
      const clock = this.o.clock;
      if (this.o.speed > 0) {
        const due = this.dueAt(item);
        if (due > clock.now()) {
          this.cancelTimer = clock.setTimer(due, this.pump);
          return;
        }
      } else if (n >= this.batch) {
        this.cancelTimer = clock.setTimer(clock.now(), this.pump);
        return;
      }
      this.next = this.pull();
      this.delivered++;
      n++;
      this.o.deliver(item);
    }
  };
}
