/**
 * The endpoints of the v20 test server and their query parameters (v20.json "paths" under basePath
 * /v3: accounts, instruments, candles, pricing and its stream, orders, trades, positions, transactions
 * and their stream, changes; API-NOTES.md throughout). Each handler answers with the status and body
 * the spec gives it; list endpoints return newest first with `count` (default 50, at most 500) and
 * `beforeID`; an unknown account is 400 where the spec lists no 404 for the path, else 404.
 */
import type { Account } from './account';
import { candles, parseCandleQuery } from './candles';
import { changesSince } from './changes';
import type { Market } from './market';
import type { OrderRec, TradeRec } from './model';
import type { Streams } from './streams';
import { parseTime, t, type DatetimeFormat } from './time';
import { parseTypeFilter, type TransactionLog } from './transactions';
import type { ForcedOutcome, Reply, Venue } from './venue';
import type { Host } from './faults';

export interface Core {
  account: Account;
  market: Market;
  log: TransactionLog;
  venue: Venue;
  streams: Streams;
  seed: number;
  now: () => number;
  restUrl: () => string;
  takeForcedOrder: () => ForcedOutcome | undefined;
}

export interface Ctx {
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  format: DatetimeFormat;
  requestID: string;
  res: import('node:http').ServerResponse;
}

/** A handler's answer: a JSON reply, or 'stream' when it took over the response. */
export type Answer = Reply | 'stream';

export interface Route {
  host: Host;
  method: string;
  pattern: string[];
  /** Status for an unknown {accountID} (400 where the spec lists no 404). */
  unknownAccount: 400 | 404;
  handler: (core: Core, ctx: Ctx) => Answer;
}

const err = (status: number, errorMessage: string, errorCode?: string): Reply => ({
  status,
  body: { ...(errorCode !== undefined ? { errorCode } : {}), errorMessage },
});
const invalid = (what: string): Reply => err(400, `Invalid value specified for '${what}'`);
const ok = (body: Record<string, unknown>, status = 200): Reply => ({ status, body });

function listParams(q: URLSearchParams): { count: number; beforeID?: number; ids?: Set<string>; instrument?: string } | Reply {
  const c = q.get('count');
  const count = c === null ? 50 : Number(c);
  if (!Number.isInteger(count) || count < 1 || count > 500) return invalid('count');
  const b = q.get('beforeID');
  if (b !== null && !/^\d+$/.test(b)) return invalid('beforeID');
  const ids = q.get('ids');
  return {
    count,
    beforeID: b === null ? undefined : Number(b),
    ids: ids ? new Set(ids.split(',').map((s) => s.trim())) : undefined,
    instrument: q.get('instrument') ?? undefined,
  };
}

function isReply(x: unknown): x is Reply {
  return typeof x === 'object' && x !== null && 'status' in x && 'body' in x;
}

function instrumentsParam(core: Core, q: URLSearchParams, required: boolean): string[] | Reply {
  const raw = q.get('instruments');
  if (raw === null || raw === '') return required ? invalid('instruments') : core.market.names();
  const names = raw.split(',').map((s) => s.trim());
  if (names.some((n) => !core.market.def(n))) return invalid('instruments');
  return names;
}

function lastId(core: Core): string {
  return core.account.lastTransactionID();
}

// ---- handlers ------------------------------------------------------------------------------------------

function listOrders(core: Core, ctx: Ctx, pendingOnly: boolean): Answer {
  const lp = listParams(ctx.query);
  if (isReply(lp)) return lp;
  const state = pendingOnly ? 'PENDING' : (ctx.query.get('state') ?? 'PENDING');
  if (!['PENDING', 'FILLED', 'TRIGGERED', 'CANCELLED', 'ALL'].includes(state)) return invalid('state');
  const acct = core.account;
  const list = [...acct.orders.values()]
    .filter((o: OrderRec) => (state === 'ALL' || o.state === state) && (!lp.instrument || o.instrument === lp.instrument))
    .filter((o) => !lp.ids || lp.ids.has(o.id))
    .filter((o) => lp.beforeID === undefined || Number(o.id) < lp.beforeID)
    .sort((a, b) => Number(b.id) - Number(a.id))
    .slice(0, pendingOnly ? undefined : lp.count);
  return ok({ orders: list.map((o) => acct.orderWire(o)), lastTransactionID: lastId(core) });
}

