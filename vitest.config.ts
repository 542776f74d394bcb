import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Two projects; `vitest run` (npm test) runs both, unit first, then integration.
 *
 * - `unit`: every `test/**\/*.test.ts` except `*.int.test.ts`. No Redis, no cluster (embedded or
 *   real), no spawned servers or tools: files run in parallel. `test/test-layout.test.ts` fails
 *   when a unit file imports an integration helper.
 * - `integration`: `test/**\/*.int.test.ts`. Real Redis (test/setup/redis.ts finds or starts one),
 *   both cluster backends, spawned processes (bin/hookrunner, kubectl, helm, redis-server,
 *   chromium): files run one at a time, they share one Redis and machine-wide resources.
 *
 * One project only: `vitest run --project unit` / `--project integration` (npm run test:unit / test:integration).
 */
const INTEGRATION = 'test/**/*.int.test.ts';

export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, INTEGRATION],
          fileParallelism: true,
          // Files share their worker's module graph: importing src/ once per worker instead of once
          // per file takes the project from ~37 s to ~11 s on 2 cores. test/test-layout.test.ts
          // keeps unit files from mocking modules, stubbing globals or writing process.env.
          isolate: false,
          // vitest's default is one worker less than the CPUs, a single worker on 2 cores.
          maxWorkers: '100%',
          testTimeout: 15_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: [INTEGRATION],
          globalSetup: [
            // Chromium for the browser test, when it is part of the run (fails in the first second).
            'test/setup/prereqs.ts',
            // REDIS_URL when it answers, else a private redis-server, else a clear failure.
            'test/setup/redis.ts',
            // Prints which cluster backends run (embedded, and the real control plane when it is built).
            'test/setup/backends.ts',
          ],
          // Integration tests share one Redis and spawn processes: keep files sequential.
          fileParallelism: false,
          testTimeout: 30_000,
          // Starting the real control plane (etcd, kube-apiserver, controllers) takes 10–30 s on 2 cores.
          hookTimeout: 120_000,
          // After the unit project.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
