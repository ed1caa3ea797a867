import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { ipcTransport } from '../../engine/node/server/ipc-transport';
import { ProtocolClient } from '../../engine/protocol/client';
import { contractSuite, type ContractFixture } from './contract-suite';

const ENTRY = fileURLToPath(new URL('./engine-child.ts', import.meta.url));

async function forkEngine(): Promise<ContractFixture & { child: ReturnType<typeof fork> }> {
  const child = fork(ENTRY, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise<void>((resolve, reject) => {
    const onMsg = (m: unknown) => {
      if ((m as { ctl?: string }).ctl === 'ready') {
        child.off('message', onMsg);
        resolve();
      }
    };
    child.on('message', onMsg);
    child.once('exit', (code) => reject(new Error(`engine child exited with ${code}`)));
  });
  const client = new ProtocolClient(ipcTransport(child));
  let seq = 0;
  return {
    child,
    client,
    advance: (n) =>
      new Promise<void>((resolve) => {
        const mine = ++seq;
        const onMsg = (m: unknown) => {
          const c = m as { ctl?: string; seq?: number };
          if (c.ctl === 'advanced' && c.seq === mine) {
            child.off('message', onMsg);
            resolve();
          }
        };
        child.on('message', onMsg);
        child.send({ ctl: 'advance', n, seq: mine });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        client.close();
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.disconnect();
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}

contractSuite('a forked child process (IPC)', forkEngine);

it('a request to an engine process that died is rejected with protocol.closed', async () => {
  const fx = await forkEngine();
  expect((await fx.client.request('engine.status', {})).tradingState).toBe('ACTIVE');
  const exited = new Promise((r) => fx.child.once('exit', r));
  fx.child.kill('SIGKILL');
  await exited;
  await expect(fx.client.request('engine.status', {})).rejects.toMatchObject({ code: 'protocol.closed' });
  await fx.close();
});
