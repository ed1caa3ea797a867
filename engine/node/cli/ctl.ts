/**
 * `npm run ctl -- [--url ws://127.0.0.1:8787/ws] [--token-file path] <command> [--json]`: operates a
 * running engine (engine/node/main.ts) over its WebSocket with the protocol client.
 *
 *   status | positions | orders [--all] | halt [reason] | flatten [reason] | rearm
 *   config get [path] | config set <path> <value>      (value: JSON when it parses, else a string)
 *
 * The token: --token-file, else env TW_ENGINE_TOKEN, else `engine-token` in --data-dir (default: the
 * per-user data dir).
 * Tables by default, the command's result as JSON with --json. Exit codes (sysexits, as run-cli.ts):
 *   0 ok, 1 the engine refused the command (its code is printed), 64 usage, 75 engine unreachable or
 *   no answer (temporary), 77 token refused, 78 bad configuration value (config set), 70 internal.
 */
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { EngineError, isEngineError } from '../../core/errors';
import { ProtocolClient, ProtocolError } from '../../protocol/client';
import { PROTOCOL_ERRORS } from '../../protocol/contract';
import { resolveDataDir } from '../journal/data-dir';
import { findToken } from '../token';
import { connectWs } from '../server/ws-client-transport';
import { EXIT, exitCodeFor } from './run-cli';

export const CTL_EXIT = { ...EXIT, refused: 1, tempfail: 75, noperm: 77 } as const;

interface GlobalOptions {
  url: string;
  tokenFile?: string;
  dataDir?: string;
  json?: boolean;
  timeout: string;
}

