import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**', 'node_modules/**'],
          environment: 'node',
          // tfjs engines and SQLite handles are per process: run test files in forked processes.
          pool: 'forks',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          setupFiles: ['test/setup/mock-electron.ts'],
        },
      },
      // Browser mode in Chromium (test/e2e/*.e2e.test.ts), after the unit tests; alone: npm run test:e2e.
      './vitest.e2e.config.ts',
    ],
  },
});
