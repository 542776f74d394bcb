import { AbortedError, sleep } from '../util/index.js';

/** Spaces requests to one destination. Waiters are served first come, first served. */
export interface RateLimiter {
  /** Wait for a token; resolves with the ms waited (in the queue and for the bucket). Rejects with `AbortedError` when the signal aborts. */
  acquire(signal?: AbortSignal): Promise<number>;
  /** The server said "slow down": hand out no token for `ms` (a 429's `Retry-After`), whoever asks. */
  pauseFor(ms: number): void;
  /** Tokens handed out, and how many of them had to wait: the bucket was empty or paused when their turn came, or for one ahead of them. */
  readonly stats: { readonly acquired: number; readonly delayed: number };
}

export interface TokenBucketOptions {
  /** Tokens added per second: the sustained request rate. @defaultValue 1 */
  ratePerSec?: number;
  /** Bucket size: how many requests may go at once after a quiet period. @defaultValue 1 */
  burst?: number;
  /** Monotonic clock in ms. @defaultValue `performance.now` */
  now?: () => number;
}

/** A token bucket: `burst` requests at once, then `ratePerSec` per second. */
export function createTokenBucket(options: TokenBucketOptions = {}): RateLimiter {
  const { ratePerSec = 1, burst = 1, now = () => performance.now() } = options;
  if (!(ratePerSec > 0) || !Number.isFinite(ratePerSec)) throw new RangeError(`ratePerSec must be a positive number, got ${ratePerSec}`);
  if (!Number.isInteger(burst) || burst < 1) throw new RangeError(`burst must be a positive integer, got ${burst}`);
  let tokens = burst;
  let last = now();
  let notBefore = -Infinity;
  let tail: Promise<unknown> = Promise.resolve();
  const stats = { acquired: 0, delayed: 0 };

  const refill = (): void => {
    const t = now();
    if (t > last) {
      tokens = Math.min(burst, tokens + ((t - last) * ratePerSec) / 1000);
      last = t;
    }
  };

  /** Sleeps taken so far: a waiter is delayed when any sleep (its own or one ahead of it in line) happened while it waited. */
  let sleeps = 0;
  const take = async (calledAt: number, sleepsAtCall: number, signal: AbortSignal | undefined): Promise<number> => {
    for (;;) {
      // A waiter that gave up while queued takes no token when its turn comes.
      if (signal?.aborted) throw new AbortedError(undefined, { cause: signal.reason });
      const t = now();
      if (t < notBefore) {
        sleeps += 1;
        await sleep(notBefore - t, signal);
        continue;
      }
      refill();
      if (tokens >= 1) break;
      sleeps += 1;
      await sleep(Math.ceil(((1 - tokens) * 1000) / ratePerSec), signal);
    }
    if (signal?.aborted) throw new AbortedError(undefined, { cause: signal.reason });
    tokens -= 1;
    stats.acquired += 1;
    if (sleeps > sleepsAtCall) stats.delayed += 1;
    return now() - calledAt;
  };

  return {
    acquire(signal) {
      const calledAt = now();
      const sleepsAtCall = sleeps;
      const turn = tail.then(() => take(calledAt, sleepsAtCall, signal));
      tail = turn.catch(() => undefined);
      return signal ? untilAborted(turn, signal) : turn;
    },
    pauseFor(ms) {
      const until = now() + Math.max(0, ms);
      if (until > notBefore) notBefore = until;
      tokens = 0;
      last = Math.max(last, notBefore);
    },
    stats,
  };
}

/** `promise`, or an `AbortedError` as soon as `signal` aborts (the promise itself goes on; its outcome is then ignored). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new AbortedError(undefined, { cause: signal.reason }));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new AbortedError(undefined, { cause: signal.reason }));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

const shared = new Map<string, RateLimiter>();

/**
 * The process-wide limiter for one destination key (e.g. `slack:C0123@https://slack.com/api/`):
 * every notifier of the process posting there shares it. Created with `options` on first use; later
 * calls with the same key get the existing limiter and their options are ignored.
 */
export function sharedRateLimiter(key: string, options: TokenBucketOptions = {}): RateLimiter {
  let limiter = shared.get(key);
  if (!limiter) {
    limiter = createTokenBucket(options);
    shared.set(key, limiter);
  }
  return limiter;
}
