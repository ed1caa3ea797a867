/**
 * Pre-trade risk gate latency: `RiskEngine.check` of an entry with every check on (state, tradeable,
 * min/max size in units and notional, no/stale price, price sanity, trades per day per strategy and
 * account-wide, open positions, concurrent trades, correlation over 50 returns with each open
 * position, portfolio / leverage / symbol / sector caps, trade risk to a bracket stop) inside a real
 * engine (TradingEngine + SimulatedVenue + SimClock) holding 5 open positions in 3 sectors and 3
 * working entries. Each check is timed on its own (process.hrtime.bigint, ~30-60 ns of the figure is
 * the timer) into a log-bucketed histogram (./histogram.ts). Target: p99 <= 20 µs.
 */
import { SimClock } from '../../engine/core/clock';
import { makeInstrument, type Instrument } from '../../engine/core/instrument';
import type { Bar } from '../../engine/core/bar';
import type { Order } from '../../engine/core/order';
import { validateConfig } from '../../engine/runtime/config';
import { TradingEngine } from '../../engine/runtime/trading-engine';
import { SimulatedVenue } from '../../engine/sim';
import { fmt, type BenchContext, type BenchSection } from './harness';
import { Histogram } from './histogram';

const BAR_MS = 15 * 60_000;
const T0 = Date.UTC(2024, 0, 2, 14, 30);
const SECTORS = ['Tech', 'Energy', 'Financials'];

