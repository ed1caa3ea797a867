/**
 * The account's transaction log (v20.json definitions Transaction, TransactionID, TransactionFilter,
 * RequestID; paths /accounts/{accountID}/transactions, …/transactions/{transactionID},
 * …/transactions/idrange, …/transactions/sinceid; API-NOTES.md "Transactions").
 *
 * IDs are one increasing integer sequence per account, written as strings. Transactions made by one
 * request (or one price-triggered fill) form a batch: they share `batchID` (the batch's first ID),
 * `time` and, when a request made them, its `requestID`. A batch becomes visible to the streams when
 * it is committed, after the state change it records is complete.
 */
import { t, type V20Time } from './time';

export type Txn = Record<string, unknown> & {
  id: string;
  type: string;
  time: V20Time;
  batchID: string;
  accountID: string;
  userID: number;
};

export type CommitListener = (txns: readonly Txn[]) => void;

/** TransactionFilter groups (v20.json TransactionFilter: ORDER, FUNDING, ADMIN and single types). */
const FILTER_GROUPS: Record<string, (type: string) => boolean> = {
  ORDER: (type) =>
    /_ORDER(_REJECT)?$/.test(type) ||
    type.startsWith('ORDER_') ||
    type.startsWith('TRADE_CLIENT_EXTENSIONS_MODIFY') ||
    type === 'DELAYED_TRADE_CLOSURE',
  FUNDING: (type) => type.startsWith('TRANSFER_FUNDS') || type === 'DAILY_FINANCING',
  ADMIN: (type) => ['CREATE', 'CLOSE', 'REOPEN', 'CLIENT_CONFIGURE', 'CLIENT_CONFIGURE_REJECT', 'RESET_RESETTABLE_PL'].includes(type),
};

export const TRANSACTION_FILTERS: readonly string[] = [
  'ORDER', 'FUNDING', 'ADMIN', 'CREATE', 'CLOSE', 'REOPEN', 'CLIENT_CONFIGURE', 'CLIENT_CONFIGURE_REJECT',
  'TRANSFER_FUNDS', 'TRANSFER_FUNDS_REJECT', 'MARKET_ORDER', 'MARKET_ORDER_REJECT', 'LIMIT_ORDER',
  'LIMIT_ORDER_REJECT', 'STOP_ORDER', 'STOP_ORDER_REJECT', 'MARKET_IF_TOUCHED_ORDER',
  'MARKET_IF_TOUCHED_ORDER_REJECT', 'TAKE_PROFIT_ORDER', 'TAKE_PROFIT_ORDER_REJECT', 'STOP_LOSS_ORDER',
  'STOP_LOSS_ORDER_REJECT', 'TRAILING_STOP_LOSS_ORDER', 'TRAILING_STOP_LOSS_ORDER_REJECT',
  'ONE_CANCELS_ALL_ORDER', 'ONE_CANCELS_ALL_ORDER_REJECT', 'ONE_CANCELS_ALL_ORDER_TRIGGERED', 'ORDER_FILL',
  'ORDER_CANCEL', 'ORDER_CANCEL_REJECT', 'ORDER_CLIENT_EXTENSIONS_MODIFY', 'ORDER_CLIENT_EXTENSIONS_MODIFY_REJECT',
  'TRADE_CLIENT_EXTENSIONS_MODIFY', 'TRADE_CLIENT_EXTENSIONS_MODIFY_REJECT', 'MARGIN_CALL_ENTER',
  'MARGIN_CALL_EXTEND', 'MARGIN_CALL_EXIT', 'DELAYED_TRADE_CLOSURE', 'DAILY_FINANCING', 'RESET_RESETTABLE_PL',
];

/** A predicate for a comma-separated `type` filter; null when a name is not a TransactionFilter. */
export function parseTypeFilter(raw: string | null): ((type: string) => boolean) | null {
  if (raw === null || raw === '') return () => true;
  const names = raw.split(',').map((s) => s.trim());
  if (names.some((n) => !TRANSACTION_FILTERS.includes(n))) return null;
  return (type) => names.some((n) => (FILTER_GROUPS[n] ? FILTER_GROUPS[n](type) : n === type));
}

export class Batch {
  readonly txns: Txn[] = [];
  private committed = false;

  constructor(
    private readonly log: TransactionLog,
    readonly time: number,
    readonly requestID: string | undefined,
  ) {}

  /** Appends a transaction; its ID is assigned now. */
  add<T extends Record<string, unknown> & { type: string }>(body: T): Txn & T {
    if (this.committed) throw new Error('oanda-server: batch already committed');
    const id = String(this.log.lastId() + 1);
    const txn = {
      id,
      time: t(this.time),
      userID: this.log.userID,
      accountID: this.log.accountID,
      batchID: this.txns[0]?.id ?? id,
      ...(this.requestID !== undefined ? { requestID: this.requestID } : {}),
      ...body,
    } as Txn & T;
    this.log.append(txn);
    this.txns.push(txn);
    return txn;
  }

  /** The ID the next `add` will get. */
  nextId(): string {
    return String(this.log.lastId() + 1);
  }

  ids(): string[] {
    return this.txns.map((x) => x.id);
  }

  commit(): void {
    if (this.committed) return;
    this.committed = true;
    if (this.txns.length > 0) this.log.publish(this.txns);
  }
}

export class TransactionLog {
  private readonly list: Txn[] = [];
  private readonly listeners = new Set<CommitListener>();

  constructor(
    readonly accountID: string,
    readonly userID: number,
  ) {}

  begin(time: number, requestID?: string): Batch {
    return new Batch(this, time, requestID);
  }

  /** @internal used by Batch */
  append(txn: Txn): void {
    this.list.push(txn);
  }

  /** @internal used by Batch */
  publish(txns: readonly Txn[]): void {
    for (const l of this.listeners) l(txns);
  }

  onCommit(listener: CommitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  lastId(): number {
    return this.list.length;
  }

  get(id: number): Txn | undefined {
    return this.list[id - 1];
  }

  all(): readonly Txn[] {
    return this.list;
  }

  /** Transactions with from ≤ id ≤ to. */
  range(from: number, to: number, filter: (type: string) => boolean = () => true): Txn[] {
    return this.list.slice(Math.max(0, from - 1), Math.max(0, to)).filter((x) => filter(x.type));
  }

  since(id: number): Txn[] {
    return this.list.slice(Math.max(0, id));
  }
}
