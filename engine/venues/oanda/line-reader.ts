/**
 * A line-buffered reader for newline-delimited JSON (the v20 pricing and transaction streams).
 *
 * Chunks are decoded as UTF-8 with a StringDecoder (a multi-byte character may be split between two
 * reads) and buffered until `\n`; only complete lines are parsed, never a raw chunk. A read may hold
 * several lines, part of one, or both. Empty lines (and a trailing `\r`) are skipped. A line that is
 * not a JSON object is reported through `onError` as `oanda.stream_line` with the line's text (cut to
 * 200 characters) and reading goes on with the next line: one bad line never ends the stream. A line
 * longer than `maxLineBytes` (default 1 MiB) without a newline is dropped the same way
 * (`oanda.stream_line_too_long`) so that a broken peer cannot grow the buffer without bound.
 */
import { StringDecoder } from 'node:string_decoder';
import { OandaError } from './errors';

export interface LineReaderOptions {
  onLine: (value: Record<string, unknown>) => void;
  onError: (err: OandaError) => void;
  maxLineBytes?: number;
}

export class NdjsonLineReader {
  private decoder = new StringDecoder('utf8');
  private buf = '';
  /** True while discarding the rest of an over-long line. */
  private skipping = false;
  private readonly max: number;
  /** Complete lines parsed (good or bad), for statistics and tests. */
  lines = 0;

  constructor(private readonly opts: LineReaderOptions) {
    this.max = opts.maxLineBytes ?? 1 << 20;
  }

  push(chunk: Buffer | string): void {
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      const piece = text.slice(start, nl);
      start = nl + 1;
      if (this.skipping) {
        this.skipping = false;
        this.buf = '';
        continue;
      }
      const line = this.buf.length > 0 ? this.buf + piece : piece;
      this.buf = '';
      this.handle(line);
    }
    if (start < text.length) {
      if (this.skipping) return;
      this.buf += text.slice(start);
      if (this.buf.length > this.max) {
        this.opts.onError(new OandaError('oanda.stream_line_too_long', `stream line longer than ${this.max} bytes dropped`));
        this.buf = '';
        this.skipping = true;
      }
    }
  }

  /** Bytes held for an incomplete line (a stream that ends with some is cut mid-line). */
  get pending(): number {
    return this.buf.length;
  }

  /** Forgets a partial line (after the connection it came from ended). Returns whether there was one. */
  reset(): boolean {
    const had = this.buf.length > 0 || this.skipping;
    this.buf = '';
    this.skipping = false;
    this.decoder = new StringDecoder('utf8');
    return had;
  }

  private handle(raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    this.lines++;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      this.opts.onError(new OandaError('oanda.stream_line', `malformed stream line (${(e as Error).message}): ${line.slice(0, 200)}`));
      return;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.opts.onError(new OandaError('oanda.stream_line', `stream line is not a JSON object: ${line.slice(0, 200)}`));
      return;
    }
    this.opts.onLine(value as Record<string, unknown>);
  }
}
