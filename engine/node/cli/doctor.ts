/**
 * `npm run doctor -- [--env practice|live] [--live] [--instrument EUR_USD] [--stream-seconds 10]
 * [--max-skew-ms 2000] [--json]`: checks an OANDA v20 setup end to end and prints one line per check,
 * PASS or FAIL, with the fix for each failure:
 *   config, token (GET accounts), account (summary), instruments, candles (one fetch), pricing
 *   stream and transaction stream (each held open for --stream-seconds: prices, heartbeats, no
 *   malformed lines), clock skew (the local clock against the pricing answer's time).
 * Settings come from the environment (engine/venues/oanda/config.ts: OANDA_TOKEN, OANDA_ACCOUNT_ID,
 * OANDA_ENV, OANDA_REST_URL, OANDA_STREAM_URL). The token is never printed.
 * Exit codes: 0 every check passed, 1 a check failed, 64 usage.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { OandaError, toOandaError } from '../../venues/oanda/errors';
import { connectOanda, type OandaConnection } from '../../venues/oanda/client';
import { describeConfig, resolveOandaConfig, type OandaConfig } from '../../venues/oanda/config';
import { fetchCandles } from '../../venues/oanda/market-data';
import { v20Time } from '../../venues/oanda/mapping';
import { PricingStream, TransactionStream } from '../../venues/oanda/stream';
import { Backoff } from '../../venues/oanda/retry';
import { runCli } from './run-cli';

export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
  fix: string | null;
}

export interface DoctorOptions {
  env: Record<string, string | undefined>;
  environment?: string;
  allowLive?: boolean;
  instrument?: string;
  streamMs?: number;
  maxSkewMs?: number;
  /** Called as each check ends (the CLI prints it at once). */
  onCheck?: (c: DoctorCheck) => void;
}

function fixFor(err: OandaError, what: string): string {
  const s = err.status;
  if (err.code === 'oanda.no_token') return 'export OANDA_TOKEN=<token> (OANDA hub > Manage API Access)';
  if (s === 401) return 'the token was refused: generate a new one in the OANDA hub and export it as OANDA_TOKEN; a practice token does not work on live (or the reverse): check OANDA_ENV';
  if (s === 403) return 'the token may not use this account: check OANDA_ACCOUNT_ID against the accounts the token lists';
  if (s === 404) return `${what} not found: check OANDA_ACCOUNT_ID (and the instrument name, e.g. EUR_USD)`;
  if (s === 429) return 'rate limited: another program uses this IP heavily; wait and run again';
  if (err.code === 'oanda.unreachable' || err.code === 'oanda.timeout') return 'cannot reach OANDA: check the network, proxy and firewall (HTTPS to api-fx*.oanda.com and stream-fx*.oanda.com), or OANDA_REST_URL / OANDA_STREAM_URL';
  if (s !== undefined && s >= 500) return 'OANDA is having trouble: try again later (status.oanda.com)';
  return 'see the message; run with DEBUG=1 for details';
}

