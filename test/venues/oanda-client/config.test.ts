import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeConfig, ensureLiveConfirmed, isLiveConfirmed, resolveOandaConfig } from '../../../engine/venues/oanda/config';
import type { OandaError } from '../../../engine/venues/oanda/errors';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as OandaError).code;
  }
  return null;
};

describe('OANDA configuration', () => {
  it('practice by default, URLs by environment or override, the token masked', () => {
    const c = resolveOandaConfig({ OANDA_TOKEN: 'abcdef-0123456789-secret', OANDA_ACCOUNT_ID: '101-1' });
    expect(c).toMatchObject({ environment: 'practice', restUrl: 'https://api-fxpractice.oanda.com', streamUrl: 'https://stream-fxpractice.oanda.com', accountId: '101-1' });
    expect(describeConfig(c)).not.toContain('0123456789');
    const o = resolveOandaConfig({ OANDA_TOKEN: 't', OANDA_REST_URL: 'http://127.0.0.1:9/', OANDA_STREAM_URL: 'http://127.0.0.1:10' });
    expect([o.restUrl, o.streamUrl, o.accountId]).toEqual(['http://127.0.0.1:9', 'http://127.0.0.1:10', null]);
    expect(resolveOandaConfig({ OANDA_TOKEN: 't', OANDA_ENV: 'live' }, { allowLive: true }).restUrl).toBe('https://api-fxtrade.oanda.com');
  });

  it('coded refusals', () => {
    expect(code(() => resolveOandaConfig({}))).toBe('oanda.no_token');
    expect(code(() => resolveOandaConfig({ OANDA_TOKEN: 't', OANDA_ENV: 'demo' }))).toBe('oanda.bad_environment');
    expect(code(() => resolveOandaConfig({ OANDA_TOKEN: 't', OANDA_ENV: 'live' }))).toBe('oanda.live_not_allowed');
    expect(code(() => resolveOandaConfig({ OANDA_TOKEN: 't', OANDA_REST_URL: 'ftp://x' }))).toBe('oanda.bad_url');
  });

  it('live needs a typed confirmation once per account, remembered in the data dir', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oanda-live-'));
    dirs.push(dir);
    const config = resolveOandaConfig({ OANDA_TOKEN: 't', OANDA_ENV: 'live' }, { allowLive: true });
    await expect(ensureLiveConfirmed({ config, accountId: '001-1', dataDir: dir })).rejects.toMatchObject({ code: 'oanda.live_not_confirmed' });
    await expect(ensureLiveConfirmed({ config, accountId: '001-1', dataDir: dir, ask: async () => 'yes' })).rejects.toMatchObject({ code: 'oanda.live_not_confirmed' });
    const prompts: string[] = [];
    await ensureLiveConfirmed({ config, accountId: '001-1', dataDir: dir, ask: async (p) => (prompts.push(p), 'LIVE 001-1') });
    expect(prompts[0]).toContain('REAL MONEY');
    expect(isLiveConfirmed(dir, '001-1')).toBe(true);
    expect(isLiveConfirmed(dir, '001-2')).toBe(false);
    await ensureLiveConfirmed({ config, accountId: '001-1', dataDir: dir }); // no prompt the second time
    expect(JSON.parse(readFileSync(join(dir, 'oanda-live-confirmed.json'), 'utf8')).accounts['001-1']).toBeTypeOf('string');
    const practice = resolveOandaConfig({ OANDA_TOKEN: 't' });
    await ensureLiveConfirmed({ config: practice, accountId: 'x', dataDir: dir }); // practice: nothing asked
  });
});
