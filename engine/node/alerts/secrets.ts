/**
 * Secrets of the alert channels (bot tokens, the SMTP password): read from the environment variables
 * the configuration names, never from the file, and kept out of every log line. A channel that is
 * enabled without its secret stops the start with `config.missing_secret` (exit 78: restarting will not
 * help), naming the variable and the configuration path, never a value.
 *
 * `Redactor` replaces every known secret in a text with `[redacted]`: errors of the HTTP clients can
 * carry a request URL, and a Telegram URL holds the bot token (`/bot<token>/sendMessage`).
 */
import { EngineError } from '../../core/errors';

export type Env = Readonly<Record<string, string | undefined>>;

export function readSecret(env: Env, name: string, path: string): string {
  const v = env[name];
  if (v === undefined || v.trim() === '') {
    throw new EngineError('config.missing_secret', `${path}: the environment variable ${name} is not set (secrets are read from the environment, never from the file)`, [
      { path, message: `environment variable ${name} is not set` },
    ]);
  }
  return v.trim();
}

export class Redactor {
  private readonly secrets: string[] = [];

  add(secret: string): void {
    if (secret.length >= 4 && !this.secrets.includes(secret)) this.secrets.push(secret);
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join('[redacted]');
    return out;
  }

  /** An error as one redacted line: `Name: message` plus a `code` when it has one. */
  errorText(err: unknown): string {
    if (err instanceof Error) {
      const code = (err as { code?: unknown }).code;
      return this.redact(`${err.name}: ${err.message}${typeof code === 'string' || typeof code === 'number' ? ` [${code}]` : ''}`);
    }
    return this.redact(String(err));
  }
}
