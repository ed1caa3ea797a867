/**
 * The engine's access token: `TW_ENGINE_TOKEN` when set, else the file `engine-token` in the data dir
 * (32 random bytes, hex, created on first start with owner-only permissions). Never logged, never
 * journaled; an empty token is refused. The engine creates it; clients (ctl) only read it.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '../core/errors';

export const TOKEN_FILE = 'engine-token';
export const TOKEN_ENV = 'TW_ENGINE_TOKEN';

type Env = Readonly<Record<string, string | undefined>>;

/** The token in a file (trimmed); `code` is the error code for an unreadable or empty file. */
export function readTokenFile(path: string, code: string): string {
  let token: string;
  try {
    token = readFileSync(path, 'utf8').trim();
  } catch (e) {
    throw new EngineError(code, `cannot read token file ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (token === '') throw new EngineError(code, `token file ${path} is empty`);
  return token;
}

/** The engine's side: the token from the environment, else the data dir's file, created when missing. */
export function loadOrCreateToken(dataDir: string, env: Env): { token: string; source: string } {
  const fromEnv = env[TOKEN_ENV];
  if (fromEnv !== undefined) {
    if (fromEnv.trim() === '') throw new EngineError('config.empty_token', `${TOKEN_ENV} is set but empty`);
    return { token: fromEnv.trim(), source: `env ${TOKEN_ENV}` };
  }
  const path = join(dataDir, TOKEN_FILE);
  if (existsSync(path)) return { token: readTokenFile(path, 'config.empty_token'), source: path };
  const token = randomBytes(32).toString('hex');
  writeFileSync(path, token + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return { token, source: path };
}

/** A client's side: an explicit file, else the environment, else the data dir's file; never creates one. */
export function findToken(opts: { tokenFile?: string; dataDir: string; env: Env }): string {
  if (opts.tokenFile !== undefined) return readTokenFile(opts.tokenFile, 'usage.token_file');
  const fromEnv = opts.env[TOKEN_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return fromEnv.trim();
  const path = join(opts.dataDir, TOKEN_FILE);
  if (existsSync(path)) return readTokenFile(path, 'usage.token_file');
  throw new EngineError('usage.no_token', `no token: give --token-file or --data-dir, or set ${TOKEN_ENV}`);
}
