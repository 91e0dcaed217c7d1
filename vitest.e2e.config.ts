// End-to-end tests of browser mode: `npm run serve` driven in Debian's Chromium through
// playwright-core (test/e2e/*.e2e.test.ts). `npm run test:e2e` runs them alone; `npm test` runs
// them after the unit tests (the "e2e" project of vitest.config.ts). The app is built into a
// temporary folder first (test/e2e/global-setup.ts).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'e2e',
    include: ['test/e2e/**/*.e2e.test.ts'],
    environment: 'node',
    pool: 'forks',
    // One browser and one training run at a time: the files run one after another.
    fileParallelism: false,
    globalSetup: ['test/e2e/global-setup.ts'],
    testTimeout: 240_000,
    hookTimeout: 120_000,
    // After the unit tests when both run (npm test): the CPU is theirs until then.
    sequence: { groupOrder: 1 },
  },
});