function listTrades(core: Core, ctx: Ctx, openOnly: boolean): Answer {
  const lp = listParams(ctx.query);
  if (isReply(lp)) return lp;
  const state = openOnly ? 'OPEN' : (ctx.query.get('state') ?? 'OPEN');
  if (!['OPEN', 'CLOSED', 'CLOSE_WHEN_TRADEABLE', 'ALL'].includes(state)) return invalid('state');
  const acct = core.account;
  const list = [...acct.trades.values()]
    .filter((tr: TradeRec) => (state === 'ALL' || tr.state === state) && (!lp.instrument || tr.instrument === lp.instrument))
    .filter((tr) => !lp.ids || lp.ids.has(tr.id))
    .filter((tr) => lp.beforeID === undefined || Number(tr.id) < lp.beforeID)
    .sort((a, b) => Number(b.id) - Number(a.id))
    .slice(0, openOnly ? undefined : lp.count);
  return ok({ trades: list.map((tr) => acct.tradeWire(tr)), lastTransactionID: lastId(core) });
}

function transactionsPages(core: Core, ctx: Ctx): Answer {
  const q = ctx.query;
  const from = q.get('from') === null ? core.account.cfg.createdTime : parseTime(q.get('from')!);
  if (from === null) return invalid('from');
  const to = q.get('to') === null ? core.now() : parseTime(q.get('to')!);
  if (to === null) return invalid('to');
  const ps = q.get('pageSize');
  const pageSize = ps === null ? 100 : Number(ps);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) return invalid('pageSize');
  const filter = parseTypeFilter(q.get('type'));
  if (!filter) return invalid('type');
  const matching = core.log.all().filter((x) => x.time.ms >= from && x.time.ms <= to && filter(x.type));
  const pages: string[] = [];
  const base = `${core.restUrl()}/v3/accounts/${core.account.id}/transactions/idrange`;
  const typeParam = q.get('type') ? `&type=${q.get('type')}` : '';
  for (let i = 0; i < matching.length; i += pageSize) {
    const chunk = matching.slice(i, i + pageSize);
    pages.push(`${base}?from=${chunk[0]!.id}&to=${chunk[chunk.length - 1]!.id}${typeParam}`);
  }
  return ok({
    from: t(from),
    to: t(to),
    pageSize,
    ...(q.get('type') ? { type: q.get('type')!.split(',') } : {}),
    count: matching.length,
    pages,
    lastTransactionID: lastId(core),
  });
}

function idParam(q: URLSearchParams, name: string): number | Reply {
  const v = q.get(name);
  if (v === null || !/^\d+$/.test(v)) return invalid(name);
  return Number(v);
}

function rangeError(core: Core, what: string, id: number): Reply | null {
  return id > core.log.lastId()
    ? err(416, `Invalid value specified for '${what}'. ID ${id} is greater than the last transaction ID ${core.log.lastId()}`)
    : null;
}

// ---- the table -----------------------------------------------------------------------------------------

const A = '/v3/accounts/:accountID';

