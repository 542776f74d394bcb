import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { redisKeys } from '../../src/queue/index.js';
import { createLease, withLock } from '../../src/store/index.js';
import type { Lease } from '../../src/store/index.js';
import { REDIS_URL, cleanPrefix, testPrefix } from '../helpers/redis.js';

async function until(what: string, timeoutMs: number, check: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('createLease', () => {
  const prefix = testPrefix();
  const key = redisKeys(prefix).automationLease;
  const clients: Redis[] = [];
  const leases: Lease[] = [];
  const client = (): Redis => {
    const c = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, retryStrategy: () => null });
    c.on('error', () => undefined);
    clients.push(c);
    return c;
  };
  afterEach(async () => {
    await Promise.allSettled(leases.splice(0).map((l) => l.close()));
    clients.splice(0).forEach((c) => c.disconnect());
    await cleanPrefix(prefix);
  });

  it('should let one holder act and hand over when it closes', async () => {
    const events: string[] = [];
    const a = createLease({ redis: client(), key, ttlMs: 1_000, holder: 'a' });
    const b = createLease({ redis: client(), key, ttlMs: 1_000, holder: 'b' });
    leases.push(a, b);
    a.start((held) => events.push(`a:${held}`));
    await until('a to take the lease', 2_000, () => a.held);
    b.start((held) => events.push(`b:${held}`));
    await new Promise((r) => setTimeout(r, 1_500)); // several renewals: b never gets it
    expect(b.held).toBe(false);
    expect(await clients[0]?.get(key)).toBe('a');
    await a.close();
    await until('b to take the lease', 3_000, () => b.held);
    expect(events).toEqual(['a:true', 'a:false', 'b:true']);
  });

  it('should give the lease up when Redis stops answering, before its TTL runs out, and another takes it after', async () => {
    const dying = client();
    const a = createLease({ redis: dying, key, ttlMs: 1_000, holder: 'a' });
    leases.push(a);
    a.start(() => undefined);
    await until('a to take the lease', 2_000, () => a.held);
    dying.disconnect(); // a is cut off from Redis: its renewals fail
    const cut = Date.now();
    await until('a to give the lease up', 3_000, () => !a.held);
    const gaveUpAfter = Date.now() - cut;
    const b = createLease({ redis: client(), key, ttlMs: 1_000, holder: 'b' });
    leases.push(b);
    b.start(() => undefined);
    await until('b to take the lease', 3_000, () => b.held);
    console.log(`lease: holder gave up ${gaveUpAfter} ms after losing Redis, the other took it ${Date.now() - cut} ms after (TTL 1000 ms)`);
  });

  it('should give the lease up when a renewal finds another holder', async () => {
    const a = createLease({ redis: client(), key, ttlMs: 1_000, holder: 'a' });
    leases.push(a);
    a.start(() => undefined);
    await until('a to take the lease', 2_000, () => a.held);
    await clients[0]?.set(key, 'someone-else', 'PX', 5_000);
    await until('a to give the lease up', 2_000, () => !a.held);
    expect(await clients[0]?.get(key)).toBe('someone-else');
  });

  it('should refuse a renewal interval of half the TTL or more', () => {
    expect(() => createLease({ redis: client(), key, ttlMs: 1_000, renewEveryMs: 500 })).toThrow(/renewEveryMs/);
  });
});

describe('withLock', () => {
  const prefix = testPrefix();
  const key = `${prefix}:lock`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on('error', () => undefined);
  afterEach(async () => {
    await cleanPrefix(prefix);
  });
  afterAll(() => redis.disconnect());

  it('should refuse a second holder while work runs, keep the lock past its ttl by renewing it, and release it after', async () => {
    let inner: { held: boolean } | undefined;
    const outer = await withLock({ redis, key, ttlMs: 300 }, async () => {
      await new Promise((r) => setTimeout(r, 700));
      inner = await withLock({ redis, key, ttlMs: 300 }, () => Promise.resolve('x'));
      return 'done';
    });
    expect(outer).toEqual({ held: true, value: 'done' });
    expect(inner).toEqual({ held: false });
    expect(await redis.exists(key)).toBe(0);
  });

  it('should let a lock whose holder died (never released) run out after its ttl', async () => {
    await redis.set(key, 'dead-holder', 'PX', 300);
    expect(await withLock({ redis, key, ttlMs: 300 }, () => Promise.resolve(1))).toEqual({ held: false });
    await new Promise((r) => setTimeout(r, 400));
    expect(await withLock({ redis, key, ttlMs: 300 }, () => Promise.resolve(2))).toEqual({ held: true, value: 2 });
  });

  it('should release the lock when work throws', async () => {
    await expect(withLock({ redis, key }, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await redis.exists(key)).toBe(0);
  });
});
