/**
 * Regression tests for engine bugs found by review (each describes the failure it guards against).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EngineError } from '../../../engine/core/errors';
import { loadConfigFile, parseConfigYaml } from '../../../engine/node/config/load-config';
import { validateConfig, type ConfigIssue } from '../../../engine/runtime/config';

describe('Regression: validateConfig stops at the schema and drops the strategy-parameter problems', () => {
  // validateConfig throws as soon as engineConfigSchema fails, so problems that only the strategy's
  // own schema finds (window order, unknown strategy, misspelt parameter) are not reported when the
  // same file also has a schema problem. Documented: "reports every problem with its path".
  it('one file with a misspelt key, a negative limit, short_window >= mid_window and an unknown strategy: all four reported', () => {
    const raw = parse(`strategies:
  - name: ema_cross_momentum
    short_window: 8
    mid_window: 8
    limits:
      max_trades_per_day: -1
  - name: ema_cros
exposure:
  max_open_positons: 5
`);
    let issues: ConfigIssue[] = [];
    try {
      validateConfig(raw);
    } catch (e) {
      if (e instanceof EngineError && e.code === 'config.invalid') issues = e.details as ConfigIssue[];
      else throw e;
    }
    const paths = issues.map((i) => i.path).sort();
    // Today: ['exposure', 'strategies.0.limits.max_trades_per_day'] only.
    expect(paths).toEqual(['exposure', 'strategies.0.limits.max_trades_per_day', 'strategies.0.short_window', 'strategies.1.name']);
  });
});

describe('Regression: YAML syntax errors carry no line:column', () => {
  // parseConfigYaml calls parseDocument(text, { prettyErrors: false }); with prettyErrors off the
  // `yaml` package (2.9) never fills YAMLError.linePos, so the `file:line:col` the loader formats
  // degrades to just `file`. (The offsets are in YAMLError.pos.)
  it('parseConfigYaml: "cfg.yaml:3:1" for a key indented one column short on line 3', () => {
    let e: unknown;
    try {
      parseConfigYaml('strategy:\n  name: ema_cross\n fast: 3\n', 'cfg.yaml');
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(EngineError);
    expect((e as EngineError).code).toBe('config.yaml_invalid');
    expect((e as EngineError).message).toMatch(/cfg\.yaml:3:\d+: /);
  });

  it('loadConfigFile: the message gives the file, line and column of an unterminated flow sequence', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cfg-'));
    try {
      const path = join(dir, 'bad.yaml');
      await writeFile(path, 'exposure:\n  max_open_positions: 5\nstrategy:\n  name: ema_cross\n  fast: [3, 4\n');
      const e = await loadConfigFile(path).then(
        () => null,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(EngineError);
      expect((e as EngineError).code).toBe('config.yaml_invalid');
      expect((e as EngineError).message).toMatch(new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: `));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
