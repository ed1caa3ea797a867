/**
 * The tradeable instruments of the v20 test server (v20.json definition Instrument; API-NOTES.md
 * "Accounts" → GET /accounts/{id}/instruments and the precision table under "Value conventions"):
 * name, type, displayName, pipLocation, displayPrecision, tradeUnitsPrecision, minimumTradeSize,
 * trailing-stop distance limits, maximumOrderUnits and marginRate, with the real precisions (FX pairs
 * quoted in JPY: 3 decimals, pip 0.01; the others: 5 decimals, pip 0.0001; XAU_USD: 3 decimals).
 * Each has a starting quote (bid/ask) and a typical spread for generated candles. Also the route that
 * converts an amount in an instrument's quote currency to the account's home currency (directly, or
 * through HOME_QUOTE / QUOTE_HOME), checked when the server starts.
 */
import { dec, fitsPlaces, type Dec } from './decimal';

export interface InstrumentDef {
  name: string;
  type: 'CURRENCY' | 'CFD' | 'METAL';
  displayName: string;
  pipLocation: number;
  displayPrecision: number;
  tradeUnitsPrecision: number;
  minimumTradeSize: string;
  maximumTrailingStopDistance: string;
  minimumTrailingStopDistance: string;
  maximumPositionSize: string;
  maximumOrderUnits: string;
  marginRate: string;
  /** Starting quote. */
  bid: string;
  ask: string;
  /** Spread of generated candles, in price units (an even number of ticks keeps mid exact). */
  candleSpread: string;
}

/** What a test may pass: a catalogue name, or a full or partial definition (partial: catalogue name). */
export type V20InstrumentInit = string | (Partial<InstrumentDef> & { name: string });

function fx(
  name: string,
  jpy: boolean,
  marginRate: string,
  bid: string,
  ask: string,
  candleSpread: string,
): InstrumentDef {
  const [b, q] = name.split('_');
  return {
    name,
    type: 'CURRENCY',
    displayName: `${b}/${q}`,
    pipLocation: jpy ? -2 : -4,
    displayPrecision: jpy ? 3 : 5,
    tradeUnitsPrecision: 0,
    minimumTradeSize: '1',
    maximumTrailingStopDistance: jpy ? '100.000' : '1.00000',
    minimumTrailingStopDistance: jpy ? '0.050' : '0.00050',
    maximumPositionSize: '0',
    maximumOrderUnits: '100000000',
    marginRate,
    bid,
    ask,
    candleSpread,
  };
}

/** Instruments known by name. Quotes are plausible, not historical. */
export const CATALOGUE: Readonly<Record<string, InstrumentDef>> = {
  EUR_USD: fx('EUR_USD', false, '0.0333', '1.08000', '1.08014', '0.00014'),
  USD_JPY: fx('USD_JPY', true, '0.0333', '150.000', '150.014', '0.014'),
  GBP_USD: fx('GBP_USD', false, '0.0333', '1.27000', '1.27018', '0.00018'),
  EUR_JPY: fx('EUR_JPY', true, '0.05', '162.000', '162.020', '0.020'),
  AUD_USD: fx('AUD_USD', false, '0.05', '0.66000', '0.66014', '0.00014'),
  USD_CAD: fx('USD_CAD', false, '0.0333', '1.36000', '1.36020', '0.00020'),
  USD_CHF: fx('USD_CHF', false, '0.0333', '0.88000', '0.88016', '0.00016'),
  GBP_JPY: fx('GBP_JPY', true, '0.05', '190.500', '190.530', '0.030'),
  EUR_GBP: fx('EUR_GBP', false, '0.0333', '0.85000', '0.85014', '0.00014'),
  XAU_USD: {
    ...fx('XAU_USD', false, '0.05', '2300.000', '2300.350', '0.350'),
    type: 'METAL',
    displayName: 'Gold',
    pipLocation: -2,
    displayPrecision: 3,
    maximumTrailingStopDistance: '1000.000',
    minimumTrailingStopDistance: '0.500',
  },
};

export const DEFAULT_INSTRUMENTS = ['EUR_USD', 'USD_JPY', 'GBP_USD', 'EUR_JPY', 'AUD_USD'];

export function baseOf(name: string): string {
  return name.split('_')[0]!;
}

export function quoteOf(name: string): string {
  return name.split('_')[1] ?? '';
}

/** Builds the instrument table; throws (a test's setup error) on unknown names or bad values. */
export function resolveInstruments(inits: readonly V20InstrumentInit[]): Map<string, InstrumentDef> {
  const out = new Map<string, InstrumentDef>();
  for (const init of inits) {
    const name = typeof init === 'string' ? init : init.name;
    if (!/^[A-Z0-9]+_[A-Z0-9]+$/.test(name)) throw new Error(`oanda-server: bad instrument name ${name}`);
    const base = CATALOGUE[name];
    const def = { ...(base ?? {}), ...(typeof init === 'string' ? {} : init) } as Partial<InstrumentDef>;
    const required: (keyof InstrumentDef)[] = [
      'type',
      'displayName',
      'pipLocation',
      'displayPrecision',
      'tradeUnitsPrecision',
      'minimumTradeSize',
      'maximumTrailingStopDistance',
      'minimumTrailingStopDistance',
      'maximumPositionSize',
      'maximumOrderUnits',
      'marginRate',
      'bid',
      'ask',
      'candleSpread',
    ];
    for (const k of required) {
      if (def[k] === undefined) throw new Error(`oanda-server: instrument ${name} needs ${k} (not in the catalogue)`);
    }
    const full = def as InstrumentDef;
    const bid = dec(full.bid);
    const ask = dec(full.ask);
    if (!(bid > 0n && ask >= bid) || !fitsPlaces(bid, full.displayPrecision) || !fitsPlaces(ask, full.displayPrecision)) {
      throw new Error(`oanda-server: instrument ${name} has a bad starting quote ${full.bid}/${full.ask}`);
    }
    if (out.has(name)) throw new Error(`oanda-server: instrument ${name} listed twice`);
    out.set(name, full);
  }
  return out;
}

/** How an amount in currency `ccy` becomes home currency. */
export type ConversionRoute =
  | { kind: 'identity' }
  | { kind: 'divide'; via: string } // via = HOME_CCY: amount / price
  | { kind: 'multiply'; via: string }; // via = CCY_HOME: amount × price

export function conversionRoute(ccy: string, home: string, instruments: ReadonlyMap<string, InstrumentDef>): ConversionRoute | null {
  if (ccy === home) return { kind: 'identity' };
  if (instruments.has(`${home}_${ccy}`)) return { kind: 'divide', via: `${home}_${ccy}` };
  if (instruments.has(`${ccy}_${home}`)) return { kind: 'multiply', via: `${ccy}_${home}` };
  return null;
}

/** The instrument's price tick (10^-displayPrecision) as a Dec. */
export function tickOf(def: InstrumentDef): Dec {
  return def.displayPrecision === 0 ? dec('1') : dec(`0.${'0'.repeat(def.displayPrecision - 1)}1`);
}
