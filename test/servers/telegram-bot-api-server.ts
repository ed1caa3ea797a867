/**
 * A Telegram Bot API server for tests, written from the Bot API documentation
 * (https://core.telegram.org/bots/api), on 127.0.0.1. It speaks the real wire format:
 *
 *   POST|GET /bot<token>/<method>   parameters in the query string, a JSON body or a form body
 *   {ok: true, result}                              success
 *   {ok: false, error_code, description[, parameters: {retry_after}]}   failure (HTTP status = error_code)
 *     401 Unauthorized                 wrong token
 *     404 Not Found                    unknown method
 *     400 Bad Request: ...             missing / bad parameters, unknown chat (with `knownChats`)
 *     409 Conflict: terminated by other getUpdates request
 *     429 Too Many Requests: retry after N   (fault switch)
 *
 * Methods: getMe, deleteWebhook (drop_pending_updates), getUpdates (offset confirms earlier updates,
 * limit, long polling with `timeout` seconds, allowed_updates remembered between calls, a newer call
 * ends an older waiting one with 409), sendMessage (text, reply_markup; returns the Message),
 * answerCallbackQuery. The test plays the user: `userMessage` queues a message update (a leading
 * `/command` gets its bot_command entity, as Telegram adds it) and `pressButton` a callback_query on
 * one of the bot's messages. Fault switches: `failNext(method, n, fault)`.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { closeServer, listen, readParams, sendJson, until } from './http-util';

export interface TgUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  username?: string;
}

export interface TgChat {
  id: number;
  type: 'private' | 'group' | 'supergroup' | 'channel';
  title?: string;
  first_name?: string;
}

export interface TgMessage {
  message_id: number;
  from?: TgUser;
  chat: TgChat;
  date: number;
  text?: string;
  entities?: { type: string; offset: number; length: number }[];
  reply_markup?: unknown;
}

export interface TgUpdate {
  update_id: number;
  message?: TgMessage;
  callback_query?: { id: string; from: TgUser; message?: TgMessage; chat_instance: string; data?: string };
}

export type TgFault = { status: 429; retryAfter: number } | { status: 500 | 502 | 503 } | { status: 400 | 403; description: string };

export interface TelegramServerOptions {
  token: string;
  botUsername?: string;
  /** When given, sendMessage to any other chat is `400 Bad Request: chat not found`. */
  knownChats?: readonly number[];
}

interface Waiter {
  res: ServerResponse;
  offset: number;
  limit: number;
  timer: NodeJS.Timeout;
  done: boolean;
}

