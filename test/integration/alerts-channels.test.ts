/**
 * Every alert channel against a local server that speaks the service's wire format (Telegram Bot API,
 * Slack Web API, SMTP), plus console, log and the desktop feed, driven by a real engine's events.
 * A channel that is down, answers 500 / 429 or refuses a message does not hold up the engine: it is
 * retried with backoff (Slack's Retry-After honoured) and then delivers. Secrets never reach the logs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EngineError } from '../../engine/core/errors';
import { startAlerting } from '../../engine/node/alerts';
import type { PushData } from '../../engine/protocol/contract';
import { validateConfig } from '../../engine/runtime/config';
import { until } from '../servers/http-util';
import { CHAT, SLACK_TOKEN, SMTP_PASSWORD, startAlertsFixture, TG_TOKEN, type AlertsFixture } from '../servers/alerting-fixture';

let fx: AlertsFixture | null = null;
afterEach(async () => {
  await fx?.close();
  fx = null;
});

const noSecrets = (f: AlertsFixture) => {
  const all = JSON.stringify(f.logs) + f.console.join('');
  for (const s of [TG_TOKEN, TG_TOKEN.split(':')[1]!, SLACK_TOKEN, SMTP_PASSWORD]) expect(all).not.toContain(s);
};

describe('alert channels', () => {
  it('a halt reaches Telegram, Slack, e-mail, the console, the log and the desktop feed', async () => {
    const f = (fx = await startAlertsFixture());
    const pushes: PushData<'alert'>[] = [];
    f.view.on('alert', (d) => pushes.push(d));
    await f.view.request('engine.status', {}); // the view is connected before the halt
    f.h.flat(100);
    f.h.engine.killSwitch.halt('spread too wide', 'user:test');

    const tgMsg = await f.tg.waitForSent((m) => m.text!.startsWith('[CRITICAL] Trading ACTIVE -> HALTED'));
    expect(tgMsg.chat_id).toBe(CHAT);
    expect(tgMsg.text).toBe('[CRITICAL] Trading ACTIVE -> HALTED\nspread too wide (user:test)');
    await f.tg.waitForSent((m) => m.text === '[CRITICAL] Kill switch: halt\nspread too wide (user:test)');

    const slack = await f.slack.waitForMessages(2);
    expect(slack.map((m) => [m.channel, m.text])).toEqual(
      expect.arrayContaining([
        ['C0ALERTS01', '[CRITICAL] Kill switch: halt\nspread too wide (user:test)'],
        ['C0ALERTS01', '[CRITICAL] Trading ACTIVE -&gt; HALTED\nspread too wide (user:test)'],
      ]),
    );

    const mails = await f.smtp.waitForMessages(2);
    const halted = mails.find((m) => m.subject === '[trading] [CRITICAL] Trading ACTIVE -> HALTED')!;
    expect(halted).toMatchObject({ from: 'engine@example.com', to: ['trader@example.com'], user: 'alerts' });
    expect(halted.text).toContain('[CRITICAL] Trading ACTIVE -> HALTED\nspread too wide (user:test)');
    expect(halted.headers.get('x-alert-kind')).toBe('risk.state_changed');

    await until(() => pushes.length >= 1);
    // The desktop feed gets the state change from the router; the kill switch it already gets from the protocol itself.
    expect(pushes.filter((p) => p.code === 'risk.state_changed')).toHaveLength(1);
    expect(pushes.find((p) => p.code === 'risk.state_changed')).toMatchObject({ level: 'critical', message: 'Trading ACTIVE -> HALTED\nspread too wide (user:test)' });
    expect(pushes.filter((p) => p.code === 'kill_switch.halt')).toHaveLength(1);
    expect(pushes.filter((p) => p.code === 'risk.kill_switch')).toHaveLength(0);

    await until(() => f.console.filter((l) => l.includes('CRITICAL')).length >= 2);
    expect(f.console.some((l) => / CRITICAL Trading ACTIVE -> HALTED: spread too wide \(user:test\)\n$/.test(l))).toBe(true);
    const logged = f.logs.filter((l) => l.event === 'alert');
    expect(logged.map((l) => [l.level, l.kind])).toEqual(
      expect.arrayContaining([
        [30, 'engine.started'],
        [50, 'risk.state_changed'],
        [50, 'risk.kill_switch'],
      ]),
    );
    noSecrets(f);
  });

  it('channels that are down, fail (500), rate-limit (429) or refuse (451) do not hold up the engine; each is retried with backoff and delivers', async () => {
    const f = (fx = await startAlertsFixture());
    await until(() => f.alerting.router.stats().channels.log!.delivered >= 1); // engine.started
    f.tg.setDown(true);
    f.slack.failNext(1, { status: 429, retryAfter: 1 });
    f.slack.failNext(1, { status: 500 });
    f.smtp.failNext(2, 451);

    f.h.flat(100);
    f.h.submit({ instrumentId: 'AAA', side: 'BUY', qty: 10, type: 'MARKET', bracket: { stopLossDistance: 100 } });
    // The engine runs on while every remote channel is failing: 200 timestamps, a stop-loss among them.
    for (let i = 0; i < 200; i++) f.h.flat(i === 100 ? 98 : 100 - (i > 100 ? 2 : 0));
    expect(f.h.position()).toBe(0);
    const stats0 = f.alerting.router.stats().channels;
    expect(stats0.telegram!.delivered + stats0.slack!.delivered + stats0.email!.delivered).toBe(0);

    // Telegram comes back after a while; the queued alert goes out.
    await until(() => f.alerting.router.stats().channels.telegram!.failedAttempts >= 2, 5000, 'telegram retries');
    f.tg.setDown(false);
    const tg = await f.tg.waitForSent((m) => m.text!.startsWith('[WARNING] Stop-loss hit on AAA: P&L -20.00 USD'), 5000);
    expect(tg.text).toMatch(/\nclosed by T-\d+ \(STOP_LOSS\): SELL 10 @ 98\.00$/ /* the bar gapped through the stop at 99: filled at its open */);

    const slack = await f.slack.waitForMessages(1, 5000);
    expect(slack[0]!.text.startsWith('[WARNING] Stop-loss hit on AAA')).toBe(true);
    const calls = f.slack.calls.filter((c) => c.method === 'chat.postMessage');
    expect(calls.map((c) => c.status)).toEqual([429, 500, 200]);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(990); // Retry-After: 1

    const mails = await f.smtp.waitForMessages(1, 5000);
    expect(mails[0]!.subject).toBe('[trading] [WARNING] Stop-loss hit on AAA: P&L -20.00 USD');
    expect(f.smtp.refusals).toEqual([451, 451]);

    // The servers have the messages; the router sees the answers a moment later.
    await until(() => ['telegram', 'slack', 'email'].every((c) => f.alerting.router.stats().channels[c]!.delivered === 1), 5000, 'delivery counts');
    const st = f.alerting.router.stats().channels;
    expect(st.telegram).toMatchObject({ delivered: 1, dropped: 0 });
    expect(st.telegram!.failedAttempts).toBeGreaterThanOrEqual(2);
    expect(st.slack).toMatchObject({ delivered: 1, failedAttempts: 2, dropped: 0 });
    expect(st.email).toMatchObject({ delivered: 1, failedAttempts: 2, dropped: 0 });
    const retries = f.logs.filter((l) => l.event === 'alert_send_failed');
    expect(retries.length).toBeGreaterThanOrEqual(6);
    expect(retries.some((l) => String(l.code) === 'slack.rate_limited')).toBe(true);
    expect(retries.some((l) => String(l.code) === 'email.smtp_451')).toBe(true);
    expect(retries.some((l) => String(l.code) === 'telegram.network')).toBe(true);
    noSecrets(f);
  });

  it('a refusal that retrying cannot fix (bad bot token) drops the alert and logs it, without the token', async () => {
    const f = (fx = await startAlertsFixture({ telegramToken: '999:WRONGtokenWRONGtokenWRONG' }));
    f.h.flat(100);
    f.h.engine.killSwitch.halt('test', 'user:test');
    await until(() => f.alerting.router.stats().channels.telegram!.dropped >= 2, 5000, 'telegram drops');
    await f.slack.waitForMessages(2);
    const drops = f.logs.filter((l) => l.event === 'alert_dropped');
    expect(drops.length).toBeGreaterThanOrEqual(2);
    expect(String(drops[0]!.err)).toContain('telegram.401');
    expect(JSON.stringify(f.logs)).not.toContain('WRONGtokenWRONGtokenWRONG');
    expect(f.tg.calls.filter((c) => c.method === 'sendmessage').every((c) => c.status === 401)).toBe(true);
  });

  it('an enabled channel without its secret in the environment stops the start with config.missing_secret', () => {
    const { config } = validateConfig({ alerts: { channels: { slack: { enabled: true, channel: '#x' } } } });
    let err: unknown;
    try {
      startAlerting({ engine: null as never, protocol: null as never, config, journal: null as never, log: null as never, env: {} });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('config.missing_secret');
    expect((err as EngineError).message).toContain('TW_SLACK_BOT_TOKEN');
  });
});
