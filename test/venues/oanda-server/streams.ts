/**
 * The two streams of the v20 streaming host (v20.json paths /accounts/{accountID}/pricing/stream and
 * /accounts/{accountID}/transactions/stream, definitions ClientPrice, PricingHeartbeat,
 * TransactionHeartbeat; API-NOTES.md "Pricing stream" and "Transactions"). 200 with
 * `Content-Type: application/octet-stream`, chunked, one JSON object per `\n`-terminated line.
 *
 * Pricing: the current price of each requested instrument first (unless snapshot=false), then a PRICE
 * line whenever one of them changes (a new quote or a change of tradeable status), and
 * `{"type":"HEARTBEAT","time":…}` every heartbeat period. Transactions: each transaction once its
 * batch is committed (no backlog on connect: clients backfill with …/transactions/sinceid), and
 * `{"type":"HEARTBEAT","lastTransactionID":…,"time":…}` every period. DateTimes follow each
 * connection's Accept-Datetime-Format. The fault switches of faults.ts shape what is written.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FaultState, StreamKind } from './faults';
import type { Market } from './market';
import { jsonFor, t, type DatetimeFormat } from './time';
import type { TransactionLog, Txn } from './transactions';

export interface StreamInfo {
  kind: StreamKind;
  openedAt: number;
  instruments?: readonly string[];
  linesWritten: number;
  stalled: boolean;
}

class StreamConn {
  readonly info: StreamInfo;
  private timer: NodeJS.Timeout | undefined;
  private queue: Buffer[] = [];
  private pumping = false;
  private closed = false;

  constructor(
    readonly kind: StreamKind,
    private readonly res: ServerResponse,
    private readonly socket: Socket,
    readonly format: DatetimeFormat,
    readonly instruments: ReadonlySet<string> | undefined,
    private readonly faults: FaultState,
    private readonly heartbeat: () => Record<string, unknown>,
    heartbeatMs: number,
    openedAt: number,
    private readonly onClose: (c: StreamConn) => void,
  ) {
    this.info = {
      kind,
      openedAt,
      instruments: instruments ? [...instruments] : undefined,
      linesWritten: 0,
      stalled: faults.stalled[kind],
    };
    socket.setNoDelay(true);
    res.on('close', () => this.finish());
    this.timer = setInterval(() => this.send(this.heartbeat(), true), heartbeatMs);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  stall(): void {
    this.info.stalled = true;
  }

  /** A JSON object as one line, unless a fault switch keeps it back. */
  send(obj: Record<string, unknown>, isHeartbeat = false): void {
    if (this.closed || this.info.stalled) return;
    if (!isHeartbeat && this.faults.heartbeatsOnly[this.kind]) return;
    this.writeRaw(jsonFor(obj, this.format) + '\n');
  }

  /** Raw text (malformed-line fault, or a serialised line), through the chunk splitter. */
  writeRaw(text: string): void {
    if (this.closed || this.info.stalled) return;
    this.info.linesWritten += 1;
    const buf = Buffer.from(text, 'utf8');
    const split = this.faults.split;
    if (!split && !this.pumping) {
      this.res.write(buf);
      return;
    }
    this.queue.push(buf);
    if (!this.pumping) this.pump();
  }

  private pump(): void {
    if (this.closed) return;
    const split = this.faults.split;
    if (this.queue.length === 0) {
      this.pumping = false;
      return;
    }
    this.pumping = true;
    const all = Buffer.concat(this.queue);
    const size = split ? Math.max(1, split.chunkSize) : all.length;
    this.res.write(all.subarray(0, size));
    this.queue = all.length > size ? [all.subarray(size)] : [];
    setTimeout(() => this.pump(), split ? split.delayMs : 0);
  }

  drop(mode: 'destroy' | 'end'): void {
    if (this.closed) return;
    if (mode === 'end') this.res.end();
    else this.socket.destroy();
    this.finish();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.queue = [];
    this.onClose(this);
  }
}

export class Streams {
  private readonly conns = new Set<StreamConn>();
  /** Every stream ever opened (for tests). */
  readonly history: StreamInfo[] = [];

  constructor(
    private readonly faults: FaultState,
    private readonly market: Market,
    private readonly log: TransactionLog,
    private readonly heartbeatMs: number,
    private readonly now: () => number,
  ) {
    market.onPrice((instrument) => {
      for (const c of this.conns) {
        if (c.kind === 'pricing' && c.instruments?.has(instrument)) c.send(this.market.clientPrice(instrument));
      }
    });
    log.onCommit((txns: readonly Txn[]) => {
      for (const c of this.conns) if (c.kind === 'transactions') for (const x of txns) c.send(x);
    });
  }

  private open(kind: StreamKind, res: ServerResponse, format: DatetimeFormat, instruments: ReadonlySet<string> | undefined): StreamConn {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Cache-Control': 'no-cache' });
    res.flushHeaders();
    const heartbeat =
      kind === 'pricing'
        ? () => ({ type: 'HEARTBEAT', time: t(this.now()) })
        : () => ({ type: 'HEARTBEAT', lastTransactionID: String(this.log.lastId()), time: t(this.now()) });
    const conn = new StreamConn(kind, res, res.socket as Socket, format, instruments, this.faults, heartbeat, this.heartbeatMs, this.now(), (c) =>
      this.conns.delete(c),
    );
    this.conns.add(conn);
    this.history.push(conn.info);
    return conn;
  }

  openPricing(res: ServerResponse, format: DatetimeFormat, instruments: readonly string[], snapshot: boolean): void {
    const conn = this.open('pricing', res, format, new Set(instruments));
    if (snapshot) for (const i of instruments) conn.send(this.market.clientPrice(i));
    this.flushMalformed(conn);
  }

  openTransactions(res: ServerResponse, format: DatetimeFormat): void {
    const conn = this.open('transactions', res, format, undefined);
    this.flushMalformed(conn);
  }

  private flushMalformed(conn: StreamConn): void {
    const pending = this.faults.pendingMalformed[conn.kind];
    while (pending.length > 0) conn.writeRaw(pending.shift()! + '\n');
  }

  openCount(kind?: StreamKind): number {
    let n = 0;
    for (const c of this.conns) if (!kind || c.kind === kind) n++;
    return n;
  }

  stall(kinds: readonly StreamKind[]): void {
    for (const c of this.conns) if (kinds.includes(c.kind)) c.stall();
  }

  drop(kinds: readonly StreamKind[], mode: 'destroy' | 'end'): number {
    let n = 0;
    for (const c of [...this.conns]) {
      if (!kinds.includes(c.kind)) continue;
      c.drop(mode);
      n++;
    }
    return n;
  }

  /** Writes `text` as a line to open streams of `kinds`; queues it for the next one when none is open. */
  malformed(kinds: readonly StreamKind[], text: string): number {
    let n = 0;
    for (const kind of kinds) {
      const open = [...this.conns].filter((c) => c.kind === kind);
      if (open.length === 0) this.faults.pendingMalformed[kind].push(text);
      for (const c of open) {
        c.writeRaw(text + '\n');
        n++;
      }
    }
    return n;
  }

  closeAll(): void {
    for (const c of [...this.conns]) c.drop('destroy');
  }
}