export async function runDoctor(opts: DoctorOptions): Promise<{ ok: boolean; checks: DoctorCheck[] }> {
  const checks: DoctorCheck[] = [];
  const add = (c: DoctorCheck) => {
    checks.push(c);
    opts.onCheck?.(c);
    return c.ok;
  };
  const fail = (name: string, e: unknown, what: string) => {
    const err = toOandaError(e, what);
    return add({ name, ok: false, detail: `[${err.code}] ${err.message}`, fix: fixFor(err, what) });
  };
  const streamMs = opts.streamMs ?? 10_000;
  const instrument = opts.instrument ?? 'EUR_USD';

  let config: OandaConfig;
  try {
    config = resolveOandaConfig(opts.env, { environment: opts.environment, allowLive: opts.allowLive });
    add({ name: 'config', ok: true, detail: describeConfig(config), fix: null });
  } catch (e) {
    fail('config', e, 'configuration');
    return { ok: false, checks };
  }

  let conn: OandaConnection;
  let accountIds: string[] = [];
  try {
    conn = await connectOanda(config, { timeoutMs: 10_000, retry: { maxAttempts: 2 } });
    accountIds = (await conn.api.listAccounts()).accounts.map((a) => a.id);
    add({ name: 'token', ok: true, detail: `the token is accepted; it sees ${accountIds.length} account(s)`, fix: null });
  } catch (e) {
    fail('token', e, 'accounts');
    return { ok: false, checks };
  }
  const { api } = conn;
  try {
    let lastTx = '0';
    try {
      const { account } = await api.summary();
      lastTx = account.lastTransactionID;
      add({ name: 'account', ok: true, detail: `${account.id} (${account.alias ?? ''}) ${account.currency}, balance ${account.balance}, NAV ${account.NAV}, ${account.hedgingEnabled ? 'hedging' : 'netting'}`, fix: null });
    } catch (e) {
      fail('account', e, `account ${conn.accountId}`);
      checks[checks.length - 1]!.fix += ` (the token's accounts: ${accountIds.join(', ') || 'none'})`;
      return { ok: false, checks };
    }
    try {
      const { instruments } = await api.instruments();
      const found = instruments.find((i) => i.name === instrument);
      if (found) add({ name: 'instruments', ok: true, detail: `${instruments.length} instruments; ${instrument}: precision ${found.displayPrecision}, pip 1e${found.pipLocation}, margin ${found.marginRate}`, fix: null });
      else add({ name: 'instruments', ok: false, detail: `${instruments.length} instruments, ${instrument} is not one of them`, fix: 'choose an instrument the account trades with --instrument' });
    } catch (e) {
      fail('instruments', e, 'instruments');
    }
    try {
      const now = Date.now();
      const candles = await fetchCandles(api, { instrument, granularity: 'M1', from: now - 3 * 86_400_000, to: now, pageSize: 5000 });
      add({ name: 'candles', ok: true, detail: `${candles.length} complete M1 candles of ${instrument} in the last 3 days`, fix: null });
    } catch (e) {
      fail('candles', e, `candles of ${instrument}`);
    }
    await checkPricing(conn, instrument, streamMs, add);
    await checkTransactions(conn, lastTx, streamMs, add);
    try {
      const t0 = Date.now();
      const r = await api.pricing([instrument]);
      const t1 = Date.now();
      const server = r.time ? v20Time(r.time) : NaN;
      if (!Number.isFinite(server)) add({ name: 'clock', ok: false, detail: 'the pricing answer has no time', fix: 'unexpected answer; run again' });
      else {
        const skew = Math.round(server - (t0 + t1) / 2);
        const max = opts.maxSkewMs ?? 2000;
        add({ name: 'clock', ok: Math.abs(skew) <= max, detail: `local clock ${skew >= 0 ? 'behind' : 'ahead of'} OANDA by ${Math.abs(skew)} ms (round trip ${t1 - t0} ms)`, fix: Math.abs(skew) <= max ? null : 'synchronise the clock (timedatectl set-ntp true, or chrony)' });
      }
    } catch (e) {
      fail('clock', e, 'pricing');
    }
  } finally {
    conn.close();
  }
  return { ok: checks.every((c) => c.ok), checks };
}

