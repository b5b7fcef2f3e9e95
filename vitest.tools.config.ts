import { defineConfig } from 'vitest/config';

/**
 * `npm run test:tools`: the command-line suites, which run a command in a child process per case (every command's
 * `--help`, bad arguments and unreachable services, extraction, key commands, the contract and boundary checks'
 * exit codes) and the scaffold's end to end run in a copy of the repository (type check, lint, the new module's own
 * tests). A third of what `npm test` took (15 of 45 minutes on a loaded two-core machine) for a small part of what
 * a change touches; CI runs them after `npm test`.
 */
export default defineConfig({
  test: {
    include: [
      'tests/tools/**/*.test.ts',
      'tests/scaffold/**/*.test.ts',
      'tests/k8s/cli.test.ts',
      'tests/contracts/check-cli.test.ts',
      'tests/architecture/cli.test.ts',
    ],
    exclude: ['**/node_modules/**'],
    globalSetup: ['tests/support/global-setup.ts', 'tests/support/redis-run.ts', 'tests/support/temp-root.ts', 'tests/support/tool-bundles.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
  },
});
