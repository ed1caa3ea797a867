/**
 * What the risk engine and the sizers need to remember of each instrument's bars: a small ring of
 * (close time, close) for the correlation check, and ATRs (engine/indicators' Atr) for volatility
 * sizing. Fed by the kernel (`Kernel.addInstrumentHandler(id, history.handlerFor(id))`), so it sees
 * every bar after the cache and before the strategies. O(1) per bar; no allocation per bar.
 */
import type { Bar } from '../core/bar';
import type { DataHandler } from '../core/kernel';
import { Atr } from '../indicators/atr';

interface Track {
  /** Close times (bar.ts + durationMs) and closes, a ring of `capacity`; `head` is the next slot. */
  readonly ts: Float64Array;
  readonly close: Float64Array;
  head: number;
  count: number;
  /** Bumped on every bar (added or replaced): cached correlations of this instrument are stale then. */
  version: number;
  readonly atrs: Map<number, Atr>;
  /** Correlations with other instruments, valid while both versions are unchanged. */
  readonly corr: Map<string, { va: number; vb: number; r: number }>;
}

export class MarketHistory {
  private readonly tracks = new Map<string, Track>();
  private readonly atrPeriods = new Set<number>();
  /** Bars kept per instrument: twice the correlation window, so a few missing bars still leave a full window. */
  readonly capacity: number;
  // scratch buffers for correlation (no allocation per check)
  private readonly xa: Float64Array;
  private readonly xb: Float64Array;
  private readonly ra: Float64Array;
  private readonly rb: Float64Array;

  constructor(readonly correlationPeriod: number) {
    this.capacity = 2 * (correlationPeriod + 1);
    this.xa = new Float64Array(correlationPeriod + 1);
    this.xb = new Float64Array(correlationPeriod + 1);
    this.ra = new Float64Array(correlationPeriod);
    this.rb = new Float64Array(correlationPeriod);
  }

  /** Keeps an ATR of `period` for every instrument (call before bars arrive). */
  requireAtr(period: number): void {
    this.atrPeriods.add(period);
    for (const t of this.tracks.values()) if (!t.atrs.has(period)) t.atrs.set(period, new Atr(period));
  }

  /** The kernel handler that feeds one instrument's bars. */
  handlerFor(instrumentId: string): DataHandler {
    const t = this.track(instrumentId);
    return { onBar: (bar: Bar) => this.push(t, bar) };
  }

  /** Adds one bar; a bar with the close time of the last one replaces it (a forming bar's update). */
  onBar(bar: Bar): void {
    this.push(this.track(bar.instrumentId), bar);
  }

  /** ATR(period) of an instrument, or null while it warms up (or when that period is not kept). */
  atr(instrumentId: string, period: number): number | null {
    const a = this.tracks.get(instrumentId)?.atrs.get(period);
    return a !== undefined && a.isReady ? a.value : null;
  }

  /** Closes kept for an instrument, oldest first (for tests and display). */
  closes(instrumentId: string): number[] {
    const t = this.tracks.get(instrumentId);
    if (!t) return [];
    const out: number[] = [];
    for (let i = t.count; i >= 1; i--) out.push(t.close[(t.head - i + this.capacity) % this.capacity]!);
    return out;
  }

  /**
   * Pearson correlation of the simple returns of two instruments over the last `correlationPeriod`
   * returns, from closes at the close times both instruments have (a bar one of them lacks is skipped,
   * so the returns span the same intervals). NaN when there are not enough common bars yet or when
   * either series is flat over the window.
   */
  correlation(a: string, b: string): number {
    const ta = this.tracks.get(a);
    const tb = this.tracks.get(b);
    if (!ta || !tb) return NaN;
    // a pair's correlation only changes with a bar of either instrument: cached until then
    const hit = ta.corr.get(b);
    if (hit !== undefined && hit.va === ta.version && hit.vb === tb.version) return hit.r;
    const r = this.compute(ta, tb);
    if (hit !== undefined) {
      hit.va = ta.version;
      hit.vb = tb.version;
      hit.r = r;
    } else ta.corr.set(b, { va: ta.version, vb: tb.version, r });
    return r;
  }

  private compute(ta: Track, tb: Track): number {
    const n = this.correlationPeriod + 1;
    if (ta.count < n || tb.count < n) return NaN;
    const cap = this.capacity;
    let ia = 1;
    let ib = 1;
    let k = n;
    // walk both rings from the newest bar backwards, keeping the close times they share
    while (k > 0 && ia <= ta.count && ib <= tb.count) {
      const pa = (ta.head - ia + cap) % cap;
      const pb = (tb.head - ib + cap) % cap;
      const tsa = ta.ts[pa]!;
      const tsb = tb.ts[pb]!;
      if (tsa === tsb) {
        k--;
        this.xa[k] = ta.close[pa]!;
        this.xb[k] = tb.close[pb]!;
        ia++;
        ib++;
      } else if (tsa > tsb) ia++;
      else ib++;
    }
    if (k > 0) return NaN;
    const p = this.correlationPeriod;
    const ra = this.ra;
    const rb = this.rb;
    let ma = 0;
    let mb = 0;
    for (let i = 0; i < p; i++) {
      const x = this.xa[i + 1]! / this.xa[i]! - 1;
      const y = this.xb[i + 1]! / this.xb[i]! - 1;
      ra[i] = x;
      rb[i] = y;
      ma += x;
      mb += y;
    }
    return pearsonTwoPass(ra, rb, p, ma / p, mb / p);
  }

  private track(instrumentId: string): Track {
    let t = this.tracks.get(instrumentId);
    if (!t) {
      t = { ts: new Float64Array(this.capacity), close: new Float64Array(this.capacity), head: 0, count: 0, version: 0, atrs: new Map(), corr: new Map() };
      for (const p of this.atrPeriods) t.atrs.set(p, new Atr(p));
      this.tracks.set(instrumentId, t);
    }
    return t;
  }

  private push(t: Track, bar: Bar): void {
    const closeTs = bar.ts + bar.durationMs;
    const cap = this.capacity;
    const last = (t.head - 1 + cap) % cap;
    const replace = t.count > 0 && t.ts[last] === closeTs;
    t.version++;
    if (replace) t.close[last] = bar.close;
    else {
      t.ts[t.head] = closeTs;
      t.close[t.head] = bar.close;
      t.head = t.head + 1 === cap ? 0 : t.head + 1;
      if (t.count < cap) t.count++;
    }
    for (const a of t.atrs.values()) {
      if (replace) a.replace(bar.high, bar.low, bar.close);
      else a.add(bar.high, bar.low, bar.close);
    }
  }
}

/**
 * Pearson correlation of the first `n` values, second pass over known means (the same two-pass
 * definition engine/indicators' rolling `correlation` is tested against, without its rolling state:
 * this runs once per pair and bar). NaN when either series is flat.
 */
function pearsonTwoPass(a: Float64Array, b: Float64Array, n: number, ma: number, mb: number): number {
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}
