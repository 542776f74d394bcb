import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../src/cluster/index.js';

describe('when requests share one token bucket', () => {
  it('should let a burst through at once, then space requests 1/qps apart', async () => {
    let now = 1_000_000;
    const limiter = createRateLimiter({ qps: 10, burst: 3, now: () => now });
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      waits.push(limiter.delayMs());
      // reserve without sleeping: advance the fake clock by the wait instead
      const wait = limiter.delayMs();
      now += wait;
      await limiter.take();
    }
    expect(waits).toEqual([0, 0, 0, 100, 100]);
  });

  it('should refill while idle, up to the burst', async () => {
    let now = 0;
    const limiter = createRateLimiter({ qps: 2, burst: 2, now: () => now });
    await limiter.take();
    await limiter.take();
    expect(limiter.delayMs()).toBe(500);
    now += 10_000; // a long quiet period refills only up to the burst
    await limiter.take();
    await limiter.take();
    expect(limiter.delayMs()).toBe(500);
  });
});
