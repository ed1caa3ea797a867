/**
 * Engine state -> wire records of the contract (engine/protocol/contract.ts), and wire values ->
 * engine units. Money goes out as exact micro-unit decimal strings (6 decimals), prices as decimal
 * strings of the instrument's precision, quantities in its unit precision. Inbound decimal strings are
 * parsed exactly (`parseDecimal`): more decimals than the instrument has is `decimal.precision`.
 */
import type { CacheView } from '../core/cache';
import { formatDecimal, parseDecimal } from '../core/fixed';
import type { FlattenReport } from '../core/flatten-report';
import { priceToTicks, type Instrument } from '../core/instrument';
import { MONEY_SCALE, type Money } from '../core/money';
import type { Order } from '../core/order';
import type { OrderFilled } from '../core/events';
import type { TradingEngine } from '../runtime/trading-engine';
import type { AccountDto, FillDto, FlattenReportDto, OrderDto, PositionDto, RiskDto } from './contract';

export function moneyStr(m: Money): string {
  return formatDecimal(Math.round(m), MONEY_SCALE);
}

export function priceStr(inst: Instrument, ticks: number): string {
  return formatDecimal(ticks, inst.pricePrecision);
}

/** A price that is not a whole number of ticks (an average), with two more decimals than the instrument. */
export function floatPriceStr(inst: Instrument, px: number): string {
  return Number.isFinite(px) ? px.toFixed(inst.pricePrecision + 2) : '0';
}

export function qtyStr(inst: Instrument, units: number): string {
  return formatDecimal(units, inst.unitPrecision);
}

/** Decimal price text -> integer ticks of the instrument (exact; `decimal.precision` on extra decimals). */
export function ticksOf(inst: Instrument, text: string): number {
  return parseDecimal(text, inst.pricePrecision);
}

/** Decimal quantity text -> integer units of the instrument. */
export function unitsOf(inst: Instrument, text: string): number {
  return parseDecimal(text, inst.unitPrecision);
}

export function orderDto(cache: CacheView, o: Readonly<Order>): OrderDto {
  const inst = cache.hasInstrument(o.instrumentId) ? cache.instrument(o.instrumentId) : null;
  const p = (t: number | null) => (t === null ? null : inst ? priceStr(inst, t) : String(t));
  const q = (u: number) => (inst ? qtyStr(inst, u) : String(u));
  return {
    clientOrderId: o.clientOrderId,
    venueOrderId: o.venueOrderId,
    strategyId: o.strategyId,
    instrumentId: o.instrumentId,
    side: o.side,
    type: o.type,
    qty: q(o.qty),
    filledQty: q(o.filledQty),
    price: p(o.price),
    triggerPrice: p(o.triggerPrice),
    avgFillPx: o.filledQty > 0 && inst ? floatPriceStr(inst, o.fillCost / o.filledQty / 10 ** inst.pricePrecision) : null,
    tif: o.tif,
    reduceOnly: o.reduceOnly,
    role: o.role,
    parentId: o.parentId,
    status: o.status,
    tag: o.tag,
    tsInit: o.tsInit,
    tsLast: o.tsLast,
  };
}

export function positionsDto(engine: TradingEngine): PositionDto[] {
  const cache = engine.kernel.cache;
  return engine.portfolio
    .openPositions()
    .filter((p) => p.qty !== 0)
    .map((p) => {
      const inst = cache.instrument(p.instrumentId);
      const last = cache.lastPrice(p.instrumentId);
      return {
        instrumentId: p.instrumentId,
        qty: qtyStr(inst, p.qty),
        avgPx: floatPriceStr(inst, p.avgPx),
        markPx: last > 0 ? priceStr(inst, priceToTicks(inst, last)) : null,
        unrealizedPnl: moneyStr(p.unrealizedPnl),
        marketValue: moneyStr(p.marketValue),
        tsOpened: p.tsOpened,
      };
    })
    .sort((a, b) => (a.instrumentId < b.instrumentId ? -1 : a.instrumentId > b.instrumentId ? 1 : 0));
}

export function fillDto(cache: CacheView, e: OrderFilled): FillDto {
  const inst = cache.instrument(e.instrumentId);
  return {
    tradeId: e.tradeId,
    clientOrderId: e.clientOrderId,
    strategyId: e.strategyId,
    instrumentId: e.instrumentId,
    side: e.side,
    qty: qtyStr(inst, e.lastQty),
    px: priceStr(inst, e.lastPx),
    fee: formatDecimal(e.fee, MONEY_SCALE),
    feeCurrency: e.feeCurrency,
    liquidity: e.liquidity,
    ts: e.tsEvent,
  };
}

