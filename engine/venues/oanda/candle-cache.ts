/**
 * The candle cache: OANDA candle history in a SQLite file (better-sqlite3), so that a chart or a
 * warm-up asks OANDA only for what it has not seen.
 *
 * Rows hold the v20 decimal strings as received (mid/bid/ask o,h,l,c), the volume and the candle's
 * open time (epoch ms), keyed by (instrument, granularity, time). Only complete candles are stored.
 * `covered` remembers, per instrument and granularity, the one contiguous span [from, to) that has
 * been fetched; a request inside it is answered from the file, one that reaches past it fetches only
 * the missing ends (or, when disjoint, the whole request, which then becomes the span). Writes are one
 * transaction per fetch: a failed fetch leaves the cache as it was.
 */
import Database from 'better-sqlite3';
import type { Bar } from '../../core/bar';
import type { V20Api } from './api';
import { fetchCandles } from './market-data';
import { candleToBar, GRANULARITY_MS, rfc3339, v20Time } from './mapping';
import type { V20Candle } from './schemas';

type Row = { time_ms: number; time: string; volume: number; mo: string | null; mh: string | null; ml: string | null; mc: string | null; bo: string | null; bh: string | null; bl: string | null; bc: string | null; ao: string | null; ah: string | null; al: string | null; ac: string | null };

export class CandleCache {
  private readonly db: Database.Database;
  /** Candle requests sent to OANDA through this cache (statistics and tests). */
  fetches = 0;

  constructor(
    path: string,
    private readonly api: V20Api,
    private readonly now: () => number = Date.now,
  ) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS candles (
        instrument TEXT NOT NULL, granularity TEXT NOT NULL, time_ms INTEGER NOT NULL, time TEXT NOT NULL, volume INTEGER NOT NULL,
        mo TEXT, mh TEXT, ml TEXT, mc TEXT, bo TEXT, bh TEXT, bl TEXT, bc TEXT, ao TEXT, ah TEXT, al TEXT, ac TEXT,
        PRIMARY KEY (instrument, granularity, time_ms)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS covered (
        instrument TEXT NOT NULL, granularity TEXT NOT NULL, from_ms INTEGER NOT NULL, to_ms INTEGER NOT NULL,
        PRIMARY KEY (instrument, granularity)
      );`);
  }

  close(): void {
    this.db.close();
  }

  /** Complete candles with open time in [from, to), fetched from OANDA where the cache lacks them. */
  async candles(instrument: string, granularity: string, from: number, to: number): Promise<V20Candle[]> {
    const span = this.db.prepare('SELECT from_ms, to_ms FROM covered WHERE instrument = ? AND granularity = ?').get(instrument, granularity) as { from_ms: number; to_ms: number } | undefined;
    const gaps: [number, number][] = [];
    if (!span || to < span.from_ms || from > span.to_ms) gaps.push([from, to]);
    else {
      if (from < span.from_ms) gaps.push([from, span.from_ms]);
      if (to > span.to_ms) gaps.push([span.to_ms, to]);
    }
    for (const [a, b] of gaps) {
      const got = await fetchCandles(this.api, { instrument, granularity, from: a, to: b, onPage: () => this.fetches++ });
      // Only what OANDA has completed counts as covered: a span that ended a candle ago is final;
      // a recent one ends after its last complete candle (the forming one is asked for again later).
      const step = GRANULARITY_MS[granularity]!;
      const end = b + step <= this.now() ? b : got.length > 0 ? Math.min(b, v20Time(got[got.length - 1]!.time) + step) : a;
      this.store(instrument, granularity, got, span && !(to < span.from_ms || from > span.to_ms) ? [Math.min(span.from_ms, a), Math.max(span.to_ms, end)] : [a, end]);
    }
    const rows = this.db.prepare('SELECT * FROM candles WHERE instrument = ? AND granularity = ? AND time_ms >= ? AND time_ms < ? ORDER BY time_ms').all(instrument, granularity, from, to) as Row[];
    return rows.map(rowToCandle);
  }

  async bars(instrument: string, granularity: string, from: number, to: number): Promise<Bar[]> {
    const step = GRANULARITY_MS[granularity]!;
    return (await this.candles(instrument, granularity, from, to)).map((c) => candleToBar(instrument, step, c));
  }

  private store(instrument: string, granularity: string, candles: V20Candle[], span: [number, number]): void {
    const ins = this.db.prepare(
      'INSERT OR REPLACE INTO candles VALUES (@instrument, @granularity, @time_ms, @time, @volume, @mo, @mh, @ml, @mc, @bo, @bh, @bl, @bc, @ao, @ah, @al, @ac)',
    );
    const cov = this.db.prepare('INSERT OR REPLACE INTO covered VALUES (?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const c of candles) {
        ins.run({
          instrument, granularity, time_ms: v20Time(c.time), time: c.time, volume: c.volume,
          mo: c.mid?.o ?? null, mh: c.mid?.h ?? null, ml: c.mid?.l ?? null, mc: c.mid?.c ?? null,
          bo: c.bid?.o ?? null, bh: c.bid?.h ?? null, bl: c.bid?.l ?? null, bc: c.bid?.c ?? null,
          ao: c.ask?.o ?? null, ah: c.ask?.h ?? null, al: c.ask?.l ?? null, ac: c.ask?.c ?? null,
        });
      }
      cov.run(instrument, granularity, span[0], span[1]);
    })();
  }
}

function rowToCandle(r: Row): V20Candle {
  const side = (o: string | null, h: string | null, l: string | null, c: string | null) => (o !== null && h !== null && l !== null && c !== null ? { o, h, l, c } : undefined);
  const out: V20Candle = { time: r.time || rfc3339(r.time_ms), volume: r.volume, complete: true };
  const mid = side(r.mo, r.mh, r.ml, r.mc);
  const bid = side(r.bo, r.bh, r.bl, r.bc);
  const ask = side(r.ao, r.ah, r.al, r.ac);
  if (mid) out.mid = mid;
  if (bid) out.bid = bid;
  if (ask) out.ask = ask;
  return out;
}
