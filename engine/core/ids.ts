/**
 * Deterministic id generation. Client order ids are `{prefix}-{n}`: the prefix names the session
 * (a backtest uses a fixed prefix so its outputs are byte-identical; a live session uses one that is
 * unique per start, persisted by the host), and n counts up. Ids never repeat within a prefix.
 */
export class IdGenerator {
  private n: number;

  constructor(
    readonly prefix: string,
    start = 0,
  ) {
    this.n = start;
  }

  next(): string {
    this.n += 1;
    return `${this.prefix}-${this.n}`;
  }

  /** Continues after `n` (a restarted session: never reuse an id). Never goes back. */
  advanceTo(n: number): void {
    if (n > this.n) this.n = n;
  }

  get count(): number {
    return this.n;
  }
}
