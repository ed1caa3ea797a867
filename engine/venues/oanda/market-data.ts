/**
 * OANDA market data: the account's instruments as engine Instruments, and candle history.
 *
 * - `loadInstruments`: `GET accounts/{id}/instruments` (precision, pip, margin rate) plus one
 *   `GET accounts/{id}/pricing` for `tradeable` (the instrument list does not say; an instrument the
 *   pricing call does not answer for is taken as not tradeable).
 * - `fetchCandles`: pages of at most 5000 candles (`count` with `from`; the spec does not allow
 *   `count` with both `from` and `to`), each page starting after the last candle of the one before
 *   (`includeFirst=false`), until `to` or the last complete candle. The still-forming candle
 *   (`complete:false`) is never returned. Candles stay v20 objects (decimal strings); `candleToBar`
 *   (mapping.ts) makes Bars.
 */
import type { Instrument } from '../../core/instrument';
import type { V20Api } from './api';
import { OandaError } from './errors';
import { GRANULARITY_MS, rfc3339, toInstrument, v20Time } from './mapping';
import type { V20Candle } from './schemas';

export async function loadInstruments(api: V20Api, names?: readonly string[]): Promise<Instrument[]> {
  const { instruments } = await api.instruments(names);
  if (names) {
    const missing = names.filter((n) => !instruments.some((i) => i.name === n));
    if (missing.length > 0) throw new OandaError('oanda.unknown_instrument', `the account cannot trade ${missing.join(', ')}`);
  }
  const tradeable = new Map<string, boolean>();
  const list = instruments.map((i) => i.name);
  for (let i = 0; i < list.length; i += 100) {
    const { prices } = await api.pricing(list.slice(i, i + 100));
    for (const p of prices) tradeable.set(p.instrument, p.tradeable ?? p.status === 'tradeable');
  }
  return instruments.map((i) => toInstrument(i, { tradeable: tradeable.get(i.name) ?? false }));
}

export interface CandleFetch {
  instrument: string;
  granularity: string;
  /** Inclusive start, epoch ms. */
  from: number;
  /** Exclusive end, epoch ms (default: now). */
  to?: number;
  /** `M`, `B`, `A` or a combination (default `MBA`). */
  price?: string;
  /** Candles per request, 1..5000 (default 5000). */
  pageSize?: number;
  onPage?: (candles: V20Candle[]) => void;
}

export async function fetchCandles(api: V20Api, q: CandleFetch): Promise<V20Candle[]> {
  const step = GRANULARITY_MS[q.granularity];
  if (step === undefined) throw new OandaError('oanda.bad_granularity', `unknown or unsupported granularity ${q.granularity}`);
  const pageSize = Math.min(5000, Math.max(1, q.pageSize ?? 5000));
  const to = q.to ?? Date.now();
  const out: V20Candle[] = [];
  let cursor = q.from;
  let first = true;
  for (;;) {
    if (cursor >= to) break;
    const { candles } = await api.candles(q.instrument, { granularity: q.granularity, price: q.price ?? 'MBA', count: pageSize, from: rfc3339(cursor), includeFirst: first });
    const page: V20Candle[] = [];
    let last = cursor;
    let forming = false;
    for (const c of candles) {
      const t = v20Time(c.time);
      if (t < q.from) continue;
      if (t >= to) break;
      if (!c.complete) {
        forming = true;
        break;
      }
      if (out.length > 0 && t <= v20Time(out[out.length - 1]!.time)) continue;
      page.push(c);
      last = t;
    }
    out.push(...page);
    q.onPage?.(page);
    if (forming || candles.length < pageSize || page.length === 0) break;
    cursor = last;
    first = false;
  }
  return out;
}
