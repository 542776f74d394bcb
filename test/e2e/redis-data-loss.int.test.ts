/**
 * Issue 14 item 5: Redis without persistence restarted while an operation runs. The data is gone;
 * the engine notices (the epoch key is gone), logs and records it, `/readyz` and `/metrics` say
 * so, and the lost operation answers 410 Gone naming the loss instead of 404.
 */
import request from 'supertest';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, createApiMetrics } from '../../src/api/index.js';
import type { ApiMetrics } from '../../src/api/index.js';
import { startPrivateRedis } from '../../src/engine/index.js';
import type { Engine } from '../../src/engine/index.js';
import { redisKeys } from '../../src/queue/index.js';
import { createGitCache } from '../../src/sources/index.js';
import { testBackends } from '../helpers/backends.js';
import { jobNames, startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { writeLab } from '../helpers/lab.js';

const TOKEN = 'test-token-0123456789abcdef';

async function until<T>(what: string, read: () => T | Promise<T>, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const started = Date.now();
  for (;;) {
    const value = await read();
    if (value) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not seen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each(testBackends())('Redis without persistence restarted mid-operation on the %s cluster', (backend) => {
  let redis: Awaited<ReturnType<typeof startPrivateRedis>>;
  let h: Harness;
  let metrics: ApiMetrics;
  let api: ReturnType<typeof createApi>;
  const cache = createGitCache({ networkAttempts: 1 });
  beforeAll(async () => {
    redis = await startPrivateRedis({ appendonly: false });
    const wired: { metrics?: ApiMetrics } = {};
    h = await startHarness({ backend, redisUrl: redis.url, epoch: { onLoss: () => wired.metrics?.recordRedisDataLoss() } });
    metrics = createApiMetrics({ redisEpoch: () => h.engine.epoch.current });
    wired.metrics = metrics;
    api = createApi({
      store: h.engine.store,
      applications: h.engine.applications,
      orchestrator: h.engine.orchestrator as NonNullable<Engine['orchestrator']>,
      sources: cache,
      tokens: [TOKEN],
      ready: () => h.engine.bus.redis.ping(),
      redisEpoch: h.engine.epoch,
      metrics,
    });
  });
  afterAll(async () => {
    await api?.close();
    await cache.close();
    await h?.close();
    await redis?.stop();
  });

  it('should detect the loss, report it in /readyz and /metrics, and answer 410 for the lost operation', async () => {
    const lab = await writeLab({ preJob: 'sleep 15' });
    try {
      const before = await until('the epoch', () => h.engine.epoch.current);
      const op = await h.submit([lab.dir]);
      await until('the pre-job', async () => (await jobNames(h.client, 'app-sync-phases')).includes('health-check-pre-job'));
      const ready = await request(api.app).get('/readyz');
      expect(ready.body.redis).toEqual({ epoch: before, dataLosses: 0 });

      // Restart without persistence: every key is gone.
      const port = redis.port;
      await redis.stop();
      redis = await startPrivateRedis({ appendonly: false, port });
      const loss = await until('the data loss', () => h.engine.epoch.losses[0]);
      expect(loss.previous).toEqual(before);
      expect(loss.current.id).not.toBe(before.id);
      expect(loss.lostOperations).toEqual([{ id: op.id, app: 'lab' }]);

      const gone = await request(api.app).get(`/api/v1/operations/${op.id}`).set('Authorization', `Bearer ${TOKEN}`);
      expect(gone.status).toBe(410);
      expect(gone.body.detail).toContain(`operation ${op.id} was lost in a Redis data loss detected at ${loss.detectedAt}`);
      const unknown = await request(api.app).get('/api/v1/operations/op-never-was').set('Authorization', `Bearer ${TOKEN}`);
      expect(unknown.status).toBe(404);

      // Ready again (Redis answers), and the body says what happened and when.
      const after = await request(api.app).get('/readyz');
      expect(after.status).toBe(200);
      expect(after.body.redis.epoch).toEqual(loss.current);
      expect(after.body.redis.dataLosses).toBe(1);
      expect(after.body.redis.lastDataLoss).toMatchObject({ detectedAt: loss.detectedAt, lostOperations: [op.id] });
      const text = (await request(api.app).get('/metrics')).text;
      expect(text).toMatch(/^hookrunner_redis_data_loss_total 1$/m);
      expect(text).toContain(`hookrunner_redis_epoch_info{epoch="${loss.current.id}",created="${loss.current.createdAt}"} 1`);

      // Recorded in the new dataset, with the new epoch key.
      const client = new Redis(redis.url);
      try {
        const keys = redisKeys(h.prefix);
        expect(JSON.parse((await client.get(keys.epoch)) ?? '{}')).toEqual(loss.current);
        const records = (await client.lrange(keys.dataLosses, 0, -1)).map((r) => JSON.parse(r) as { lostOperations: { id: string }[] });
        expect(records.map((r) => r.lostOperations.map((o) => o.id))).toEqual([[op.id]]);
      } finally {
        client.disconnect();
      }
    } finally {
      await lab.cleanup();
    }
  }, 120_000);
});
