/**
 * Parsing of command-line values into configuration fragments, with `usage.*` errors.
 */
import { EngineError } from '../../core/errors';
import { parseTimestamp } from '../../data/parse-timestamp';

/** `k=v` pairs: true/false/null, numbers, else strings. */
export function parseParams(pairs: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new EngineError('usage.bad_param', `--param expects key=value, got "${p}"`);
    out[p.slice(0, eq).trim()] = parseScalar(p.slice(eq + 1).trim());
  }
  return out;
}

export function parseScalar(v: string): unknown {
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (v === 'null') return null;
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v)) return Number(v);
  return v;
}

/** `percent:0.05,per_unit:0.005,spread_ticks:2` -> the backtest.fees section. */
export function parseFees(spec: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [k, v] = part.split(':').map((s) => s.trim());
    if (!k || v === undefined || v === '') throw new EngineError('usage.bad_fees', `--fees expects kind:value[,kind:value], got "${spec}"`);
    if (k === 'per_unit') out.per_unit = v;
    else if (k === 'percent' || k === 'spread_ticks') out[k] = Number(v);
    else throw new EngineError('usage.bad_fees', `unknown fee kind "${k}" (percent, per_unit, spread_ticks)`);
  }
  return out;
}

/** `ticks:1` | `percent:0.01` | `range_fraction:0.1` -> the backtest.slippage section. */
export function parseSlippage(spec: string): Record<string, unknown> {
  const [k, v] = spec.split(':').map((s) => s.trim());
  if (!k || v === undefined || v === '' || !['ticks', 'percent', 'range_fraction'].includes(k)) {
    throw new EngineError('usage.bad_slippage', `--slippage expects ticks:N, percent:P or range_fraction:F, got "${spec}"`);
  }
  return { [k]: Number(v) };
}

/** A UTC date or date-time as epoch ms, or `usage.bad_time`. */
export function parseTimestampText(s: string, flag: string): number {
  const t = parseTimestamp(s.trim());
  if (t === null) throw new EngineError('usage.bad_time', `${flag}: "${s}" is not a date (use 2018-03-01 or 2018-03-01T14:30:00)`);
  return t;
}

/** A number from 0 to `max` for `--flag`, or `usage.bad_<flag>`. */
export function parseNumberArg(s: string, flag: string, max = Infinity): number {
  const n = Number(s);
  if (s.trim() === '' || !Number.isFinite(n) || n < 0 || n > max) {
    throw new EngineError(`usage.bad_${flag}`, `--${flag} expects a number from 0${max === Infinity ? '' : ` to ${max}`}, got "${s}"`);
  }
  return n;
}
