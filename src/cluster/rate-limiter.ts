/** A client-side token bucket (`qps` sustained, `burst` at once), shared by all requests of a client. */
import { sleep } from '../util/index.js';

export interface RateLimiterOptions {
  /** Tokens added per second. */
  qps: number;
  /** Bucket size: how many requests may go at once after a quiet period. */
  burst: number;
  /** Clock, for tests. @defaultValue Date.now */
  now?: () => number;
}

export interface RateLimiter {
  /** Wait for a token. Callers are served in the order they asked (a reservation, not a race). */
  take(signal?: AbortSignal): Promise<void>;
  /** How long a request asking now would wait, in ms. */
  delayMs(): number;
}

/**
 * The generic cell rate algorithm form of a token bucket: each request reserves the next slot
 * `1000 / qps` ms after the previous one, and may run up to `(burst - 1)` slots ahead of time.
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { qps, burst, now = Date.now } = options;
  const interval = 1000 / qps;
  const tolerance = (burst - 1) * interval;
  let theoreticalArrival = 0;

  const reserve = (): number => {
    const t = now();
    const arrival = Math.max(theoreticalArrival, t);
    theoreticalArrival = arrival + interval;
    return Math.max(0, arrival - tolerance - t);
  };

  return {
    async take(signal) {
      const wait = reserve();
      if (wait > 0) await sleep(wait, signal);
    },
    delayMs() {
      const t = now();
      return Math.max(0, Math.max(theoreticalArrival, t) - tolerance - t);
    },
  };
}
