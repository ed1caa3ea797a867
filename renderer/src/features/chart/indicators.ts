/**
 * Chart overlays computed in the renderer from the bars it shows: EMA with an SMA seed (the first
 * value at bar `period - 1`), as engine/indicators does. Plain float math: display only.
 */
export function emaSeries(closes: ArrayLike<number>, period: number): Float64Array {
  const out = new Float64Array(closes.length).fill(Number.NaN);
  if (period < 1 || closes.length < period) return out;
  let sum = 0;
  for (let i = 0; i < period; i++) sum += closes[i]!;
  let ema = sum / period;
  out[period - 1] = ema;
  const k = 2 / (period + 1);
  for (let i = period; i < closes.length; i++) {
    ema += k * (closes[i]! - ema);
    out[i] = ema;
  }
  return out;
}

/** The EMA after one more value, from the previous EMA. */
export function emaNext(prev: number, value: number, period: number): number {
  return prev + (2 / (period + 1)) * (value - prev);
}