export class TelegramBotApiServer {
  /** Every message the bot sent, in order. */
  readonly sent: (TgMessage & { chat_id: number })[] = [];
  readonly callbackAnswers: { callback_query_id: string; text?: string }[] = [];
  /** Every call: method name and HTTP status answered. */
  readonly calls: { method: string; status: number }[] = [];
  readonly bot: TgUser;
  private readonly updates: TgUpdate[] = [];
  private nextUpdateId = 100;
  private nextMessageId = 1;
  private nextCallbackId = 1;
  private allowedUpdates: string[] = [];
  private waiter: Waiter | null = null;
  private readonly faults = new Map<string, { n: number; fault: TgFault }>();
  private down = false;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly o: TelegramServerOptions,
  ) {
    this.bot = { id: 999_000_111, is_bot: true, first_name: 'Alerts', username: o.botUsername ?? 'tw_alerts_bot' };
  }

  static async start(o: TelegramServerOptions): Promise<TelegramBotApiServer> {
    let self: TelegramBotApiServer | null = null;
    const { server, port } = await listen((req, res) => {
      void self!.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { ok: false, error_code: 500, description: `Internal Server Error: ${String(err)}` });
      });
    });
    self = new TelegramBotApiServer(server, port, o);
    return self;
  }

  /** What grammy takes as `client.apiRoot`. */
  get apiRoot(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The next `n` calls of `method` fail with `fault`. */
  failNext(method: string, n: number, fault: TgFault): void {
    this.faults.set(method.toLowerCase(), { n, fault });
  }

  /** While down, every request's connection is destroyed without an answer (the service is unreachable). */
  setDown(down: boolean): void {
    this.down = down;
  }

  /** A user's message in a chat (as a private chat with that user unless `chatType`). */
  userMessage(chatId: number, text: string, from: Partial<TgUser> = {}, opts: { date?: number; chatType?: TgChat['type'] } = {}): TgUpdate {
    const user: TgUser = { id: from.id ?? chatId, is_bot: false, first_name: from.first_name ?? 'Trader', ...(from.username !== undefined ? { username: from.username } : {}) };
    const m = /^\/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]+)?/.exec(text);
    const message: TgMessage = {
      message_id: this.nextMessageId++,
      from: user,
      chat: { id: chatId, type: opts.chatType ?? 'private', ...(opts.chatType === undefined || opts.chatType === 'private' ? { first_name: user.first_name } : { title: 'Trading desk' }) },
      date: opts.date ?? Math.floor(Date.now() / 1000),
      text,
      ...(m !== null ? { entities: [{ type: 'bot_command', offset: 0, length: m[0].length }] } : {}),
    };
    return this.push({ update_id: this.nextUpdateId++, message });
  }

  /** A user pressing an inline button with `data` under the bot's message `messageId`. */
  pressButton(chatId: number, messageId: number, data: string, from: Partial<TgUser> = {}): TgUpdate {
    const msg = this.sent.find((s) => s.message_id === messageId && s.chat.id === chatId);
    const user: TgUser = { id: from.id ?? chatId, is_bot: false, first_name: from.first_name ?? 'Trader' };
    const { chat_id: _c, ...message } = msg ?? { chat_id: chatId, message_id: messageId, chat: { id: chatId, type: 'private' as const }, date: Math.floor(Date.now() / 1000) };
    return this.push({ update_id: this.nextUpdateId++, callback_query: { id: String(this.nextCallbackId++), from: user, message, chat_instance: `ci${chatId}`, data } });
  }

  /** Resolves with the first message the bot sent (from index `from` on) that `pred` accepts. */
  async waitForSent(pred: (m: TgMessage & { chat_id: number }) => boolean, timeoutMs = 5000, from = 0): Promise<TgMessage & { chat_id: number }> {
    let found: (TgMessage & { chat_id: number }) | undefined;
    await until(() => (found = this.sent.slice(from).find(pred)) !== undefined, timeoutMs, 'a message from the bot');
    return found!;
  }

  async close(): Promise<void> {
    if (this.waiter) this.finishWaiter(this.waiter, []);
    await closeServer(this.server);
  }

  // ------------------------------------------------------------------ wire

  private push(u: TgUpdate): TgUpdate {
    this.updates.push(u);
    const w = this.waiter;
    if (w !== null) {
      const ready = this.pending(w.offset, w.limit);
      if (ready.length > 0) this.finishWaiter(w, ready);
    }
    return u;
  }

  private pending(offset: number, limit: number): TgUpdate[] {
    const kinds = this.allowedUpdates;
    return this.updates.filter((u) => u.update_id >= offset && (kinds.length === 0 || kinds.some((k) => k in u))).slice(0, limit);
  }

  private finishWaiter(w: Waiter, result: TgUpdate[]): void {
    if (w.done) return;
    w.done = true;
    clearTimeout(w.timer);
    if (this.waiter === w) this.waiter = null;
    this.reply(w.res, 'getupdates', { ok: true, result });
  }

  private reply(res: ServerResponse, method: string, body: { ok: boolean; error_code?: number } & Record<string, unknown>, headers: Record<string, string> = {}): void {
    const status = body.ok ? 200 : (body.error_code ?? 400);
    this.calls.push({ method, status });
    if (!res.destroyed) sendJson(res, status, body, headers);
  }

  private fail(res: ServerResponse, method: string, code: number, description: string, parameters?: Record<string, unknown>): void {
    this.reply(res, method, { ok: false, error_code: code, description, ...(parameters ? { parameters } : {}) });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.down) {
      req.socket.destroy();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (m === null) return this.fail(res, '?', 404, 'Not Found');
    const method = m[2]!.toLowerCase();
    if (m[1] !== this.o.token) return this.fail(res, method, 401, 'Unauthorized');
    const { params, error } = await readParams(req);
    if (error !== null) return this.fail(res, method, 400, `Bad Request: ${error}`);
    const f = this.faults.get(method);
    if (f !== undefined && f.n > 0) {
      f.n--;
      const fault = f.fault;
      if (fault.status === 429) return this.fail(res, method, 429, `Too Many Requests: retry after ${fault.retryAfter}`, { retry_after: fault.retryAfter });
      if (fault.status === 400 || fault.status === 403) return this.fail(res, method, fault.status, fault.description);
      return this.fail(res, method, fault.status, fault.status === 500 ? 'Internal Server Error' : 'Bad Gateway');
    }
    switch (method) {
      case 'getme':
        return this.reply(res, method, { ok: true, result: { ...this.bot, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false } });
      case 'deletewebhook':
        if (params.drop_pending_updates === true || params.drop_pending_updates === 'true') this.updates.splice(0);
        return this.reply(res, method, { ok: true, result: true, description: 'Webhook is already deleted' });
      case 'getupdates':
        return this.getUpdates(res, params);
      case 'sendmessage':
        return this.sendMessage(res, params);
      case 'answercallbackquery': {
        if (typeof params.callback_query_id !== 'string' || params.callback_query_id === '') return this.fail(res, method, 400, 'Bad Request: query is too old and response timeout expired or query ID is invalid');
        this.callbackAnswers.push({ callback_query_id: params.callback_query_id, ...(typeof params.text === 'string' ? { text: params.text } : {}) });
        return this.reply(res, method, { ok: true, result: true });
      }
      default:
        return this.fail(res, method, 404, 'Not Found');
    }
  }

  private getUpdates(res: ServerResponse, p: Record<string, unknown>): void {
    const num = (v: unknown, d: number) => (v === undefined || v === null || v === '' ? d : Number(v));
    let offset = num(p.offset, 0);
    const limit = Math.min(100, Math.max(1, num(p.limit, 100)));
    const timeout = Math.max(0, num(p.timeout, 0));
    if (![offset, limit, timeout].every(Number.isFinite)) return this.fail(res, 'getupdates', 400, 'Bad Request: wrong parameter');
    if (Array.isArray(p.allowed_updates)) this.allowedUpdates = (p.allowed_updates as unknown[]).map(String);
    // Confirm: updates below the offset are forgotten. A negative offset counts from the end.
    if (offset < 0) offset = this.updates.length + offset >= 0 ? (this.updates[this.updates.length + offset]?.update_id ?? 0) : 0;
    if (offset > 0) {
      const keep = this.updates.filter((u) => u.update_id >= offset);
      this.updates.splice(0, this.updates.length, ...keep);
    }
    if (this.waiter !== null) {
      const old = this.waiter;
      old.done = true;
      clearTimeout(old.timer);
      this.waiter = null;
      this.fail(old.res, 'getupdates', 409, 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running');
    }
    const ready = this.pending(offset, limit);
    if (ready.length > 0 || timeout === 0) return this.reply(res, 'getupdates', { ok: true, result: ready });
    const w: Waiter = { res, offset, limit, done: false, timer: setTimeout(() => this.finishWaiter(w, []), timeout * 1000) };
    this.waiter = w;
    res.on('close', () => {
      // The client went away (an aborted long poll) before an answer was written.
      if (!w.done && !res.writableEnded) {
        w.done = true;
        clearTimeout(w.timer);
        if (this.waiter === w) this.waiter = null;
      }
    });
  }

  private sendMessage(res: ServerResponse, p: Record<string, unknown>): void {
    const chatId = typeof p.chat_id === 'number' ? p.chat_id : typeof p.chat_id === 'string' && /^-?\d+$/.test(p.chat_id) ? Number(p.chat_id) : null;
    if (chatId === null) return this.fail(res, 'sendmessage', 400, 'Bad Request: chat not found');
    if (this.o.knownChats !== undefined && !this.o.knownChats.includes(chatId)) return this.fail(res, 'sendmessage', 400, 'Bad Request: chat not found');
    const text = typeof p.text === 'string' ? p.text : '';
    if (text.trim() === '') return this.fail(res, 'sendmessage', 400, 'Bad Request: message text is empty');
    if (text.length > 4096) return this.fail(res, 'sendmessage', 400, 'Bad Request: message is too long');
    const message: TgMessage = {
      message_id: this.nextMessageId++,
      from: this.bot,
      chat: { id: chatId, type: chatId < 0 ? 'group' : 'private' },
      date: Math.floor(Date.now() / 1000),
      text,
      ...(p.reply_markup !== undefined ? { reply_markup: p.reply_markup } : {}),
    };
    this.sent.push({ ...message, chat_id: chatId });
    this.reply(res, 'sendmessage', { ok: true, result: message });
  }
}
