/**
 * Alerting for the engine process: `startAlerting` builds the router (engine/runtime/alerts/router.ts)
 * with the channels the configuration enables, maps the engine's events to alerts, tracks performance
 * milestones, schedules the daily and weekly summaries (from the journal), serves the Telegram
 * commands through the contract, and raises engine started / stopped / restarted-after-a-crash.
 *
 *   const alerting = startAlerting({ engine, protocol, config, journal, log, env: process.env });
 *   alerting.router.publish(hostAlerts.venueDisconnected('oanda', 'stream closed', Date.now()));
 *   ...
 *   await alerting.stop('SIGTERM');
 *
 * Start is synchronous and never waits for a service: a Telegram, Slack or SMTP server that is down
 * delays only its own channel (retried with backoff by the router; Telegram polling restarts with
 * backoff). A channel that is enabled without its secret in the environment throws
 * `config.missing_secret` (exit 78) before anything is started. Secrets are never logged: every
 * message that could carry one goes through a Redactor.
 *
 * Nothing here runs on the trading path beyond handing alerts to the router: the bus subscription and
 * the end-of-timestamp hook are O(1) per event and never throw into the engine.
 */
import { dirname } from 'node:path';
import { Bot } from 'grammy';
import type { Logger } from 'pino';
import { WallClock, type Clock } from '../../core/clock';
import { ProtocolClient } from '../../protocol/client';
import type { ProtocolServer } from '../../protocol/server';
import { connectInProcess } from '../../protocol/transports/in-process';
import type { EngineConfig } from '../../runtime/config';
import type { TradingEngine } from '../../runtime/trading-engine';
import { isoUtc, type AlertKind } from '../../runtime/alerts/alert';
import { EngineEventAlerts, hostAlerts } from '../../runtime/alerts/from-events';
import { MilestoneTracker } from '../../runtime/alerts/milestones';
import { AlertRouter, AlertSendError, type AlertChannel } from '../../runtime/alerts/router';
import { currentPeriod, SummaryScheduler, type Period, type SummaryKind } from '../../runtime/alerts/schedule';
import { formatSummary, type Summary } from '../../runtime/alerts/summary';
import type { Journal } from '../journal/journal';
import { EmailChannel } from './email-channel';
import { ConsoleChannel, DesktopChannel, LogChannel } from './local-channels';
import { RunMarkerFile } from './run-marker';
import { readSecret, Redactor, type Env } from './secrets';
import { SlackChannel } from './slack-channel';
import { summaryFromJournal } from './summary-queries';
import { TelegramChannel } from './telegram-channel';
import { TelegramCommands, TelegramPolling } from './telegram-commands';

export { hostAlerts } from '../../runtime/alerts/from-events';
export type { AlertInput } from '../../runtime/alerts/alert';

export interface StartAlertingOptions {
  engine: TradingEngine;
  /** The engine's protocol (createEngineProtocol): the desktop feed is its `alert` push, Telegram commands are its requests. */
  protocol: { server: ProtocolServer };
  /** The validated configuration (its `alerts` and `account` sections are used). */
  config: EngineConfig;
  /** The open journal: summaries read it; the run marker lives beside it (unless `dataDir`). */
  journal: Pick<Journal, 'db' | 'path'>;
  log: Logger;
  /** Where the secrets are read (process.env). */
  env: Env;
  /** Router timers, retries and the summary schedule (default: a WallClock). */
  clock?: Pick<Clock, 'now' | 'setTimer'>;
  /** Folder of the run marker (default: the journal's folder). */
  dataDir?: string;
  /** The console channel's output (default: stdout). */
  consoleWrite?: (line: string) => void;
  /** Jitter source (default Math.random). */
  random?: () => number;
  engineVersion?: string;
  /** Telegram long-poll timeout, s (default 30; tests use less). */
  telegramPollTimeoutS?: number;
  /** How long `stop()` lets the queues drain, ms (default 5000). */
  drainMs?: number;
}

export interface Alerting {
  router: AlertRouter;
  scheduler: SummaryScheduler;
  /** A summary from the journal: of the current day / week so far, or of `period`. */
  summary(kind: SummaryKind, period?: Period): Summary & { title: string; text: string };
  /** Engine stopped alert, then everything closed (queues drained up to `drainMs`). */
  stop(reason?: string): Promise<void>;
}

