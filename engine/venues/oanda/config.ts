/**
 * OANDA connection settings, from the environment (never from a file that could be committed):
 *   OANDA_TOKEN        personal access token (required; never logged: `describeConfig` masks it)
 *   OANDA_ACCOUNT_ID   account id (optional: when absent and the token sees exactly one account, that one)
 *   OANDA_ENV          practice (default) | live
 *   OANDA_REST_URL, OANDA_STREAM_URL   base URL overrides (tests, proxies)
 * The keychain is not read: this host has no keychain service (the desktop app may pass the token in
 * through the environment of the engine process).
 *
 * Live trading needs BOTH an explicit flag (`allowLive`, e.g. `--live`) and, on the first start
 * against a live account, a typed confirmation: the user types `LIVE <account id>`. The confirmation
 * is remembered per account in `<dataDir>/oanda-live-confirmed.json` (written atomically), so later
 * starts need only the flag. Codes: oanda.no_token, oanda.bad_environment, oanda.bad_url,
 * oanda.live_not_allowed, oanda.live_not_confirmed.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OandaError } from './errors';

export type OandaEnvironment = 'practice' | 'live';

export const OANDA_HOSTS: Record<OandaEnvironment, { rest: string; stream: string }> = {
  practice: { rest: 'https://api-fxpractice.oanda.com', stream: 'https://stream-fxpractice.oanda.com' },
  live: { rest: 'https://api-fxtrade.oanda.com', stream: 'https://stream-fxtrade.oanda.com' },
};

export interface OandaConfig {
  environment: OandaEnvironment;
  restUrl: string;
  streamUrl: string;
  token: string;
  /** null: to be discovered from the token's accounts. */
  accountId: string | null;
}

export function resolveOandaConfig(env: Record<string, string | undefined>, flags: { environment?: string; allowLive?: boolean } = {}): OandaConfig {
  const environment = (flags.environment ?? env['OANDA_ENV'] ?? 'practice').trim().toLowerCase();
  if (environment !== 'practice' && environment !== 'live') {
    throw new OandaError('oanda.bad_environment', `OANDA environment must be practice or live, got "${environment}"`);
  }
  if (environment === 'live' && flags.allowLive !== true) {
    throw new OandaError('oanda.live_not_allowed', 'live trading needs the explicit --live flag (and a typed confirmation on first start)');
  }
  const token = (env['OANDA_TOKEN'] ?? '').trim();
  if (!token) throw new OandaError('oanda.no_token', 'OANDA_TOKEN is not set: create a personal access token in the OANDA hub (Manage API Access) and export OANDA_TOKEN');
  const url = (name: string, fallback: string) => {
    const v = (env[name] ?? '').trim() || fallback;
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      throw new OandaError('oanda.bad_url', `${name} is not a URL: ${v}`);
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new OandaError('oanda.bad_url', `${name} must be http(s): ${v}`);
    return u.toString().replace(/\/$/, '');
  };
  const hosts = OANDA_HOSTS[environment];
  return {
    environment,
    restUrl: url('OANDA_REST_URL', hosts.rest),
    streamUrl: url('OANDA_STREAM_URL', hosts.stream),
    token,
    accountId: (env['OANDA_ACCOUNT_ID'] ?? '').trim() || null,
  };
}

/** The settings for a log line: the token masked to its last 4 characters. */
export function describeConfig(c: OandaConfig): string {
  const masked = c.token.length > 8 ? `…${c.token.slice(-4)}` : '****';
  return `${c.environment} rest=${c.restUrl} stream=${c.streamUrl} account=${c.accountId ?? '(discover)'} token=${masked}`;
}

const CONFIRM_FILE = 'oanda-live-confirmed.json';

/** The exact text a user must type to confirm live trading on `accountId`. */
export function liveConfirmationPhrase(accountId: string): string {
  return `LIVE ${accountId}`;
}

export function isLiveConfirmed(dataDir: string, accountId: string): boolean {
  const p = join(dataDir, CONFIRM_FILE);
  if (!existsSync(p)) return false;
  try {
    const v = JSON.parse(readFileSync(p, 'utf8')) as { accounts?: Record<string, string> };
    return typeof v.accounts?.[accountId] === 'string';
  } catch {
    return false;
  }
}

/**
 * Makes sure live trading on `accountId` was confirmed. Practice accounts need nothing. On the first
 * live start `ask` is called with the prompt and must return the typed phrase; without `ask`
 * (no terminal, a service) an unconfirmed live account is refused.
 */
export async function ensureLiveConfirmed(opts: { config: OandaConfig; accountId: string; dataDir: string; ask?: (prompt: string) => Promise<string>; now?: () => number }): Promise<void> {
  if (opts.config.environment !== 'live') return;
  if (isLiveConfirmed(opts.dataDir, opts.accountId)) return;
  const phrase = liveConfirmationPhrase(opts.accountId);
  if (!opts.ask) {
    throw new OandaError('oanda.live_not_confirmed', `live trading on ${opts.accountId} has not been confirmed: start once from a terminal and type "${phrase}"`);
  }
  const typed = (await opts.ask(`This trades REAL MONEY on OANDA account ${opts.accountId}. Type "${phrase}" to confirm: `)).trim();
  if (typed !== phrase) throw new OandaError('oanda.live_not_confirmed', `live trading not confirmed (expected "${phrase}")`);
  const p = join(opts.dataDir, CONFIRM_FILE);
  let prev: { accounts?: Record<string, string> } = {};
  try {
    if (existsSync(p)) prev = JSON.parse(readFileSync(p, 'utf8')) as typeof prev;
  } catch {
    prev = {};
  }
  const next = { accounts: { ...(prev.accounts ?? {}), [opts.accountId]: new Date((opts.now ?? Date.now)()).toISOString() } };
  writeFileSync(`${p}.tmp`, JSON.stringify(next, null, 2) + '\n', { mode: 0o600 });
  renameSync(`${p}.tmp`, p);
}
