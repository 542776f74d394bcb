export { AbortedError, DeadlineExceededError, backoffDelay, formatMs, retry, sleep } from './backoff.js';
export type { BackoffOptions, RetryOptions } from './backoff.js';
