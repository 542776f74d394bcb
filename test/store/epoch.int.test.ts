/** The Redis epoch watch (src/store/epoch.ts) against a real Redis; the restart itself is in test/e2e/redis-data-loss.int.test.ts. */
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { redisKeys } from '../../src/queue/index.js';
import { createEpochWatch } from '../../src/store/index.js';
import type { DataLoss } from '../../src/store/index.js';
import { REDIS_URL, cleanPrefix, testPrefix } from '../helpers/redis.js';

describe('the Redis epoch watch', () => {
  let redis: Redis;
  let prefix: string;
  beforeEach(() => {
    redis = new Redis(REDIS_URL);
    prefix = testPrefix();
  });
  afterEach(async () => {
    redis.disconnect();
    await cleanPrefix(prefix);
  });

  it('should agree on one epoch, report nothing while it stays, and report a loss once with the running operations', async () => {
    const heard: DataLoss[] = [];
    const serve = createEpochWatch({ redis, prefix, onLoss: (l) => void heard.push(l) });
    const worker = createEpochWatch({ redis, prefix, role: 'worker' });
    await Promise.all([serve.start(), worker.start()]);
    expect(serve.current).toBeDefined();
    expect(worker.current).toEqual(serve.current);
    expect(await serve.check()).toBeUndefined();
    serve.track({ id: 'op-running', app: 'shop' }, true);
    serve.track({ id: 'op-finished', app: 'shop' }, true);
    serve.track({ id: 'op-finished', app: 'shop' }, false);
    const before = serve.current;

    await redis.del(redisKeys(prefix).epoch); // what a restart without persistence does to every key
    const [a, b] = await Promise.all([serve.check(), serve.check()]);
    expect(a).toBe(b); // one check at a time: reported once
    expect(a).toMatchObject({ previous: before, lostOperations: [{ id: 'op-running', app: 'shop' }], role: 'serve' });
    expect(heard).toHaveLength(1);
    expect(serve.lostIn('op-running')).toBe(a);
    expect(serve.lostIn('op-finished')).toBeUndefined();
    expect(await serve.check()).toBeUndefined();

    // The worker finds the new epoch another process made: a loss for it too, with no operations.
    const seen = await worker.check();
    expect(seen).toMatchObject({ previous: before, current: serve.current, lostOperations: [], role: 'worker' });
    expect(await redis.llen(redisKeys(prefix).dataLosses)).toBe(2);
    serve.stop();
    worker.stop();
  });
});
