/**
 * The `alerts:` configuration section: defaults, and every problem of a file reported at once with
 * its path (including the checks of enabled channels while other parts are invalid). Secrets cannot
 * be written in the file: only the names of the environment variables that hold them.
 */
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../engine/core/errors';
import { validateConfig, type ConfigIssue } from '../../../engine/runtime/config';

function issues(raw: unknown): ConfigIssue[] {
  try {
    validateConfig(raw);
  } catch (e) {
    if (e instanceof EngineError && e.code === 'config.invalid') return e.details as ConfigIssue[];
    throw e;
  }
  throw new Error('expected config.invalid');
}

describe('alerts configuration', () => {
  it('defaults: log and desktop on, the other channels off, summaries at 22:00 UTC daily and Friday 22:30 weekly', () => {
    const { config } = validateConfig({});
    const a = config.alerts;
    expect(a.enabled).toBe(true);
    expect(Object.entries(a.channels).filter(([, c]) => c.enabled).map(([n]) => n)).toEqual(['log', 'desktop']);
    expect(a.routing.critical).toEqual(['telegram', 'slack', 'email', 'console', 'log', 'desktop']);
    expect(a.summaries).toMatchObject({ timezone: 'UTC', daily: { enabled: true, at: '22:00' }, weekly: { day: 'friday', at: '22:30' } });
    expect(a.channels.telegram.token_env).toBe('TW_TELEGRAM_BOT_TOKEN');
    expect(a.rate_limit).toEqual({ max: 20, window_s: 60 });
  });

  it('a full section loads; chat ids may be written as text', () => {
    const { config } = validateConfig({
      alerts: {
        routing: { critical: ['telegram', 'email'], warning: ['telegram'], info: [] },
        kinds: { 'trade.executed': 'warning', 'data.stale': 'off' },
        channels: {
          telegram: { enabled: true, chat_ids: [12345, '-1001234567890'] },
          slack: { enabled: true, channel: '#trading' },
          email: { enabled: true, host: 'smtp.example.com', user: 'alerts', from: 'engine@example.com', to: ['me@example.com'] },
        },
        summaries: { timezone: 'America/New_York', daily: { at: '17:00' }, weekly: { day: 'sunday', at: '18:00' } },
      },
    });
    expect(config.alerts.channels.telegram.chat_ids).toEqual([12345, -1001234567890]);
    expect(config.alerts.kinds).toEqual({ 'trade.executed': 'warning', 'data.stale': 'off' });
  });

  it('every problem at once, with its path, even when other sections are invalid', () => {
    const got = issues({
      exposure: { max_open_positions: -1 },
      alerts: {
        routing: { critical: ['telegram', 'pager'] },
        kinds: { 'trade.exploded': 'info' },
        channels: {
          telegram: { enabled: true, token: '123:ABC', api_root: 'not a url' },
          slack: { enabled: true },
          email: { enabled: true, port: 70_000 },
        },
        summaries: { timezone: 'Mars/Olympus', daily: { at: '25:00' }, weekly: { day: 'funday' } },
      },
    });
    const paths = got.map((i) => i.path).sort();
    expect(paths).toEqual(
      [
        'exposure.max_open_positions',
        'alerts.routing.critical.1',
        'alerts.kinds',
        'alerts.channels.telegram',
        'alerts.channels.telegram.api_root',
        'alerts.channels.telegram.chat_ids',
        'alerts.channels.slack.channel',
        'alerts.channels.email.port',
        'alerts.channels.email.host',
        'alerts.channels.email.from',
        'alerts.channels.email.to',
        'alerts.summaries.timezone',
        'alerts.summaries.daily.at',
        'alerts.summaries.weekly.day',
      ].sort(),
    );
    expect(got.find((i) => i.path === 'alerts.channels.telegram')!.message).toMatch(/token/);
    expect(got.find((i) => i.path === 'alerts.kinds')!.message).toBe('Unrecognized key: "trade.exploded"');
    expect(got.find((i) => i.path === 'alerts.channels.telegram.chat_ids')!.message).toBe('an enabled telegram channel needs at least one chat id');
  });

  it('a secret-looking value where the variable name goes is refused', () => {
    const got = issues({ alerts: { channels: { slack: { token_env: 'xoxb-1234-5678-abcdef' } } } });
    expect(got.map((i) => i.path)).toEqual(['alerts.channels.slack.token_env']);
    expect(got[0]!.message).toMatch(/NAME of an environment variable/);
  });
});
