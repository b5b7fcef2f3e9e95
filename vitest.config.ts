import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['modules/**/*.test.ts', 'platform/**/*.test.ts', 'tests/**/*.test.ts'],
    // The chaos and rollout suites run on their own (`npm run test:chaos`, `npm run test:rollout`): minutes of processes under load.
    exclude: ['**/node_modules/**', 'tests/architecture/fixtures/**', 'tests/chaos/**', 'tests/rollout/**'],
    globalSetup: ['tests/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
