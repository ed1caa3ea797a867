/**
 * Candlesticks for GET /v3/instruments/{instrument}/candles and its account form (v20.json path
 * /instruments/{instrument}/candles and definitions Candlestick, CandlestickData,
 * CandlestickGranularity, WeeklyAlignment; API-NOTES.md "Candles").
 *
 * Prices are generated, deterministically: a seeded, smooth price path P(t) (value noise over several
 * time scales around the instrument's starting mid) is sampled at each candle's boundaries and inside
 * it, so any window, page or granularity of the same server seed gives the same candles. Parameters as
 * the spec gives them: granularity (default S5), price (any of M, B, A; default M), count (1–5000,
 * default 500, not with both from and to), from/to (either datetime format), includeFirst, smooth,
 * dailyAlignment (default 17) with alignmentTimezone (default America/New_York) for H2…D and
 * weeklyAlignment (default Friday) for W; M candles start on the 1st at the daily alignment hour.
 * Candles start at or after `from` (the one covering `from` unless includeFirst=false), before `to`;
 * none while the FX market is closed (Friday 17:00 to Sunday 17:00 New York); the candle still forming
 * at the server's `now` has complete=false and none later exists. Bid and ask are mid ∓ half the
 * instrument's candle spread (an even number of ticks, so all three are on the price grid).
 */
import * as D from './decimal';
import type { InstrumentDef } from './instruments';
import { fxCloseBefore, isFxOpen, isTimeZone, localToUtc, MS, nextFxOpen, parseTime, t, utcToLocal } from './time';

export const GRANULARITIES = ['S5', 'S10', 'S15', 'S30', 'M1', 'M2', 'M4', 'M5', 'M10', 'M15', 'M30', 'H1', 'H2', 'H3', 'H4', 'H6', 'H8', 'H12', 'D', 'W', 'M'] as const;
export type Granularity = (typeof GRANULARITIES)[number];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

export const MAX_COUNT = 5000;

const SECONDS: Record<Exclude<Granularity, 'D' | 'W' | 'M'>, number> = {
  S5: 5, S10: 10, S15: 15, S30: 30, M1: 60, M2: 120, M4: 240, M5: 300, M10: 600, M15: 900, M30: 1800,
  H1: 3600, H2: 7200, H3: 10800, H4: 14400, H6: 21600, H8: 28800, H12: 43200,
};

export interface CandleQuery {
  granularity: Granularity;
  price: string;
  count?: number;
  from?: number;
  to?: number;
  includeFirst: boolean;
  smooth: boolean;
  dailyAlignment: number;
  alignmentTimezone: string;
  weeklyAlignment: number; // 0 = Sunday
}

export type CandleResult = { ok: true; body: Record<string, unknown> } | { ok: false; status: number; errorMessage: string };

const bad = (what: string, why = ''): CandleResult => ({ ok: false, status: 400, errorMessage: `Invalid value specified for '${what}'${why ? `. ${why}` : ''}` });

/** Parses the query string of a candles request. */
export function parseCandleQuery(q: URLSearchParams): CandleQuery | CandleResult {
  const granularity = (q.get('granularity') ?? 'S5') as Granularity;
  if (!GRANULARITIES.includes(granularity)) return bad('granularity');
  const price = q.get('price') ?? 'M';
  if (!/^[MBA]{1,3}$/.test(price) || new Set(price).size !== price.length) return bad('price');
  const bool = (name: string, dflt: boolean): boolean | null => {
    const v = q.get(name);
    if (v === null) return dflt;
    if (v === 'true' || v === 'True') return true;
    if (v === 'false' || v === 'False') return false;
    return null;
  };
  const includeFirst = bool('includeFirst', true);
  if (includeFirst === null) return bad('includeFirst');
  const smooth = bool('smooth', false);
  if (smooth === null) return bad('smooth');
  let count: number | undefined;
  const countRaw = q.get('count');
  if (countRaw !== null) {
    if (!/^\d+$/.test(countRaw)) return bad('count');
    count = Number(countRaw);
    if (count < 1) return bad('count', 'Minimum value is 1');
    if (count > MAX_COUNT) return bad('count', `Maximum value is ${MAX_COUNT}`);
  }
  let from: number | undefined;
  let to: number | undefined;
  const fromRaw = q.get('from');
  if (fromRaw !== null) {
    const ms = parseTime(fromRaw);
    if (ms === null) return bad('from');
    from = ms;
  }
  const toRaw = q.get('to');
  if (toRaw !== null) {
    const ms = parseTime(toRaw);
    if (ms === null) return bad('to');
    to = ms;
  }
  if (from !== undefined && to !== undefined && count !== undefined) return bad('count', "'count' cannot be specified with both 'from' and 'to'");
  if (from !== undefined && to !== undefined && to < from) return bad('to', "'to' is before 'from'");
  const da = q.get('dailyAlignment');
  const dailyAlignment = da === null ? 17 : Number(da);
  if (!Number.isInteger(dailyAlignment) || dailyAlignment < 0 || dailyAlignment > 23) return bad('dailyAlignment');
  const alignmentTimezone = q.get('alignmentTimezone') ?? 'America/New_York';
  if (!isTimeZone(alignmentTimezone)) return bad('alignmentTimezone');
  const wa = q.get('weeklyAlignment') ?? 'Friday';
  const weeklyAlignment = WEEKDAYS.indexOf(wa);
  if (weeklyAlignment < 0) return bad('weeklyAlignment');
  return { granularity, price, count, from, to, includeFirst, smooth, dailyAlignment, alignmentTimezone, weeklyAlignment };
}

