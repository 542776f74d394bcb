import { describe, expect, it } from 'vitest';
import { createTokenBucket, sharedRateLimiter } from '../../src/chat/index.js';
import { AbortedError, sleep } from '../../src/util/index.js';

describe('token bucket rate limiter', () => {
  it('should hand out the burst at once and make the next requests wait, first come first served', async () => {
    const limiter = createTokenBucket({ ratePerSec: 20, burst: 3 });
    const order: number[] = [];
    await Promise.all([1, 2, 3, 4, 5].map((i) => limiter.acquire().then(() => order.push(i))));
    expect(order).toEqual([1, 2, 3, 4, 5]);
    expect(limiter.stats).toEqual({ acquired: 5, delayed: 2 });
  });

  it('should make everyone wait after pauseFor (a 429 seen by one sender)', async () => {
    const limiter = createTokenBucket({ ratePerSec: 50, burst: 5 });
    limiter.pauseFor(15);
    await Promise.all([limiter.acquire(), limiter.acquire()]);
    expect(limiter.stats).toEqual({ acquired: 2, delayed: 2 });
  });

  it('should reject an aborted waiter and still serve the ones behind it', async () => {
    const limiter = createTokenBucket({ ratePerSec: 20, burst: 1 });
    await limiter.acquire();
    const controller = new AbortController();
    const aborted = limiter.acquire(controller.signal);
    const behind = limiter.acquire();
    controller.abort();
    await expect(aborted).rejects.toBeInstanceOf(AbortedError);
    await expect(behind).resolves.toBeTypeOf('number');
    expect(limiter.stats.acquired).toBe(2);
  });

  it('should reject a queued waiter as soon as it aborts, not when its turn comes (C5)', async () => {
    const limiter = createTokenBucket({ ratePerSec: 0.01, burst: 1 });
    await limiter.acquire();
    const ahead = new AbortController();
    const mine = new AbortController();
    const first = limiter.acquire(ahead.signal).catch((e: unknown) => e);
    const second = limiter.acquire(mine.signal).catch((e: unknown) => e);
    mine.abort();
    const giveUp = new AbortController();
    const outcome = await Promise.race([second, sleep(5_000, giveUp.signal).then(() => 'still queued behind the first waiter', () => undefined)]);
    giveUp.abort();
    ahead.abort();
    expect(outcome).toBeInstanceOf(AbortedError);
    expect(await first).toBeInstanceOf(AbortedError);
  });

  it('should not give a token to a waiter that aborted before its turn (C5)', async () => {
    const limiter = createTokenBucket({ ratePerSec: 0.001, burst: 1 });
    const controller = new AbortController();
    const aborted = limiter.acquire(controller.signal);
    controller.abort();
    await expect(aborted).rejects.toBeInstanceOf(AbortedError);
    expect(limiter.stats.acquired).toBe(0);
    await expect(limiter.acquire(AbortSignal.timeout(5_000))).resolves.toBeTypeOf('number');
    expect(limiter.stats).toEqual({ acquired: 1, delayed: 0 });
  });

  it('should return one limiter per key, created with the first options', () => {
    const key = `test:${Math.random()}`;
    expect(sharedRateLimiter(key, { ratePerSec: 5 })).toBe(sharedRateLimiter(key, { ratePerSec: 50 }));
    expect(sharedRateLimiter(key)).not.toBe(sharedRateLimiter(`${key}-other`));
  });

  it('should reject a bad rate or burst', () => {
    expect(() => createTokenBucket({ ratePerSec: 0 })).toThrow('ratePerSec must be a positive number, got 0');
    expect(() => createTokenBucket({ burst: 1.5 })).toThrow('burst must be a positive integer, got 1.5');
  });
});
