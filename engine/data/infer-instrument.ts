/**
 * Guessing what an instrument is from a CSV file's symbol (and its prices), for data that comes
 * without instrument metadata. The full Instrument model is built from this elsewhere.
 *
 * - FX: two ISO currency codes, `EUR_USD`, `EURUSD`, `EUR/USD` or `EUR-USD` → `fx`, base the first,
 *   quote the second; precision 3 when the quote is JPY or HUF, otherwise 5 (OANDA's display precision;
 *   metals `XAU`/`XAG`/`XPT`/`XPD` count as currencies, XAU quoted with 3 decimals).
 * - Crypto: a known coin followed by a quote (`BTCUSDT`, `BTC_USD`, `ETH-BTC`, `SOL/USDC`) → `crypto`.
 * - Anything else: a US equity quoted in USD (`baseCurrency` is the symbol itself).
 * For equity and crypto the precision is the most decimals seen in `sampleCloses`, clamped to [2, 8]
 * (2 when there are no samples).
 */
import type { CalendarKind } from './market-calendar';

export type AssetClass = 'fx' | 'equity' | 'crypto';

export interface InferredInstrumentSpec {
  symbol: string;
  assetClass: AssetClass;
  baseCurrency: string;
  quoteCurrency: string;
  pricePrecision: number;
  calendar: CalendarKind;
}

const CURRENCIES = new Set([
  'USD', 'EUR', 'JPY', 'GBP', 'CHF', 'AUD', 'NZD', 'CAD', 'SEK', 'NOK', 'DKK', 'HKD', 'SGD', 'MXN', 'ZAR',
  'TRY', 'PLN', 'HUF', 'CZK', 'CNH', 'CNY', 'INR', 'THB', 'ILS', 'KRW', 'RUB', 'BRL', 'SAR', 'TWD',
  'XAU', 'XAG', 'XPT', 'XPD',
]);
const THREE_DECIMAL_QUOTES = new Set(['JPY', 'HUF']);

const COINS = new Set([
  'BTC', 'ETH', 'SOL', 'XRP', 'ADA', 'DOGE', 'LTC', 'BNB', 'DOT', 'AVAX', 'LINK', 'MATIC', 'POL', 'BCH',
  'TRX', 'XLM', 'ATOM', 'UNI', 'ETC', 'FIL', 'NEAR', 'APT', 'ARB', 'OP', 'SHIB', 'PEPE', 'TON', 'SUI', 'XMR',
]);
/** Crypto quote assets, longest first so `BTCUSDT` splits as BTC/USDT, not BTCUSD/T. */
const CRYPTO_QUOTES = ['FDUSD', 'USDT', 'USDC', 'BUSD', 'TUSD', 'DAI', 'USD', 'EUR', 'GBP', 'JPY', 'BTC', 'ETH', 'BNB'];

/** Decimals needed to print `v` exactly as JavaScript prints it (`1.5e-7` → 8). */
export function decimalsOf(v: number): number {
  if (!Number.isFinite(v)) return 0;
  const s = String(Math.abs(v));
  const e = s.indexOf('e');
  if (e === -1) {
    const dot = s.indexOf('.');
    return dot === -1 ? 0 : s.length - dot - 1;
  }
  const mantissa = s.slice(0, e);
  const exp = Number(s.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const frac = dot === -1 ? 0 : mantissa.length - dot - 1;
  return Math.max(0, frac - exp);
}

function observedPrecision(sampleCloses: readonly number[]): number {
  let max = 0;
  for (const v of sampleCloses) max = Math.max(max, decimalsOf(v));
  return Math.min(8, Math.max(2, max));
}

function splitPair(symbol: string): [string, string] | null {
  const parts = symbol.split(/[_/\-.]/);
  if (parts.length === 2) return [parts[0]!, parts[1]!];
  return null;
}

export function inferInstrumentSpec(symbol: string, sampleCloses: readonly number[] = []): InferredInstrumentSpec {
  const upper = symbol.trim().toUpperCase();
  const pair = splitPair(upper);
  const [a, b] = pair ?? (upper.length === 6 ? [upper.slice(0, 3), upper.slice(3)] : ['', '']);
  if (CURRENCIES.has(a) && CURRENCIES.has(b) && a !== b) {
    return {
      symbol,
      assetClass: 'fx',
      baseCurrency: a,
      quoteCurrency: b,
      pricePrecision: a === 'XAU' || THREE_DECIMAL_QUOTES.has(b) ? 3 : 5,
      calendar: 'fx',
    };
  }
  let coin: [string, string] | null = null;
  if (pair !== null && COINS.has(pair[0])) coin = pair;
  else if (pair === null) {
    for (const q of CRYPTO_QUOTES) {
      if (upper.length > q.length && upper.endsWith(q) && COINS.has(upper.slice(0, -q.length))) {
        coin = [upper.slice(0, -q.length), q];
        break;
      }
    }
  }
  if (coin !== null) {
    return {
      symbol,
      assetClass: 'crypto',
      baseCurrency: coin[0],
      quoteCurrency: coin[1],
      pricePrecision: observedPrecision(sampleCloses),
      calendar: 'crypto',
    };
  }
  return {
    symbol,
    assetClass: 'equity',
    baseCurrency: upper,
    quoteCurrency: 'USD',
    pricePrecision: observedPrecision(sampleCloses),
    calendar: 'us_equity',
  };
}
