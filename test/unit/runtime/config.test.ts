/**
 * Configuration: the user's YAML example loads as it is and resolves to the expected parameters and
 * limits (and to an engine that enforces them); invalid files report every problem with its path;
 * the file loader's codes for bad YAML and a missing file.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EngineError } from '../../../engine/core/errors';
import { loadConfigFile } from '../../../engine/node/config/load-config';
import { validateConfig, type ConfigIssue } from '../../../engine/runtime/config';
import { EngineHarness } from './engine-harness';

const USER_YAML = `strategy:
  name: ema_cross_momentum
  short_window: 3
  mid_window: 8
  long_window: 21
  momentum_confirmations: true
  risk:
    stop_loss_pct: 0.2
    take_profit_pct: 0.3
  limits:
    max_trades_per_day: 50
    max_concurrent_trades: 10
exposure:
  max_portfolio_exposure_pct: 10
  max_open_positions: 5
`;

function issuesOf(raw: unknown): ConfigIssue[] {
  try {
    validateConfig(raw);
  } catch (e) {
    if (e instanceof EngineError && e.code === 'config.invalid') {
      // The message lists the same problems.
      for (const i of e.details as ConfigIssue[]) expect(e.message).toContain(i.message);
      return e.details as ConfigIssue[];
    }
    throw e;
  }
  throw new Error('the configuration was accepted');
}

/** The issue for `path`, whose message mentions `word` (a misspelt key is reported at its object, naming the key). */
function has(issues: readonly ConfigIssue[], path: string, word?: string): void {
  expect(issues).toContainEqual(expect.objectContaining({ path, ...(word ? { message: expect.stringContaining(word) } : {}) }));
}

