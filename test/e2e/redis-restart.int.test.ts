/**
 * PERF-RELIABILITY §7.5: Redis (a private redis-server with appendonly on) restarted while an
 * operation runs: queues and state survive in the AOF, every client reconnects, and the
 * operation completes.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrivateRedis } from '../../src/engine/index.js';
import { testBackends } from '../helpers/backends.js';
import { jobNames, startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { writeLab } from '../helpers/lab.js';

async function run(cmd: string, args: string[]): Promise<number | null> {
  return new Promise((resolve) => spawn(cmd, args, { stdio: 'ignore' }).once('exit', resolve));
}

describe.each(testBackends())('Redis restarted mid-operation on the %s cluster', (backend) => {
  let redis: Awaited<ReturnType<typeof startPrivateRedis>>;
  let h: Harness;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hookrunner-redis-aof-'));
    redis = await startPrivateRedis({ appendonly: true, dir });
    h = await startHarness({ backend, redisUrl: redis.url });
  });
  afterAll(async () => {
    await h?.close();
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('should complete the operation after a restart during a running hook', async () => {
    const lab = await writeLab({ preJob: 'sleep 2; echo ok' });
    try {
      const op = await h.submit([lab.dir]);
      // Wait until the pre-job runs, then restart Redis (graceful: the AOF is flushed).
      for (let i = 0; i < 200 && !(await jobNames(h.client, 'app-sync-phases')).includes('health-check-pre-job'); i++) await new Promise((r) => setTimeout(r, 25));
      const before = redis.process;
      const exited = new Promise((r) => before.once('exit', r));
      expect(await run('redis-cli', ['-p', String(redis.port), 'shutdown'])).toBe(0);
      await exited;
      redis = await startPrivateRedis({ appendonly: true, port: redis.port, dir });
      expect(redis.process.pid).not.toBe(before.pid);
      const final = await h.waitFor(op.id, 90_000);
      expect(final.phase, final.message).toBe('Succeeded');
      expect(final.results.map((r) => r.name)).toContain('mattermost-post-job-success');
      // The AOF kept the dataset: its epoch too, so no data loss is reported (issue 14 item 5).
      await h.engine.epoch.check();
      expect(h.engine.epoch.losses).toEqual([]);
    } finally {
      await lab.cleanup();
    }
  }, 120_000);
});
