import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Prints which cluster backends run (embedded, and the real control plane when it is built).
    globalSetup: ['test/setup/backends.ts'],
    // Integration tests share one Redis and spawn processes: keep files sequential.
    fileParallelism: false,
    testTimeout: 30_000,
    // Starting the real control plane (etcd, kube-apiserver, controllers) takes 10–30 s on 2 cores.
    hookTimeout: 120_000,
  },
});
