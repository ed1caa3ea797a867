/**
 * Market data and the doctor against the v20 test server: instruments as engine Instruments, candle
 * history paged into the SQLite cache (a real file), and `runDoctor` passing on a healthy server and
 * failing, with a fix, on a bad token.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runDoctor } from '../../../engine/node/cli/doctor';
import { CandleCache } from '../../../engine/venues/oanda/candle-cache';
import { connectOanda, type OandaConnection } from '../../../engine/venues/oanda/client';
import { resolveOandaConfig } from '../../../engine/venues/oanda/config';
import { fetchCandles, loadInstruments } from '../../../engine/venues/oanda/market-data';
import { v20Time } from '../../../engine/venues/oanda/mapping';
import { startV20TestServer, type V20TestServer } from '../oanda-server';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function setup(): Promise<{ server: V20TestServer; conn: OandaConnection; env: Record<string, string> }> {
  const server = await startV20TestServer({ heartbeatMs: 200 });
  cleanup.push(() => server.close());
  server.setPrice('EUR_USD', '1.10000', '1.10010');
  const env = { OANDA_TOKEN: server.token, OANDA_ACCOUNT_ID: server.accountId, OANDA_REST_URL: server.restUrl, OANDA_STREAM_URL: server.streamUrl };
  const conn = await connectOanda(resolveOandaConfig(env));
  cleanup.push(() => conn.close());
  return { server, conn, env };
}

describe('market data', () => {
  it('instruments carry precision, pip, margin rate and tradeable', async () => {
    const { server, conn } = await setup();
    server.faults.haltMarket('GBP_USD');
    const list = await loadInstruments(conn.api);
    const eur = list.find((i) => i.id === 'EUR_USD')!;
    const jpy = list.find((i) => i.id === 'USD_JPY')!;
    expect(eur).toMatchObject({ pricePrecision: 5, pipLocation: -4, quoteCurrency: 'USD', tradeable: true });
    expect(jpy).toMatchObject({ pricePrecision: 3, pipLocation: -2, quoteCurrency: 'JPY' });
    expect(list.find((i) => i.id === 'GBP_USD')!.tradeable).toBe(false);
  });

  it('candle history is paged (count <= 5000 per request) and cached in SQLite', async () => {
    const { server, conn } = await setup();
    const to = Math.floor(Date.now() / 60_000) * 60_000 - 60 * 60_000;
    const from = to - 12_000 * 60_000; // 12 000 M1 candles at most (fewer over weekends)
    const direct = await fetchCandles(conn.api, { instrument: 'EUR_USD', granularity: 'M1', from, to });
    const candleReqs = server.requests.filter((r) => r.path.endsWith('/candles'));
    expect(candleReqs.length).toBeGreaterThanOrEqual(Math.ceil(direct.length / 5000));
    for (const r of candleReqs) expect(Number(new URLSearchParams(r.query).get('count'))).toBeLessThanOrEqual(5000);
    const times = direct.map((c) => v20Time(c.time));
    expect(times.every((t, i) => i === 0 || t > times[i - 1]!)).toBe(true); // no duplicate at page seams
    expect(direct.every((c) => c.complete && typeof c.mid?.c === 'string')).toBe(true);

    const dir = mkdtempSync(join(tmpdir(), 'oanda-candles-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'candles.sqlite');
    const cache = new CandleCache(path, conn.api);
    const first = await cache.candles('EUR_USD', 'M1', from, to);
    expect(first).toEqual(direct); // the decimal strings come back exactly
    const fetched = cache.fetches;
    const again = await cache.candles('EUR_USD', 'M1', from + 60_000 * 100, to - 60_000 * 100);
    expect(cache.fetches).toBe(fetched); // inside the cached span: no request
    expect(again.length).toBe(direct.filter((c) => v20Time(c.time) >= from + 6_000_000 && v20Time(c.time) < to - 6_000_000).length);
    cache.close();
    const reopened = new CandleCache(path, conn.api);
    const bars = await reopened.bars('EUR_USD', 'M1', from, to);
    expect(reopened.fetches).toBe(0); // persisted in the file
    expect(bars.length).toBe(direct.length);
    expect(bars[0]!.bid && bars[0]!.ask).toBeTruthy();
    reopened.close();
  });
});

describe('doctor', () => {
  it('passes every check against a healthy server', async () => {
    const { env, server } = await setup();
    const r = await runDoctor({ env, streamMs: 700, instrument: 'EUR_USD' });
    expect(r.checks.map((c) => [c.name, c.ok])).toEqual([
      ['config', true], ['token', true], ['account', true], ['instruments', true], ['candles', true], ['pricing stream', true], ['transaction stream', true], ['clock', true],
    ]);
    expect(JSON.stringify(r)).not.toContain(server.token);
  });

  it('fails with the fix for a refused token, a missing token and an unknown instrument', async () => {
    const { env } = await setup();
    const bad = await runDoctor({ env: { ...env, OANDA_TOKEN: 'wrong-token' }, streamMs: 300 });
    expect(bad.ok).toBe(false);
    expect(bad.checks.at(-1)).toMatchObject({ name: 'token', ok: false });
    expect(bad.checks.at(-1)!.fix).toContain('generate a new one');
    const none = await runDoctor({ env: { ...env, OANDA_TOKEN: '' }, streamMs: 300 });
    expect(none.checks[0]).toMatchObject({ name: 'config', ok: false });
    expect(none.checks[0]!.fix).toContain('OANDA_TOKEN');
    const inst = await runDoctor({ env, streamMs: 300, instrument: 'NOPE_XXX' });
    expect(inst.checks.find((c) => c.name === 'instruments')).toMatchObject({ ok: false });
  });

  it('live needs the flag', async () => {
    const { env } = await setup();
    const r = await runDoctor({ env: { ...env, OANDA_ENV: 'live' }, streamMs: 300 });
    expect(r.checks[0]).toMatchObject({ name: 'config', ok: false });
    expect(r.checks[0]!.detail).toContain('oanda.live_not_allowed');
  });
});
