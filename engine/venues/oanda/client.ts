/**
 * Wiring of one OANDA connection: the REST transport, the API, the shared connection gate (REST and
 * streams count against the same 2 new connections per second) and the venue, from an OandaConfig.
 * The account id is discovered from the token when the configuration has none and the token sees
 * exactly one account (`oanda.account_ambiguous` / `oanda.no_account` otherwise).
 */
import type { Instrument } from '../../core/instrument';
import { V20Api } from './api';
import type { OandaConfig } from './config';
import { OandaError } from './errors';
import { V20Http, type V20HttpOptions } from './http-client';
import { loadInstruments } from './market-data';
import { OandaVenue, type OandaVenueOptions } from './oanda-venue';
import { ConnectionGate, RequestPacer } from './rate-limit';
import { RetryPolicy, type RetryOptions } from './retry';

export interface OandaClientOptions {
  timeoutMs?: number;
  retry?: RetryOptions;
  requestsPerSecond?: number;
  burst?: number;
  onAttempt?: V20HttpOptions['onAttempt'];
}

export interface OandaConnection {
  config: OandaConfig;
  accountId: string;
  http: V20Http;
  api: V20Api;
  gate: ConnectionGate;
  close(): void;
}

export async function connectOanda(config: OandaConfig, opts: OandaClientOptions = {}): Promise<OandaConnection> {
  const gate = new ConnectionGate();
  const http = new V20Http({
    baseUrl: config.restUrl,
    token: config.token,
    gate,
    pacer: new RequestPacer({ perSecond: opts.requestsPerSecond, burst: opts.burst }),
    retry: new RetryPolicy(opts.retry),
    timeoutMs: opts.timeoutMs,
    onAttempt: opts.onAttempt,
  });
  let accountId = config.accountId;
  if (accountId === null) {
    try {
      const { accounts } = await new V20Api(http, '-').listAccounts();
      if (accounts.length === 0) throw new OandaError('oanda.no_account', 'the token has no accounts');
      if (accounts.length > 1) throw new OandaError('oanda.account_ambiguous', `the token sees ${accounts.length} accounts (${accounts.map((a) => a.id).join(', ')}): set OANDA_ACCOUNT_ID`);
      accountId = accounts[0]!.id;
    } catch (e) {
      http.close();
      throw e;
    }
  }
  const api = new V20Api(http, accountId);
  return { config, accountId, http, api, gate, close: () => http.close() };
}

/** The venue of a connection, with the account's instruments loaded (all, or `names`). */
export async function createOandaVenue(conn: OandaConnection, opts: Omit<OandaVenueOptions, 'api' | 'streamUrl' | 'token' | 'gate' | 'instruments'> & { instruments?: readonly string[] } = {}): Promise<{ venue: OandaVenue; instruments: Instrument[] }> {
  const instruments = await loadInstruments(conn.api, opts.instruments);
  const { instruments: _names, ...rest } = opts;
  const venue = new OandaVenue({ ...rest, api: conn.api, streamUrl: conn.config.streamUrl, token: conn.config.token, gate: conn.gate, instruments });
  return { venue, instruments };
}
