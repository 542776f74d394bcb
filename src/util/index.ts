export { AbortedError, DeadlineExceededError, backoffDelay, formatMs, retry, sleep } from './backoff.js';
export type { BackoffOptions, RetryOptions } from './backoff.js';
export { errorMessage, jsonLogger, silentLogger } from './logger.js';
export type { LogLevel, Logger } from './logger.js';
