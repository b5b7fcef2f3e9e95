import { defineConfig } from 'vitest/config';

/** `npm run test:sagas`: the saga crash matrices (every kill point, repeated, on PGlite and PostgreSQL; the real checkout on PostgreSQL; minutes of real SIGKILLs). */
export default defineConfig({
  test: {
    include: ['tests/workflows/**/*.matrix.test.ts', 'tests/shop/**/*.matrix.test.ts'],
    globalSetup: ['tests/support/global-setup.ts', 'tests/support/redis-run.ts', 'tests/support/temp-root.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // The PGlite and PostgreSQL halves side by side.
    maxWorkers: 2,
  },
});
