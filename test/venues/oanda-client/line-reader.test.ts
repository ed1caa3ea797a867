import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { NdjsonLineReader } from '../../../engine/venues/oanda/line-reader';
import type { OandaError } from '../../../engine/venues/oanda/errors';

function reader() {
  const lines: Record<string, unknown>[] = [];
  const errors: OandaError[] = [];
  const r = new NdjsonLineReader({ onLine: (v) => lines.push(v), onError: (e) => errors.push(e), maxLineBytes: 4096 });
  return { r, lines, errors };
}

const PRICE = '{"type":"PRICE","instrument":"EUR_USD","time":"2025-03-04T14:30:01.000000000Z","bids":[{"price":"1.09972","liquidity":10000000}],"asks":[{"price":"1.09986","liquidity":10000000}]}';
const HB = '{"type":"HEARTBEAT","time":"2025-03-04T14:30:05.012000000Z"}';

describe('NdjsonLineReader', () => {
  it('parses a line only once it is complete, however the chunks cut it', () => {
    const text = `${PRICE}\n${HB}\n${PRICE}\n`;
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: text.length - 1 }), { maxLength: 12 }), (cuts) => {
        const { r, lines, errors } = reader();
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        let prev = 0;
        for (const p of [...points, text.length]) {
          r.push(Buffer.from(text.slice(prev, p)));
          prev = p;
        }
        expect(errors).toEqual([]);
        expect(lines.map((l) => l['type'])).toEqual(['PRICE', 'HEARTBEAT', 'PRICE']);
        expect(r.pending).toBe(0);
      }),
    );
  });

  it('keeps a multi-byte character split across reads', () => {
    const { r, lines } = reader();
    const buf = Buffer.from('{"comment":"Zürich €"}\n');
    const i = buf.indexOf(0xe2); // first byte of the euro sign
    r.push(buf.subarray(0, i + 1));
    r.push(buf.subarray(i + 1));
    expect(lines).toEqual([{ comment: 'Zürich €' }]);
  });

  it('reports a malformed line as a coded error and goes on', () => {
    const { r, lines, errors } = reader();
    r.push(`${HB}\n{"type":"PRI\n[1,2]\n\r\n${HB}\r\n`);
    expect(lines).toHaveLength(2);
    expect(errors.map((e) => e.code)).toEqual(['oanda.stream_line', 'oanda.stream_line']);
  });

  it('drops an over-long line without growing the buffer, then reads on', () => {
    const { r, lines, errors } = reader();
    r.push('{"x":"' + 'a'.repeat(5000));
    r.push('a'.repeat(5000));
    expect(r.pending).toBe(0);
    r.push(`"}\n${HB}\n`);
    expect(errors.map((e) => e.code)).toEqual(['oanda.stream_line_too_long']);
    expect(lines).toHaveLength(1);
  });

  it('reset forgets a partial line', () => {
    const { r, lines } = reader();
    r.push(PRICE.slice(0, 30));
    expect(r.reset()).toBe(true);
    r.push(`${HB}\n`);
    expect(lines).toHaveLength(1);
  });
});
