/**
 * The engine's side of the desktop host port (engine/node/desktop/host-port.ts), with real
 * worker_threads MessagePorts (structured clone, transfer of a port inside a message) standing in for
 * Electron's parentPort and MessagePortMain, whose only difference is the event shape `{data, ports}`
 * (adapted below), and the real protocol server of the contract tests.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, expect, it } from 'vitest';
import { ENGINE_PORT_CHANNEL, serveHost, type MessagePortLike, type ParentPortLike, type PortMessageEvent } from '../../../engine/node/desktop/host-port';
import { ipcTransport, type IpcEndpoint } from '../../../engine/node/server/ipc-transport';
import { ProtocolClient } from '../../../engine/protocol/client';
import type { Transport } from '../../../engine/protocol/transport';
import { createFixtureEngine, type FixtureEngine } from '../../contract/fixture-engine';

/** A Node MessagePort with Electron's event shape; a message `{channel, port}` carries a transferred port. */
function electronShaped(p: MessagePort): MessagePortLike & ParentPortLike {
  const wrapped = new Map<(e: PortMessageEvent) => void, (v: unknown) => void>();
  return {
    postMessage: (m: unknown) => p.postMessage(m),
    on(event: 'message' | 'close', cb: ((e: PortMessageEvent) => void) | (() => void)) {
      if (event === 'close') p.on('close', cb as () => void);
      else {
        const w = (v: unknown) => {
          const port = (v as { port?: unknown } | null)?.port;
          (cb as (e: PortMessageEvent) => void)(port ? { data: { channel: (v as { channel: string }).channel }, ports: [electronShaped(port as MessagePort)] } : { data: v, ports: [] });
        };
        wrapped.set(cb as (e: PortMessageEvent) => void, w);
        p.on('message', w);
      }
      return this;
    },
    off(_event: 'message', cb: (e: PortMessageEvent) => void) {
      const w = wrapped.get(cb);
      if (w) p.off('message', w);
      return this;
    },
    start: () => p.start(),
    close: () => p.close(),
  } as MessagePortLike & ParentPortLike;
}

/** The supervisor's end of the parent channel as an IPC endpoint (what the UtilityProcess gives main). */
function mainEnd(p: MessagePort): IpcEndpoint {
  return {
    send: (m: unknown) => (p.postMessage(m), true),
    on: (event: string, cb: (m?: unknown) => void) => (event === 'message' ? p.on('message', cb) : p.on('close', cb as () => void)),
    off: (_event: string, cb: (m: unknown) => void) => p.off('message', cb),
  } as IpcEndpoint;
}

function portTransport(p: MessagePort): Transport {
  let closed = false;
  const closers: ((r: string) => void)[] = [];
  const shut = (r: string) => {
    if (closed) return;
    closed = true;
    for (const cb of closers.splice(0)) cb(r);
  };
  p.on('close', () => shut('port closed'));
  return {
    send: (f) => p.postMessage(f),
    onMessage: (cb) => void p.on('message', cb),
    onClose: (cb) => void closers.push(cb),
    close: () => {
      p.close();
      shut('closed');
    },
  };
}

let fx: FixtureEngine | null = null;
const toClose: (() => void)[] = [];
afterEach(() => {
  for (const c of toClose.splice(0)) c();
  fx?.close();
  fx = null;
});

it('serves the supervisor over the parent port and one session per transferred port; a closed port ends its session', async () => {
  fx = createFixtureEngine();
  const parent = new MessageChannel();
  const stop = serveHost(fx.protocol.server, electronShaped(parent.port2));
  toClose.push(stop, () => parent.port1.close());

  const supervisor = new ProtocolClient(ipcTransport(mainEnd(parent.port1)));
  expect((await supervisor.request('engine.status', {})).tradingState).toBe('ACTIVE');
  expect(fx.protocol.server.connectionCount).toBe(1);

  // main makes a channel, gives one end to the engine, the other to the renderer
  const ch = new MessageChannel();
  parent.port1.postMessage({ channel: ENGINE_PORT_CHANNEL, port: ch.port1 }, [ch.port1]);
  const renderer = new ProtocolClient(portTransport(ch.port2));
  const status = await renderer.request('engine.status', {});
  expect(status.instruments).toEqual(['AAA', 'BBB']);
  expect(fx.protocol.server.connectionCount).toBe(2);

  // a push reaches both sessions
  const pushed = renderer.waitFor('engine.state', (d) => d.to === 'HALTED', 5_000);
  await supervisor.request('risk.halt', { reason: 'test' });
  expect((await pushed).source).toBe('user:desktop-host');

  // the renderer goes away: its session ends, the supervisor's stays
  ch.port2.close();
  for (let i = 0; i < 50 && fx.protocol.server.connectionCount !== 1; i++) await new Promise((r) => setTimeout(r, 20));
  expect(fx.protocol.server.connectionCount).toBe(1);
  expect((await supervisor.request('engine.status', {})).tradingState).toBe('HALTED');

  stop();
  expect(fx.protocol.server.connectionCount).toBe(0);
});

it('a port message without exactly one port is reported and opens no session', async () => {
  fx = createFixtureEngine();
  const parent = new MessageChannel();
  const errors: string[] = [];
  const stop = serveHost(fx.protocol.server, electronShaped(parent.port2), (e) => errors.push(String(e)));
  toClose.push(stop, () => parent.port1.close());
  parent.port1.postMessage({ channel: ENGINE_PORT_CHANNEL });
  const supervisor = new ProtocolClient(ipcTransport(mainEnd(parent.port1)));
  await supervisor.request('engine.status', {});
  expect(errors).toEqual([expect.stringContaining('0 ports (want 1)')]);
  expect(fx.protocol.server.connectionCount).toBe(1);
});