const table: [Host, string, string, 400 | 404, Route['handler']][] = [
  ['rest', 'GET', '/v3/accounts', 404, (core) => ok({ accounts: [{ id: core.account.id, tags: [] }] })],
  ['rest', 'GET', A, 400, (core) => ok({ account: core.account.accountWire(), lastTransactionID: lastId(core) })],
  ['rest', 'GET', `${A}/summary`, 400, (core) => ok({ account: core.account.summaryWire(), lastTransactionID: lastId(core) })],
  [
    'rest', 'GET', `${A}/instruments`, 400,
    (core, ctx) => {
      const names = instrumentsParam(core, ctx.query, false);
      if (isReply(names)) return names;
      const instruments = names.map((n) => {
        const d = core.market.def(n)!;
        return {
          name: d.name, type: d.type, displayName: d.displayName, pipLocation: d.pipLocation,
          displayPrecision: d.displayPrecision, tradeUnitsPrecision: d.tradeUnitsPrecision,
          minimumTradeSize: d.minimumTradeSize, maximumTrailingStopDistance: d.maximumTrailingStopDistance,
          minimumTrailingStopDistance: d.minimumTrailingStopDistance, maximumPositionSize: d.maximumPositionSize,
          maximumOrderUnits: d.maximumOrderUnits, marginRate: d.marginRate,
        };
      });
      return ok({ instruments, lastTransactionID: lastId(core) });
    },
  ],
  ['rest', 'PATCH', `${A}/configuration`, 404, (core, ctx) => core.venue.configure(ctx.body, ctx.requestID)],
  [
    'rest', 'GET', `${A}/changes`, 404,
    (core, ctx) => {
      const since = idParam(ctx.query, 'sinceTransactionID');
      if (isReply(since)) return since;
      const r = rangeError(core, 'sinceTransactionID', since);
      if (r) return r;
      const { changes, state } = changesSince(core.account, since);
      return ok({ changes, state, lastTransactionID: lastId(core) });
    },
  ],
  ['rest', 'GET', '/v3/instruments/:instrument/candles', 404, (core, ctx) => candlesHandler(core, ctx)],
  ['rest', 'GET', `${A}/instruments/:instrument/candles`, 404, (core, ctx) => candlesHandler(core, ctx)],
  [
    'rest', 'GET', `${A}/pricing`, 404,
    (core, ctx) => {
      const names = instrumentsParam(core, ctx.query, true);
      if (isReply(names)) return names;
      const sinceRaw = ctx.query.get('since');
      const since = sinceRaw === null ? null : parseTime(sinceRaw);
      if (sinceRaw !== null && since === null) return invalid('since');
      const units = ctx.query.get('includeUnitsAvailable') !== 'false';
      const prices = names
        .filter((n) => since === null || core.market.quote(n).time > since)
        .map((n) =>
          core.market.clientPrice(n, {
            quoteHomeConversionFactors: core.market.quoteHomeConversionFactors(n),
            ...(units ? { unitsAvailable: core.account.unitsAvailable(n) } : {}),
          }),
        );
      return ok({
        time: t(core.now()),
        prices,
        ...(ctx.query.get('includeHomeConversions') === 'true' ? { homeConversions: core.market.homeConversions() } : {}),
      });
    },
  ],
  ['rest', 'POST', `${A}/orders`, 404, (core, ctx) => core.venue.createOrder(ctx.body, ctx.requestID, core.takeForcedOrder())],
  ['rest', 'GET', `${A}/orders`, 404, (core, ctx) => listOrders(core, ctx, false)],
  ['rest', 'GET', `${A}/pendingOrders`, 404, (core, ctx) => listOrders(core, ctx, true)],
  [
    'rest', 'GET', `${A}/orders/:spec`, 404,
    (core, ctx) => {
      const o = core.account.orderBySpecifier(ctx.params.spec!);
      if (!o) return err(404, 'The Order specified does not exist', 'NO_SUCH_ORDER');
      return ok({ order: core.account.orderWire(o), lastTransactionID: lastId(core) });
    },
  ],
  ['rest', 'PUT', `${A}/orders/:spec`, 404, (core, ctx) => core.venue.replaceOrder(ctx.params.spec!, ctx.body, ctx.requestID)],
  ['rest', 'PUT', `${A}/orders/:spec/cancel`, 404, (core, ctx) => core.venue.cancelOrder(ctx.params.spec!, ctx.requestID)],
  ['rest', 'PUT', `${A}/orders/:spec/clientExtensions`, 404, (core, ctx) => core.venue.setOrderClientExtensions(ctx.params.spec!, ctx.body, ctx.requestID)],
  ['rest', 'GET', `${A}/trades`, 404, (core, ctx) => listTrades(core, ctx, false)],
  ['rest', 'GET', `${A}/openTrades`, 404, (core, ctx) => listTrades(core, ctx, true)],
  [
    'rest', 'GET', `${A}/trades/:spec`, 404,
    (core, ctx) => {
      const tr = core.account.tradeBySpecifier(ctx.params.spec!);
      if (!tr) return err(404, 'The Trade specified does not exist', 'NO_SUCH_TRADE');
      return ok({ trade: core.account.tradeWire(tr), lastTransactionID: lastId(core) });
    },
  ],
  ['rest', 'PUT', `${A}/trades/:spec/close`, 404, (core, ctx) => core.venue.closeTrade(ctx.params.spec!, ctx.body, ctx.requestID)],
  ['rest', 'PUT', `${A}/trades/:spec/clientExtensions`, 404, (core, ctx) => core.venue.setTradeClientExtensions(ctx.params.spec!, ctx.body, ctx.requestID)],
  ['rest', 'PUT', `${A}/trades/:spec/orders`, 404, (core, ctx) => core.venue.setTradeOrders(ctx.params.spec!, ctx.body, ctx.requestID)],
  [
    'rest', 'GET', `${A}/positions`, 404,
    (core) => ok({ positions: [...core.account.positions.keys()].sort().map((i) => core.account.positionWire(i)), lastTransactionID: lastId(core) }),
  ],
  [
    'rest', 'GET', `${A}/openPositions`, 404,
    (core) => ok({ positions: core.account.openPositionInstruments().map((i) => core.account.positionWire(i)), lastTransactionID: lastId(core) }),
  ],
  [
    'rest', 'GET', `${A}/positions/:instrument`, 404,
    (core, ctx) => {
      const i = ctx.params.instrument!;
      if (!core.market.def(i)) return err(404, 'The Position specified does not exist', 'NO_SUCH_POSITION');
      return ok({ position: core.account.positionWire(i), lastTransactionID: lastId(core) });
    },
  ],
  ['rest', 'PUT', `${A}/positions/:instrument/close`, 404, (core, ctx) => core.venue.closePosition(ctx.params.instrument!, ctx.body, ctx.requestID)],
  ['rest', 'GET', `${A}/transactions`, 404, transactionsPages],
  [
    'rest', 'GET', `${A}/transactions/idrange`, 404,
    (core, ctx) => {
      const from = idParam(ctx.query, 'from');
      if (isReply(from)) return from;
      const to = idParam(ctx.query, 'to');
      if (isReply(to)) return to;
      if (from < 1 || to < from) return invalid('to');
      const r = rangeError(core, 'from', from);
      if (r) return r;
      const filter = parseTypeFilter(ctx.query.get('type'));
      if (!filter) return invalid('type');
      return ok({ transactions: core.log.range(from, to, filter), lastTransactionID: lastId(core) });
    },
  ],
  [
    'rest', 'GET', `${A}/transactions/sinceid`, 404,
    (core, ctx) => {
      const id = idParam(ctx.query, 'id');
      if (isReply(id)) return id;
      const r = rangeError(core, 'id', id);
      if (r) return r;
      return ok({ transactions: core.log.since(id), lastTransactionID: lastId(core) });
    },
  ],
  [
    'rest', 'GET', `${A}/transactions/:transactionID`, 404,
    (core, ctx) => {
      const raw = ctx.params.transactionID!;
      const x = /^\d+$/.test(raw) ? core.log.get(Number(raw)) : undefined;
      if (!x) return err(404, 'The Transaction specified does not exist', 'NO_SUCH_TRANSACTION');
      return ok({ transaction: x, lastTransactionID: lastId(core) });
    },
  ],
  [
    'stream', 'GET', `${A}/pricing/stream`, 404,
    (core, ctx) => {
      const names = instrumentsParam(core, ctx.query, true);
      if (isReply(names)) return names;
      core.streams.openPricing(ctx.res, ctx.format, names, ctx.query.get('snapshot') !== 'false');
      return 'stream';
    },
  ],
  [
    'stream', 'GET', `${A}/transactions/stream`, 404,
    (core, ctx) => {
      core.streams.openTransactions(ctx.res, ctx.format);
      return 'stream';
    },
  ],
];

