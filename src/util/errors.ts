/** The errors of waits and retries (util's own); each domain keeps its errors in its own `errors.ts`. */
import { formatMs } from './time.js';

/** Raised when a wait is aborted through its signal. */
export class AbortedError extends Error {
  override readonly name = 'AbortedError';
  constructor(message = 'aborted', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A wait that ran out of time: says what it waited for, how long, and what it last saw. */
export class DeadlineExceededError extends Error {
  override readonly name = 'DeadlineExceededError';
  constructor(
    readonly waitedFor: string,
    readonly elapsedMs: number,
    readonly lastSeen?: string,
  ) {
    super(`timed out after ${formatMs(elapsedMs)} waiting for ${waitedFor}${lastSeen ? `; last seen: ${lastSeen}` : ''}`);
  }
}
