/**
 * Latency models: how long after acceptance an order reaches the simulated matching engine. An order
 * accepted at `acceptTs` is matched only against bars (or quotes) whose `ts >= acceptTs + latency`,
 * and in any case never against the bar or quote being processed when it was accepted.
 */
import { EngineError } from '../core/errors';
import type { Instrument } from '../core/instrument';
import type { SimOrderView } from './types';

export interface LatencyModel {
  /** Milliseconds from acceptance until the order can match (>= 0). */
  latencyMs(order: SimOrderView, instrument: Instrument): number;
}

export class ZeroLatencyModel implements LatencyModel {
  readonly name = 'ZeroLatencyModel';

  latencyMs(): number {
    return 0;
  }
}

export interface ConstantLatencyModelOptions {
  /** Delay in milliseconds, >= 0. */
  ms: number;
}

export class ConstantLatencyModel implements LatencyModel {
  readonly name = 'ConstantLatencyModel';
  readonly ms: number;

  constructor(opts: ConstantLatencyModelOptions) {
    if (!(Number.isFinite(opts.ms) && opts.ms >= 0)) {
      throw new EngineError('sim.invalid_parameter', `ConstantLatencyModel: ms must be a finite number >= 0, got ${opts.ms}`);
    }
    this.ms = opts.ms;
  }

  latencyMs(): number {
    return this.ms;
  }
}
