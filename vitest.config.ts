import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { integrationSuites } from './vitest.integration.config.ts';

export default defineConfig({
  test: {
    include: ['modules/**/*.test.ts', 'platform/**/*.test.ts', 'tests/**/*.test.ts'],
    // Suites that run on their own: the integration suites (`npm run test:integration`: whole hosts, in the test's
    // process and in their own, both buses under faults, workflows, zero trust, Prometheus, Chromium, fuzzing), chaos
    // and rollouts (`npm run test:chaos`, `npm run test:rollout`: minutes of processes under load), the container
    // image and kube play (`npm run test:image`, `npm run test:kube`: podman), the saga crash matrix
    // (`npm run test:sagas`: every kill point, repeated, on PGlite and PostgreSQL), the shop's journeys and the
    // erasure across the shop's processes (`npm run test:shop`), the command-line suites and the scaffold's end to end
    // run (`npm run test:tools`: a process per case, see vitest.tools.config.ts).
    exclude: [
      ...integrationSuites,
      'tests/tools/**',
      'tests/scaffold/**',
      'tests/k8s/cli.test.ts',
      'tests/contracts/check-cli.test.ts',
      'tests/architecture/cli.test.ts',
      '**/node_modules/**',
      'tests/architecture/fixtures/**',
      'tests/chaos/**',
      'tests/rollout/**',
      'tests/image/**',
      'tests/kube/**',
      'tests/shop/**',
      '**/*.matrix.test.ts',
    ],
    // temp-root: one folder for the run's temporary folders (tests/support/temp-dir.ts); a folder left in it fails the run.
    // redis-run: names the run in its Redis key prefixes (tests/support/redis-keys.ts) and deletes its keys at the end.
    // tool-bundles: the commands' entry files bundled once, for the suites that run them (db:provision here).
    globalSetup: ['tests/support/global-setup.ts', 'tests/support/redis-run.ts', 'tests/support/temp-root.ts', 'tests/support/tool-bundles.ts'],
    // Many tests start a host (migrations on PGlite, scrypt for the demo accounts) inside the test or its hook: on a
    // loaded two-core machine that alone took 20 s, and 30 s limits failed tests that were only slow. The limits only
    // have to catch a hang.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Vitest's default is a worker less than the cores: one on two cores, leaving the other idle while a test waits
    // (a provider timeout, a database round trip). Two workers: 5 m 14 s instead of 6 m 46 s there (quiet, with
    // PostgreSQL and Redis).
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
