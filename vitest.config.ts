import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['modules/**/*.test.ts', 'platform/**/*.test.ts', 'tests/**/*.test.ts'],
    // The chaos suite runs on its own (`npm run test:chaos`, vitest.chaos.config.ts): minutes of killing processes;
    // so do the container image's (`npm run test:image`) and the kube play suite (`npm run test:kube`): podman.
    exclude: ['**/node_modules/**', 'tests/architecture/fixtures/**', 'tests/chaos/**', 'tests/image/**', 'tests/kube/**'],
    globalSetup: ['tests/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
