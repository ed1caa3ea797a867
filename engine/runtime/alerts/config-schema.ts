/**
 * The `alerts:` section of the engine configuration (engine/runtime/config.ts): which channels exist,
 * which severities go to which channel, folding and storm limits, retries, daily / weekly summaries
 * and performance milestones. Documented key by key in resources/config/engine.example.yaml.
 *
 * Secrets are never in the file: a channel names the ENVIRONMENT VARIABLE that holds its token or
 * password (`token_env`, `password_env`), and the host reads it at start (engine/node/alerts). A
 * channel that is enabled but lacks what it needs (chat ids, a Slack channel, an SMTP host) is a
 * configuration error with its path; the checks run even when other parts of the file are invalid, so
 * one run reports every problem.
 */
import { z } from 'zod';
import { ALERT_KINDS, SEVERITIES } from './alert';

export const CHANNEL_NAMES = ['telegram', 'slack', 'email', 'console', 'log', 'desktop'] as const;
export type ChannelName = (typeof CHANNEL_NAMES)[number];

const severity = z.enum(SEVERITIES);
const channelName = z.enum(CHANNEL_NAMES);
const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the NAME of an environment variable (secrets are never written in the file)');
/** Telegram chat ids are integers up to 52 bits (negative for groups); YAML may give them as text. */
const chatId = z.union([z.number().int().safe(), z.string().regex(/^-?\d{1,16}$/, 'must be an integer chat id').transform(Number)]);
const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a 24-hour time HH:MM, e.g. "17:30"');
export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Runs a cross-field check whenever the object itself was read as an object with `enabled: true`. */
const whenEnabled = { when: (p: { value: unknown }) => typeof p.value === 'object' && p.value !== null && (p.value as { enabled?: unknown }).enabled === true };
const listOf = (v: unknown, key: string): unknown[] => {
  const x = (v as Record<string, unknown>)[key];
  return Array.isArray(x) ? x : [];
};
const given = (v: unknown, key: string): boolean => {
  const x = (v as Record<string, unknown>)[key];
  return x !== null && x !== undefined && x !== '';
};

const telegramSchema = z
  .object({
    enabled: z.boolean().default(false),
    token_env: envName.default('TW_TELEGRAM_BOT_TOKEN').describe('environment variable holding the bot token'),
    chat_ids: z.array(chatId).default([]).describe('chats that receive alerts and whose commands are accepted'),
    api_root: z.string().url().default('https://api.telegram.org').describe('Bot API server (tests point it at a local one)'),
    commands: z.boolean().default(true).describe('accept /status /positions /pnl /daily /halt /flatten /rearm from the chats above'),
    confirm_timeout_s: z.number().int().min(5).max(3600).default(60).describe('how long a /flatten confirmation button stays valid'),
  })
  .strict()
  .refine((v) => listOf(v, 'chat_ids').length > 0, { message: 'an enabled telegram channel needs at least one chat id', path: ['chat_ids'], ...whenEnabled });

const slackSchema = z
  .object({
    enabled: z.boolean().default(false),
    token_env: envName.default('TW_SLACK_BOT_TOKEN').describe('environment variable holding the bot token (xoxb-...)'),
    channel: z.string().min(1).nullable().default(null).describe('channel id or name, e.g. C0123456789 or #trading'),
    api_url: z.string().url().default('https://slack.com/api/').describe('Web API base URL (tests point it at a local one)'),
  })
  .strict()
  .refine((v) => given(v, 'channel'), { message: 'an enabled slack channel needs `channel`', path: ['channel'], ...whenEnabled });

const emailSchema = z
  .object({
    enabled: z.boolean().default(false),
    host: z.string().min(1).nullable().default(null).describe('SMTP server'),
    port: z.number().int().min(1).max(65_535).default(587),
    tls: z.enum(['starttls', 'implicit', 'none']).default('starttls').describe('starttls (587, required), implicit (465) or none (a relay on this machine only)'),
    user: z.string().min(1).nullable().default(null).describe('SMTP user; its password comes from password_env'),
    password_env: envName.default('TW_SMTP_PASSWORD'),
    from: z.string().email().nullable().default(null),
    to: z.array(z.string().email()).default([]),
    subject_prefix: z.string().max(100).default('[trading]'),
  })
  .strict()
  .refine((v) => given(v, 'host'), { message: 'an enabled email channel needs `host`', path: ['host'], ...whenEnabled })
  .refine((v) => given(v, 'from'), { message: 'an enabled email channel needs `from`', path: ['from'], ...whenEnabled })
  .refine((v) => listOf(v, 'to').length > 0, { message: 'an enabled email channel needs at least one address in `to`', path: ['to'], ...whenEnabled });

