import { defineConfig } from 'vitest/config';

/**
 * `npm run test:image`: builds the container image with podman and runs it (minutes: a build per Node version);
 * `npm test` never runs it. Each Node version's image is one file's worth of work, run one after the other.
 */
export default defineConfig({
  test: {
    include: ['tests/image/**/*.image.test.ts'],
    globalSetup: ['tests/image/setup.ts', 'tests/support/redis-run.ts'],
    testTimeout: 300_000,
    hookTimeout: 1_200_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
