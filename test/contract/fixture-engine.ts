/**
 * The engine behind the contract tests: a real TradingEngine over the real SimulatedVenue and a
 * SimClock, fed generated bars (a seeded random walk) on demand, served by the real protocol
 * (createEngineProtocol) with wall-clock patch coalescing. Used in-process, behind the WebSocket
 * server, and inside the forked child (engine-child.ts).
 */
import { SimClock, WallClock } from '../../engine/core/clock';
import { makeInstrument } from '../../engine/core/instrument';
import { mulberry32 } from '../../engine/data/prng';
import { createEngineProtocol, type ConfigChange, type EngineProtocol } from '../../engine/protocol/handlers';
import { validateConfig } from '../../engine/runtime/config';
import { TradingEngine } from '../../engine/runtime/trading-engine';
import { SimulatedVenue } from '../../engine/sim';

export const T0 = Date.UTC(2024, 0, 2, 14, 30);
export const BAR_MS = 15 * 60_000;
export const AAA = makeInstrument({ id: 'AAA', assetClass: 'equity', quoteCurrency: 'USD', pricePrecision: 2 });
export const BBB = makeInstrument({ id: 'BBB', assetClass: 'equity', quoteCurrency: 'USD', pricePrecision: 2 });

export const RAW_CONFIG = {
  strategies: [{ name: 'ema_cross', id: 'ema', enabled: false, fast: 3, slow: 8 }],
  exposure: { max_portfolio_exposure_pct: 50, max_open_positions: 5 },
  risk: {
    max_trades_per_day: 50,
    max_position_pct: null,
    max_sector_pct: null,
    max_leverage: null,
    price_sanity_pct: null,
    stale_price: { bar_minutes: null, quote_seconds: null },
    guards: { daily_loss: { limit_pct: 5 }, monthly_loss: { limit_pct: null }, quarterly_loss: { limit_pct: null }, drawdown: { limit_pct: 10 } },
  },
};

export interface FixtureEngine {
  engine: TradingEngine;
  protocol: EngineProtocol;
  clock: SimClock;
  configChanges: ConfigChange[];
  /** Delivers `n` timestamps of bars (every instrument), as a backtest does. */
  advance(n: number): void;
  close(): void;
}

export function createFixtureEngine(seed = 7): FixtureEngine {
  const { config, strategies } = validateConfig(RAW_CONFIG);
  const instruments = [AAA, BBB];
  const clock = new SimClock(T0);
  const byId = new Map(instruments.map((i) => [i.id, i]));
  const venue = new SimulatedVenue({ instruments: (id) => byId.get(id), clock });
  const engine = new TradingEngine({ clock, venue, instruments, config, strategies, idPrefix: 'C', enforceStrategyBudget: false });
  engine.start(strategies);
  const rng = mulberry32(seed);
  const px = new Map<string, number>([
    ['AAA', 100],
    ['BBB', 50],
  ]);
  let ts = T0;
  const configChanges: ConfigChange[] = [];
  const protocol = createEngineProtocol({
    engine,
    rawConfig: RAW_CONFIG,
    timer: new WallClock(),
    patchIntervalMs: 20,
    engineVersion: 'contract-test',
    onConfigChanged: (c) => configChanges.push(c),
  });
  const advance = (n: number) => {
    for (let k = 0; k < n; k++) {
      const close = ts + BAR_MS;
      clock.advanceTo(close);
      for (const inst of instruments) {
        const open = px.get(inst.id)!;
        const c = Math.max(1, Math.round(open * (1 + (rng() - 0.5) * 0.01) * 100) / 100);
        px.set(inst.id, c);
        engine.onBar({ instrumentId: inst.id, ts, durationMs: BAR_MS, open, high: Math.max(open, c) + 0.05, low: Math.min(open, c) - 0.05, close: c, volume: 10_000 });
      }
      engine.endOfTimestamp(close);
      ts = close;
    }
  };
  advance(3);
  return { engine, protocol, clock, configChanges, advance, close: () => protocol.close() };
}
