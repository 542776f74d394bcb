/**
 * Bounded retries with exponential backoff and jitter, and deadlines that say what they waited
 * for. Shared by every module that calls something external (Kubernetes, chat APIs, Redis).
 */
import { AbortedError } from './errors.js';

export interface BackoffOptions {
  /** Delay before the first retry, in ms. @defaultValue 200 */
  initialMs?: number;
  /** Multiplier per attempt. @defaultValue 2 */
  factor?: number;
  /** Largest delay, in ms. @defaultValue 10_000 */
  maxMs?: number;
  /** Share of the delay that is randomised (0 = none, 1 = "full jitter"). @defaultValue 0.5 */
  jitter?: number;
}

/** The delay before retry number `attempt` (0-based): initial × factor^attempt, capped, with jitter. */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const { initialMs = 200, factor = 2, maxMs = 10_000, jitter = 0.5 } = options;
  const base = Math.min(maxMs, initialMs * Math.pow(factor, Math.max(0, attempt)));
  const spread = base * Math.min(1, Math.max(0, jitter));
  return Math.max(0, Math.round(base - spread + random() * spread));
}

/** Sleep `ms`, resolving early (with AbortedError) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortedError(undefined, { cause: signal.reason }));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new AbortedError(undefined, { cause: signal?.reason }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}


export interface RetryOptions extends BackoffOptions {
  /** Attempts in all, the first included. @defaultValue 5 */
  attempts?: number;
  /** Whether an error is worth another attempt; may return a delay in ms to use instead of the backoff (e.g. Retry-After). @defaultValue always retry */
  retryable?: (err: unknown, attempt: number) => boolean | number;
  /** Called before each retry, for logging. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  signal?: AbortSignal;
}

/** Run `fn` up to `attempts` times, waiting a backoff (or the delay `retryable` returns) between tries. */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { attempts = 5, retryable = () => true, onRetry, signal } = options;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      const verdict = attempt + 1 < attempts ? retryable(err, attempt) : false;
      if (verdict === false || signal?.aborted) throw err;
      const delay = typeof verdict === 'number' ? verdict : backoffDelay(attempt, options);
      onRetry?.(err, attempt, delay);
      await sleep(delay, signal);
    }
  }
}
