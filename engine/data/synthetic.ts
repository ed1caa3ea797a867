/**
 * Deterministic synthetic bars: a geometric random walk per symbol with an intraday volatility and
 * volume profile, generated only in the calendar's open slots (us_equity 15min: 26 bars a day,
 * 09:30 … 15:45 ET; fx 24x5; crypto 24x7). Prices are rounded to the instrument's precision; high/low
 * always contain open/close. The same options (seed included) give identical bars on every run and
 * platform; each symbol has its own random stream (derived from the seed and the symbol), so adding a
 * symbol does not change the others.
 *
 * Used by the benchmarks when the shared real data is absent, by tests, and for
 * `resources/sample-data` (see `engine/node/data/generate-sample-data.ts`).
 */
import type { Bar } from '../core/bar';
import { EngineError } from '../core/errors';
import { DAY_MS, HOUR_MS, RESOLUTIONS, type Resolution } from '../core/time';
import { dayNumber } from './civil-date';
import { inferInstrumentSpec } from './infer-instrument';
import { marketCalendar, usEquitySession, type CalendarKind } from './market-calendar';
import { fnv1a32, gaussian, mulberry32 } from './prng';

export interface SyntheticSymbol {
  symbol: string;
  /** First open price (default: from the symbol — FX majors near their real levels, others from a hash). */
  startPrice?: number;
  /** Annualised volatility (default: equity 0.20–0.50 by hash, FX 0.08, crypto 0.60). */
  annualVol?: number;
  /** Decimals (default: `inferInstrumentSpec`: 2 for stocks and crypto, 5 for FX, 3 for JPY pairs). */
  pricePrecision?: number;
  /** Mean volume of a bar at mid-session (default by asset class, scaled by the bar duration). */
  baseVolume?: number;
}

export interface SyntheticOptions {
  symbols: readonly (string | SyntheticSymbol)[];
  /** The first bar is the first open slot at or after `start` (aligned to the resolution). */
  start: number;
  resolution: Resolution | number;
  /** Bars per symbol. */
  count: number;
  calendar: CalendarKind;
  seed: number;
}

export interface SyntheticSeries {
  symbol: string;
  pricePrecision: number;
  bars: Bar[];
}

const FX_LEVELS: Readonly<Record<string, number>> = {
  EUR_USD: 1.085,
  GBP_USD: 1.265,
  AUD_USD: 0.665,
  NZD_USD: 0.612,
  USD_JPY: 148.5,
  USD_CHF: 0.882,
  USD_CAD: 1.352,
  EUR_JPY: 161.2,
  GBP_JPY: 188.1,
  EUR_GBP: 0.858,
};

const CRYPTO_LEVELS: Readonly<Record<string, number>> = { BTC: 42_000, ETH: 2_300, SOL: 95, XRP: 0.55, DOGE: 0.08, LTC: 70 };

/** Open time per year, to scale annual volatility to one bar. */
const OPEN_MS_PER_YEAR: Readonly<Record<CalendarKind, number>> = {
  us_equity: 252 * 6.5 * HOUR_MS,
  fx: 260 * 24 * HOUR_MS,
  crypto: 365 * 24 * HOUR_MS,
};

