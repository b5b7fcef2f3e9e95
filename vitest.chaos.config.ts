import { defineConfig } from 'vitest/config';

/** `npm run test:chaos`: the chaos suite alone (real processes, SIGKILLs, minutes); `npm test` never runs it. */
export default defineConfig({
  test: {
    include: ['tests/chaos/**/*.chaos.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    // Deletes the run's Redis keys at its end (the hosts it kills leave their queues behind).
    globalSetup: ['tests/support/redis-run.ts'],
    pool: 'forks',
  },
});
