import { defineConfig } from 'vitest/config';

/** `npm run test:rollout`: canary, rolling, blue-green and version-skew runs under load (real processes, minutes). */
export default defineConfig({
  test: {
    include: ['tests/rollout/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 240_000,
    // Deletes the run's Redis keys at its end (the hosts it kills leave their queues behind).
    globalSetup: ['tests/support/redis-run.ts'],
    pool: 'forks',
    // One file at a time: each starts several hosts and drives them under load.
    fileParallelism: false,
  },
});
