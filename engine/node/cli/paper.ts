/**
 * `npm run paper -- [options]`: a paper trading session on replayed bars (engine/backtest/run-paper.ts):
 * the same engine as a backtest, quotes made from the bars with a spread, a local paper venue with
 * latency and slippage and its own account. No credentials. Prints one readable line per trade,
 * position change and risk event as it goes (`--json`: one JSON object per line), then a summary.
 * Stops at the end of the data, after `--duration` (wall time), or on SIGINT/SIGTERM; `--on-exit
 * flatten` closes everything first (through the kill switch), `keep` (default) leaves it. Exit codes
 * as run-cli.ts.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { WallClock } from '../../core/clock';
import { EngineError } from '../../core/errors';
import type { EngineEvent } from '../../core/events';
import { ticksToPrice, type Instrument } from '../../core/instrument';
import { formatMoney } from '../../core/money';
import { isoUtc } from '../../core/time';
import { PaperSession, type OnExit } from '../../backtest/run-paper';
import type { SpreadSpec } from '../../data/quote-replay';
import { JsonTradingStateStore } from '../risk/json-trading-state-store';
import { runCli } from './run-cli';
import { addSessionOptions, loadSessionData, resolveSessionConfig, type SessionOptions } from './session-options';
import { parseNumberArg } from './parse-args';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const SAMPLE_DATA = join(ROOT, 'resources/sample-data');

interface Options extends SessionOptions {
  speed: string;
  duration?: string;
  spread?: string;
  latency?: string;
  onExit: OnExit;
  stateFile?: string;
  json?: boolean;
}

/** `30s`, `5m`, `1h`, `250ms`, or plain seconds -> ms. */
export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s.trim());
  if (!m) throw new EngineError('usage.bad_duration', `--duration expects e.g. 30s, 5m, 1h or 250ms, got "${s}"`);
  const mult = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * mult;
}

function parseSpread(s: string): SpreadSpec {
  const [k, v] = s.split(':').map((x) => x.trim());
  const n = Number(v);
  if ((k === 'ticks' && Number.isSafeInteger(n) && n >= 0) || (k === 'bps' && Number.isFinite(n) && n >= 0 && v !== '')) return k === 'ticks' ? { ticks: n } : { bps: n };
  throw new EngineError('usage.bad_spread', `--spread expects ticks:N or bps:B, got "${s}"`);
}

/** One readable line per event worth showing, or null. */
function describe(e: EngineEvent, inst: (id: string) => Instrument | undefined): string | null {
  const t = isoUtc(e.tsEvent);
  const px = (id: string, ticks: number) => {
    const i = inst(id);
    return i ? ticksToPrice(i, ticks).toFixed(i.pricePrecision) : String(ticks);
  };
  switch (e.type) {
    case 'OrderFilled':
      return `${t} TRADE    ${e.instrumentId} ${e.side} ${e.lastQty} @ ${px(e.instrumentId, e.lastPx)} (${e.strategyId}, ${e.clientOrderId}, ${e.liquidity})`;
    case 'PositionOpened':
      return `${t} POSITION ${e.instrumentId} opened ${e.qty > 0 ? '+' : ''}${e.qty} @ ${e.avgPx}`;
    case 'PositionChanged':
      return `${t} POSITION ${e.instrumentId} now ${e.qty > 0 ? '+' : ''}${e.qty} @ ${e.avgPx}`;
    case 'PositionClosed':
      return `${t} POSITION ${e.instrumentId} closed, P&L ${formatMoney(e.totalRealizedPnl)}`;
    case 'OrderDenied':
      return `${t} DENIED   ${e.instrumentId} ${e.clientOrderId}: ${e.code} (${e.reason})`;
    case 'OrderRejected':
      return `${t} REJECTED ${e.clientOrderId}: ${e.code} (${e.reason})`;
    case 'TradingStateChanged':
      return `${t} RISK     trading ${e.from} -> ${e.to}: ${e.reason} [${e.source}]`;
    case 'StrategyStateChanged':
      return `${t} STRATEGY ${e.strategyId} ${e.state}: ${e.reason}`;
    case 'KillSwitchActivated':
      return `${t} KILL     ${e.action}: ${e.reason} [${e.source}]`;
    case 'FlattenCompleted': {
      const r = e.report;
      return `${t} FLATTEN  ${r.status}: ${r.cancels.length} orders canceled, ${r.closes.map((c) => `${c.instrumentId} ${c.closedQty}@${c.avgPx ?? '-'}`).join(', ') || 'no positions'}, ${r.failures.length} failures`;
    }
    default:
      return null;
  }
}