/** Left-aligned text table. */
export function table(columns: string[], rows: string[][]): string {
  const cells = [columns, ...rows];
  const widths = columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns), ...rows.map(line)].join('\n');
}

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function at(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const p of path.split('.').filter((x) => x !== '')) {
    if (typeof cur !== 'object' || cur === null || !Object.prototype.hasOwnProperty.call(cur, p)) {
      throw new EngineError('usage.unknown_path', `the configuration has no "${path}"`);
    }
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

type Action = (client: ProtocolClient, json: boolean) => Promise<string>;

/** The URL for messages: a `token` in its query is never printed. */
function withoutToken(url: string): string {
  try {
    const u = new URL(url);
    u.searchParams.delete('token');
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}

async function withClient(o: GlobalOptions, action: Action): Promise<void> {
  const token = findToken({
    ...(o.tokenFile !== undefined ? { tokenFile: o.tokenFile } : {}),
    dataDir: resolveDataDir(o.dataDir, { platform: process.platform, env: process.env, home: homedir() }),
    env: process.env,
  });
  let conn;
  try {
    conn = await connectWs(o.url, { token });
  } catch (e) {
    const status = (e as { status?: number }).status;
    const where = withoutToken(o.url);
    if (status === 401) throw new EngineError('auth.unauthorized', `${where}: the token was refused`);
    if (status === 403) throw new EngineError('auth.origin_not_allowed', `${where}: origin refused`);
    throw new EngineError('engine.unreachable', `${where}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const timeoutMs = Number(o.timeout);
  const client = new ProtocolClient(conn.transport, { timeoutMs: Number.isFinite(timeoutMs) && timeoutMs > 0 ? timeoutMs : 10_000 });
  try {
    const text = await action(client, o.json === true);
    process.stdout.write(text.endsWith('\n') ? text : text + '\n');
  } finally {
    client.close();
  }
}

const asJson = (v: unknown) => JSON.stringify(v, null, 2);

function program(): Command {
  const cmd = new Command()
    .name('ctl')
    .description('Operate a running engine over its WebSocket')
    .option('--url <ws-url>', 'engine WebSocket', 'ws://127.0.0.1:8787/ws')
    .option('--token-file <path>', 'file holding the token (default: env TW_ENGINE_TOKEN, else the data dir engine-token)')
    .option('--data-dir <dir>', "the engine's data dir, where its token file is (default: the per-user data dir)")
    .option('--json', 'print the result as JSON')
    .option('--timeout <ms>', 'answer timeout, ms', '10000')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  const run = (action: Action) => async () => withClient(cmd.opts<GlobalOptions>(), action);

  cmd.command('status').description('engine and trading state').action(
    run(async (c, json) => {
      const s = await c.request('engine.status', {});
      if (json) return asJson(s);
      return table(
        ['field', 'value'],
        [
          ['state', s.state],
          ['trading', `${s.tradingState} (${s.tradingStateSource})`],
          ['flattening', String(s.flattening)],
          ['engine time', new Date(s.clock.now).toISOString()],
          ['last event id', String(s.lastEventId)],
          ['instruments', s.instruments.join(', ') || '-'],
          ['strategies', s.strategies.map((x) => `${x.id} ${x.state}`).join(', ') || '-'],
          ['versions', `protocol ${s.versions.protocol}, engine ${s.versions.engine}`],
        ],
      );
    }),
  );
  cmd.command('positions').description('open positions').action(
    run(async (c, json) => {
      const { positions } = await c.request('positions.list', {});
      if (json) return asJson(positions);
      if (positions.length === 0) return 'no open positions';
      return table(
        ['instrument', 'qty', 'avg px', 'mark', 'unrealized', 'value'],
        positions.map((p) => [p.instrumentId, p.qty, p.avgPx, p.markPx ?? '-', p.unrealizedPnl, p.marketValue]),
      );
    }),
  );
  cmd
    .command('orders')
    .description('open orders (--all: every order)')
    .option('--all', 'every order, not only the open ones')
    .action(async (opts: { all?: boolean }) =>
      withClient(cmd.opts<GlobalOptions>(), async (c, json) => {
        const { orders } = await c.request('orders.list', { scope: opts.all ? 'all' : 'open' });
        if (json) return asJson(orders);
        if (orders.length === 0) return opts.all ? 'no orders' : 'no open orders';
        return table(
          ['client order id', 'instrument', 'side', 'type', 'qty', 'filled', 'price', 'status'],
          orders.map((o) => [o.clientOrderId, o.instrumentId, o.side, o.type, o.qty, o.filledQty, o.price ?? o.triggerPrice ?? '-', o.status]),
        );
      }),
    );
  cmd
    .command('halt [reason...]')
    .description('kill switch: no new orders (cancels and flatten still allowed)')
    .action(async (reason: string[]) =>
      withClient(cmd.opts<GlobalOptions>(), async (c, json) => {
        const r = await c.request('risk.halt', reason.length > 0 ? { reason: reason.join(' ') } : {});
        return json ? asJson(r) : `trading ${r.tradingState}${r.changed ? '' : ' (already)'}`;
      }),
    );
  cmd
    .command('flatten [reason...]')
    .description('kill switch: cancel every order, close every position, halt')
    .action(async (reason: string[]) =>
      withClient(cmd.opts<GlobalOptions>(), async (c, json) => {
        const r = await c.request('risk.flatten', reason.length > 0 ? { reason: reason.join(' ') } : {});
        if (json) return asJson(r);
        const rep = r.report;
        return `flatten ${r.flattenId}: ${r.done ? rep.status : 'in progress'}; ${rep.cancels.length} orders canceled, ${rep.closes.length} positions closing, ${rep.failures.length} failures`;
      }),
    );
  cmd.command('rearm').description('re-arm after a halt').action(
    run(async (c, json) => {
      const r = await c.request('risk.rearm', {});
      return json ? asJson(r) : `trading ${r.tradingState}${r.changed ? '' : ' (already)'}`;
    }),
  );
  const config = cmd.command('config').description('read or change the configuration');
  config
    .command('get [path]')
    .description('the configuration, or one setting (dotted path)')
    .action(async (path: string | undefined) =>
      withClient(cmd.opts<GlobalOptions>(), async (c, json) => {
        const { config: cfg } = await c.request('config.get', {});
        const v = path === undefined ? cfg : at(cfg, path);
        return json || typeof v === 'object' ? asJson(v) : String(v);
      }),
    );
  config
    .command('set <path> <value>')
    .description('change one setting (value parsed as JSON, else taken as text)')
    .action(async (path: string, value: string) =>
      withClient(cmd.opts<GlobalOptions>(), async (c, json) => {
        const r = await c.request('config.set', { path, value: parseValue(value) });
        return json ? asJson(r) : `${r.path}: ${JSON.stringify(r.old)} -> ${JSON.stringify(r.new)} (${r.applied ? 'applied now' : 'applies at the next start'})`;
      }),
    );
  return cmd;
}

export function ctlExitCode(code: string): number {
  if (code.startsWith('auth.')) return CTL_EXIT.noperm;
  if (code === 'engine.unreachable' || code === PROTOCOL_ERRORS.timeout || code === PROTOCOL_ERRORS.closed) return CTL_EXIT.tempfail;
  if (code.startsWith('usage.') || code.startsWith('config.')) return exitCodeFor(code);
  if (code === PROTOCOL_ERRORS.internal || code.startsWith('protocol.')) return CTL_EXIT.internal;
  return CTL_EXIT.refused;
}

export async function ctl(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: 'user' });
    return CTL_EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? CTL_EXIT.ok : CTL_EXIT.usage;
    if (isEngineError(e) || e instanceof ProtocolError) {
      process.stderr.write(`error [${e.code}]: ${e.message}\n`);
      return ctlExitCode(e.code);
    }
    process.stderr.write(`error [internal]: ${e instanceof Error ? e.message : String(e)}\n`);
    return CTL_EXIT.internal;
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  void ctl(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
