export { backoffDelay, retry, sleep } from './backoff.js';
export { AbortedError, DeadlineExceededError } from './errors.js';
export { linkedSignal } from './abort.js';
export { formatMs } from './time.js';
export type { BackoffOptions, RetryOptions } from './backoff.js';
export { coalescingWriter, errorMessage, jsonLogger, silentLogger } from './logger.js';
export type { LogLevel, Logger } from './logger.js';
export { seededRandom } from './random.js';