/** Symbol names `SYN01`, `SYN02`, … for synthetic universes. */
export function syntheticSymbolNames(count: number, prefix = 'SYN'): string[] {
  const width = Math.max(2, String(count).length);
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i + 1).padStart(width, '0')}`);
}

/** Open times of the first `count` slots the calendar marks `open`, from `start` (rounded up to the duration). */
export function openSlots(calendar: CalendarKind, start: number, durationMs: number, count: number): number[] {
  const cal = marketCalendar(calendar);
  const out: number[] = [];
  let t = Math.ceil(start / durationMs) * durationMs;
  let budget = count * 10_000 + 1_000_000;
  while (out.length < count) {
    if (cal.slotState(t, durationMs) === 'open') out.push(t);
    t += durationMs;
    if (--budget === 0) throw new EngineError('data.no_open_slots', `calendar ${calendar} has too few open slots from ${start}`, { calendar, start });
  }
  return out;
}

interface Params {
  symbol: string;
  startPrice: number;
  annualVol: number;
  precision: number;
  baseVolume: number;
  volumeDecimals: number;
}

function defaults(spec: SyntheticSymbol, durationMs: number): Params {
  const inferred = inferInstrumentSpec(spec.symbol);
  const h = fnv1a32(spec.symbol);
  const unit = (h % 10_000) / 10_000; // [0, 1), from the symbol only
  const unit2 = ((h >>> 16) % 1000) / 1000;
  const scale = durationMs / RESOLUTIONS['15min'];
  let startPrice: number;
  let annualVol: number;
  let baseVolume: number;
  let volumeDecimals: number;
  if (inferred.assetClass === 'fx') {
    const key = `${inferred.baseCurrency}_${inferred.quoteCurrency}`;
    startPrice = FX_LEVELS[key] ?? (inferred.quoteCurrency === 'JPY' ? 100 + 60 * unit : 0.6 + unit);
    annualVol = inferred.quoteCurrency === 'JPY' ? 0.1 : 0.08;
    baseVolume = 400 * scale;
    volumeDecimals = 2;
  } else if (inferred.assetClass === 'crypto') {
    startPrice = CRYPTO_LEVELS[inferred.baseCurrency] ?? 1 + 99 * unit;
    annualVol = 0.6;
    baseVolume = 800 * scale;
    volumeDecimals = 4;
  } else {
    startPrice = 20 + 480 * unit;
    annualVol = 0.2 + 0.3 * unit2;
    baseVolume = (100_000 + 1_900_000 * unit2) * scale;
    volumeDecimals = 0;
  }
  return {
    symbol: spec.symbol,
    startPrice: spec.startPrice ?? startPrice,
    annualVol: spec.annualVol ?? annualVol,
    precision: spec.pricePrecision ?? inferred.pricePrecision,
    baseVolume: spec.baseVolume ?? baseVolume,
    volumeDecimals,
  };
}

/** Intraday activity multiplier (volatility and volume) at `ts`. */
function activity(calendar: CalendarKind, ts: number): number {
  if (calendar === 'us_equity') {
    const s = usEquitySession(dayNumber(ts));
    if (s === null) return 1;
    const x = (ts - s.open) / (s.regularClose - s.open); // 0 at the open, ~1 at the close
    const d = 2 * x - 1;
    return 0.6 + 1.1 * d * d; // U-shape: busy open and close, quiet lunch
  }
  if (calendar === 'fx') {
    const hour = Math.floor((ts - dayNumber(ts) * DAY_MS) / HOUR_MS);
    if (hour >= 12 && hour < 16) return 1.5; // London/New York overlap
    if (hour >= 7 && hour < 20) return 1.15;
    return 0.6;
  }
  return 1;
}

function roundTo(x: number, factor: number): number {
  return Math.round(x * factor) / factor;
}

/** Generates `count` bars for every symbol (see the module comment). */
export function generateSyntheticBars(options: SyntheticOptions): SyntheticSeries[] {
  const { calendar, count, seed } = options;
  const durationMs = typeof options.resolution === 'number' ? options.resolution : RESOLUTIONS[options.resolution];
  if (!(durationMs > 0) || !(count >= 0)) throw new EngineError('data.bad_options', 'resolution and count must be positive', { durationMs, count });
  const slots = openSlots(calendar, options.start, durationMs, count);
  const barVolScale = Math.sqrt(durationMs / OPEN_MS_PER_YEAR[calendar]);
  const acts = slots.map((t) => activity(calendar, t));
  const sessionStart = slots.map((t, i) => i > 0 && t - slots[i - 1]! > durationMs);

  return options.symbols.map((entry) => {
    const spec = typeof entry === 'string' ? { symbol: entry } : entry;
    const p = defaults(spec, durationMs);
    const rng = mulberry32((Math.imul(seed | 0, 0x9e3779b1) ^ fnv1a32(p.symbol)) >>> 0);
    const normal = gaussian(rng);
    const factor = 10 ** p.precision;
    const tick = 1 / factor;
    const volFactor = 10 ** p.volumeDecimals;
    const sigma = p.annualVol * barVolScale;
    const bars: Bar[] = [];
    let close = roundTo(p.startPrice, factor);
    for (let i = 0; i < slots.length; i++) {
      const act = acts[i]!;
      const s = sigma * act;
      let open = close;
      if (sessionStart[i]) open = Math.max(tick, roundTo(close * Math.exp(normal() * sigma * 4), factor));
      const next = Math.max(tick, roundTo(open * Math.exp(-0.5 * s * s + s * normal()), factor));
      const top = Math.max(open, next);
      const bottom = Math.min(open, next);
      const high = Math.max(top, roundTo(top * Math.exp(Math.abs(normal()) * s * 0.6), factor));
      const low = Math.max(tick, Math.min(bottom, roundTo(bottom * Math.exp(-Math.abs(normal()) * s * 0.6), factor)));
      const volume = roundTo(p.baseVolume * act * Math.exp(0.45 * normal() - 0.10125), volFactor);
      bars.push({ instrumentId: p.symbol, ts: slots[i]!, durationMs, open, high, low, close: next, volume });
      close = next;
    }
    return { symbol: p.symbol, pricePrecision: p.precision, bars };
  });
}
