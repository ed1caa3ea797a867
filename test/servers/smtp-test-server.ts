/**
 * An SMTP server for tests (the `smtp-server` package: a real RFC 5321 server) on 127.0.0.1, without
 * TLS, with optional AUTH PLAIN/LOGIN, recording every accepted message with its envelope, headers and
 * decoded text body. Fault switch: `failNext(n, code)` refuses the next `n` messages after DATA with an
 * SMTP reply `code` (4xx: temporary, 5xx: permanent).
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { until } from './http-util';

export interface ReceivedMail {
  from: string;
  to: string[];
  headers: Map<string, string>;
  subject: string;
  text: string;
  raw: string;
  user: string | null;
}

export interface SmtpTestServerOptions {
  /** With user and password, AUTH is required and checked. */
  user?: string;
  password?: string;
}

/** Header block -> map (lower-case names, folded lines unfolded). */
function parseHeaders(block: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of block.replace(/\r\n[ \t]+/g, ' ').split(/\r\n/)) {
    const i = line.indexOf(':');
    if (i > 0) out.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  return out;
}

function decodeQuotedPrintable(s: string): string {
  const bytes: number[] = [];
  const text = s.replace(/=\r\n/g, '');
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '=' && /^[0-9A-F]{2}$/i.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(c, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** RFC 2047 encoded words (`=?UTF-8?Q?...?=`, `=?UTF-8?B?...?=`) in a header value. */
function decodeWords(v: string): string {
  return v.replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=\s*/g, (_m, _cs: string, enc: string, data: string) =>
    enc.toUpperCase() === 'B' ? Buffer.from(data, 'base64').toString('utf8') : decodeQuotedPrintable(data.replace(/_/g, ' ')),
  );
}

export class SmtpTestServer {
  readonly messages: ReceivedMail[] = [];
  /** SMTP reply codes sent for refused messages, in order. */
  readonly refusals: number[] = [];
  private fail: { n: number; code: number } | null = null;

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
  ) {}

  static async start(o: SmtpTestServerOptions = {}): Promise<SmtpTestServer> {
    let self: SmtpTestServer | null = null;
    const auth = o.user !== undefined;
    const server = new SMTPServer({
      secure: false,
      disabledCommands: auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
      authOptional: !auth,
      allowInsecureAuth: true,
      authMethods: ['PLAIN', 'LOGIN'],
      disableReverseLookup: true,
      logger: false,
      onAuth(a, _session, cb) {
        if (a.username === o.user && a.password === o.password) cb(null, { user: a.username });
        else cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      },
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const s = self!;
          if (s.fail !== null && s.fail.n > 0) {
            s.fail.n--;
            s.refusals.push(s.fail.code);
            cb(Object.assign(new Error(s.fail.code < 500 ? 'Temporary failure, try again later' : 'Message rejected'), { responseCode: s.fail.code }));
            return;
          }
          const raw = Buffer.concat(chunks).toString('utf8');
          const split = raw.indexOf('\r\n\r\n');
          const headers = parseHeaders(split < 0 ? raw : raw.slice(0, split));
          let body = split < 0 ? '' : raw.slice(split + 4);
          const cte = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
          if (cte === 'quoted-printable') body = decodeQuotedPrintable(body);
          else if (cte === 'base64') body = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
          s.messages.push({
            from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
            to: session.envelope.rcptTo.map((r) => r.address),
            headers,
            subject: decodeWords(headers.get('subject') ?? ''),
            text: body.replace(/\r\n/g, '\n'),
            raw,
            user: typeof session.user === 'string' ? session.user : null,
          });
          cb();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const port = ((server as unknown as { server: { address(): AddressInfo } }).server.address()).port;
    self = new SmtpTestServer(server, port);
    return self;
  }

  /** Refuses the next `n` messages with reply `code` (e.g. 451 temporary, 550 permanent). */
  failNext(n: number, code: number): void {
    this.fail = { n, code };
  }

  async waitForMessages(n: number, timeoutMs = 5000): Promise<ReceivedMail[]> {
    await until(() => this.messages.length >= n, timeoutMs, `${n} e-mails`);
    return this.messages;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
