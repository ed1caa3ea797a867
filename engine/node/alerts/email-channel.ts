/**
 * The e-mail alert channel: one plain-text message per alert through nodemailer over SMTP.
 *
 * TLS (`alerts.channels.email.tls`): `starttls` (port 587; the upgrade is required, never skipped),
 * `implicit` (port 465), or `none` for a relay on this machine only (tests, a local MTA). The password
 * comes from the environment (secrets.ts). Failures, for the router:
 *   4xx replies (greylisting, mailbox busy, 421 service closing)   retryable
 *   connection refused / reset / timeout, DNS                      retryable
 *   5xx replies, failed authentication                             not retryable: dropped and logged
 */
import nodemailer, { type Transporter } from 'nodemailer';
import { alertText, type Alert } from '../../runtime/alerts/alert';
import { AlertSendError, type AlertChannel } from '../../runtime/alerts/router';

export interface EmailChannelOptions {
  host: string;
  port: number;
  tls: 'starttls' | 'implicit' | 'none';
  user: string | null;
  password: string | null;
  from: string;
  to: readonly string[];
  subjectPrefix: string;
  redact: (s: string) => string;
  /** Connection, greeting and socket timeouts, ms (default 15 s). */
  timeoutMs?: number;
}

export function emailSendError(err: unknown, redact: (s: string) => string): AlertSendError {
  const e = err as { responseCode?: unknown; code?: unknown; message?: unknown };
  const msg = redact(`smtp: ${typeof e.message === 'string' ? e.message : String(err)}`);
  if (typeof e.responseCode === 'number') {
    return new AlertSendError(msg, `email.smtp_${e.responseCode}`, e.responseCode >= 400 && e.responseCode < 500);
  }
  if (e.code === 'EAUTH' || e.code === 'EENVELOPE' || e.code === 'EMESSAGE') return new AlertSendError(msg, `email.${String(e.code).toLowerCase()}`, false);
  return new AlertSendError(msg, typeof e.code === 'string' ? `email.${e.code.toLowerCase()}` : 'email.failed', true);
}

export class EmailChannel implements AlertChannel {
  readonly name = 'email';
  private readonly transport: Transporter;

  constructor(private readonly o: EmailChannelOptions) {
    const t = o.timeoutMs ?? 15_000;
    this.transport = nodemailer.createTransport({
      host: o.host,
      port: o.port,
      secure: o.tls === 'implicit',
      requireTLS: o.tls === 'starttls',
      ignoreTLS: o.tls === 'none',
      ...(o.user !== null ? { auth: { user: o.user, pass: o.password ?? '' } } : {}),
      connectionTimeout: t,
      greetingTimeout: t,
      socketTimeout: t,
      logger: false,
      debug: false,
    });
  }

  async send(alert: Alert): Promise<void> {
    const subject = `${this.o.subjectPrefix ? `${this.o.subjectPrefix} ` : ''}[${alert.severity.toUpperCase()}] ${alert.title}`.replace(/[\r\n]+/g, ' ').slice(0, 250);
    try {
      await this.transport.sendMail({
        from: this.o.from,
        to: [...this.o.to],
        subject,
        text: `${alertText(alert)}\n\n${alert.kind} at ${new Date(alert.ts).toISOString()}\n`,
        headers: { 'X-Alert-Kind': alert.kind, 'X-Alert-Severity': alert.severity },
      });
    } catch (err) {
      throw emailSendError(err, this.o.redact);
    }
  }

  close(): void {
    this.transport.close();
  }
}
