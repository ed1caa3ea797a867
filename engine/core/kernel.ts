/**
 * The kernel: one bus, one cache, one clock, one venue. Everything that happens goes through `emit`,
 * which stamps the event (sequence id, tsInit from the clock), applies it to the cache, then publishes
 * it. Market data goes through `onBar` / `onQuote`: the venue first (a simulated venue fills orders
 * placed earlier), then the cache, then the data handlers in registration order (portfolio marks,
 * risk guards, strategies). Backtest, paper and live use this same class; only the clock, the feed
 * that calls onBar/onQuote and the venue differ.
 */
import type { Bar, Quote } from './bar';
import { MessageBus } from './bus';
import { Cache, type MarketState } from './cache';
import { EngineError } from './errors';
import type { Clock } from './clock';
import type { EngineEvent, EventInput } from './events';
import type { Instrument } from './instrument';
import type { ExecutionClient } from './venue';

export interface DataHandler {
  onBar?(bar: Bar): void;
  onQuote?(quote: Quote): void;
}

/** One instrument's market-data route: its cache record and the handlers registered for it. */
interface Channel {
  readonly state: MarketState;
  bar: ((bar: Bar) => void)[];
  quote: ((q: Quote) => void)[];
}

export interface KernelOptions {
  clock: Clock;
  venue: ExecutionClient;
  instruments: readonly Instrument[];
  /** First event id minus one (a restarted engine continues the journal's sequence). */
  lastEventId?: number;
}

export class Kernel {
  readonly clock: Clock;
  readonly venue: ExecutionClient;
  readonly cache = new Cache();
  readonly bus = new MessageBus();
  private seq: number;
  private barHandlers: ((bar: Bar) => void)[] = [];
  private quoteHandlers: ((q: Quote) => void)[] = [];
  private readonly channels = new Map<string, Channel>();

  constructor(opts: KernelOptions) {
    this.clock = opts.clock;
    this.venue = opts.venue;
    this.seq = opts.lastEventId ?? 0;
    for (const inst of opts.instruments) {
      this.cache.addInstrument(inst);
      this.channels.set(inst.id, { state: this.cache.marketState(inst.id), bar: [], quote: [] });
    }
    this.venue.bind((e) => {
      this.emit(e);
    });
  }

  /**
   * Stamps, caches and publishes an event; returns the stamped event. The input object itself becomes
   * the event (no copy on the hot path): callers hand over a fresh object and do not reuse it.
   */
  emit<I extends EventInput>(input: I): Extract<EngineEvent, { type: I['type'] }> {
    const event = input as unknown as Extract<EngineEvent, { type: I['type'] }>;
    event.id = ++this.seq;
    event.tsInit = this.clock.now();
    this.cache.applyEvent(event);
    this.bus.publish(event);
    return event;
  }

  /** Continues the event sequence after `lastEventId` (a restored engine; never goes back). */
  continueSequence(lastEventId: number): void {
    if (lastEventId > this.seq) this.seq = lastEventId;
  }

  get lastEventId(): number {
    return this.seq;
  }

  /** Registers market-data handlers; they run in registration order after the venue and the cache. */
  addDataHandler(h: DataHandler): void {
    if (h.onBar) this.barHandlers = [...this.barHandlers, h.onBar.bind(h)];
    if (h.onQuote) this.quoteHandlers = [...this.quoteHandlers, h.onQuote.bind(h)];
  }

  /**
   * Registers handlers for one instrument's bars and quotes. They run after the cache is updated and
   * before the handlers of `addDataHandler`, in registration order. No lookup per bar: this is the
   * route for per-instrument work on the hot path (portfolio marks, strategies).
   */
  addInstrumentHandler(instrumentId: string, h: DataHandler): void {
    const ch = this.channel(instrumentId);
    if (h.onBar) ch.bar = [...ch.bar, h.onBar.bind(h)];
    if (h.onQuote) ch.quote = [...ch.quote, h.onQuote.bind(h)];
  }

  private channel(instrumentId: string): Channel {
    const ch = this.channels.get(instrumentId);
    if (ch === undefined) throw new EngineError('instrument.unknown', `market data for unknown instrument ${instrumentId}`);
    return ch;
  }

  /** The venue only sees an instrument's data while that instrument has orders that are not terminal. */
  onBar(bar: Bar): void {
    const ch = this.channel(bar.instrumentId);
    if (ch.state.openOrders > 0) this.venue.onBar?.(bar);
    Cache.applyBar(ch.state, bar);
    let hs = ch.bar;
    for (let i = 0; i < hs.length; i++) hs[i]!(bar);
    hs = this.barHandlers;
    for (let i = 0; i < hs.length; i++) hs[i]!(bar);
  }

  onQuote(quote: Quote): void {
    const ch = this.channel(quote.instrumentId);
    if (ch.state.openOrders > 0) this.venue.onQuote?.(quote);
    Cache.applyQuote(ch.state, quote);
    let hs = ch.quote;
    for (let i = 0; i < hs.length; i++) hs[i]!(quote);
    hs = this.quoteHandlers;
    for (let i = 0; i < hs.length; i++) hs[i]!(quote);
  }
}
