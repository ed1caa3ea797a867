/** A risk view as the engine sends it (RiskDto), for the risk meter tests; `over` replaces fields. */
import type { RiskDto } from '../../../engine/protocol/contract';

export const risk = (over: Partial<RiskDto> = {}): RiskDto => ({
  tradingState: 'ACTIVE',
  exposure: { value: '40000.000000', limit: '50000.000000', usedPct: 80, capPct: 50 },
  openPositions: { value: 5, limit: 5, usedPct: 100 },
  tradesToday: { value: 3, limit: null, usedPct: null },
  dailyLoss: { value: -1.5, limit: 3, usedPct: null, action: 'HALTED' },
  drawdown: { value: 2.5, limit: 10, usedPct: 25, action: 'REDUCING' },
  limits: { maxPortfolioExposurePct: 50, maxOpenPositions: 5, maxTradesPerDay: null, maxPositionPct: null, maxSectorPct: null, maxLeverage: null, priceSanityPct: null, scaleToCap: false },
  freshness: [
    { instrumentId: 'AAA', lastPriceTs: 1, ageMs: 1500, source: 'quote', limitMs: 30_000, stale: false },
    { instrumentId: 'BBB', lastPriceTs: null, ageMs: null, source: 'none', limitMs: 30_000, stale: true },
  ],
  ...over,
});