const toggle = (on: boolean) => z.object({ enabled: z.boolean().default(on) }).strict().default({ enabled: on });

const DEFAULT_ROUTING = {
  critical: ['telegram', 'slack', 'email', 'console', 'log', 'desktop'],
  warning: ['telegram', 'slack', 'console', 'log', 'desktop'],
  info: ['console', 'log', 'desktop'],
} as const satisfies Record<(typeof SEVERITIES)[number], readonly ChannelName[]>;

export const alertsConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    routing: z
      .object({
        critical: z.array(channelName).default([...DEFAULT_ROUTING.critical]),
        warning: z.array(channelName).default([...DEFAULT_ROUTING.warning]),
        info: z.array(channelName).default([...DEFAULT_ROUTING.info]),
      })
      .strict()
      .default({ critical: [...DEFAULT_ROUTING.critical], warning: [...DEFAULT_ROUTING.warning], info: [...DEFAULT_ROUTING.info] })
      .describe('channels each severity goes to (a channel that is not enabled is skipped)'),
    kinds: z
      .partialRecord(z.enum(ALERT_KINDS), z.union([severity, z.literal('off')]))
      .default({})
      .describe('per alert kind: another severity, or off'),
    dedupe_window_s: z.number().min(0).max(86_400).default(60).describe('the same alert key within this window is folded into one (0 = off)'),
    rate_limit: z
      .object({
        max: z.number().int().min(1).max(10_000).default(20).describe('alerts per channel per window; the rest become one digest'),
        window_s: z.number().gt(0).max(86_400).default(60),
      })
      .strict()
      .nullable()
      .default({ max: 20, window_s: 60 }),
    retry: z
      .object({
        initial_ms: z.number().int().min(1).max(600_000).default(1000),
        max_ms: z.number().int().min(1).max(3_600_000).default(60_000),
        give_up_after_s: z.number().gt(0).max(7 * 86_400).default(3600).describe('an alert still undelivered this long after it was raised is dropped (logged)'),
      })
      .strict()
      .default({ initial_ms: 1000, max_ms: 60_000, give_up_after_s: 3600 }),
    queue_limit: z.number().int().min(1).max(100_000).default(500).describe('alerts waiting per channel; beyond it the oldest least severe is dropped (logged)'),
    channels: z
      .object({
        telegram: telegramSchema.default(() => telegramSchema.parse({})),
        slack: slackSchema.default(() => slackSchema.parse({})),
        email: emailSchema.default(() => emailSchema.parse({})),
        console: toggle(false),
        log: toggle(true),
        desktop: toggle(true),
      })
      .strict()
      .default(() => ({
        telegram: telegramSchema.parse({}),
        slack: slackSchema.parse({}),
        email: emailSchema.parse({}),
        console: { enabled: false },
        log: { enabled: true },
        desktop: { enabled: true },
      })),
    summaries: z
      .object({
        channels: z.array(channelName).default(['telegram', 'slack', 'email', 'log', 'desktop']).describe('where summaries go (instead of the info routing)'),
        timezone: z.string().refine(isTimeZone, { message: 'must be an IANA time zone, e.g. Europe/London or America/New_York' }).default('UTC'),
        daily: z.object({ enabled: z.boolean().default(true), at: clockTime.default('22:00') }).strict().default({ enabled: true, at: '22:00' }),
        weekly: z
          .object({ enabled: z.boolean().default(true), day: z.enum(WEEKDAYS).default('friday'), at: clockTime.default('22:30') })
          .strict()
          .default({ enabled: true, day: 'friday', at: '22:30' }),
      })
      .strict()
      .default({
        channels: ['telegram', 'slack', 'email', 'log', 'desktop'],
        timezone: 'UTC',
        daily: { enabled: true, at: '22:00' },
        weekly: { enabled: true, day: 'friday', at: '22:30' },
      }),
    milestones: z
      .object({
        return_pct: z.array(z.number().gt(0).max(100_000)).default([5, 10, 25, 50, 100]).describe('equity up this % from the starting cash'),
        trade_counts: z.array(z.number().int().min(1)).default([100, 1000, 10_000]).describe('closed trades since the engine started'),
      })
      .strict()
      .default({ return_pct: [5, 10, 25, 50, 100], trade_counts: [100, 1000, 10_000] }),
  })
  .strict();

export type AlertsConfig = z.output<typeof alertsConfigSchema>;

export function defaultAlertsConfig(): AlertsConfig {
  return alertsConfigSchema.parse({});
}
