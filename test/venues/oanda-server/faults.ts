/**
 * Fault switches of the v20 test server: the ways the live service (API-NOTES.md "Rate limits",
 * "Errors", "Pricing stream", "Transactions") fails a client, on demand. This module holds their state;
 * http.ts and streams.ts act on it. What each switch does:
 * - http429(n) / http503(n): the next n requests (REST host by default) are refused before they are
 *   processed — nothing they asked for happens — with 429 `{"errorMessage":"Rate limit violation…"}`
 *   or 503 `{"errorMessage":"Service unavailable…"}`.
 * - rejectNextOrder(reason): the next POST …/orders is accepted and then cancelled with that reason
 *   (201 + orderCancelTransaction, as INSUFFICIENT_MARGIN, MARKET_HALTED or FIFO_VIOLATION come from
 *   the live service), or with { as: 'reject' } refused with 400 + orderRejectTransaction.
 * - cutNextOrderReply(mode): the next POST …/orders executes completely (its transactions are logged
 *   and streamed) but the reply is lost: the connection is destroyed before any byte of it
 *   ('before-headers') or after the headers and half the body ('mid-body').
 * - delayReplies(ms, n): the next n REST replies wait ms before being written (after executing).
 * - stallStreams(kind): open streams of that kind go silent for good (no lines, no heartbeats, the
 *   socket stays open), and so do new ones until resumeStreams().
 * - heartbeatsOnly(on, kind): streams send heartbeats but no PRICE / transaction lines.
 * - dropStreamConnections(kind, mode): open streams are cut ('destroy': socket reset, 'end': clean end).
 * - splitLines(chunkSize | false, delayMs): stream output is written in chunks of chunkSize bytes,
 *   delayMs apart, cutting through JSON lines and UTF-8 sequences and joining line ends with the next
 *   line's start.
 * - malformedLine(kind, text): one line that is not JSON goes to every open stream of that kind (or
 *   to the next one to open, if none is open).
 * - haltMarket(instrument, on): the instrument becomes non-tradeable (status "non-tradeable" in prices;
 *   orders are cancelled MARKET_HALTED; pending orders do not trigger).
 */
import type { ForcedOutcome } from './venue';

export type StreamKind = 'pricing' | 'transactions';
export type StreamSelector = StreamKind | 'all';
export type Host = 'rest' | 'stream';
export type HostSelector = Host | 'both';
export type CutMode = 'before-headers' | 'mid-body';

export const DEFAULT_MALFORMED_LINE = '{"type":"PRICE","instrument":"EUR_USD","bids":[{"price":';

export function kindsOf(sel: StreamSelector): StreamKind[] {
  return sel === 'all' ? ['pricing', 'transactions'] : [sel];
}

export function hostsOf(sel: HostSelector): Host[] {
  return sel === 'both' ? ['rest', 'stream'] : [sel];
}

export interface CutRule {
  method: string;
  path: RegExp;
  mode: CutMode;
}

export class FaultState {
  readonly refuse: Record<Host, { status: 429 | 503; left: number }[]> = { rest: [], stream: [] };
  readonly stalled: Record<StreamKind, boolean> = { pricing: false, transactions: false };
  readonly heartbeatsOnly: Record<StreamKind, boolean> = { pricing: false, transactions: false };
  split: { chunkSize: number; delayMs: number } | null = null;
  readonly pendingMalformed: Record<StreamKind, string[]> = { pricing: [], transactions: [] };
  nextOrder: ForcedOutcome | null = null;
  readonly cuts: CutRule[] = [];
  delay: { ms: number; left: number } | null = null;

  /** Consumes one refusal for a request on `host`, if any is armed. */
  takeRefusal(host: Host): 429 | 503 | null {
    const list = this.refuse[host];
    const head = list[0];
    if (!head) return null;
    head.left -= 1;
    if (head.left <= 0) list.shift();
    return head.status;
  }

  takeCut(method: string, path: string): CutMode | null {
    const i = this.cuts.findIndex((c) => c.method === method && c.path.test(path));
    if (i < 0) return null;
    const [rule] = this.cuts.splice(i, 1);
    return rule!.mode;
  }

  takeDelay(): number {
    if (!this.delay) return 0;
    const ms = this.delay.ms;
    this.delay.left -= 1;
    if (this.delay.left <= 0) this.delay = null;
    return ms;
  }

  reset(): void {
    this.refuse.rest.length = 0;
    this.refuse.stream.length = 0;
    this.stalled.pricing = this.stalled.transactions = false;
    this.heartbeatsOnly.pricing = this.heartbeatsOnly.transactions = false;
    this.split = null;
    this.pendingMalformed.pricing.length = 0;
    this.pendingMalformed.transactions.length = 0;
    this.nextOrder = null;
    this.cuts.length = 0;
    this.delay = null;
  }
}