// ---- alignment -----------------------------------------------------------------------------------

/** Start of the candle containing `ms`, and the start of the next one. */
export class Grid {
  constructor(private readonly q: CandleQuery) {}

  start(ms: number): number {
    const g = this.q.granularity;
    if (g in SECONDS && SECONDS[g as keyof typeof SECONDS] <= 3600) {
      const p = SECONDS[g as keyof typeof SECONDS] * 1000;
      return Math.floor(ms / p) * p;
    }
    const tz = this.q.alignmentTimezone;
    const H = this.q.dailyAlignment * MS.HOUR;
    const local = utcToLocal(tz, ms);
    let dayStart = Math.floor((local - H) / MS.DAY) * MS.DAY + H;
    if (g in SECONDS) {
      const p = SECONDS[g as keyof typeof SECONDS] * 1000;
      const start = dayStart + Math.floor((local - dayStart) / p) * p;
      return this.fix(localToUtc(tz, start), ms);
    }
    if (g === 'D') return this.fix(localToUtc(tz, dayStart), ms);
    if (g === 'W') {
      const dow = new Date(dayStart).getUTCDay();
      dayStart -= ((dow - this.q.weeklyAlignment + 7) % 7) * MS.DAY;
      return this.fix(localToUtc(tz, dayStart), ms);
    }
    // M: the 1st of the month at the alignment hour.
    const d = new Date(local - H);
    return this.fix(localToUtc(tz, Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) + H), ms);
  }

  /** DST can put the computed start after `ms`; then take the previous one. */
  private fix(start: number, ms: number): number {
    return start <= ms ? start : this.start(start - 1);
  }

  next(start: number): number {
    const g = this.q.granularity;
    if (g in SECONDS && SECONDS[g as keyof typeof SECONDS] <= 3600) return start + SECONDS[g as keyof typeof SECONDS] * 1000;
    const tz = this.q.alignmentTimezone;
    const local = utcToLocal(tz, start);
    let nextLocal: number;
    if (g in SECONDS) nextLocal = local + SECONDS[g as keyof typeof SECONDS] * 1000;
    else if (g === 'D') nextLocal = local + MS.DAY;
    else if (g === 'W') nextLocal = local + 7 * MS.DAY;
    else {
      const d = new Date(local);
      nextLocal = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours());
    }
    // Re-align: a day with a DST change is 23 or 25 hours long.
    const candidate = localToUtc(tz, nextLocal);
    const s = this.start(candidate + 1);
    return s > start ? s : this.start(candidate + MS.HOUR + 1);
  }

  prev(start: number): number {
    return this.start(start - 1);
  }
}

/** True when the FX market is open at some moment of [start, end). */
function hasTrading(start: number, end: number): boolean {
  return isFxOpen(start) || nextFxOpen(start) < end;
}

// ---- the price path --------------------------------------------------------------------------------

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

function hash(seed: number, a: number, b: number, c: number): number {
  let h = mix32(seed ^ 0x9e3779b9);
  h = mix32(h ^ a);
  h = mix32(h ^ b);
  h = mix32(h ^ (c >>> 0));
  h = mix32(h ^ Math.floor(c / 4294967296));
  return h / 4294967296; // [0, 1)
}

function strHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** [period in seconds, relative amplitude] of each octave of the value noise. */
const OCTAVES: readonly [number, number][] = [
  [30, 0.00004],
  [300, 0.00015],
  [3600, 0.0005],
  [14_400, 0.001],
  [86_400, 0.0025],
  [604_800, 0.006],
  [2_592_000, 0.015],
];

export class PricePath {
  private readonly inst: number;
  private readonly base: number;

  constructor(
    private readonly seed: number,
    private readonly def: InstrumentDef,
  ) {
    this.inst = strHash(def.name);
    this.base = (Number(def.bid) + Number(def.ask)) / 2;
  }

  /** Mid price at epoch ms (a JS number; rounded to the grid by the caller). */
  at(ms: number): number {
    const s = ms / 1000;
    let n = 0;
    for (let i = 0; i < OCTAVES.length; i++) {
      const [T, A] = OCTAVES[i]!;
      const k = Math.floor(s / T);
      const f = s / T - k;
      const a = hash(this.seed, this.inst, i, k) * 2 - 1;
      const b = hash(this.seed, this.inst, i, k + 1) * 2 - 1;
      const w = f * f * (3 - 2 * f);
      n += A * (a + (b - a) * w);
    }
    return this.base * (1 + n);
  }