export function startAlerting(o: StartAlertingOptions): Alerting {
  const a = o.config.alerts;
  const ch = a.channels;

  // ---- secrets first: a channel without its secret stops the start before anything runs
  const on = (c: { enabled: boolean }) => a.enabled && c.enabled;
  const telegramToken = on(ch.telegram) ? readSecret(o.env, ch.telegram.token_env, 'alerts.channels.telegram.token_env') : null;
  const slackToken = on(ch.slack) ? readSecret(o.env, ch.slack.token_env, 'alerts.channels.slack.token_env') : null;
  const smtpPassword = on(ch.email) && ch.email.user !== null ? readSecret(o.env, ch.email.password_env, 'alerts.channels.email.password_env') : null;
  const redactor = new Redactor();
  for (const s of [telegramToken, slackToken, smtpPassword]) if (s !== null) redactor.add(s);
  const redact = (s: string) => redactor.redact(s);

  const log = o.log.child({ component: 'alerts' });
  const clock = o.clock ?? new WallClock();
  const currency = o.config.account.currency;

  // ---- channels
  const channels: AlertChannel[] = [];
  if (on(ch.log)) channels.push(new LogChannel(log));
  if (on(ch.console)) channels.push(new ConsoleChannel(o.consoleWrite));
  if (on(ch.desktop)) channels.push(new DesktopChannel((d) => o.protocol.server.broadcast('alert', d)));
  let bot: Bot | null = null;
  if (telegramToken !== null) {
    bot = new Bot(telegramToken, { client: { apiRoot: ch.telegram.api_root, timeoutSeconds: Math.max(60, (o.telegramPollTimeoutS ?? 30) + 30) } });
    channels.push(
      new TelegramChannel(bot.api, ch.telegram.chat_ids, redact, (chatId, err) =>
        log.error({ event: 'alert_chat_refused', chatId, code: err.code, err: err.message }, 'telegram: a chat refused an alert'),
      ),
    );
  }
  if (slackToken !== null) channels.push(new SlackChannel({ token: slackToken, channel: ch.slack.channel!, apiUrl: ch.slack.api_url, log, redact }));
  let email: EmailChannel | null = null;
  if (on(ch.email)) {
    const e = ch.email;
    email = new EmailChannel({ host: e.host!, port: e.port, tls: e.tls, user: e.user, password: smtpPassword, from: e.from!, to: e.to, subjectPrefix: e.subject_prefix, redact });
    channels.push(email);
  }

  // ---- the router
  const router = new AlertRouter({
    clock,
    channels,
    routing: a.routing,
    kinds: a.kinds as Partial<Record<AlertKind, 'critical' | 'warning' | 'info' | 'off'>>,
    dedupeWindowMs: a.dedupe_window_s * 1000,
    rateLimit: a.rate_limit === null ? null : { max: a.rate_limit.max, windowMs: a.rate_limit.window_s * 1000 },
    retry: { initialMs: a.retry.initial_ms, maxMs: a.retry.max_ms, giveUpAfterMs: a.retry.give_up_after_s * 1000 },
    queueLimit: a.queue_limit,
    ...(o.random ? { random: o.random } : {}),
    onError: (err, context) => {
      const dropped = err instanceof AlertSendError && err.code === 'alert.dropped';
      const fields = { event: dropped ? 'alert_dropped' : 'alert_send_failed', context: redact(context), code: err instanceof AlertSendError ? err.code : 'alert.error', err: redactor.errorText(err) };
      if (dropped || (err instanceof AlertSendError && err.code === 'alert.invalid')) log.error(fields, dropped ? 'alert dropped' : 'invalid alert');
      else log.warn(fields, 'alert delivery failed; retrying');
    },
  });
  const ignoreError = (err: unknown, context: string) => log.error({ event: 'alert_error', context, err: redactor.errorText(err) }, 'alerts: contained failure');

  // ---- engine events and milestones
  const engine = o.engine;
  const unsubs: (() => void)[] = [];
  if (a.enabled) {
    const mapper = new EngineEventAlerts({ cache: engine.kernel.cache, accountCurrency: currency, publish: (x) => router.publish(x), onError: ignoreError });
    const p = engine.portfolio;
    const milestones = new MilestoneTracker({
      startingCash: p.startingCash(),
      currency,
      returnPct: a.milestones.return_pct,
      tradeCounts: a.milestones.trade_counts,
      equity: p.equity(),
      closedTrades: 0,
      publish: (x) => router.publish(x),
    });
    unsubs.push(
      engine.kernel.bus.onAny((e) => {
        mapper.onEvent(e);
        if (e.type === 'PositionClosed') {
          try {
            milestones.onTradeClosed(e.tsEvent);
          } catch (err) {
            ignoreError(err, 'milestones');
          }
        }
      }),
    );
    unsubs.push(
      engine.onEndOfTimestamp((ts) => {
        try {
          milestones.onEquity(p.equity(), ts);
        } catch (err) {
          ignoreError(err, 'milestones');
        }
      }),
    );
  }

  // ---- summaries
  const sched = { timezone: a.summaries.timezone, daily: a.summaries.daily, weekly: a.summaries.weekly };
  const summary = (kind: SummaryKind, period?: Period) => {
    const per = period ?? currentPeriod(kind, sched, clock.now());
    const s = summaryFromJournal(o.journal.db, kind, per, currency);
    return { ...s, ...formatSummary(s, sched.timezone) };
  };
  const scheduler = new SummaryScheduler({
    clock,
    schedule: sched,
    onDue: (kind, period) => {
      const s = summary(kind, period);
      router.publish({ severity: 'info', kind: kind === 'daily' ? 'summary.daily' : 'summary.weekly', key: `summary:${kind}:${period.to}`, title: s.title, text: s.text, ts: period.to, channels: a.summaries.channels });
    },
    onError: ignoreError,
  });
  if (a.enabled) scheduler.start();

  // ---- Telegram commands
  let commands: TelegramCommands | null = null;
  let polling: TelegramPolling | null = null;
  if (bot !== null && ch.telegram.commands) {
    const server = o.protocol.server;
    commands = new TelegramCommands({
      bot,
      chatIds: ch.telegram.chat_ids,
      connect: (source) => new ProtocolClient(connectInProcess(server, source), { timeoutMs: 30_000 }),
      dailySummary: () => summary('daily'),
      confirmTimeoutMs: ch.telegram.confirm_timeout_s * 1000,
      now: () => Date.now(),
      log,
      redact,
    });
    commands.install();
    polling = new TelegramPolling(bot, { log, redact, ...(o.telegramPollTimeoutS !== undefined ? { timeoutS: o.telegramPollTimeoutS } : {}) });
  }

  // ---- engine started, or restarted after an unclean stop
  let marker: RunMarkerFile | null = null;
  if (a.enabled) {
    try {
      marker = new RunMarkerFile(o.dataDir ?? dirname(o.journal.path));
      const prev = marker.previous();
      if (prev !== null) {
        const m = prev.marker;
        router.publish(hostAlerts.engineRestarted(m ? `The previous run (pid ${m.pid}, started ${isoUtc(m.startedAt)}) ended without stopping. The journal was replayed; check /status and /positions.` : 'The previous run ended without stopping.', Date.now()));
      }
      marker.write({ pid: process.pid, startedAt: Date.now() });
    } catch (err) {
      ignoreError(err, 'run marker');
    }
    router.publish(
      hostAlerts.engineStarted(`version ${o.engineVersion ?? 'unknown'}, trading ${engine.state.state}, ${channels.map((c) => c.name).join(', ') || 'no'} alert channels, pid ${process.pid}`, Date.now()),
    );
  }
  log.info({ event: 'alerts_started', enabled: a.enabled, channels: channels.map((c) => c.name), timezone: sched.timezone, dailyAt: scheduler.nextAt('daily'), weeklyAt: scheduler.nextAt('weekly') }, 'alerting started');

  let stopping: Promise<void> | null = null;
  const stop = (reason = 'stopped') => {
    stopping ??= (async () => {
      if (a.enabled) router.publish(hostAlerts.engineStopped(reason, Date.now()));
      for (const u of unsubs.splice(0)) u();
      scheduler.stop();
      await polling?.stop();
      commands?.close();
      await router.close(o.drainMs ?? 5000);
      email?.close();
      try {
        marker?.remove();
      } catch (err) {
        ignoreError(err, 'run marker');
      }
      log.info({ event: 'alerts_stopped', stats: router.stats() }, 'alerting stopped');
    })();
    return stopping;
  };

  return { router, scheduler, summary, stop };
}