/** Deterministic LCG in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

function setup(): { engine: TradingEngine; candidates: Order[]; lastBars: Bar[] } {
  const instruments: Instrument[] = Array.from({ length: 12 }, (_, i) =>
    makeInstrument({ id: `S${i}`, assetClass: 'equity', quoteCurrency: 'USD', pricePrecision: 2, sector: SECTORS[i % 3]! }),
  );
  const { config, strategies } = validateConfig({
    exposure: { max_portfolio_exposure_pct: 60, max_open_positions: 10, scale_to_cap: true },
    strategy: { name: 'ema_cross', limits: { max_trades_per_day: 1_000, max_concurrent_trades: 10 } },
    risk: {
      max_trades_per_day: 1_000,
      max_position_pct: 8,
      max_sector_pct: 30,
      max_leverage: 2,
      max_trade_risk_pct: 2,
      min_order: { units: 1, notional: 10 },
      max_order: { units: 100_000, notional: 50_000 },
      price_sanity_pct: 10,
      stale_price: { bar_minutes: 60, quote_seconds: 30 },
      correlation: { max: 0.95, period: 50 },
    },
  });
  const clock = new SimClock(T0);
  const byId = new Map(instruments.map((i) => [i.id, i]));
  const venue = new SimulatedVenue({ instruments: (id) => byId.get(id), clock });
  const engine = new TradingEngine({ clock, venue, instruments, config, strategies, idPrefix: 'B' });
  const rand = rng(42);
  const px = instruments.map(() => 100);
  const lastBars: Bar[] = [];
  let ts = T0;
  const step = () => {
    clock.advanceTo(ts + BAR_MS);
    instruments.forEach((inst, i) => {
      const open = px[i]!;
      const close = Math.round(open * (1 + (rand() - 0.5) / 100) * 100) / 100;
      px[i] = close;
      const bar = { instrumentId: inst.id, ts, durationMs: BAR_MS, open, high: Math.max(open, close), low: Math.min(open, close), close, volume: 1e6 };
      lastBars[i] = bar;
      engine.onBar(bar);
    });
    engine.endOfTimestamp(ts + BAR_MS);
    ts += BAR_MS;
  };
  for (let i = 0; i < 55; i++) step();
  // 5 open positions in 3 sectors, then 3 working LIMIT entries below the market
  for (let i = 0; i < 5; i++) engine.orders.submit('manual', { instrumentId: `S${i}`, side: 'BUY', qty: 50, type: 'MARKET', role: 'ENTRY' });
  step();
  for (let i = 5; i < 8; i++) {
    const p = Math.round(px[i]! * 0.97 * 100);
    engine.orders.submit('manual', { instrumentId: `S${i}`, side: 'BUY', qty: 20, type: 'LIMIT', price: p, role: 'ENTRY' });
  }
  if (engine.portfolio.openPositionCount() !== 5 || engine.kernel.cache.openOrders().length !== 3) throw new Error('bench setup: expected 5 positions and 3 working entries');
  const candidates = [8, 9, 10, 11].map((i): Order => ({
    clientOrderId: `C${i}`,
    venueOrderId: null,
    strategyId: 'ema_cross',
    instrumentId: `S${i}`,
    side: 'BUY',
    type: 'LIMIT',
    qty: 30,
    price: Math.round(px[i]! * 100),
    triggerPrice: null,
    tif: 'GTC',
    expireTs: null,
    reduceOnly: false,
    role: 'ENTRY',
    parentId: null,
    ocoGroup: null,
    bracket: { stopLossDistance: 50, takeProfitDistance: 100 },
    tag: '',
    status: 'INITIALIZED',
    statusBeforePending: null,
    filledQty: 0,
    fillCost: 0,
    tsInit: clock.now(),
    tsLast: clock.now(),
  }));
  for (const c of candidates) {
    const d = engine.risk.check(c);
    if (!d.ok) throw new Error(`bench setup: candidate ${c.instrumentId} denied (${d.code}: ${d.reason}); every check must run`);
  }
  return { engine, candidates, lastBars };
}

export async function run(ctx: BenchContext): Promise<BenchSection[]> {
  const { engine, candidates, lastBars } = setup();
  const n = ctx.quick ? 100_000 : 500_000;
  const warm = 20_000;
  let ok = 0;
  for (let i = 0; i < warm; i++) if (engine.risk.check(candidates[i & 3]!).ok) ok++;
  const hist = new Histogram();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const a = process.hrtime.bigint();
    const d = engine.risk.check(candidates[i & 3]!);
    const b = process.hrtime.bigint();
    if (d.ok) ok++;
    hist.record(Number(b - a));
  }
  const wallNs = Number(process.hrtime.bigint() - t0);
  if (ok !== n + warm) throw new Error('a candidate was denied during the run');
  // Cold: before each timed check the last bar of every instrument is replayed into the bar history
  // (same values, as a forming bar's update), so every correlation is recomputed as on the first
  // check after a new bar.
  const cold = new Histogram();
  const nCold = ctx.quick ? 20_000 : 100_000;
  for (let i = 0; i < nCold; i++) {
    for (const b of lastBars) engine.history.onBar(b);
    const a = process.hrtime.bigint();
    const d = engine.risk.check(candidates[i & 3]!);
    const b = process.hrtime.bigint();
    if (!d.ok) throw new Error('a candidate was denied during the cold run');
    cold.record(Number(b - a));
  }
  const us = (ns: number) => fmt(ns / 1000, 2);
  const p99 = hist.percentile(99);
  const row = (name: string, h: Histogram, count: number, rate: string) => [name, fmt(count), us(h.percentile(50)), us(h.percentile(99)), us(h.percentile(99.9)), us(h.max), us(h.mean), rate];
  return [
    {
      title: 'Risk gate: RiskEngine.check latency, every check on (5 positions, 3 working entries, correlation over 50 returns)',
      columns: ['case', 'checks', 'p50 µs', 'p99 µs', 'p99.9 µs', 'max µs', 'mean µs', 'checks/s'],
      rows: [
        row('steady (correlations cached until the next bar)', hist, n, fmt(n / (wallNs / 1e9))),
        row('cold (every correlation recomputed: first check after a bar)', cold, nCold, '-'),
      ],
      notes: [
        `Target p99 <= 20 µs: ${p99 <= 20_000 ? 'met' : 'NOT met'} (steady ${us(p99)} µs, cold ${us(cold.percentile(99))} µs). Per-call times include the hrtime calls.`,
      ],
    },
  ];
}
