/**
 * Market data -> wire records of the contract: the `quotes` view's records, instrument descriptions
 * and bars. Quote prices are on the instrument's tick grid and go out as exact decimal strings; the
 * last price (a mid can fall between ticks) gets two more decimals; bars stay plain numbers (market
 * data as received, see contract.ts).
 */
import type { Bar } from '../core/bar';
import type { CacheView } from '../core/cache';
import { formatDecimal } from '../core/fixed';
import { priceToTicks, type Instrument } from '../core/instrument';
import type { BarDto, QuoteDto } from './contract';
import { floatPriceStr, qtyStr } from './dto';

export function barDto(b: Bar): BarDto {
  return { ts: b.ts, durationMs: b.durationMs, open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume };
}

export function quoteDto(cache: CacheView, inst: Instrument): QuoteDto {
  const q = cache.lastQuote(inst.id);
  const bar = cache.lastBar(inst.id);
  const last = cache.lastPrice(inst.id);
  const ts = cache.lastPriceTs(inst.id);
  const bidT = q ? priceToTicks(inst, q.bid) : null;
  const askT = q ? priceToTicks(inst, q.ask) : null;
  const p = (t: number | null) => (t === null ? null : formatDecimal(t, inst.pricePrecision));
  return {
    instrumentId: inst.id,
    bid: p(bidT),
    ask: p(askT),
    spread: bidT !== null && askT !== null ? p(askT - bidT) : null,
    last: Number.isFinite(last) ? floatPriceStr(inst, last) : null,
    ts: Number.isFinite(ts) ? ts : null,
    bar: bar ? barDto(bar) : null,
  };
}

export function instrumentInfo(inst: Instrument) {
  return {
    id: inst.id,
    assetClass: inst.assetClass,
    quoteCurrency: inst.quoteCurrency,
    pricePrecision: inst.pricePrecision,
    unitPrecision: inst.unitPrecision,
    minQty: qtyStr(inst, inst.minQty),
    tradeable: inst.tradeable,
  };
}
