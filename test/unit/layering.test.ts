/**
 * The runtime layering (ARCHITECTURE.md "Layers") is enforced by eslint.config.js and by the tsconfig
 * project references. These tests lint small in-memory sources placed at real folder paths (the files
 * need not exist) with the project's own ESLint config, and check which ambient types each tsconfig
 * pulls in.
 */
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { ESLint, type Linter } from 'eslint';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';

// Source text that imports electron, built so that this file itself shows no electron import
// (nothing run under Node may import it; this file only lints the text).
const ELECTRON = ['elec', 'tron'].join('');
const IMPORT_ELECTRON_APP = `import { app } from '${ELECTRON}';\nexport { app };`;
const IMPORT_ELECTRON_IPC = `import { ipcRenderer } from '${ELECTRON}';\nexport { ipcRenderer };`;

const root = fileURLToPath(new URL('../..', import.meta.url));

let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: root });
});

async function lint(file: string, code: string): Promise<Linter.LintMessage[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  if (!result) throw new Error(`no lint result for ${file}`);
  return result.messages;
}

const LAYER_RULES = new Set(['no-restricted-imports', 'layering/layers']);

async function layeringErrors(file: string, code: string): Promise<string[]> {
  const messages = await lint(file, code);
  return messages.filter((m) => m.severity === 2 && LAYER_RULES.has(m.ruleId ?? '')).map((m) => m.message);
}

describe('layering lint: engine/core', () => {
  it.each([
    ["import fs from 'node:fs';\nexport { fs };", 'node:fs'],
    ["import { readFile } from 'fs/promises';\nexport { readFile };", 'fs/promises'],
    ["import path from 'path';\nexport { path };", 'path'],
    [IMPORT_ELECTRON_APP, 'electron'],
    ["import { useState } from 'react';\nexport { useState };", 'react'],
    ["export const load = () => import('node:fs');", 'node:fs'],
  ])('rejects %j', async (code, specifier) => {
    const errors = await layeringErrors('engine/core/x.ts', code);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(specifier);
  });

  it('rejects imports from any other engine folder', async () => {
    for (const target of ['../data/foo', '../indicators/sma', '../protocol/contract', '../node/cli', '../../engine/risk/x']) {
      const errors = await layeringErrors('engine/core/x.ts', `import { a } from '${target}';\nexport { a };`);
      expect(errors, target).toHaveLength(1);
      expect(errors[0]).toMatch(/'engine\/core' may not import from 'engine\/\w+'/);
    }
  });

  it('allows its own files, also from subfolders (../data is then engine/core/data)', async () => {
    expect(await lint('engine/core/x.ts', "import type { Bar } from './bar';\nexport type B = Bar;")).toEqual([]);
    expect(await lint('engine/core/sub/x.ts', "import type { Bar } from '../bar';\nexport type B = Bar;")).toEqual([]);
    expect(await lint('engine/core/sub/x.ts', "import { a } from '../data/foo';\nexport { a };")).toEqual([]);
  });
});

describe('layering lint: pure engine folders', () => {
  it('reject node builtins and the Node host', async () => {
    expect(await layeringErrors('engine/indicators/x.ts', "import os from 'node:os';\nexport { os };")).toHaveLength(1);
    expect(await layeringErrors('engine/data/x.ts', "import { a } from '../node/store';\nexport { a };")).toHaveLength(1);
    expect(await layeringErrors('engine/risk/x.ts', "import { a } from '../venues/oanda/client';\nexport { a };")).toHaveLength(1);
  });

  it('may import engine/core, each other and zod', async () => {
    const code = [
      "import { z } from 'zod';",
      "import type { Bar } from '../core/bar';",
      "import { sma } from '../indicators/sma';",
      'export type B = Bar;',
      'export { z, sma };',
    ].join('\n');
    expect(await lint('engine/strategies/x.ts', code)).toEqual([]);
  });
});

