/**
 * What the alert integration tests share: a real engine (TradingEngine + SimulatedVenue, the unit
 * harness), a real journal file, the real protocol (createEngineProtocol), and the local servers that
 * speak Telegram's Bot API, Slack's Web API and SMTP (test/servers), with `startAlerting` wired to them
 * the way the engine process wires it. Logs are captured as parsed pino JSON lines.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { WallClock } from '../../engine/core/clock';
import { startAlerting, type Alerting } from '../../engine/node/alerts';
import { Journal } from '../../engine/node/journal/journal';
import { ProtocolClient } from '../../engine/protocol/client';
import { createEngineProtocol, type EngineProtocol } from '../../engine/protocol/handlers';
import { connectInProcess } from '../../engine/protocol/transports/in-process';
import { validateConfig } from '../../engine/runtime/config';
import { SlackWebApiServer } from './slack-web-api-server';
import { SmtpTestServer } from './smtp-test-server';
import { TelegramBotApiServer } from './telegram-bot-api-server';
import { EngineHarness } from '../unit/runtime/engine-harness';

export const TG_TOKEN = '123456789:AAHtestTOKENdoNOTlogTHIS_abcdefghij';
export const SLACK_TOKEN = 'xoxb-1111-2222-secretSLACKtoken';
export const SMTP_PASSWORD = 'smtp-Secret-Password-42';
export const CHAT = 4242;
export const OTHER_CHAT = 777;

export interface AlertsFixture {
  dir: string;
  tg: TelegramBotApiServer;
  slack: SlackWebApiServer;
  smtp: SmtpTestServer;
  h: EngineHarness;
  journal: Journal;
  protocol: EngineProtocol;
  alerting: Alerting;
  /** A desktop view connected to the protocol (receives `alert` pushes). */
  view: ProtocolClient;
  console: string[];
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

export interface FixtureOptions {
  /** Merged over the alerts section below. */
  alerts?: Record<string, unknown>;
  telegramToken?: string;
  commands?: boolean;
}

export async function startAlertsFixture(o: FixtureOptions = {}): Promise<AlertsFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'alerts-it-'));
  const tg = await TelegramBotApiServer.start({ token: TG_TOKEN, knownChats: [CHAT, OTHER_CHAT] });
  const slack = await SlackWebApiServer.start({ token: SLACK_TOKEN, channels: { C0ALERTS01: 'trading-alerts' } });
  const smtp = await SmtpTestServer.start({ user: 'alerts', password: SMTP_PASSWORD });
  const all = ['telegram', 'slack', 'email', 'console', 'log', 'desktop'];
  const raw = {
    alerts: {
      routing: { critical: all, warning: all, info: ['log', 'console'] },
      rate_limit: null,
      retry: { initial_ms: 50, max_ms: 400, give_up_after_s: 60 },
      channels: {
        telegram: { enabled: true, chat_ids: [CHAT], api_root: tg.apiRoot, commands: o.commands ?? false, confirm_timeout_s: 30 },
        slack: { enabled: true, channel: '#trading-alerts', api_url: slack.apiUrl },
        email: { enabled: true, host: '127.0.0.1', port: smtp.port, tls: 'none', user: 'alerts', from: 'engine@example.com', to: ['trader@example.com'] },
        console: { enabled: true },
      },
      summaries: { daily: { enabled: false }, weekly: { enabled: false } },
      ...o.alerts,
    },
  };
  const { config } = validateConfig(raw);
  const h = new EngineHarness({ startStrategies: false });
  const journal = new Journal({ path: join(dir, 'journal.sqlite') });
  journal.attach(h.engine);
  const protocol = createEngineProtocol({ engine: h.engine, rawConfig: {}, timer: new WallClock(), runCommand: (_c, fn) => (journal.inBatch ? fn() : journal.batch(fn)) });
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l.trim() !== '') logs.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  const lines: string[] = [];
  const alerting = startAlerting({
    engine: h.engine,
    protocol,
    config,
    journal,
    log: pino({ level: 'debug' }, sink),
    env: { TW_TELEGRAM_BOT_TOKEN: o.telegramToken ?? TG_TOKEN, TW_SLACK_BOT_TOKEN: SLACK_TOKEN, TW_SMTP_PASSWORD: SMTP_PASSWORD },
    consoleWrite: (l) => lines.push(l),
    engineVersion: 'alerts-test',
    telegramPollTimeoutS: 1,
    drainMs: 2000,
  });
  const view = new ProtocolClient(connectInProcess(protocol.server, 'user:desktop'));
  return {
    dir,
    tg,
    slack,
    smtp,
    h,
    journal,
    protocol,
    alerting,
    view,
    console: lines,
    logs,
    close: async () => {
      await alerting.stop('test over');
      view.close();
      protocol.close();
      journal.close();
      await Promise.all([tg.close(), slack.close(), smtp.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
