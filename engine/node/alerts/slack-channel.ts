/**
 * The Slack alert channel: `chat.postMessage` through @slack/web-api to one channel, as plain text
 * (`mrkdwn: false`, so nothing in an alert is read as markup; `&`, `<`, `>` escaped as Slack asks).
 *
 * The client's own retry policy is turned off (`retries: 0`, `rejectRateLimitedCalls: true`): the
 * router owns retries, so one policy decides and nothing retries behind its back for half an hour.
 * Failures, for the router:
 *   HTTP 429 (Retry-After)                         retryable, after the server's wait
 *   HTTP 5xx, network errors, timeouts             retryable
 *   ok:false ratelimited / internal_error / fatal_error / service_unavailable / request_timeout
 *                                                  retryable
 *   any other ok:false (invalid_auth, not_authed, channel_not_found, not_in_channel, ...)
 *                                                  not retryable: dropped and logged
 * The client's log lines go to the engine's logger at debug (warnings at warn), redacted.
 */
import { LogLevel, WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError, WebClient, type Logger as SlackLogger } from '@slack/web-api';
import type { Logger } from 'pino';
import { alertText, type Alert } from '../../runtime/alerts/alert';
import { AlertSendError, type AlertChannel } from '../../runtime/alerts/router';

const RETRYABLE_PLATFORM = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

export interface SlackChannelOptions {
  token: string;
  channel: string;
  apiUrl: string;
  log: Logger;
  redact: (s: string) => string;
  /** Per request, ms (default 15 s). */
  timeoutMs?: number;
}

export function slackEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function slackSendError(err: unknown, redact: (s: string) => string): AlertSendError {
  if (err instanceof WebAPIRateLimitedError) return new AlertSendError('slack: rate limited (429)', 'slack.rate_limited', true, err.retryAfter * 1000);
  if (err instanceof WebAPIPlatformError) {
    const code = String(err.data.error);
    return new AlertSendError(redact(`slack: ${code}`), `slack.${code}`, RETRYABLE_PLATFORM.has(code));
  }
  if (err instanceof WebAPIHTTPError) return new AlertSendError(`slack: HTTP ${err.statusCode} ${err.statusMessage}`, 'slack.http', err.statusCode >= 500 || err.statusCode === 408);
  if (err instanceof WebAPIRequestError) return new AlertSendError(redact(`slack: ${err.original.message}`), 'slack.network', true);
  return new AlertSendError(redact(err instanceof Error ? err.message : String(err)), 'slack.failed', true);
}

function slackLogger(log: Logger, redact: (s: string) => string): SlackLogger {
  let level = LogLevel.WARN;
  const line = (msg: unknown[]) => redact(msg.map((m) => (typeof m === 'string' ? m : JSON.stringify(m))).join(' '));
  return {
    debug: (...msg: unknown[]) => log.debug({ event: 'slack_client' }, line(msg)),
    info: (...msg: unknown[]) => log.debug({ event: 'slack_client' }, line(msg)),
    warn: (...msg: unknown[]) => log.warn({ event: 'slack_client' }, line(msg)),
    error: (...msg: unknown[]) => log.warn({ event: 'slack_client' }, line(msg)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

export class SlackChannel implements AlertChannel {
  readonly name = 'slack';
  private readonly client: WebClient;

  constructor(private readonly o: SlackChannelOptions) {
    this.client = new WebClient(o.token, {
      slackApiUrl: o.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: o.timeoutMs ?? 15_000,
      logger: slackLogger(o.log, o.redact),
      allowAbsoluteUrls: false,
    });
  }

  async send(alert: Alert): Promise<void> {
    try {
      await this.client.chat.postMessage({ channel: this.o.channel, text: slackEscape(alertText(alert)), mrkdwn: false, unfurl_links: false });
    } catch (err) {
      throw slackSendError(err, this.o.redact);
    }
  }
}
