import { defineConfig } from 'vitest/config';

/**
 * `npm run test:shop`: the reference shop's journeys through the public API, all in one process and with payments or
 * inventory extracted (each layout starts its own processes; 200 concurrent checkouts in each): about 10 minutes.
 * Also the erasure of a customer with payments and inventory extracted (tests/compliance/erasure-split.test.ts).
 */
export default defineConfig({
  test: {
    include: ['tests/shop/**/*.test.ts', 'tests/compliance/erasure-split.test.ts'],
    exclude: ['**/*.matrix.test.ts'],
    globalSetup: ['tests/support/global-setup.ts', 'tests/support/redis-run.ts', 'tests/support/temp-root.ts'],
    testTimeout: 360_000,
    hookTimeout: 240_000,
    pool: 'forks',
    // Each layout is several processes and a database of its own: one layout at a time.
    maxWorkers: 1,
  },
});
