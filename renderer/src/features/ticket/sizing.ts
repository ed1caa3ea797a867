/**
 * Order size from a risk budget: units such that a stop-out at `stop` loses `riskPct` % of `equity`
 * (equity and prices in the instrument's quote currency, which must be the account currency: the
 * renderer has no conversion rates). Rounded DOWN to whole multiples of `minQty` units at the
 * instrument's unit precision, so the risk taken is never above the budget. Returns a decimal
 * string, or an error text.
 */
export function unitsForRisk(p: { equity: string; riskPct: number; entry: number; stop: number; pricePrecision: number; unitPrecision: number; minQty: number }): { qty: string } | { error: string } {
  if (!(p.riskPct > 0 && p.riskPct <= 100)) return { error: 'risk % must be above 0 and at most 100' };
  // The stop distance in whole ticks (prices are on the tick grid), so 1.10 - 1.09 is exactly 1 tick.
  const tickScale = 10 ** p.pricePrecision;
  const distTicks = Math.round(Math.abs(p.entry - p.stop) * tickScale);
  if (!(distTicks > 0)) return { error: 'the stop loss must differ from the entry price' };
  const budget = (Number(p.equity) * p.riskPct) / 100;
  const scale = 10 ** p.unitPrecision;
  // In integer sub-units (units x 10^precision), so that the rounding is exact; the 1e-9 absorbs the
  // float error of the division (99999.99999999 is 100000), never a whole sub-unit.
  const minSub = Math.max(1, Math.round(p.minQty * scale));
  const sub = Math.floor(Math.floor((budget * tickScale * scale) / distTicks + 1e-9) / minSub) * minSub;
  if (!(sub > 0)) return { error: 'the risk budget buys less than the minimum quantity' };
  return { qty: (sub / scale).toFixed(p.unitPrecision) };
}
