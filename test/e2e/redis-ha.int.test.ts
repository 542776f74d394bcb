/**
 * High availability of Redis: the engine on Redis Sentinel survives a failover while a hook Job
 * runs (the operation completes, each hook ran once), and runs a sync on Redis Cluster (every key
 * under the hash-tagged prefix). Redis comes from Debian's redis-server/redis-sentinel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnWorker } from '../../src/engine/index.js';
import type { WorkerProcess } from '../../src/engine/index.js';
import { testBackends } from '../helpers/backends.js';
import { jobNames, startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { writeLab } from '../helpers/lab.js';
import { startRedisCluster, startSentinelSet } from '../helpers/redis-ha.js';
import type { RedisClusterSet, SentinelSet } from '../helpers/redis-ha.js';

describe.each(testBackends())('Redis Sentinel failover mid-operation on the %s cluster', (backend) => {
  let sentinel: SentinelSet;
  let h: Harness;
  const workers: WorkerProcess[] = [];
  beforeAll(async () => {
    sentinel = await startSentinelSet();
    // The orchestrator here; two spawned `hookrunner worker`s that find Redis through REDIS_SENTINELS.
    h = await startHarness({ backend, redisUrl: sentinel.target, workers: false });
    for (let i = 0; i < 2; i++) workers.push(spawnWorker({ redisUrl: sentinel.target, prefix: h.prefix, kubeconfig: h.kubeconfig }));
  }, 90_000);
  afterAll(async () => {
    for (const w of workers) w.kill('SIGTERM');
    // They exit (a failover detector's sentinel subscriptions once kept a stopping worker alive).
    await Promise.all(workers.map((w) => w.exited));
    await h?.close();
    await sentinel?.stop();
  });

  it('should complete the operation, each hook once, after a failover while a hook Job runs', async () => {
    const lab = await writeLab({ preJob: 'sleep 3; echo ok' });
    try {
      const op = await h.submit([lab.dir]);
      for (let i = 0; i < 400 && !(await jobNames(h.client, 'app-sync-phases')).includes('health-check-pre-job'); i++) await new Promise((r) => setTimeout(r, 25));
      expect(await jobNames(h.client, 'app-sync-phases')).toContain('health-check-pre-job');
      const { from, to } = await sentinel.failover();
      expect(to).not.toBe(from);
      const final = await h.waitFor(op.id, 90_000);
      expect(final.phase, final.message).toBe('Succeeded');
      const names = final.results.map((r) => `${r.kind}/${r.name}`);
      expect(names).toContain('Job/mattermost-post-job-success');
      // no hook ran twice: every result names a distinct object
      expect(new Set(names).size).toBe(names.length);
      expect(final.results.filter((r) => r.name === 'health-check-pre-job')).toHaveLength(1);
      // The workers read the Sentinel variables (and never log a password).
      expect(workers[0]?.lines.join('\n')).toContain('sentinel master mymaster via 127.0.0.1:');
    } finally {
      await lab.cleanup();
    }
  }, 150_000);
});

describe.each(testBackends())('Redis Cluster on the %s cluster', (backend) => {
  let redis: RedisClusterSet;
  let h: Harness;
  beforeAll(async () => {
    redis = await startRedisCluster();
    h = await startHarness({ backend, redisUrl: redis.target });
  }, 90_000);
  afterAll(async () => {
    await h?.close();
    await redis?.stop();
  });

  it('should run a sync with hooks to completion under the hash-tagged prefix', async () => {
    expect(h.engine.bus.prefix).toBe(`{${h.prefix}}`);
    const lab = await writeLab({ preJob: 'echo ok' });
    try {
      const final = await h.sync([lab.dir]);
      expect(final.phase, final.message).toBe('Succeeded');
      expect(final.results.map((r) => r.name)).toContain('mattermost-post-job-success');
      expect((await h.engine.store.getOperation(final.id))?.phase).toBe('Succeeded');
    } finally {
      await lab.cleanup();
    }
  }, 120_000);
});
