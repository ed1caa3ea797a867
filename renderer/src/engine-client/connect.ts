/**
 * One engine client over either transport: inside the desktop app the preload hands over a
 * MessagePort (port-transport.ts); in a browser served by the headless engine, a WebSocket to the
 * page's own origin with the session's token (ws-transport.ts). Either way the rest of the UI sees
 * one ProtocolClient (engine/protocol/client.ts).
 */
import { ProtocolClient } from '../../../engine/protocol/client';
import type { DesktopApi } from '../../../electron/preload/api';
import { receiveEnginePort } from './port-transport';
import { WebSocketTransport, engineSocketUrl } from './ws-transport';

export type TransportKind = 'port' | 'websocket';

export function transportKind(desktop: DesktopApi | null): TransportKind {
  return desktop ? 'port' : 'websocket';
}

export async function connectDesktop(win: Window, desktop: DesktopApi): Promise<ProtocolClient> {
  // Listen first, then ask: the preload posts the port into this window (electron/preload/api.ts).
  const pending = receiveEnginePort(win);
  const [transport] = await Promise.all([pending, desktop.requestEnginePort()]);
  return new ProtocolClient(transport, { timeoutMs: 15_000 });
}

export async function connectWebSocket(loc: { protocol: string; host: string }, token: string): Promise<ProtocolClient> {
  const t = new WebSocketTransport(engineSocketUrl(loc, token));
  await t.opened;
  return new ProtocolClient(t, { timeoutMs: 15_000 });
}