function candlesHandler(core: Core, ctx: Ctx): Answer {
  const def = core.market.def(ctx.params.instrument!);
  if (!def) return invalid('instrument');
  const q = parseCandleQuery(ctx.query);
  if ('ok' in q) return q.ok ? ok(q.body) : err(q.status, q.errorMessage);
  const r = candles(def, q, core.seed, core.now());
  return r.ok ? ok(r.body) : err(r.status, r.errorMessage);
}

export const ROUTES: readonly Route[] = table.map(([host, method, path, unknownAccount, handler]) => ({
  host,
  method,
  pattern: path.split('/').slice(1),
  unknownAccount,
  handler,
}));

/** Matches a path (already split, segments decoded) against the routes of `host`. */
export function matchRoute(
  host: Host,
  method: string,
  segments: readonly string[],
): { route: Route; params: Record<string, string> } | { methodNotAllowed: true } | null {
  let pathMatched = false;
  for (const route of ROUTES) {
    if (route.host !== host || route.pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let okMatch = true;
    for (let i = 0; i < segments.length; i++) {
      const p = route.pattern[i]!;
      const s = segments[i]!;
      if (p.startsWith(':')) {
        if (p === ':transactionID' && !/^\d+$/.test(s)) {
          okMatch = false;
          break;
        }
        params[p.slice(1)] = s;
      } else if (p !== s) {
        okMatch = false;
        break;
      }
    }
    if (!okMatch) continue;
    if (route.method !== method) {
      pathMatched = true;
      continue;
    }
    return { route, params };
  }
  return pathMatched ? { methodNotAllowed: true } : null;
}

