import { defineConfig } from 'vitest/config';

/**
 * `npm run test:integration`: the suites that run the platform whole rather than a part of it: hosts started in the
 * test's process and in their own (start-up, shutdown, the HTTP edge under real sockets, split topologies, TLS), the
 * event guarantees on both buses with Redis restarted under them, the saga and workflow runs, the zero-trust suites
 * (forged tokens against every kind of server), metrics scraped by a real Prometheus, the operations page and CORS in
 * Chromium, and the property-based fuzzing of every operation. About three quarters of what the whole suite took
 * (about 10 minutes on two cores, with PostgreSQL and Redis); CI runs it after `npm test`.
 */
export const integrationSuites = [
  'tests/audit/**/*.test.ts',
  'tests/compliance/**/*.test.ts',
  'tests/events/**/*.test.ts',
  'tests/host/**/*.test.ts',
  'tests/http/**/*.test.ts',
  'tests/metrics/**/*.test.ts',
  'tests/security/**/*.test.ts',
  'tests/topology/**/*.test.ts',
  'tests/workflows/**/*.test.ts',
];

export default defineConfig({
  test: {
    include: integrationSuites,
    // The erasure across the shop's processes is `npm run test:shop`; the crash matrices are `npm run test:sagas`.
    exclude: ['**/node_modules/**', 'tests/compliance/erasure-split.test.ts', '**/*.matrix.test.ts'],
    globalSetup: [
      'tests/support/global-setup.ts',
      'tests/support/redis-run.ts',
      'tests/support/integration-setup.ts',
      'tests/support/temp-root.ts',
      'tests/support/tool-bundles.ts',
    ],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Two files at a time, though most start processes of their own: they wait on those processes more than they
    // compute (2 vCPUs, PostgreSQL and Redis: 611 s against 850 to 901 with one; 482 s beside two `yes > /dev/null`
    // on a faster machine, all passed). Every file has its own databases, Redis prefix and ports; the one test that
    // read the projection horizon, which is the server's, waits for it (tests/workflows/projection-late-commit).
    maxWorkers: 2,
  },
});
