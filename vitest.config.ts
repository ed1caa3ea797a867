import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // Benchmarks run with `npm run bench`, not as tests.
    exclude: ['test/bench/**', '**/node_modules/**', 'out/**', 'dist/**', '.tsbuild/**'],
    environment: 'node',
    // Separate processes: engine tests fork children and open sockets; 2 cores, so 2 workers.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 30_000,
    teardownTimeout: 10_000,
  },
});
