/**
 * Telegram as a thin front end of the engine's contract (freqtrade's rpc/telegram.py pattern): every
 * command is a protocol request through a ProtocolClient, exactly what the desktop and `ctl` send, with
 * the source `telegram:<chat id>` for the audit trail. Nothing here reaches into the engine.
 *
 *   /status     engine.status + account.get + risk.get
 *   /positions  positions.list
 *   /pnl        account.get (equity, today's P&L, realized / unrealized, drawdown from the peak)
 *   /daily      today's summary so far, from the journal (the same text as the scheduled one)
 *   /halt [why] risk.halt
 *   /flatten    asks first: an inline "Flatten now" / "Cancel" pair, valid for `confirmTimeoutMs` and
 *               only in the chat that asked; "Flatten now" sends risk.flatten, and the final report
 *               follows when the engine pushes `flatten.completed`
 *   /rearm      risk.rearm
 *   /help       the list above
 *
 * Only the configured chat ids are served. Anything else that looks like a command (a message starting
 * with `/`, or a button press) from another chat is refused with a short reply and logged with the chat,
 * the user and the text. Commands older than `maxCommandAgeMs` (queued while the engine was down or the
 * network was) are not run: a late /halt or /flatten could surprise the person who sent it.
 *
 * Polling: `TelegramPolling` runs grammy's long polling and restarts it with backoff after a failure
 * (network, Bot API down, bad token), never letting it end the engine. The first start drops the updates
 * queued while the engine was not running.
 */
import { randomBytes } from 'node:crypto';
import { InlineKeyboard, type Bot, type Context } from 'grammy';
import type { Logger } from 'pino';
import { formatMoney, money } from '../../core/money';
import { ProtocolError, type ProtocolClient } from '../../protocol/client';
import type { CommandResult } from '../../protocol/contract';
import { signedMoney } from '../../runtime/alerts/from-events';
import { telegramText } from './telegram-channel';

export const TELEGRAM_COMMANDS = ['status', 'positions', 'pnl', 'daily', 'halt', 'flatten', 'rearm', 'help'] as const;

export interface TelegramCommandsOptions {
  bot: Bot;
  chatIds: readonly number[];
  /** A protocol client speaking for one chat (source `telegram:<chatId>`). */
  connect: (source: string) => ProtocolClient;
  /** Today's summary so far (title and text). */
  dailySummary: () => { title: string; text: string };
  confirmTimeoutMs: number;
  /** Commands older than this are not run (default 120 s). */
  maxCommandAgeMs?: number;
  /** Wall time, ms. */
  now: () => number;
  log: Logger;
  redact: (s: string) => string;
}

interface PendingFlatten {
  chatId: number;
  expires: number;
}

export class TelegramCommands {
  private readonly allowed: ReadonlySet<number>;
  private readonly clients = new Map<number, ProtocolClient>();
  private readonly pending = new Map<string, PendingFlatten>();
  private readonly maxAge: number;

  constructor(private readonly o: TelegramCommandsOptions) {
    this.allowed = new Set(o.chatIds);
    this.maxAge = o.maxCommandAgeMs ?? 120_000;
  }

  /** Registers the middleware on the bot (before it starts polling). */
  install(): void {
    const bot = this.o.bot;
    bot.use((ctx, next) => this.gate(ctx, next));
    bot.command('start', (ctx) => this.run(ctx, 'help', () => this.help()));
    bot.command('help', (ctx) => this.run(ctx, 'help', () => this.help()));
    bot.command('status', (ctx) => this.run(ctx, 'status', (c) => this.status(c)));
    bot.command('positions', (ctx) => this.run(ctx, 'positions', (c) => this.positions(c)));
    bot.command('pnl', (ctx) => this.run(ctx, 'pnl', (c) => this.pnl(c)));
    bot.command('daily', (ctx) => this.run(ctx, 'daily', () => this.daily()));
    bot.command('halt', (ctx) => this.run(ctx, 'halt', (c) => this.halt(c, ctx.match)));
    bot.command('rearm', (ctx) => this.run(ctx, 'rearm', (c) => this.rearm(c)));
    bot.command('flatten', (ctx) => this.askFlatten(ctx));
    bot.on('callback_query:data', (ctx) => this.onButton(ctx));
    bot.catch((e) => this.o.log.error({ event: 'telegram_error', err: this.o.redact(e.error instanceof Error ? e.error.message : String(e.error)) }, 'telegram: a command failed'));
  }