  /** A [0, 1) number fixed for this instrument, candle start and purpose. */
  noise(start: number, purpose: number): number {
    return hash(this.seed, this.inst, 100 + purpose, Math.floor(start / 1000));
  }
}

// ---- building candles ------------------------------------------------------------------------------

interface Ohlc {
  o: D.Dec;
  h: D.Dec;
  l: D.Dec;
  c: D.Dec;
}

function ohlc(path: PricePath, def: InstrumentDef, start: number, end: number, now: number): Ohlc {
  const places = def.displayPrecision;
  const last = Math.min(end, now);
  const span = end - start;
  const edge = Math.max(1, Math.floor(span / 20));
  const o = path.at(start + Math.min(edge, Math.max(0, last - start)));
  const c = path.at(last === end ? end - edge : last);
  let hi = Math.max(o, c);
  let lo = Math.min(o, c);
  for (let k = 1; k < 4; k++) {
    const x = start + Math.floor((span * k) / 4);
    if (x > last) break;
    const p = path.at(x);
    hi = Math.max(hi, p);
    lo = Math.min(lo, p);
  }
  const wick = path.at(start) * 0.00003 * Math.sqrt(Math.max(1, (last - start) / 60_000));
  hi += wick * path.noise(start, 1);
  lo -= wick * path.noise(start, 2);
  return { o: D.fromNumber(o, places), h: D.fromNumber(hi, places), l: D.fromNumber(lo, places), c: D.fromNumber(c, places) };
}

/** Answers a candles request for `def` at server time `now`. */
export function candles(def: InstrumentDef, q: CandleQuery, seed: number, now: number): CandleResult {
  const grid = new Grid(q);
  if (q.from !== undefined && q.from > now) return bad('from', 'Time is in the future');
  if (q.to !== undefined && q.to > now) return bad('to', 'Time is in the future');
  const starts: number[] = [];
  const lastStart = grid.start(now);
  const skipWeekendBackward = (s: number): number => {
    // Jump from a closed candle to the last candle before the market closed.
    let x = s;
    for (let i = 0; i < 10 && !hasTrading(x, grid.next(x)); i++) x = grid.start(Math.min(grid.prev(x), fxCloseBefore(x) - 1));
    return x;
  };
  if (q.from !== undefined) {
    let s = grid.start(q.from);
    if (!q.includeFirst) s = grid.next(s);
    const limit = q.to !== undefined ? q.to : Infinity;
    const max = q.count ?? (q.to !== undefined ? MAX_COUNT + 1 : 500);
    while (s < limit && s <= lastStart && starts.length < max) {
      const e = grid.next(s);
      if (hasTrading(s, e)) {
        starts.push(s);
        s = e;
      } else {
        const reopen = nextFxOpen(s);
        s = reopen >= e ? grid.start(reopen) : e;
      }
    }
    if (q.to !== undefined && q.count === undefined && starts.length > MAX_COUNT) {
      return { ok: false, status: 400, errorMessage: `Maximum value for 'count' exceeded (${MAX_COUNT})` };
    }
  } else {
    const count = q.count ?? 500;
    let s = q.to !== undefined ? grid.start(q.to - 1) : lastStart;
    while (starts.length < count) {
      s = skipWeekendBackward(s);
      starts.push(s);
      s = grid.prev(s);
    }
    starts.reverse();
  }
  const path = new PricePath(seed, def);
  const half = D.divRoundHalfEven(D.dec(def.candleSpread), 2n);
  const fmt = (x: D.Dec): string => D.fmt(x, def.displayPrecision);
  const side = (c: Ohlc, shift: D.Dec): Record<string, string> => ({ o: fmt(c.o + shift), h: fmt(c.h + shift), l: fmt(c.l + shift), c: fmt(c.c + shift) });
  let prevClose: D.Dec | undefined;
  if (q.smooth && starts.length > 0) {
    const p = skipWeekendBackward(grid.prev(starts[0]!));
    prevClose = ohlc(path, def, p, grid.next(p), now).c;
  }
  const out = starts.map((s) => {
    const e = grid.next(s);
    const c = ohlc(path, def, s, e, now);
    if (q.smooth && prevClose !== undefined) {
      c.o = prevClose;
      if (c.o > c.h) c.h = c.o;
      if (c.o < c.l) c.l = c.o;
    }
    prevClose = c.c;
    const complete = e <= now;
    const span = (Math.min(e, now) - s) / 5000;
    const candle: Record<string, unknown> = {
      complete,
      volume: 1 + Math.floor(path.noise(s, 3) * Math.max(1, span) * 0.6),
      time: t(s),
    };
    if (q.price.includes('B')) candle.bid = side(c, -half);
    if (q.price.includes('A')) candle.ask = side(c, half);
    if (q.price.includes('M')) candle.mid = side(c, 0n);
    return candle;
  });
  return { ok: true, body: { instrument: def.name, granularity: q.granularity, candles: out } };
}
