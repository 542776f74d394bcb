/** §10.3 retry backoff: wait = duration × factor^n, capped at maxDuration. */
import type { RetryStrategy } from './types.js';

export const DEFAULT_RETRY_BACKOFF_MS = 5_000;
export const DEFAULT_RETRY_FACTOR = 2;
export const DEFAULT_RETRY_MAX_BACKOFF_MS = 180_000;

/**
 * The wait before retry number `n` (0-based): 5 s, 10 s, 20 s, 40 s, 80 s … capped at 3 min by
 * default. Argo CD's controller may wait one factor more than its message says (§14.10); we use
 * the same `n` for the message and the wait.
 */
export function retryDelayMs(retry: RetryStrategy, n: number): number {
  const base = retry.backoffMs ?? DEFAULT_RETRY_BACKOFF_MS;
  const factor = retry.factor ?? DEFAULT_RETRY_FACTOR;
  const max = retry.maxBackoffMs ?? DEFAULT_RETRY_MAX_BACKOFF_MS;
  const wait = base * Math.pow(factor, Math.max(0, n));
  return max > 0 ? Math.min(wait, max) : wait;
}
