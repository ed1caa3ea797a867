/**
 * An in-process transport pair: what one end sends, the other receives, asynchronously (a microtask
 * later, like every real transport) and as a JSON copy, so that nothing that would not survive a real
 * transport (functions, undefined, NaN, shared references) can pass here either.
 */
import type { ProtocolServer } from '../server';
import type { ServerFrame } from '../contract';
import type { Transport } from '../transport';

class End implements Transport {
  peer: End | null = null;
  private receiver: ((frame: unknown) => void) | null = null;
  private closers: ((reason: string) => void)[] = [];
  private closed = false;
  private readonly backlog: unknown[] = [];

  send(frame: unknown): void {
    if (this.closed) throw new Error('transport is closed');
    const copy: unknown = JSON.parse(JSON.stringify(frame));
    const peer = this.peer;
    queueMicrotask(() => peer?.deliver(copy));
  }

  deliver(frame: unknown): void {
    if (this.closed) return;
    if (this.receiver) this.receiver(frame);
    else this.backlog.push(frame);
  }

  onMessage(cb: (frame: unknown) => void): void {
    this.receiver = cb;
    for (const f of this.backlog.splice(0)) cb(f);
  }

  onClose(cb: (reason: string) => void): void {
    this.closers.push(cb);
  }

  close(): void {
    this.shut('closed');
    this.peer?.shut('peer closed');
  }

  shut(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const cb of this.closers.splice(0)) cb(reason);
  }
}

/** Two connected transports. */
export function createInProcessPair(): [Transport, Transport] {
  const a = new End();
  const b = new End();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/** Serves a protocol server over one end of a transport (any transport); returns a closer. */
export function serveTransport(server: ProtocolServer, transport: Transport, source: string): () => void {
  const conn = server.connect({ send: (frame: ServerFrame) => transport.send(frame) }, source);
  transport.onMessage((frame) => {
    conn.receive(frame).catch((err: unknown) => server.reportError(err, `${source} receive`));
  });
  transport.onClose(() => conn.close());
  return () => {
    conn.close();
    transport.close();
  };
}

/** A client transport connected in-process to `server`. */
export function connectInProcess(server: ProtocolServer, source = 'user:in-process'): Transport {
  const [clientEnd, serverEnd] = createInProcessPair();
  serveTransport(server, serverEnd, source);
  return clientEnd;
}