  /** Closes the protocol clients. */
  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
    this.pending.clear();
  }

  private client(chatId: number): ProtocolClient {
    let c = this.clients.get(chatId);
    if (c === undefined || c.closed) {
      c = this.o.connect(`telegram:${chatId}`);
      this.clients.set(chatId, c);
    }
    return c;
  }

  // ------------------------------------------------------------------ authorisation

  private async gate(ctx: Context, next: () => Promise<void>): Promise<void> {
    const chatId = ctx.chat?.id;
    const text = ctx.message?.text ?? '';
    const isCommand = text.startsWith('/');
    const button = ctx.callbackQuery?.data;
    if (chatId === undefined || !this.allowed.has(chatId)) {
      if (!isCommand && button === undefined) return; // not addressed to us: nothing to refuse
      this.o.log.warn(
        { event: 'telegram_refused', chatId: chatId ?? null, userId: ctx.from?.id ?? null, username: ctx.from?.username ?? null, command: (button !== undefined ? `[button] ${button}` : text).slice(0, 200) },
        'telegram: refused a command from an unauthorised chat',
      );
      if (button !== undefined) await this.quiet(() => ctx.answerCallbackQuery({ text: 'This chat is not authorised.' }));
      else await this.quiet(() => ctx.reply('This chat is not authorised to control the engine.'));
      return;
    }
    const date = ctx.message?.date;
    if (isCommand && date !== undefined && this.o.now() - date * 1000 > this.maxAge) {
      this.o.log.warn({ event: 'telegram_stale_command', chatId, command: text.slice(0, 200), sentAt: date * 1000 }, 'telegram: a command sent too long ago was not run');
      await this.quiet(() => ctx.reply(`Not run: "${text.slice(0, 50)}" was sent at ${new Date(date * 1000).toISOString()}, more than ${Math.round(this.maxAge / 1000)} s ago. Send it again.`));
      return;
    }
    await next();
  }

  private async run(ctx: Context, name: string, fn: (c: ProtocolClient) => Promise<string> | string): Promise<void> {
    const chatId = ctx.chat!.id;
    this.o.log.info({ event: 'telegram_command', chatId, userId: ctx.from?.id ?? null, command: name }, `telegram: /${name}`);
    let reply: string;
    try {
      reply = await fn(this.client(chatId));
    } catch (err) {
      reply = this.failure(err, name);
    }
    await this.quiet(() => ctx.reply(telegramText(reply)));
  }

  private failure(err: unknown, name: string): string {
    if (err instanceof ProtocolError) return `Refused [${err.code}]: ${err.message}`;
    this.o.log.error({ event: 'telegram_command_failed', command: name, err: this.o.redact(err instanceof Error ? err.message : String(err)) }, `telegram: /${name} failed`);
    return `/${name} failed: ${this.o.redact(err instanceof Error ? err.message : String(err))}`;
  }

  /** A reply that cannot be sent (network) is logged; it never fails the update. */
  private async quiet(fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.o.log.warn({ event: 'telegram_reply_failed', err: this.o.redact(err instanceof Error ? err.message : String(err)) }, 'telegram: a reply could not be sent');
    }
  }

  // ------------------------------------------------------------------ commands

  private help(): string {
    return [
      'Commands:',
      '/status - engine and trading state, equity, limits',
      '/positions - open positions',
      '/pnl - equity and P&L',
      '/daily - today\'s summary so far',
      '/halt [reason] - stop new entries',
      '/flatten - cancel every order and close every position (asks first)',
      '/rearm - leave HALTED',
    ].join('\n');
  }

  private async status(c: ProtocolClient): Promise<string> {
    const [s, a, r] = await Promise.all([c.request('engine.status', {}), c.request('account.get', {}), c.request('risk.get', {})]);
    const today = money(a.equity) - money(a.startOfDayEquity);
    const lim = (v: number, l: number | null) => `${v}${l === null ? '' : `/${l}`}`;
    const stale = r.freshness.filter((f) => f.stale).map((f) => f.instrumentId);
    return [
      `Engine ${s.state}, trading ${s.tradingState} (${s.tradingStateSource})${s.flattening ? ', flattening' : ''}`,
      `Equity ${formatMoney(money(a.equity), 2)} ${a.currency}, today ${signedMoney(today, a.currency)}`,
      `Open positions ${lim(r.openPositions.value, r.openPositions.limit)}, trades today ${lim(r.tradesToday.value, r.tradesToday.limit)}`,
      `Exposure ${formatMoney(money(r.exposure.value), 2)} ${a.currency}${r.exposure.usedPct === null ? '' : ` (${r.exposure.usedPct.toFixed(1)}% of the cap)`}`,
      `Daily loss ${r.dailyLoss.value.toFixed(2)}%${r.dailyLoss.limit === null ? '' : ` of ${r.dailyLoss.limit}%`}, drawdown ${r.drawdown.value.toFixed(2)}%${r.drawdown.limit === null ? '' : ` of ${r.drawdown.limit}%`}`,
      `Strategies: ${s.strategies.map((x) => `${x.id} ${x.state}`).join(', ') || 'none'}`,
      stale.length > 0 ? `Stale prices: ${stale.join(', ')}` : 'Prices fresh',
      `Last event #${s.lastEventId}, engine ${s.versions.engine}`,
    ].join('\n');
  }

  private async positions(c: ProtocolClient): Promise<string> {
    const [{ positions }, a] = await Promise.all([c.request('positions.list', {}), c.request('account.get', {})]);
    if (positions.length === 0) return 'No open positions.';
    const lines = positions.map(
      (p) => `${p.instrumentId} ${p.qty.startsWith('-') ? '' : '+'}${p.qty} @ ${p.avgPx}${p.markPx === null ? '' : `, mark ${p.markPx}`}, P&L ${signedMoney(money(p.unrealizedPnl), a.currency)}`,
    );
    return [`Positions (${positions.length}):`, ...lines].join('\n');
  }

  private async pnl(c: ProtocolClient): Promise<string> {
    const a = await c.request('account.get', {});
    const eq = money(a.equity);
    const peak = money(a.peakEquity);
    const dd = peak > 0 ? ((peak - eq) / peak) * 100 : 0;
    return [
      `Equity ${formatMoney(eq, 2)} ${a.currency} (cash ${formatMoney(money(a.cash), 2)})`,
      `Today ${signedMoney(eq - money(a.startOfDayEquity), a.currency)}`,
      `Realized ${signedMoney(money(a.realizedPnl), a.currency)}, unrealized ${signedMoney(money(a.unrealizedPnl), a.currency)}`,
      `Drawdown from the peak ${dd.toFixed(2)}% (peak ${formatMoney(peak, 2)})`,
    ].join('\n');
  }

  private daily(): string {
    const s = this.o.dailySummary();
    return `${s.title}\n${s.text}`;
  }

  private async halt(c: ProtocolClient, reason: string): Promise<string> {
    const r = await c.request('risk.halt', { reason: reason.trim() === '' ? 'halted from Telegram' : reason.trim().slice(0, 500) });
    return r.changed ? `Halted: trading ${r.tradingState}. No new entries until /rearm.` : `Already ${r.tradingState}.`;
  }

  private async rearm(c: ProtocolClient): Promise<string> {
    const r = await c.request('risk.rearm', {});
    return r.changed ? `Re-armed: trading ${r.tradingState}.` : `Nothing to re-arm: trading ${r.tradingState}.`;
  }

  // ------------------------------------------------------------------ flatten, with a confirmation

  private async askFlatten(ctx: Context): Promise<void> {
    const chatId = ctx.chat!.id;
    const now = this.o.now();
    for (const [k, p] of this.pending) if (p.expires <= now) this.pending.delete(k);
    const nonce = randomBytes(8).toString('hex');
    this.pending.set(nonce, { chatId, expires: now + this.o.confirmTimeoutMs });
    this.o.log.warn({ event: 'telegram_command', chatId, userId: ctx.from?.id ?? null, command: 'flatten', step: 'asked' }, 'telegram: /flatten asked for confirmation');
    const keyboard = new InlineKeyboard().text('Flatten now', `flatten:${nonce}:yes`).text('Cancel', `flatten:${nonce}:no`);
    await this.quiet(() =>
      ctx.reply(`Flatten: cancel every order and close every position, then HALT. Confirm within ${Math.round(this.o.confirmTimeoutMs / 1000)} s.`, { reply_markup: keyboard }),
    );
  }

  private async onButton(ctx: Context): Promise<void> {
    const data = ctx.callbackQuery?.data ?? '';
    const chatId = ctx.chat!.id;
    const m = /^flatten:([0-9a-f]{16}):(yes|no)$/.exec(data);
    const p = m ? this.pending.get(m[1]!) : undefined;
    if (m === null || p === undefined || p.chatId !== chatId || p.expires <= this.o.now()) {
      if (m !== null && p !== undefined && p.expires <= this.o.now()) this.pending.delete(m[1]!);
      this.o.log.warn({ event: 'telegram_flatten_refused', chatId, data: data.slice(0, 100) }, 'telegram: an expired or unknown confirmation was refused');
      await this.quiet(() => ctx.answerCallbackQuery({ text: 'Expired or unknown: send /flatten again.' }));
      return;
    }
    this.pending.delete(m[1]!);
    if (m[2] === 'no') {
      this.o.log.info({ event: 'telegram_command', chatId, command: 'flatten', step: 'cancelled' }, 'telegram: flatten cancelled');
      await this.quiet(() => ctx.answerCallbackQuery({ text: 'Cancelled.' }));
      await this.quiet(() => ctx.reply('Flatten cancelled; nothing was changed.'));
      return;
    }
    await this.quiet(() => ctx.answerCallbackQuery({ text: 'Flattening...' }));
    this.o.log.warn({ event: 'telegram_command', chatId, userId: ctx.from?.id ?? null, command: 'flatten', step: 'confirmed' }, 'telegram: flatten confirmed');
    const c = this.client(chatId);
    let r: CommandResult<'risk.flatten'>;
    try {
      r = await c.request('risk.flatten', { reason: 'flatten from Telegram' });
    } catch (err) {
      await this.quiet(() => ctx.reply(this.failure(err, 'flatten')));
      return;
    }
    if (r.done) {
      await this.quiet(() => ctx.reply(flattenText(r.report)));
      return;
    }
    await this.quiet(() => ctx.reply(`Flatten #${r.flattenId} started: ${r.report.closes.length} positions to close, ${r.report.cancels.length} orders to cancel. The report follows.`));
    // The final report, without holding up the bot's update loop.
    void c
      .waitFor('flatten.completed', (d) => d.report.flattenId === r.flattenId, 120_000)
      .then(
        (d) => this.quiet(() => ctx.reply(flattenText(d.report))),
        () => this.quiet(() => ctx.reply(`Flatten #${r.flattenId}: no final report within 120 s; see /status and /positions.`)),
      );
  }
}

