import { describe, expect, it } from 'vitest';
import { createTokenBucket, sharedRateLimiter } from '../../src/notify/index.js';
import { AbortedError } from '../../src/util/index.js';

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
