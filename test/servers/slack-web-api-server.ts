/**
 * A Slack Web API server for tests, written from Slack's Web API documentation
 * (https://docs.slack.dev/apis/web-api/), on 127.0.0.1:
 *
 *   POST /api/<method>   form-encoded or JSON body; the token as `Authorization: Bearer xoxb-...`
 *                        (or, form-encoded only, a `token` parameter)
 *   HTTP 200 {ok: true, ...} | {ok: false, error: "<code>"}   Slack answers API errors with 200
 *     not_authed          no token
 *     invalid_auth        a wrong token
 *     channel_not_found   an unknown channel
 *     no_text             neither text, blocks nor attachments
 *     msg_too_long        text over 40,000 characters
 *     unknown_method      a method this server does not serve
 *   HTTP 429 with `Retry-After: <s>` and {ok: false, error: "ratelimited"}   (fault switch)
 *   HTTP 500 / 503                                                         (fault switch)
 *
 * Methods: chat.postMessage (returns channel, ts and the message), auth.test.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { closeServer, listen, readParams, sendJson, until } from './http-util';

export type SlackFault = { status: 429; retryAfter: number } | { status: 500 | 503 } | { error: string };

export interface SlackServerOptions {
  token: string;
  /** Known channels: id -> name (a message may name either; `#name` too). */
  channels?: Record<string, string>;
}

export interface SlackPosted {
  channel: string;
  text: string;
  ts: string;
  mrkdwn: unknown;
}

export class SlackWebApiServer {
  readonly messages: SlackPosted[] = [];
  /** Every request: method, HTTP status, Slack error code (or null), when (ms). */
  readonly calls: { method: string; status: number; error: string | null; at: number }[] = [];
  private readonly faults: { n: number; fault: SlackFault }[] = [];
  private seq = 0;
  private readonly channels: Record<string, string>;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly o: SlackServerOptions,
  ) {
    this.channels = o.channels ?? { C0ALERTS01: 'trading-alerts' };
  }

  static async start(o: SlackServerOptions): Promise<SlackWebApiServer> {
    let self: SlackWebApiServer | null = null;
    const { server, port } = await listen((req, res) => {
      void self!.handle(req, res).catch(() => {
        if (!res.headersSent) sendJson(res, 500, { ok: false, error: 'internal_error' });
      });
    });
    self = new SlackWebApiServer(server, port, o);
    return self;
  }

  /** What @slack/web-api takes as `slackApiUrl`. */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api/`;
  }

  /** The next `n` requests fail with `fault`. */
  failNext(n: number, fault: SlackFault): void {
    this.faults.push({ n, fault });
  }

  async waitForMessages(n: number, timeoutMs = 5000): Promise<SlackPosted[]> {
    await until(() => this.messages.length >= n, timeoutMs, `${n} Slack messages`);
    return this.messages;
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }

  private answer(res: ServerResponse, method: string, status: number, body: { ok: boolean; error?: string } & Record<string, unknown>, headers: Record<string, string> = {}): void {
    this.calls.push({ method, status, error: body.ok ? null : (body.error ?? null), at: Date.now() });
    sendJson(res, status, body, headers);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const m = /^\/api\/([A-Za-z.]+)$/.exec(url.pathname);
    const method = m?.[1] ?? '?';
    const { params, error } = await readParams(req);
    const f = this.faults[0];
    if (f !== undefined) {
      if (--f.n <= 0) this.faults.shift();
      const fault = f.fault;
      if ('error' in fault) return this.answer(res, method, 200, { ok: false, error: fault.error });
      if (fault.status === 429) return this.answer(res, method, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(fault.retryAfter) });
      this.calls.push({ method, status: fault.status, error: null, at: Date.now() });
      res.writeHead(fault.status, { 'content-type': 'text/html' });
      res.end(fault.status === 500 ? '<html><body>Internal Server Error</body></html>' : '<html><body>Service Unavailable</body></html>');
      return;
    }
    if (req.method !== 'POST' && req.method !== 'GET') return this.answer(res, method, 405, { ok: false, error: 'method_not_allowed' });
    if (error !== null) return this.answer(res, method, 200, { ok: false, error: 'invalid_arguments', detail: error });
    const auth = req.headers.authorization;
    const bearer = auth !== undefined && /^Bearer\s+/i.test(auth) ? auth.replace(/^Bearer\s+/i, '').trim() : null;
    const token = bearer ?? (typeof params.token === 'string' ? params.token : null);
    if (token === null || token === '') return this.answer(res, method, 200, { ok: false, error: 'not_authed' });
    if (token !== this.o.token) return this.answer(res, method, 200, { ok: false, error: 'invalid_auth' });
    switch (method) {
      case 'auth.test':
        return this.answer(res, method, 200, { ok: true, url: 'https://example.slack.com/', team: 'Trading', user: 'alerts', team_id: 'T0TEAM01', user_id: 'U0BOT001', bot_id: 'B0BOT001' });
      case 'chat.postMessage': {
        const ch = typeof params.channel === 'string' ? params.channel.replace(/^#/, '') : '';
        const id = this.channels[ch] !== undefined ? ch : Object.keys(this.channels).find((k) => this.channels[k] === ch);
        if (id === undefined) return this.answer(res, method, 200, { ok: false, error: 'channel_not_found' });
        const text = typeof params.text === 'string' ? params.text : '';
        if (text === '' && params.blocks === undefined && params.attachments === undefined) return this.answer(res, method, 200, { ok: false, error: 'no_text' });
        if (text.length > 40_000) return this.answer(res, method, 200, { ok: false, error: 'msg_too_long' });
        const ts = `${Math.floor(Date.now() / 1000)}.${String(++this.seq).padStart(6, '0')}`;
        this.messages.push({ channel: id, text, ts, mrkdwn: params.mrkdwn });
        return this.answer(res, method, 200, { ok: true, channel: id, ts, message: { type: 'message', subtype: 'bot_message', text, user: 'U0BOT001', bot_id: 'B0BOT001', ts } });
      }
      default:
        return this.answer(res, method, 200, { ok: false, error: 'unknown_method' });
    }
  }
}
