/**
 * The Telegram alert channel: each alert as one plain-text message (no parse mode, so nothing in an
 * alert can break Telegram's markup) to every configured chat, through grammy's Bot API client.
 *
 * A retry after a partial failure goes only to the chats that did not get the alert yet (no chat sees
 * it twice). Failures are classified for the router (AlertSendError):
 *   429 Too Many Requests          retryable, after Telegram's `retry_after`
 *   5xx, network errors, timeouts  retryable
 *   400 / 401 / 403 / 404          not retryable (chat not found, bot blocked or removed, bad token):
 *                                  the alert is dropped for that chat and the failure logged
 * Texts longer than Telegram's 4096-character limit are cut with a marker.
 */
import { GrammyError, HttpError, type Api } from 'grammy';
import { alertText, type Alert } from '../../runtime/alerts/alert';
import { AlertSendError, type AlertChannel } from '../../runtime/alerts/router';

export const TELEGRAM_TEXT_LIMIT = 4096;

export function telegramText(text: string): string {
  return text.length <= TELEGRAM_TEXT_LIMIT ? text : `${text.slice(0, TELEGRAM_TEXT_LIMIT - 20)}\n... (cut)`;
}

/** A grammy failure as the router's AlertSendError (redact: hides secrets in the message). */
export function telegramSendError(err: unknown, redact: (s: string) => string): AlertSendError {
  if (err instanceof GrammyError) {
    const code = err.error_code;
    const msg = redact(`${err.method}: ${code} ${err.description}`);
    if (code === 429) return new AlertSendError(msg, 'telegram.rate_limited', true, (err.parameters.retry_after ?? 1) * 1000);
    if (code >= 500) return new AlertSendError(msg, 'telegram.server_error', true);
    return new AlertSendError(msg, `telegram.${code}`, false);
  }
  if (err instanceof HttpError) return new AlertSendError(redact(err.message), 'telegram.network', true);
  return new AlertSendError(redact(err instanceof Error ? err.message : String(err)), 'telegram.failed', true);
}

export class TelegramChannel implements AlertChannel {
  readonly name = 'telegram';
  private readonly delivered = new WeakMap<Alert, { ok: Set<number>; refused: Map<number, AlertSendError> }>();

  constructor(
    private readonly api: Api,
    private readonly chatIds: readonly number[],
    private readonly redact: (s: string) => string,
    private readonly onChatRefused?: (chatId: number, err: AlertSendError) => void,
  ) {}

  async send(alert: Alert): Promise<void> {
    let st = this.delivered.get(alert);
    if (st === undefined) {
      st = { ok: new Set(), refused: new Map() };
      this.delivered.set(alert, st);
    }
    const text = telegramText(alertText(alert));
    let retry: AlertSendError | null = null;
    for (const chatId of this.chatIds) {
      if (st.ok.has(chatId) || st.refused.has(chatId)) continue;
      try {
        await this.api.sendMessage(chatId, text, { link_preview_options: { is_disabled: true } });
        st.ok.add(chatId);
      } catch (err) {
        const e = telegramSendError(err, this.redact);
        if (e.retryable) retry ??= e;
        else {
          // This chat will not take it (removed the bot, unknown chat): the others still get it.
          st.refused.set(chatId, e);
          if (this.chatIds.length > 1) this.onChatRefused?.(chatId, e);
        }
      }
    }
    if (retry !== null) throw retry;
    // Every chat refused it: the router drops it and reports why.
    if (st.ok.size === 0) throw [...st.refused.values()][0] ?? new AlertSendError('no chat to send to', 'telegram.no_chat', false);
  }
}
