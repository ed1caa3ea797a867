/**
 * Lint: typescript-eslint "recommended" (syntax only, not type-aware, to stay fast) plus the runtime
 * layering of ARCHITECTURE.md, enforced two ways:
 *   - `no-restricted-imports`, per folder: which PACKAGES a runtime may import (node:* and Node
 *     built-ins, electron, react, Node-only libraries, vitest);
 *   - `layering/layers` (.eslint/layering.js): which FOLDERS a runtime may import from, by resolving
 *     each relative import; and the import()/require() forms that no-restricted-imports ignores.
 * tsconfig project references enforce the same boundaries between runtimes at typecheck time
 * (see tsconfig.json); the lint rule adds those inside a runtime (engine/core imports no other
 * engine folder) and gives the clearer message.
 */
import { builtinModules } from 'node:module';
import { defineConfig, globalIgnores } from 'eslint/config';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import layering from './.eslint/layering.js';

const root = import.meta.dirname;

const SRC = '**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}';
/** @param {string} folder */
const src = (folder) => `${folder}/${SRC}`;

/** @param {string} s */
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** @param {string[]} names bare module names; matches each name and its subpaths */
const anyOf = (names) => `(?:${names.map(escapeRe).join('|')})(?:/.*)?`;

const NODE_BUILTINS = builtinModules.filter((m) => !m.startsWith('_'));
/** What require() offers a sandboxed preload besides `electron`. */
const PRELOAD_SANDBOX_BUILTINS = ['events', 'timers', 'url'];
/** Packages that only work in Node (or whose types pull in @types/node). */
const NODE_ONLY_PACKAGES = ['commander', 'yaml', 'cli-progress', 'ws', 'better-sqlite3', '@oanda/v20', 'talib'];

/** Package groups: `regex` is matched against the import specifier. */
const DENY = {
  node: {
    regex: `^(?:node:.+|${anyOf(NODE_BUILTINS)})$`,
    message: 'Node APIs belong in engine/node (or electron/main); this runtime has none.',
  },
  nodeInPreload: {
    regex: `^(?:node:(?!(?:${PRELOAD_SANDBOX_BUILTINS.join('|')})$).+|${anyOf(
      NODE_BUILTINS.filter((m) => !PRELOAD_SANDBOX_BUILTINS.includes(m)),
    )})$`,
    message: `A sandboxed preload can load only electron, ${PRELOAD_SANDBOX_BUILTINS.join(', ')}.`,
  },
  electron: {
    regex: '^electron(?:/.*)?$',
    message: 'Only electron/ may import electron: engine code and tests run under plain Node.',
  },
  react: {
    regex: `^${anyOf(['react', 'react-dom'])}$`,
    message: 'React belongs in renderer/.',
  },
  nodeOnly: {
    regex: `^${anyOf(NODE_ONLY_PACKAGES)}$`,
    message: 'Node-only library: use it from engine/node behind a port.',
  },
  vitest: {
    regex: `^${anyOf(['vitest'])}$`,
    message: 'vitest is for test/ only.',
  },
};

/**
 * @param {Array<{regex: string, message: string}>} groups
 * @returns {import('eslint').Linter.RulesRecord}
 */
const restrictImports = (groups) => ({
  'no-restricted-imports': ['error', { patterns: groups.map(({ regex, message }) => ({ regex, message })) }],
});

const PURE_ENGINE = ['data', 'indicators', 'strategies', 'risk', 'execution', 'sim', 'portfolio', 'backtest', 'runtime', 'protocol'].map(
  (f) => `engine/${f}`,
);
const PURE_DENY = [DENY.node, DENY.electron, DENY.react, DENY.nodeOnly, DENY.vitest];

/**
 * Folder layering, checked by layering/layers. A layer may always import from itself; files in no
 * layer (configs, scripts) are not checked. test/ may import everything; nothing may import test/.
 */
const LAYERS = {
  'engine/core': { paths: ['engine/core'], mayImport: [], deny: PURE_DENY },
  ...Object.fromEntries(
    PURE_ENGINE.map((p) => [p, { paths: [p], mayImport: ['engine/core', ...PURE_ENGINE], deny: PURE_DENY }]),
  ),
  'engine/node': {
    paths: ['engine/node', 'engine/venues'],
    mayImport: ['engine/core', ...PURE_ENGINE],
    deny: [DENY.electron, DENY.react, DENY.vitest],
  },
  'electron/main': {
    paths: ['electron/main'],
    mayImport: ['engine/core', ...PURE_ENGINE, 'engine/node'],
    deny: [DENY.react, DENY.vitest],
  },
  'electron/preload': {
    paths: ['electron/preload'],
    mayImport: ['engine/core', ...PURE_ENGINE],
    deny: [DENY.nodeInPreload, DENY.react, DENY.nodeOnly, DENY.vitest],
  },
  renderer: {
    paths: ['renderer'],
    mayImport: ['engine/core', ...PURE_ENGINE],
    deny: [DENY.node, DENY.electron, DENY.nodeOnly, DENY.vitest],
  },
  test: {
    paths: ['test'],
    mayImport: ['engine/core', ...PURE_ENGINE, 'engine/node', 'electron/main', 'electron/preload', 'renderer'],
    deny: [DENY.electron],
  },
};

/** The one file outside its layer that others may import: the preload bridge's type contract. */
const EXCEPTIONS = [
  { from: 'renderer', to: 'electron/preload/api', typeOnly: true },
  { from: 'electron/main', to: 'electron/preload/api', typeOnly: true },
];

export default defineConfig([
  globalIgnores(['out/', 'dist/', '.tsbuild/', 'node_modules/', 'bench-results/', 'test-results/', 'tmp/']),

  js.configs.recommended,
  tseslint.configs.recommended,

  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.es2022 },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },

  // Host globals, for JS files (TypeScript files get theirs from their tsconfig).
  {
    files: [src('engine/node'), src('engine/venues'), src('electron'), src('test'), src('scripts'), src('.eslint'), '*.{js,mjs,cjs,ts}'],
    languageOptions: { globals: { ...globals.node } },
  },
  { files: [src('renderer')], languageOptions: { globals: { ...globals.browser } } },

  // Packages: nothing outside electron/ may import electron ...
  { files: [SRC], ignores: ['electron/**'], rules: restrictImports([DENY.electron]) },
  // ... and each layer has its own list (a later block replaces the rule's options for its files).
  ...Object.values(LAYERS).map((layer) => ({
    files: layer.paths.map(src),
    rules: restrictImports(layer.deny),
  })),

  // Folders.
  {
    files: [SRC],
    plugins: { layering },
    rules: {
      'layering/layers': [
        'error',
        {
          root,
          layers: Object.fromEntries(
            Object.entries(LAYERS).map(([name, l]) => [
              name,
              { paths: l.paths, mayImport: l.mayImport, deniedPackages: l.deny.map((d) => d.regex) },
            ]),
          ),
          exceptions: EXCEPTIONS,
        },
      ],
    },
  },
]);
