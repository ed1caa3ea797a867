import { describe, expect, it } from 'vitest';
import { ProtocolClient } from '../../engine/protocol/client';
import { connectInProcess } from '../../engine/protocol/transports/in-process';
import { contractSuite } from './contract-suite';
import { createFixtureEngine } from './fixture-engine';

contractSuite('in-process transport', async () => {
  const fx = createFixtureEngine();
  const client = new ProtocolClient(connectInProcess(fx.protocol.server));
  return {
    client,
    advance: (n) => Promise.resolve(fx.advance(n)),
    close: () => {
      client.close();
      fx.close();
      return Promise.resolve();
    },
  };
});

describe('config.set audit hook (in-process)', () => {
  it('records each accepted change through onConfigChanged, none for a refused one', async () => {
    const fx = createFixtureEngine();
    const client = new ProtocolClient(connectInProcess(fx.protocol.server, 'user:desktop'));
    await client.request('config.set', { path: ['risk', 'max_trades_per_day'], value: 7 });
    await client.request('config.set', { path: 'account.starting_cash', value: '5000' }).catch(() => undefined);
    await expect(client.request('config.set', { path: 'risk.max_trades_per_day', value: 'many' })).rejects.toMatchObject({ code: 'config.invalid' });
    expect(fx.configChanges.map((c) => [c.path, c.old, c.new, c.applied, c.source])).toEqual([
      ['risk.max_trades_per_day', 50, 7, true, 'user:desktop'],
      ['account.starting_cash', '100000', '5000', false, 'user:desktop'],
    ]);
    expect(fx.engine.risk.limits.maxTradesPerDay).toBe(7);
    client.close();
    fx.close();
  });
});
