import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TOKEN_ENV, TOKEN_FILE, findToken, loadOrCreateToken } from '../../../engine/node/token';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'token-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('engine token', () => {
  it('the engine creates it once, owner-only, and a client finds it in the same data dir', () => {
    const dir = tmp();
    const a = loadOrCreateToken(dir, {});
    expect(a.token).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(join(dir, TOKEN_FILE)).mode & 0o777).toBe(0o600);
    expect(loadOrCreateToken(dir, {}).token).toBe(a.token);
    expect(findToken({ dataDir: dir, env: {} })).toBe(a.token);
    expect(readFileSync(join(dir, TOKEN_FILE), 'utf8').trim()).toBe(a.token);
  });

  it('the environment wins; an explicit file wins for a client; empty or missing tokens are refused', () => {
    const dir = tmp();
    expect(loadOrCreateToken(dir, { [TOKEN_ENV]: ' abc ' })).toEqual({ token: 'abc', source: `env ${TOKEN_ENV}` });
    expect(() => loadOrCreateToken(dir, { [TOKEN_ENV]: '  ' })).toThrow(expect.objectContaining({ code: 'config.empty_token' }));
    const f = join(dir, 'my-token');
    writeFileSync(f, 'xyz\n');
    expect(findToken({ tokenFile: f, dataDir: dir, env: { [TOKEN_ENV]: 'abc' } })).toBe('xyz');
    expect(findToken({ dataDir: dir, env: { [TOKEN_ENV]: 'abc' } })).toBe('abc');
    expect(() => findToken({ dataDir: dir, env: {} })).toThrow(expect.objectContaining({ code: 'usage.no_token' }));
    writeFileSync(join(dir, TOKEN_FILE), '\n');
    expect(() => findToken({ dataDir: dir, env: {} })).toThrow(expect.objectContaining({ code: 'usage.token_file' }));
  });
});
