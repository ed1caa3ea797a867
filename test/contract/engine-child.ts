/**
 * A test engine process: builds the fixture engine and serves the protocol over this process's IPC
 * channel (`child_process.fork` with `--import tsx`). Test control travels on its own channel of the
 * same IPC: `{ctl: 'advance', n, seq}` delivers n timestamps of bars and answers `{ctl: 'advanced', seq}`.
 */
import { serveIpc } from '../../engine/node/server/ipc-transport';
import { createFixtureEngine } from './fixture-engine';

const fx = createFixtureEngine();
serveIpc(fx.protocol.server, process, 'user:ipc');

process.on('message', (m: unknown) => {
  if (typeof m !== 'object' || m === null || (m as { ctl?: unknown }).ctl !== 'advance') return;
  const { n, seq } = m as { n: number; seq: number };
  fx.advance(n);
  process.send?.({ ctl: 'advanced', seq });
});
process.on('disconnect', () => {
  fx.close();
  process.exit(0);
});
process.send?.({ ctl: 'ready' });
