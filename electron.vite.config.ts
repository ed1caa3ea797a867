/**
 * `npm run build` (electron-vite build) writes the three bundles to out/:
 *   out/main/index.js       Electron main process (ES module; package.json "type": "module")
 *   out/main/engine.js      the engine as Electron's utilityProcess runs it
 *                           (engine/node/desktop/utility-entry.ts → engine/node/main.ts runEngine)
 *   out/preload/index.cjs   preload: ONE CommonJS file, as a sandboxed preload cannot load ES modules
 *                           or require other files of the app (so nothing is externalized but electron)
 *   out/renderer/           the React UI (index.html + assets), served by main as app://workstation/
 */
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

const root = import.meta.dirname;

export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      lib: {
        entry: { index: resolve(root, 'electron/main/index.ts'), engine: resolve(root, 'engine/node/desktop/utility-entry.ts') },
        formats: ['es'],
      },
      sourcemap: true,
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      // Bundle everything into the one file; `electron` and Node built-ins stay external (provided by
      // the sandboxed preload environment).
      externalizeDeps: false,
      lib: { entry: resolve(root, 'electron/preload/index.ts'), formats: ['cjs'] },
      rolldownOptions: {
        output: { entryFileNames: '[name].cjs', codeSplitting: false },
      },
      sourcemap: true,
    },
  },
  renderer: {
    root: resolve(root, 'renderer'),
    plugins: [react()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      rolldownOptions: { input: resolve(root, 'renderer/index.html') },
      sourcemap: true,
    },
  },
});
