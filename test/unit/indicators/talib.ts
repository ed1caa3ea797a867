/** The TA-Lib oracle (npm `talib`, a native CommonJS addon: loaded with createRequire, not `import`). */
import { createRequire } from 'node:module';

interface TalibResult {
  begIndex: number;
  nbElement: number;
  result: Record<string, number[]>;
}

interface Talib {
  execute(params: Record<string, unknown>): TalibResult;
}

const talib = createRequire(import.meta.url)('talib') as Talib;

/**
 * Runs TA-Lib function `name` over the whole input and returns each output aligned to the input
 * (NaN before `begIndex`).
 */
export function talibRun(name: string, params: Record<string, unknown>, n: number): Record<string, Float64Array> {
  const r = talib.execute({ name, startIdx: 0, endIdx: n - 1, ...params });
  const out: Record<string, Float64Array> = {};
  for (const [key, values] of Object.entries(r.result)) {
    const a = new Float64Array(n).fill(NaN);
    values.forEach((v, i) => (a[r.begIndex + i] = v));
    out[key] = a;
  }
  return out;
}