export function accountDto(engine: TradingEngine): AccountDto {
  const p = engine.portfolio;
  return {
    currency: p.accountCurrency,
    cash: moneyStr(p.cash()),
    equity: moneyStr(p.equity()),
    unrealizedPnl: moneyStr(p.unrealizedPnl()),
    realizedPnl: moneyStr(p.realizedPnl()),
    marginUsed: moneyStr(p.marginUsed()),
    grossExposure: moneyStr(p.grossExposure()),
    netExposure: moneyStr(p.netExposure()),
    startOfDayEquity: moneyStr(p.startOfDayEquity()),
    peakEquity: moneyStr(p.peakEquity()),
    openPositions: p.openPositionCount(),
  };
}

const pctOf = (value: number, limit: number | null): number | null => (limit === null || limit === 0 ? null : round4((value / limit) * 100));
const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;

export function riskDto(engine: TradingEngine, now: number): RiskDto {
  const p = engine.portfolio;
  const L = engine.risk.limits;
  const cache = engine.kernel.cache;
  const equity = p.equity();
  const gross = p.grossExposure();
  const capPct = L.maxPortfolioExposurePct;
  const cap = capPct === null ? null : Math.round((equity * capPct) / 100);
  const sod = p.startOfDayEquity();
  const peak = p.peakEquity();
  const dailyLossPct = sod > 0 ? round4(((sod - equity) / sod) * 100) : 0;
  const drawdownPct = peak > 0 ? round4(Math.max(0, (peak - equity) / peak) * 100) : 0;
  const g = engine.guards.settings.limits;
  const trades = engine.risk.tradesToday();
  const maxTrades = L.maxTradesPerDay ?? null;
  return {
    tradingState: engine.state.state,
    exposure: { value: moneyStr(gross), limit: cap === null ? null : moneyStr(cap), usedPct: cap === null ? null : pctOf(gross, cap), capPct },
    openPositions: { value: p.openPositionCount(), limit: L.maxOpenPositions, usedPct: pctOf(p.openPositionCount(), L.maxOpenPositions) },
    tradesToday: { value: trades, limit: maxTrades, usedPct: pctOf(trades, maxTrades) },
    dailyLoss: { value: dailyLossPct, limit: g.daily_loss.limitPct, usedPct: pctOf(Math.max(0, dailyLossPct), g.daily_loss.limitPct), action: g.daily_loss.action },
    drawdown: { value: drawdownPct, limit: g.drawdown.limitPct, usedPct: pctOf(drawdownPct, g.drawdown.limitPct), action: g.drawdown.action },
    limits: {
      maxPortfolioExposurePct: L.maxPortfolioExposurePct,
      maxOpenPositions: L.maxOpenPositions,
      maxTradesPerDay: maxTrades,
      maxPositionPct: L.maxPositionPct ?? null,
      maxSectorPct: L.maxSectorPct ?? null,
      maxLeverage: L.maxLeverage ?? null,
      priceSanityPct: L.priceSanityPct ?? null,
      scaleToCap: L.scaleToCap,
    },
    freshness: cache.instruments().map((inst) => {
      const ts = cache.lastPriceTs(inst.id);
      const has = Number.isFinite(ts);
      const q = cache.lastQuote(inst.id);
      const source = !has ? 'none' : q !== undefined && q.ts === ts ? 'quote' : 'bar';
      const limitMs = source === 'quote' ? (L.staleQuoteMs ?? null) : (L.staleBarMs ?? null);
      const ageMs = has ? now - ts : null;
      return { instrumentId: inst.id, lastPriceTs: has ? ts : null, ageMs, source, limitMs, stale: ageMs === null || (limitMs !== null && ageMs > limitMs) };
    }),
  };
}

export function flattenReportDto(cache: CacheView, r: FlattenReport): FlattenReportDto {
  const inst = (id: string): Instrument | null => (cache.hasInstrument(id) ? cache.instrument(id) : null);
  const q = (id: string, u: number) => {
    const i = inst(id);
    return i ? qtyStr(i, u) : String(u);
  };
  return {
    flattenId: r.flattenId,
    reason: r.reason,
    source: r.source,
    startedAt: r.startedAt,
    completedAt: r.completedAt,
    status: r.status,
    strategiesStopped: [...r.strategiesStopped],
    cancels: r.cancels.map((c) => ({ ...c, openQty: q(c.instrumentId, c.openQty) })),
    closes: r.closes.map((c) => {
      const i = inst(c.instrumentId);
      return {
        instrumentId: c.instrumentId,
        startQty: q(c.instrumentId, c.startQty),
        closedQty: q(c.instrumentId, c.closedQty),
        avgPx: c.avgPx === null ? null : i ? floatPriceStr(i, c.avgPx) : String(c.avgPx),
        status: c.status,
        attempts: c.attempts.map((a) => ({ ...a, qty: q(c.instrumentId, a.qty) })),
        fills: c.fills.map((f) => ({ tradeId: f.tradeId, qty: q(c.instrumentId, f.qty), px: i ? priceStr(i, f.pxTicks) : String(f.px), ts: f.ts })),
      };
    }),
    failures: r.failures.map((f) => ({ ...f })),
    maxAttempts: r.maxAttempts,
  };
}
