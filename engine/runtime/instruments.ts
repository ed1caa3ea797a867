/**
 * Instruments for data that comes without a specification (CSV files): inferred from the symbol and
 * the prices (`inferInstrumentSpec`), then overridden by the configuration's `instruments` section.
 * Crypto quantities default to 10^-5 units (unitPrecision 5); everything else to whole units.
 */
import { makeInstrument, type Instrument } from '../core/instrument';
import { inferInstrumentSpec } from '../data/infer-instrument';
import type { EngineConfig } from './config';

export function instrumentFor(symbol: string, sampleCloses: readonly number[], overrides: EngineConfig['instruments']): Instrument {
  const spec = inferInstrumentSpec(symbol, sampleCloses);
  const o = overrides[symbol] ?? overrides[symbol.toUpperCase()] ?? {};
  const assetClass = o.asset_class ?? spec.assetClass;
  return makeInstrument({
    id: symbol,
    symbol,
    assetClass,
    baseCurrency: o.base_currency ?? spec.baseCurrency,
    quoteCurrency: o.quote_currency ?? spec.quoteCurrency,
    pricePrecision: o.price_precision ?? spec.pricePrecision,
    calendar: spec.calendar,
    ...(assetClass === 'crypto' ? { unitPrecision: 5 } : {}),
    ...(o.tick_size !== undefined ? { tickSize: o.tick_size } : {}),
    ...(o.unit_precision !== undefined ? { unitPrecision: o.unit_precision } : {}),
    ...(o.min_qty !== undefined ? { minQty: o.min_qty } : {}),
    ...(o.contract_size !== undefined ? { contractSize: o.contract_size } : {}),
    ...(o.margin_rate !== undefined ? { marginRate: o.margin_rate } : {}),
    ...(o.sector !== undefined ? { sector: o.sector } : {}),
    ...(o.tradeable !== undefined ? { tradeable: o.tradeable } : {}),
  });
}