describe('layering lint: renderer', () => {
  it('rejects engine/node, engine/venues, electron and node:*', async () => {
    for (const code of [
      "import { a } from '../../../engine/node/server';\nexport { a };",
      "import { a } from '../../../engine/venues/oanda/client';\nexport { a };",
      IMPORT_ELECTRON_IPC,
      "import fs from 'node:fs';\nexport { fs };",
    ]) {
      expect(await layeringErrors('renderer/src/features/x.tsx', code), code).toHaveLength(1);
    }
    expect(await layeringErrors('renderer/src/x.tsx', "import { a } from '../../engine/node/server';\nexport { a };")).toHaveLength(1);
  });

  it('may import engine/protocol, pure engine folders and the preload API types', async () => {
    const code = [
      "import { useState } from 'react';",
      "import { contract } from '../../../engine/protocol/contract';",
      "import { sma } from '../../../engine/indicators/sma';",
      "import type { DesktopApi } from '../../../electron/preload/api';",
      'export type D = DesktopApi;',
      'export { useState, contract, sma };',
    ].join('\n');
    expect(await lint('renderer/src/features/x.tsx', code)).toEqual([]);
  });

  it('may import the preload API with `import type` only', async () => {
    const errors = await layeringErrors(
      'renderer/src/x.ts',
      "import { DesktopApi } from '../../electron/preload/api';\nexport { DesktopApi };",
    );
    expect(errors).toHaveLength(1);
  });
});

describe('layering lint: electron', () => {
  it('only electron/ may import electron', async () => {
    expect(await lint('electron/main/x.ts', IMPORT_ELECTRON_APP)).toEqual([]);
    expect(await layeringErrors('engine/node/x.ts', IMPORT_ELECTRON_APP)).toHaveLength(1);
    expect(await layeringErrors('test/unit/x.test.ts', IMPORT_ELECTRON_APP)).toHaveLength(1);
  });

  it('the sandboxed preload may not load Node built-ins beyond events, timers and url', async () => {
    expect(await layeringErrors('electron/preload/x.ts', "import fs from 'node:fs';\nexport { fs };")).toHaveLength(1);
    expect(await lint('electron/preload/x.ts', "import { EventEmitter } from 'node:events';\nexport { EventEmitter };")).toEqual([]);
  });
});

describe('layering lint: test and engine/node', () => {
  it('tests may import every layer but electron', async () => {
    const code = [
      "import fs from 'node:fs';",
      "import { a } from '../../engine/core/a';",
      "import { b } from '../../engine/node/b';",
      "import { c } from '../../renderer/src/c';",
      'export { fs, a, b, c };',
    ].join('\n');
    expect(await lint('test/unit/x.test.ts', code)).toEqual([]);
  });

  it('nothing imports test/ or renderer/ from the engine host', async () => {
    const errors = await layeringErrors(
      'engine/node/x.ts',
      "import { f } from '../../test/fixtures/f';\nimport { r } from '../../renderer/src/r';\nexport { f, r };",
    );
    expect(errors).toHaveLength(2);
  });
});

describe('tsconfig: ambient types per runtime', () => {
  function parseConfig(tsconfig: string): ts.ParsedCommandLine {
    const host: ts.ParseConfigFileHost = {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    };
    const parsed = ts.getParsedCommandLineOfConfigFile(path.join(root, tsconfig), undefined, host);
    if (!parsed) throw new Error(`cannot read ${tsconfig}`);
    return parsed;
  }

  function programFiles(tsconfig: string): string[] {
    const parsed = parseConfig(tsconfig);
    // Parsing only (no type check): the files a project's program holds are its `lib`, its `types`,
    // and whatever its sources import, including `/// <reference types="node" />` in a package's
    // typings, which would quietly give every file of the project Node's globals.
    const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
    return program.getSourceFiles().map((f) => f.fileName);
  }

  it('engine-pure has neither DOM nor Node types, and none of its imports brings them in', () => {
    const files = programFiles('tsconfig.engine-pure.json');
    expect(files.some((f) => /lib\.es2022\.d\.ts$/.test(f))).toBe(true);
    expect(files.filter((f) => /lib\.(dom|webworker|scripthost)/.test(f))).toEqual([]);
    expect(files.filter((f) => f.includes('/@types/node/'))).toEqual([]);
  });

  it('renderer has DOM but no Node types, and none of its imports brings them in', () => {
    const files = programFiles('tsconfig.renderer.json');
    expect(files.some((f) => /lib\.dom\.d\.ts$/.test(f))).toBe(true);
    expect(files.filter((f) => f.includes('/@types/node/'))).toEqual([]);
  });

  it('engine-node, electron and test have Node types', () => {
    for (const config of ['tsconfig.engine-node.json', 'tsconfig.electron.json', 'tsconfig.test.json']) {
      expect(parseConfig(config).options.types, config).toContain('node');
    }
  });
});