describe('the user’s YAML example', () => {
  it('loads as it is and resolves to the expected parameters and limits', () => {
    const { config, strategies } = validateConfig(parse(USER_YAML));
    expect(strategies).toEqual([
      {
        id: 'ema_cross_momentum',
        name: 'ema_cross_momentum',
        enabled: true,
        instruments: null,
        params: {
          short_window: 3,
          mid_window: 8,
          long_window: 21,
          momentum_confirmations: true,
          confirm_bars: 3,
          allow_short: false,
          stop_loss_pct: 0.2,
          take_profit_pct: 0.3,
        },
        limits: { maxTradesPerDay: 50, maxConcurrentTrades: 10 },
        sizing: { method: 'fixed_fraction', fraction_pct: 2 },
      },
    ]);
    expect(config.exposure).toEqual({ max_portfolio_exposure_pct: 10, max_open_positions: 5, scale_to_cap: true });
    expect(config.account).toEqual({ currency: 'USD', starting_cash: '100000' });
    expect(config.sizing).toEqual({ method: 'fixed_fraction', fraction_pct: 2 });
    expect(config.backtest).toEqual({ fees: {}, slippage: {}, close_at_end: true });
    expect(config.instruments).toEqual({});
  });

  it('builds an engine that enforces those limits', () => {
    const h = new EngineHarness({ config: parse(USER_YAML), startStrategies: false });
    expect(h.engine.risk.limits).toMatchObject({ maxPortfolioExposurePct: 10, maxOpenPositions: 5, scaleToCap: true });
    expect(h.engine.strategies.list()).toEqual([{ id: 'ema_cross_momentum', state: 'STOPPED', instruments: ['AAA', 'BBB', 'CCC', 'DDD', 'LOT10', 'FROZEN'] }]);
    h.step(['AAA', 'BBB', 'CCC', 'DDD'].map((instrumentId) => ({ instrumentId, open: 100, close: 100 })));
    // 10 % exposure cap: 1,000 shares asked, 100 sent (scale_to_cap defaults to true).
    expect(h.submit({ instrumentId: 'AAA', side: 'BUY', qty: 1_000, type: 'MARKET' }, 'ema_cross_momentum')).toMatchObject({ ok: true, qty: 100 });
    // 10 concurrent trades and 50 a day are not binding here; the account's 10 % cap is now used up.
    expect(h.submit({ instrumentId: 'BBB', side: 'BUY', qty: 1, type: 'MARKET' }, 'ema_cross_momentum')).toMatchObject({ ok: false, code: 'risk.exposure_cap' });
  });

  it('loads through loadConfigFile too', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cfg-'));
    try {
      const path = join(dir, 'engine.yaml');
      await writeFile(path, USER_YAML);
      const loaded = await loadConfigFile(path);
      expect(loaded.path).toBe(path);
      expect(loaded.raw).toEqual(parse(USER_YAML));
      expect(loaded.strategies).toEqual(validateConfig(parse(USER_YAML)).strategies);
      expect(loaded.config).toEqual(validateConfig(parse(USER_YAML)).config);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('invalid configuration: every problem, with its path, in one config.invalid error', () => {
  it('schema problems: misspelt keys, negative and out-of-range values, bad types', () => {
    const issues = issuesOf(
      parse(`strategy:
  name: ema_cross_momentum
  limits:
    max_trades_per_day: -1
    max_concurent_trades: 3
  risk:
    stop_loss_pct: 80
exposure:
  max_portfolio_exposure_pct: 0
  max_open_positons: 5
account:
  currency: usd
backtest:
  close_at_end: "yes"
`),
    );
    has(issues, 'strategy.limits.max_trades_per_day');
    has(issues, 'strategy.limits', 'max_concurent_trades');
    has(issues, 'strategy.risk.stop_loss_pct');
    has(issues, 'exposure.max_portfolio_exposure_pct');
    has(issues, 'exposure', 'max_open_positons');
    has(issues, 'account.currency');
    has(issues, 'backtest.close_at_end');
    expect(issues).toHaveLength(7);
  });

  it('strategy problems: short_window >= mid_window, a misspelt parameter, an unknown strategy, bad windows of another', () => {
    const issues = issuesOf(
      parse(`strategies:
  - name: ema_cross_momentum
    short_window: 8
    mid_window: 8
    momentum_confirmation: true
  - name: ema_cros
  - name: ema_cross
    id: fast_slow
    fast: 30
    slow: 10
`),
    );
    has(issues, 'strategies.0.short_window', 'short < mid < long');
    has(issues, 'strategies.0', 'momentum_confirmation');
    has(issues, 'strategies.1.name', 'unknown strategy "ema_cros"');
    has(issues, 'strategies.2.fast', 'fast must be shorter than slow');
    expect(issues).toHaveLength(4);
  });

  it('a misspelt top-level key, duplicate ids, strategy and strategies together', () => {
    has(issuesOf({ exposur: { max_open_positions: 1 } }), '', 'exposur');
    has(issuesOf({ strategies: [{ name: 'ema_cross' }, { name: 'ema_cross' }] }), 'strategies.1.id', 'duplicate strategy id "ema_cross"');
    has(issuesOf({ strategy: { name: 'ema_cross' }, strategies: [{ name: 'ema_cross', id: 'b' }] }), 'strategies', 'either strategy or strategies');
  });

  it('out-of-range risk percentages are reported under strategy.risk.*', () => {
    has(issuesOf({ strategy: { name: 'ema_cross_momentum', risk: { take_profit_pct: 600 } } }), 'strategy.risk.take_profit_pct');
    has(issuesOf({ strategy: { name: 'ema_cross', risk: { stop_loss_pct: 0 } } }), 'strategy.risk.stop_loss_pct');
  });

  it('nothing half-valid is returned: a valid file gives the whole result, an invalid one throws', () => {
    expect(() => validateConfig({ strategy: { name: 'ema_cross', fast: 1, slow: 2 } })).not.toThrow();
    expect(() => validateConfig({ strategy: { name: 'ema_cross', fast: 2, slow: 2 } })).toThrow(expect.objectContaining({ code: 'config.invalid' }));
    expect(validateConfig(null).strategies).toEqual([]);
  });
});

describe('loadConfigFile', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cfg-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function codeOf(p: Promise<unknown>): Promise<EngineError> {
    try {
      await p;
    } catch (e) {
      if (e instanceof EngineError) return e;
      throw e;
    }
    throw new Error('did not fail');
  }

  it('YAML syntax error -> config.yaml_invalid naming the file', async () => {
    const path = join(dir, 'bad.yaml');
    await writeFile(path, 'strategy:\n  name: ema_cross\n fast: 3\n');
    const e = await codeOf(loadConfigFile(path));
    expect(e.code).toBe('config.yaml_invalid');
    expect(e.message).toContain(path);
    expect(e.details).toEqual([expect.stringContaining(path)]);
  });

  it('duplicate keys are a YAML error, not a silent override', async () => {
    const path = join(dir, 'dup.yaml');
    await writeFile(path, 'exposure:\n  max_open_positions: 5\n  max_open_positions: 50\n');
    expect((await codeOf(loadConfigFile(path))).code).toBe('config.yaml_invalid');
  });

  it('missing file -> config.file_not_found', async () => {
    const e = await codeOf(loadConfigFile(join(dir, 'nope.yaml')));
    expect(e.code).toBe('config.file_not_found');
    expect(e.message).toContain('nope.yaml');
  });

  it('valid YAML with invalid content -> config.invalid with paths', async () => {
    const path = join(dir, 'invalid.yaml');
    await writeFile(path, 'exposure:\n  max_open_positions: -2\n');
    const e = await codeOf(loadConfigFile(path));
    expect(e.code).toBe('config.invalid');
    expect(e.details).toEqual([expect.objectContaining({ path: 'exposure.max_open_positions' })]);
  });

  it('an empty file is the default configuration', async () => {
    const path = join(dir, 'empty.yaml');
    await writeFile(path, '');
    const loaded = await loadConfigFile(path);
    expect(loaded.strategies).toEqual([]);
    expect(loaded.config.exposure).toEqual({ max_portfolio_exposure_pct: 10, max_open_positions: 5, scale_to_cap: true });
  });
});

describe('one place for a strategy setting', () => {
  it('refuses stop_loss_pct given both at the strategy level and under risk', () => {
    try {
      validateConfig({ strategy: { name: 'ema_cross', stop_loss_pct: 0.5, risk: { stop_loss_pct: 0.2 } } });
      expect.unreachable('validateConfig accepted the duplicate');
    } catch (e) {
      expect(e).toMatchObject({ code: 'config.invalid' });
      expect((e as { details: { path: string }[] }).details.map((d) => d.path)).toContain('strategy.stop_loss_pct');
    }
  });
});