function flattenText(r: CommandResult<'risk.flatten'>['report']): string {
  const lines = [`Flatten #${r.flattenId} ${r.status}: ${r.closes.filter((c) => c.status === 'closed').length}/${r.closes.length} positions closed, ${r.cancels.length} orders canceled, ${r.failures.length} failures.`];
  for (const c of r.closes) lines.push(`${c.instrumentId} ${c.status}: ${c.closedQty} of ${c.startQty.replace('-', '')}${c.avgPx === null ? '' : ` @ ${c.avgPx}`}`);
  for (const f of r.failures) lines.push(`failed ${f.instrumentId} ${f.clientOrderId}: ${f.code} ${f.reason}`);
  return lines.join('\n');
}

// ------------------------------------------------------------------ polling with restarts

export interface PollingOptions {
  log: Logger;
  redact: (s: string) => string;
  /** getUpdates long-poll timeout, s (default 30). */
  timeoutS?: number;
  /** Backoff between restarts: first, most (ms). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

/** Runs `bot.start()` until `stop()`, restarting it with backoff when polling fails. */
export class TelegramPolling {
  private stopped = false;
  private wake: (() => void) | null = null;
  private readonly loop: Promise<void>;

  constructor(
    private readonly bot: Bot,
    private readonly o: PollingOptions,
  ) {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    let failures = 0;
    let first = true;
    while (!this.stopped) {
      try {
        await this.bot.start({
          drop_pending_updates: first,
          allowed_updates: ['message', 'callback_query'],
          timeout: this.o.timeoutS ?? 30,
          onStart: (me) => {
            failures = 0;
            first = false;
            this.o.log.info({ event: 'telegram_polling', bot: me.username }, `telegram: polling as @${me.username}`);
          },
        });
        if (this.stopped) return;
      } catch (err) {
        if (this.stopped) return;
        failures++;
        this.o.log.warn({ event: 'telegram_polling_failed', failures, err: this.o.redact(err instanceof Error ? err.message : String(err)) }, 'telegram: polling failed; restarting');
      }
      const base = Math.min(this.o.maxBackoffMs ?? 60_000, (this.o.initialBackoffMs ?? 1000) * 2 ** Math.min(20, Math.max(0, failures - 1)));
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.round(base / 2 + (Math.random() * base) / 2));
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    try {
      if (this.bot.isRunning()) await this.bot.stop();
    } catch (err) {
      this.o.log.warn({ event: 'telegram_stop_failed', err: this.o.redact(err instanceof Error ? err.message : String(err)) }, 'telegram: stopping the polling failed');
    }
    await this.loop;
  }
}
