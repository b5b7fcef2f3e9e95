import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

/** `npm run test:kube`: the generated Kubernetes manifests under podman kube play; minutes, and needs the image. */
// eslint-disable-next-line no-restricted-syntax -- vitest loads a config file by its default export
export default defineConfig({
  test: {
    root: resolve(import.meta.dirname, '../..'),
    include: ['tests/kube/**/*.test.ts'],
    globalSetup: ['tests/support/global-setup.ts', 'tests/support/temp-root.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
