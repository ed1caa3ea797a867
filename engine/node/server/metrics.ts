/**
 * Prometheus metrics of one engine (prom-client, its own Registry): account and risk gauges read at
 * scrape time, counters fed by engine events, and a histogram of protocol command latency.
 *
 *   engine_equity / engine_cash / engine_gross_exposure / engine_net_exposure   account currency units
 *   engine_open_positions, engine_open_orders
 *   engine_trading_state{state}            1 for the current state, 0 for the others
 *   engine_price_age_seconds{instrument}   age of the last price (bar close or quote), by the engine clock
 *   engine_orders_submitted_total, engine_fills_total
 *   engine_order_denials_total{code}, engine_order_rejects_total{code}
 *   engine_command_duration_seconds{cmd}   histogram; engine_commands_total{cmd, outcome}
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { MONEY_ONE } from '../../core/money';
import type { TradingEngine } from '../../runtime/trading-engine';

const STATES = ['ACTIVE', 'REDUCING', 'HALTED', 'RECONCILING'] as const;

export class EngineMetrics {
  readonly registry = new Registry();
  private readonly commandSeconds: Histogram<'cmd'>;
  private readonly commands: Counter<'cmd' | 'outcome'>;

  constructor(opts: { engine: TradingEngine; now?: () => number; defaultMetrics?: boolean }) {
    const { engine } = opts;
    const now = opts.now ?? (() => engine.kernel.clock.now());
    const registers = [this.registry];
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    const p = engine.portfolio;
    const money = (name: string, help: string, read: () => number) =>
      new Gauge({ name, help, registers, collect() { this.set(read() / MONEY_ONE); } });
    money('engine_equity', 'Equity, account currency', () => p.equity());
    money('engine_cash', 'Cash balance, account currency', () => p.cash());
    money('engine_gross_exposure', 'Sum of |market value| of open positions, account currency', () => p.grossExposure());
    money('engine_net_exposure', 'Sum of signed market values, account currency', () => p.netExposure());
    new Gauge({ name: 'engine_open_positions', help: 'Open positions', registers, collect() { this.set(p.openPositionCount()); } });
    new Gauge({ name: 'engine_open_orders', help: 'Orders not yet terminal', registers, collect() { this.set(engine.kernel.cache.openOrders().length); } });
    new Gauge({
      name: 'engine_trading_state',
      help: 'Trading state: 1 for the current state',
      labelNames: ['state'],
      registers,
      collect() {
        for (const s of STATES) this.set({ state: s }, engine.state.state === s ? 1 : 0);
      },
    });
    new Gauge({
      name: 'engine_price_age_seconds',
      help: 'Age of the last price per instrument (NaN before the first), by the engine clock',
      labelNames: ['instrument'],
      registers,
      collect() {
        const t = now();
        for (const inst of engine.kernel.cache.instruments()) {
          const ts = engine.kernel.cache.lastPriceTs(inst.id);
          this.set({ instrument: inst.id }, Number.isFinite(ts) ? (t - ts) / 1000 : Number.NaN);
        }
      },
    });
    const submitted = new Counter({ name: 'engine_orders_submitted_total', help: 'Orders sent to the venue', registers });
    const fills = new Counter({ name: 'engine_fills_total', help: 'Fills', registers });
    const denials = new Counter({ name: 'engine_order_denials_total', help: 'Orders denied by the risk gate or validation', labelNames: ['code'], registers });
    const rejects = new Counter({ name: 'engine_order_rejects_total', help: 'Orders rejected by the venue', labelNames: ['code'], registers });
    const bus = engine.kernel.bus;
    bus.on('OrderSubmitted', () => submitted.inc());
    bus.on('OrderFilled', () => fills.inc());
    bus.on('OrderDenied', (e) => denials.inc({ code: e.code }));
    bus.on('OrderRejected', (e) => rejects.inc({ code: e.code }));
    this.commandSeconds = new Histogram({
      name: 'engine_command_duration_seconds',
      help: 'Protocol command latency, from frame to response',
      labelNames: ['cmd'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });
    this.commands = new Counter({ name: 'engine_commands_total', help: 'Protocol commands by outcome (ok or error code)', labelNames: ['cmd', 'outcome'], registers });
  }

  /** The protocol server's onCommand hook. */
  observeCommand(cmd: string, ms: number, code: string | null): void {
    this.commandSeconds.observe({ cmd }, ms / 1000);
    this.commands.inc({ cmd, outcome: code ?? 'ok' });
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