function collectFor(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function checkPricing(conn: OandaConnection, instrument: string, ms: number, add: (c: DoctorCheck) => boolean): Promise<void> {
  const errors: OandaError[] = [];
  const s = new PricingStream({
    baseUrl: conn.config.streamUrl, token: conn.config.token, gate: conn.gate, accountId: conn.accountId, instruments: [instrument],
    onPrice: () => undefined, onError: (e) => errors.push(e), backoff: new Backoff(250, 2000), checkMs: 500,
  });
  s.start();
  await collectFor(ms);
  s.close();
  const needHeartbeat = ms >= 6000;
  const bad = errors.find((e) => e.code === 'oanda.stream_line');
  const refused = errors.find((e) => e.status !== undefined);
  const ok = s.connects > 0 && s.prices > 0 && (!needHeartbeat || s.heartbeats > 0) && !bad;
  add({
    name: 'pricing stream',
    ok,
    detail: `${ms / 1000} s: ${s.connects} connection(s), ${s.prices} price(s), ${s.heartbeats} heartbeat(s), ${s.badLines} malformed line(s)${errors.length ? `; ${errors[0]!.code}: ${errors[0]!.message}` : ''}`,
    fix: ok ? null : refused ? fixFor(refused, 'pricing stream') : s.connects === 0 ? 'cannot open the stream: check OANDA_STREAM_URL and that stream-fx*.oanda.com is reachable' : s.prices === 0 ? 'no prices: the market may be closed (weekend) or the instrument halted; run again while it trades' : bad ? 'malformed stream lines: a proxy may be rewriting the stream; bypass it' : 'no heartbeats: a proxy may be buffering the stream; bypass it',
  });
}

async function checkTransactions(conn: OandaConnection, lastTx: string, ms: number, add: (c: DoctorCheck) => boolean): Promise<void> {
  const errors: OandaError[] = [];
  const s = new TransactionStream({
    baseUrl: conn.config.streamUrl, token: conn.config.token, gate: conn.gate, accountId: conn.accountId, sinceId: lastTx,
    backfill: async (id) => (await conn.api.transactionsSince(id)).transactions, onTransaction: () => undefined, onError: (e) => errors.push(e), backoff: new Backoff(250, 2000), checkMs: 500,
  });
  s.start();
  await collectFor(ms);
  s.close();
  const needHeartbeat = ms >= 6000;
  const refused = errors.find((e) => e.status !== undefined);
  const ok = s.connects > 0 && (!needHeartbeat || s.heartbeats > 0) && s.badLines === 0 && !errors.some((e) => e.code === 'oanda.backfill_failed');
  add({
    name: 'transaction stream',
    ok,
    detail: `${ms / 1000} s: ${s.connects} connection(s), ${s.heartbeats} heartbeat(s), last transaction ${s.lastTransactionId}${errors.length ? `; ${errors[0]!.code}: ${errors[0]!.message}` : ''}`,
    fix: ok ? null : refused ? fixFor(refused, 'transaction stream') : s.connects === 0 ? 'cannot open the stream: check OANDA_STREAM_URL and that stream-fx*.oanda.com is reachable' : 'no heartbeats or bad lines: a proxy may be buffering or rewriting the stream; bypass it',
  });
}

async function main(argv: string[]): Promise<void> {
  const program = new Command('doctor')
    .option('--env <environment>', 'practice or live (default: OANDA_ENV or practice)')
    .option('--live', 'allow the live environment')
    .option('--instrument <name>', 'instrument for the candle, pricing and clock checks', 'EUR_USD')
    .option('--stream-seconds <s>', 'how long to hold each stream open', '10')
    .option('--max-skew-ms <ms>', 'largest acceptable clock difference', '2000')
    .option('--json', 'print the checks as JSON')
    .exitOverride();
  program.parse(argv, { from: 'user' });
  const o = program.opts<{ env?: string; live?: boolean; instrument: string; streamSeconds: string; maxSkewMs: string; json?: boolean }>();
  const streamMs = Math.round(Number(o.streamSeconds) * 1000);
  if (!(streamMs > 0)) throw new OandaError('usage.bad_option', '--stream-seconds must be a positive number');
  const result = await runDoctor({
    env: process.env,
    environment: o.env,
    allowLive: o.live === true,
    instrument: o.instrument,
    streamMs,
    maxSkewMs: Number(o.maxSkewMs),
    onCheck: o.json ? undefined : (c) => process.stdout.write(`${c.ok ? 'PASS' : 'FAIL'}  ${c.name.padEnd(18)} ${c.detail}${c.fix ? `\n      fix: ${c.fix}` : ''}\n`),
  });
  if (o.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else process.stdout.write(result.ok ? 'all checks passed\n' : `${result.checks.filter((c) => !c.ok).length} check(s) failed\n`);
  process.exitCode = result.ok ? 0 : 1;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) void runCli(() => main(process.argv.slice(2)));
