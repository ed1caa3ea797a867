/**
 * `npm run build:engine`: bundles the headless engine entry (engine/node/main.ts) into one ES module,
 * out/engine/main.mjs, the way it ships to a server (systemd runs it with plain `node`, no TypeScript
 * compiler at start-up). npm packages stay external (better-sqlite3 is native; the others load from
 * node_modules). out/engine/ is as deep as engine/node/, so the entry finds resources/ the same way.
 */
import { build } from 'esbuild';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export async function buildEngine(outfile = join(ROOT, 'out/engine/main.mjs')): Promise<string> {
  await build({
    entryPoints: [join(ROOT, 'engine/node/main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  });
  return outfile;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildEngine().then(
    (f) => process.stdout.write(`built ${f}\n`),
    (e: unknown) => {
      process.stderr.write(`build failed: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
