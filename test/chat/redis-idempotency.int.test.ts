import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IdempotencyRecordError, createLogNotifier, createRedisIdempotencyStore } from '../../src/chat/index.js';
import type { MessageRef } from '../../src/chat/index.js';
import { sleep } from '../../src/util/index.js';
import { REDIS_URL } from '../helpers/redis.js';

describe('redis idempotency store (the Redis test/setup/redis.ts chose)', () => {
  let a: Redis;
  let b: Redis;
  let prefix: string;

  beforeAll(() => {
    a = new Redis(REDIS_URL, { commandTimeout: 2000, maxRetriesPerRequest: 1 });
    b = new Redis(REDIS_URL, { commandTimeout: 2000, maxRetriesPerRequest: 1 });
  });
  beforeEach(() => {
    prefix = `test-notify-${randomUUID()}:`;
  });
  afterEach(async () => {
    const keys = await a.keys(`${prefix}*`);
    if (keys.length > 0) await a.del(...keys);
  });
  afterAll(async () => {
    await a.quit();
    await b.quit();
  });

  const store = (redis: Redis, recordTtlMs?: number): ReturnType<typeof createRedisIdempotencyStore> => {
    return createRedisIdempotencyStore({ redis, prefix, ...(recordTtlMs ? { recordTtlMs } : {}) });
  };

  it('should let one claimant in, report busy to the others, and return the recorded reference afterwards', async () => {
    const first = await store(a).claim('k', { ttlMs: 10_000 });
    expect(first.state).toBe('claimed');
    expect(await store(b).claim('k', { ttlMs: 10_000 })).toEqual({ state: 'busy' });
    const ref: MessageRef = { kind: 'slack', channelId: 'C1', ts: '1.000001' };
    if (first.state === 'claimed') await store(a).record('k', ref, first.token);
    expect(await store(b).claim('k', { ttlMs: 10_000 })).toEqual({ state: 'sent', ref });
    expect(await store(b).get('k')).toEqual(ref);
    expect(await a.pttl(`${prefix}k`)).toBeGreaterThan(6 * 24 * 3_600_000);
  });

  it('should release only its own claim', async () => {
    const mine = await store(a).claim('k', { ttlMs: 10_000 });
    await store(b).release('k', 'someone-else');
    expect(await store(b).claim('k', { ttlMs: 10_000 })).toEqual({ state: 'busy' });
    if (mine.state === 'claimed') await store(a).release('k', mine.token);
    expect((await store(b).claim('k', { ttlMs: 10_000 })).state).toBe('claimed');
  });

  it('should let the key be claimed again once a crashed holder’s claim expires (PX)', async () => {
    await store(a).claim('k', { ttlMs: 40 });
    await sleep(80);
    expect((await store(b).claim('k', { ttlMs: 10_000 })).state).toBe('claimed');
  });

  it('should refuse a corrupted record with a typed error', async () => {
    await a.set(`${prefix}k`, 'sent:{not json');
    await expect(store(a).get('k')).rejects.toBeInstanceOf(IdempotencyRecordError);
  });

  it('should make two processes post once for the same key (two connections, two notifiers)', async () => {
    let lines = '';
    const stream = { write: (s: string) => (lines += s) };
    const first = createLogNotifier({ stream, idempotency: store(a) });
    const second = createLogNotifier({ stream, idempotency: store(b) });
    const [r1, r2] = await Promise.all([
      first.post({ text: 'PostSync OK' }, { idempotencyKey: 'op-1:PostSync' }),
      second.post({ text: 'PostSync OK' }, { idempotencyKey: 'op-1:PostSync' }),
    ]);
    expect(r1).toEqual(r2);
    expect(lines).toBe('notify #1: PostSync OK\n');
  });
});
