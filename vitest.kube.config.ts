import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // `npm run test:kube`: the generated Kubernetes manifests under podman kube play; minutes, and needs the image.
    include: ['tests/kube/**/*.test.ts'],
    globalSetup: ['tests/support/global-setup.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