async function main(argv: string[]): Promise<void> {
  const program = addSessionOptions(
    new Command().name('paper').description('Paper trading on replayed bars: quotes with a spread, a local paper venue, the same engine as backtests'),
    SAMPLE_DATA,
  )
    .option('--speed <x>', 'replay speed: 1 = real time, 60 = a minute per second, 0 = as fast as possible', '60')
    .option('--duration <t>', 'stop after this wall time (30s, 5m, 1h)')
    .option('--spread <spec>', 'quote spread made from bars: ticks:N or bps:B (default: config paper.spread_*, else ticks:2)')
    .option('--latency <ms>', 'paper venue order latency, ms of market time (default: config paper.latency_ms)')
    .addOption(new Option('--on-exit <what>', 'positions at the end of the session').choices(['flatten', 'keep']).default('keep'))
    .option('--state-file <path>', 'persist the trading state (HALTED survives a restart until re-armed)')
    .option('--json', 'one JSON event per line')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  program.parse(argv, { from: 'user' });
  const o = program.opts<Options>();
  const speed = parseNumberArg(o.speed, 'speed');
  const durationMs = o.duration !== undefined ? parseDuration(o.duration) : null;
  const spread = o.spread !== undefined ? parseSpread(o.spread) : undefined;

  const { config, strategies } = await resolveSessionConfig(o, (raw, cfg) => {
    if (o.latency !== undefined) cfg.paper = { ...((raw.paper ?? {}) as Record<string, unknown>), latency_ms: parseNumberArg(o.latency, 'latency') };
  });
  const data = await loadSessionData(o, config);
  const byId = new Map(data.instruments.map((i) => [i.id, i]));
  const out = (line: string) => process.stdout.write(line + '\n');
  const session = new PaperSession({
    bars: data.bars,
    instruments: data.instruments,
    config,
    strategies,
    pacer: new WallClock(),
    speed,
    batch: 2_000,
    durationMs,
    onExit: o.onExit,
    ...(spread ? { spread } : {}),
    ...(o.stateFile ? { stateStore: new JsonTradingStateStore(resolve(o.stateFile)) } : {}),
    idPrefix: `PAPER-${Date.now().toString(36)}`,
    onEvent: (e) => {
      if (o.json) return out(JSON.stringify(e));
      const line = describe(e, (id) => byId.get(id));
      if (line) out(line);
    },
  });
  if (!o.json) {
    out(`paper: ${strategies.map((s) => s.name).join(', ')} on ${data.instruments.map((i) => i.id).join(', ')} (${data.bars.length.toLocaleString('en-US')} bars), speed ${speed === 0 ? 'as fast as possible' : `${speed}x`}, on exit: ${o.onExit}`);
    out(`risk: trading ${session.engine.state.state}`);
  }
  const onSignal = () => session.stop('stopped', o.onExit);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let summary;
  try {
    summary = await session.start();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (o.json) {
    out(JSON.stringify({ type: 'SessionEnded', ...summary }));
    return;
  }
  out(`\nsession ended (${summary.reason}): ${summary.quotes.toLocaleString('en-US')} quotes, ${summary.bars.toLocaleString('en-US')} bars, ${summary.trades} trades`);
  out(`risk: trading ${summary.state}`);
  out(`cash ${formatMoney(summary.cash)} ${config.account.currency}, equity ${formatMoney(summary.equity)} ${config.account.currency}`);
  out(`positions: ${summary.positions.length === 0 ? 'none' : summary.positions.map((p) => `${p.instrumentId} ${p.qty > 0 ? '+' : ''}${p.qty} @ ${p.avgPx}`).join(', ')}`);
  out(`paper venue: ${summary.venueBalances.map((b) => `${formatMoney(b.amount)} ${b.currency}`).join(', ')}; positions ${summary.venuePositions.length === 0 ? 'none' : summary.venuePositions.map((p) => `${p.instrumentId} ${p.qty}`).join(', ')}`);
}

void runCli(() => main(process.argv.slice(2)));
