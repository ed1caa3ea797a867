import { EngineError } from './errors';

/** Milliseconds since the Unix epoch, UTC. Every timestamp in the engine is this. */
export type EpochMs = number;

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Bar resolutions the engine understands, as used in file names (`AAPL_15min.csv`). */
export const RESOLUTIONS = {
  '1min': MINUTE_MS,
  '5min': 5 * MINUTE_MS,
  '15min': 15 * MINUTE_MS,
  '30min': 30 * MINUTE_MS,
  '1h': HOUR_MS,
  '4h': 4 * HOUR_MS,
  '1d': DAY_MS,
} as const;

export type Resolution = keyof typeof RESOLUTIONS;

export function isResolution(s: string): s is Resolution {
  return Object.prototype.hasOwnProperty.call(RESOLUTIONS, s);
}

/** Parses a resolution name; throws `data.resolution_unknown` for anything else. */
export function parseResolution(s: string): Resolution {
  if (isResolution(s)) return s;
  throw new EngineError('data.resolution_unknown', `unknown resolution "${s}" (expected one of ${Object.keys(RESOLUTIONS).join(', ')})`);
}

/** ISO-8601 UTC text for a timestamp, without milliseconds when they are zero: `2018-02-16T14:30:00Z`. */
export function isoUtc(ts: EpochMs): string {
  const s = new Date(ts).toISOString();
  return s.endsWith('.000Z') ? s.slice(0, -5) + 'Z' : s;
}

/** Start of the UTC day containing `ts`. */
export function utcDayStart(ts: EpochMs): EpochMs {
  return ts - (((ts % DAY_MS) + DAY_MS) % DAY_MS);
}
