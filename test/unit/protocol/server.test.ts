import { describe, expect, it } from 'vitest';
import { SimClock } from '../../../engine/core/clock';
import { EngineError } from '../../../engine/core/errors';
import type { ServerFrame } from '../../../engine/protocol/contract';
import { createEngineProtocol, createHandlers } from '../../../engine/protocol/handlers';
import { ProtocolServer, type Handlers } from '../../../engine/protocol/server';
import { EngineHarness } from '../runtime/engine-harness';

function serverWith(override: Partial<Handlers>, errors: unknown[] = []) {
  const h = new EngineHarness();
  const handlers = { ...createHandlers({ engine: h.engine, rawConfig: {} }), ...override } as Handlers;
  const server = new ProtocolServer({ handlers, onError: (e) => errors.push(e) });
  const frames: ServerFrame[] = [];
  const conn = server.connect({ send: (f) => frames.push(f) });
  return { server, conn, frames, h };
}

describe('ProtocolServer', () => {
  it('answers frames that are not {id, cmd, args} with protocol.bad_frame, keeping a readable id', async () => {
    const { conn, frames } = serverWith({});
    await conn.receive('hello');
    await conn.receive({ id: 7, command: 'engine.status' });
    await conn.receive({ id: { x: 1 }, cmd: 'engine.status' });
    expect(frames.map((f) => ('ok' in f && !f.ok ? [f.id, f.error.code] : null))).toEqual([
      [null, 'protocol.bad_frame'],
      [7, 'protocol.bad_frame'],
      [null, 'protocol.bad_frame'],
    ]);
  });

  it('contains a handler that throws a non-EngineError as `internal`, and keeps serving', async () => {
    const errors: unknown[] = [];
    const { conn, frames } = serverWith(
      {
        'account.get': () => {
          throw new TypeError('boom');
        },
        'positions.list': () => Promise.reject(new EngineError('portfolio.unavailable', 'not now', { retry: true })),
      },
      errors,
    );
    await conn.receive({ id: 1, cmd: 'account.get', args: {} });
    await conn.receive({ id: 2, cmd: 'positions.list', args: {} });
    await conn.receive({ id: 3, cmd: 'engine.status', args: {} });
    expect(frames[0]).toEqual({ id: 1, ok: false, error: { code: 'internal', message: 'boom' } });
    expect(frames[1]).toEqual({ id: 2, ok: false, error: { code: 'portfolio.unavailable', message: 'not now', details: { retry: true } } });
    expect(frames[2]).toMatchObject({ id: 3, ok: true });
    expect(errors).toHaveLength(1);
  });

  it('refuses a handler result outside the contract with protocol.invalid_result', async () => {
    const { conn, frames } = serverWith({ 'account.get': () => ({ equity: 5 }) as never });
    await conn.receive({ id: 1, cmd: 'account.get', args: {} });
    expect(frames[0]).toMatchObject({ id: 1, ok: false, error: { code: 'protocol.invalid_result' } });
  });

  it('fans a push out to every connection; a failing sink does not stop the others', () => {
    const errors: unknown[] = [];
    const { server } = serverWith({}, errors);
    const got: ServerFrame[] = [];
    server.connect({
      send: () => {
        throw new Error('socket gone');
      },
    });
    server.connect({ send: (f) => got.push(f) });
    const n = server.broadcast('alert', { level: 'info', code: 'x', message: 'y', ts: 1 });
    expect(n).toBe(2); // the first connection's own sink plus the healthy one
    expect(got).toEqual([{ push: 'alert', data: { level: 'info', code: 'x', message: 'y', ts: 1 } }]);
    expect(errors).toHaveLength(1);
  });
});

describe('view patches', () => {
  it('coalesce a quote storm to at most one patch per interval (<= 20 Hz), seq +1 each', async () => {
    const h = new EngineHarness();
    h.flat(100);
    h.submit({ instrumentId: 'AAA', side: 'BUY', qty: 10, type: 'MARKET' });
    h.flat(100);
    const timer = new SimClock(0);
    const p = createEngineProtocol({ engine: h.engine, rawConfig: {}, timer, patchIntervalMs: 50 });
    const frames: ServerFrame[] = [];
    const conn = p.server.connect({ send: (f) => frames.push(f) });
    await conn.receive({ id: 1, cmd: 'views.subscribe', args: { views: ['account', 'positions'] } });
    const snapshotSeq = frames.flatMap((f) => ('push' in f && f.push === 'view.snapshot' ? [f.data] : [])).find((d) => d.view === 'account')!.seq;
    // 1000 quotes over one second of the timer: a patch per 50 ms at most.
    let px = 100;
    for (let i = 0; i < 1000; i++) {
      px += i % 2 === 0 ? 0.01 : 0.02;
      h.engine.onQuote({ instrumentId: 'AAA', ts: h.clock.now(), bid: px - 0.01, ask: px + 0.01 });
      timer.advanceTo(i);
    }
    timer.advanceTo(2000);
    const account = frames.flatMap((f) => ('push' in f && f.push === 'view.patch' && f.data.view === 'account' ? [f.data] : []));
    expect(account.length).toBeGreaterThan(5);
    expect(account.length).toBeLessThanOrEqual(21);
    expect(account.map((a) => a.seq)).toEqual(account.map((_a, i) => snapshotSeq + 1 + i));
    p.close();
  });
});
