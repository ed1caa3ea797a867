/**
 * The file Electron's `utilityProcess.fork` runs (built to out/main/engine.js by electron-vite): the
 * same engine as `--engine-only` and `npm run engine` (engine/node/main.ts `runEngine`, with the
 * arguments main passes after `--engine-args`, so that whatever Electron puts before them in
 * `process.argv` is never read as an engine option), served to the desktop host over `process.parentPort`
 * (engine/node/desktop/host-port.ts) instead of a Node IPC channel, which a utility process does not
 * have. Exits with runEngine's exit code, which the supervisor's restart policy reads.
 *
 * Needs from engine/node/main.ts: `RunEngineOptions.serveHost?: (server: ProtocolServer) => () => void`,
 * called once the protocol server exists (like serveIpc), its closer run at shutdown. Until runEngine
 * honours it, the engine serves only WebSocket in a utility process and the supervisor cannot see it
 * become ready (it restarts it as not answering).
 */
import type { ProtocolServer } from '../../protocol/server';
import { runEngine, type RunEngineOptions } from '../main';
import { serveHost, type ParentPortLike } from './host-port';
import { ENGINE_ARGS_MARK } from './process-launcher';

const parentPort = (process as unknown as { parentPort?: ParentPortLike }).parentPort;
if (!parentPort) {
  process.stderr.write('utility-entry: no process.parentPort: run this file with Electron utilityProcess.fork (or engine/node/main.ts under Node)\n');
  process.exit(64);
}

const options: RunEngineOptions & { serveHost: (server: ProtocolServer) => () => void } = {
  serveHost: (server) => serveHost(server, parentPort, (err) => process.stderr.write(`engine host port: ${err instanceof Error ? err.message : String(err)}\n`)),
};

const mark = process.argv.indexOf(ENGINE_ARGS_MARK);
void runEngine(mark >= 0 ? process.argv.slice(mark + 1) : [], options).then((code) => process.exit(code));
