/**
 * Telegram commands against a real engine through the contract: the bot (grammy, long polling) talks
 * to the local Bot API server; each command from the authorised chat is a protocol request with the
 * source `telegram:<chat>`; /flatten needs its confirmation button; a command from any other chat is
 * refused and logged and changes nothing; a command sent too long ago is not run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../servers/http-util';
import { CHAT, OTHER_CHAT, startAlertsFixture, type AlertsFixture } from '../servers/alerting-fixture';
import type { TgMessage } from '../servers/telegram-bot-api-server';

let f: AlertsFixture;

beforeAll(async () => {
  f = await startAlertsFixture({ commands: true, alerts: { routing: { critical: ['log'], warning: ['log'], info: ['log'] } } });
  await until(() => f.tg.calls.some((c) => c.method === 'getupdates'), 5000, 'polling');
  f.h.flat(100);
  f.h.submit({ instrumentId: 'AAA', side: 'BUY', qty: 10, type: 'MARKET' });
  f.h.flat(101); // the buy fills at this bar's open, 101
  f.h.flat(102);
});
afterAll(async () => {
  await f.close();
});

/** Sends a message as the user and resolves with the bot's next reply in that chat. */
async function ask(text: string, chat = CHAT, opts: { date?: number } = {}): Promise<TgMessage> {
  const from = f.tg.sent.length;
  f.tg.userMessage(chat, text, { username: 'trader' }, opts);
  return f.tg.waitForSent((m) => m.chat_id === chat, 5000, from);
}

describe('telegram commands', () => {
  it('/status, /positions, /pnl and /daily answer from the engine and the journal', async () => {
    const status = await ask('/status');
    expect(status.text).toMatch(/^Engine ready, trading ACTIVE \(/);
    expect(status.text).toContain('Equity 100010.00 USD');
    expect(status.text).toContain('Open positions 1');
    expect((await ask('/positions')).text).toBe('Positions (1):\nAAA +10 @ 101.0000, mark 102.00, P&L +10.00 USD');
    const pnl = await ask('/pnl');
    expect(pnl.text).toContain('Equity 100010.00 USD');
    expect(pnl.text).toContain('unrealized +10.00 USD');
    expect((await ask('/daily')).text).toMatch(/^Daily summary: /);
    expect((await ask('/help')).text).toContain('/flatten - cancel every order and close every position (asks first)');
  });

  it('/halt and /rearm go through the contract with the chat as their source', async () => {
    expect((await ask('/halt news at 14:30')).text).toBe('Halted: trading HALTED. No new entries until /rearm.');
    expect(f.h.engine.state.state).toBe('HALTED');
    const k = f.h.of('KillSwitchActivated').at(-1)!;
    expect(k).toMatchObject({ action: 'halt', reason: 'news at 14:30', source: `telegram:${CHAT}` });
    expect((await ask('/halt')).text).toBe('Already HALTED.');
    expect((await ask('/rearm')).text).toBe('Re-armed: trading ACTIVE.');
    expect((await ask('/rearm')).text).toMatch(/^Refused \[kill_switch\.\w+\]|^Nothing to re-arm: trading ACTIVE\.$/);
  });

  it('/flatten asks first; Cancel changes nothing; a button from another chat or an old one is refused; Flatten now flattens and reports', async () => {
    const ask1 = await ask('/flatten');
    expect(ask1.text).toMatch(/^Flatten: cancel every order and close every position, then HALT\. Confirm within 30 s\.$/);
    const kb = (ask1.reply_markup as { inline_keyboard: { text: string; callback_data: string }[][] }).inline_keyboard[0]!;
    expect(kb.map((b) => b.text)).toEqual(['Flatten now', 'Cancel']);

    // Cancel
    let from = f.tg.sent.length;
    f.tg.pressButton(CHAT, ask1.message_id, kb[1]!.callback_data);
    expect((await f.tg.waitForSent((m) => m.chat_id === CHAT, 5000, from)).text).toBe('Flatten cancelled; nothing was changed.');
    expect(f.h.position()).toBe(10);
    // The same (now used) confirmation cannot be pressed again.
    const answers = f.tg.callbackAnswers.length;
    f.tg.pressButton(CHAT, ask1.message_id, kb[0]!.callback_data);
    await until(() => f.tg.callbackAnswers.length > answers);
    expect(f.tg.callbackAnswers.at(-1)!.text).toBe('Expired or unknown: send /flatten again.');
    expect(f.h.engine.state.state).toBe('ACTIVE');

    // A fresh request, pressed from another chat: refused.
    const ask2 = await ask('/flatten');
    const yes = (ask2.reply_markup as { inline_keyboard: { callback_data: string }[][] }).inline_keyboard[0]![0]!.callback_data;
    const n = f.tg.callbackAnswers.length;
    f.tg.pressButton(OTHER_CHAT, ask2.message_id, yes);
    await until(() => f.tg.callbackAnswers.length > n);
    expect(f.tg.callbackAnswers.at(-1)!.text).toBe('This chat is not authorised.');
    expect(f.h.position()).toBe(10);

    // Confirmed from the chat that asked.
    from = f.tg.sent.length;
    f.tg.pressButton(CHAT, ask2.message_id, yes);
    const started = await f.tg.waitForSent((m) => m.chat_id === CHAT, 5000, from);
    expect(started.text).toBe('Flatten #1 started: 1 positions to close, 0 orders to cancel. The report follows.');
    expect(f.h.engine.state.state).toBe('HALTED');
    expect(f.h.of('KillSwitchActivated').at(-1)).toMatchObject({ action: 'flatten', source: `telegram:${CHAT}` });
    f.h.flat(101); // the close fills on the next bar
    const report = await f.tg.waitForSent((m) => m.chat_id === CHAT && m.text!.startsWith('Flatten #1 completed'), 5000, from);
    expect(report.text).toBe('Flatten #1 completed: 1/1 positions closed, 0 orders canceled, 0 failures.\nAAA closed: 10 of 10 @ 101.0000');
    expect(f.h.position()).toBe(0);
  });

  it('a command from an unauthorised chat is refused, logged and changes nothing', async () => {
    f.h.engine.killSwitch.rearm('user:test');
    const events = f.h.events.length;
    const reply = await ask('/halt', OTHER_CHAT);
    expect(reply.text).toBe('This chat is not authorised to control the engine.');
    await ask('/flatten', OTHER_CHAT);
    expect(f.h.engine.state.state).toBe('ACTIVE');
    expect(f.h.events.length).toBe(events);
    const refused = f.logs.filter((l) => l.event === 'telegram_refused');
    expect(refused.map((l) => [l.chatId, l.username, l.command])).toEqual(
      expect.arrayContaining([
        [OTHER_CHAT, 'trader', '/halt'],
        [OTHER_CHAT, 'trader', '/flatten'],
      ]),
    );
    expect(refused.every((l) => l.level === 40)).toBe(true);
  });

  it('a command sent long ago (queued while the engine or the network was down) is not run', async () => {
    const reply = await ask('/halt', CHAT, { date: Math.floor(Date.now() / 1000) - 600 });
    expect(reply.text).toMatch(/^Not run: "\/halt" was sent at .*, more than 120 s ago\. Send it again\.$/);
    expect(f.h.engine.state.state).toBe('ACTIVE');
    expect(f.logs.some((l) => l.event === 'telegram_stale_command')).toBe(true);
  });
});
