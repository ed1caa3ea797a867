/**
 * Writing bars as CSV in the project's standard format (the inverse of `parseBarsCsv`):
 * `timestamp,open,high,low,close,volume` with `YYYY-MM-DD HH:MM:SS` UTC timestamps (`.sss` added
 * when a timestamp has milliseconds), or the bid/ask form when every bar has both sides. Numbers are
 * JavaScript's shortest round-trip text (no trailing zeros), optionally rounded to `precision`
 * decimals first. Lines end with `\n`, including the last.
 */
import type { Bar } from '../core/bar';
import { DAY_MS } from '../core/time';
import { civilFromDays } from './civil-date';

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** `YYYY-MM-DD HH:MM:SS` (UTC), with `.sss` only when there are milliseconds. */
export function formatCsvTimestamp(ts: number): string {
  const day = Math.floor(ts / DAY_MS);
  const { year, month, day: d } = civilFromDays(day);
  let rest = ts - day * DAY_MS;
  const ms = rest % 1000;
  rest = (rest - ms) / 1000;
  const s = rest % 60;
  rest = (rest - s) / 60;
  const m = rest % 60;
  const h = (rest - m) / 60;
  const base = `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(d)} ${pad2(h)}:${pad2(m)}:${pad2(s)}`;
  return ms === 0 ? base : `${base}.${String(ms).padStart(3, '0')}`;
}

export interface FormatCsvOptions {
  /** Round prices to this many decimals before writing. */
  precision?: number;
  /** Write the bid/ask layout (default: when every bar has bid and ask). */
  bidAsk?: boolean;
}

export function formatBarsCsv(bars: readonly Bar[], options: FormatCsvOptions = {}): string {
  const bidAsk = options.bidAsk ?? (bars.length > 0 && bars.every((b) => b.bid !== undefined && b.ask !== undefined));
  const f = options.precision === undefined ? 0 : 10 ** options.precision;
  const num = f === 0 ? (v: number) => String(v) : (v: number) => String(Math.round(v * f) / f);
  const out: string[] = [
    bidAsk ? 'timestamp,bid_open,bid_high,bid_low,bid_close,ask_open,ask_high,ask_low,ask_close' : 'timestamp,open,high,low,close,volume',
  ];
  for (const b of bars) {
    if (bidAsk && b.bid && b.ask) {
      const { bid, ask } = b;
      out.push(
        `${formatCsvTimestamp(b.ts)},${num(bid.open)},${num(bid.high)},${num(bid.low)},${num(bid.close)},` +
          `${num(ask.open)},${num(ask.high)},${num(ask.low)},${num(ask.close)}`,
      );
    } else {
      out.push(`${formatCsvTimestamp(b.ts)},${num(b.open)},${num(b.high)},${num(b.low)},${num(b.close)},${String(b.volume)}`);
    }
  }
  return `${out.join('\n')}\n`;
}
