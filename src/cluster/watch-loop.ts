/**
 * What keeps a watch going: the reconnect loop (410 Gone → re-list, failures → backoff, a healthy
 * stream → reconnect at once), the periodic resync timer, and one re-list at a time. The I/O is
 * passed in (open, consume, relist), so each runs on fakes.
 */
import { errorMessage, sleep } from '../util/index.js';
import type { BackoffOptions, Logger } from '../util/index.js';
import { isGone } from './errors.js';
import { failuresAfterStream, reconnectDelay } from './watch-protocol.js';
import type { StreamOutcome } from './watch-stream.js';

export interface WatchLoopOptions<S> {
  /** Aborting it ends the loop and the open connection. */
  signal: AbortSignal;
  /** Opens one watch connection (from the current resume point); aborting `signal` cancels it. */
  open(signal: AbortSignal): Promise<S>;
  /** A connection opened (the watch is ready). */
  onOpen(): void;
  /** Reads an open connection to its end; `controller` aborts it. */
  consume(stream: S, controller: AbortController): Promise<StreamOutcome>;
  /** Re-lists and moves the resume point to the list's resourceVersion. */
  relist(reason: string): Promise<void>;
  /** Backoff between failed connections (see `reconnectDelay`). */
  retry: BackoffOptions;
  logger: Logger;
  /** Names the watch in log lines. */
  where: string;
  /** Clock, for tests. @defaultValue Date.now */
  now?: () => number;
}

/** Connects, reads, reconnects, until `signal` aborts. Rejects only when the loop itself fails. */
export async function runWatchLoop<S>(options: WatchLoopOptions<S>): Promise<void> {
  const { signal, logger, where, now = Date.now } = options;
  let failures = 0;
  while (!signal.aborted) {
    const controller = new AbortController();
    const stopListener = (): void => controller.abort();
    signal.addEventListener('abort', stopListener, { once: true });
    const started = now();
    try {
      const stream = await options.open(controller.signal);
      options.onOpen();
      const { gone, productive } = await options.consume(stream, controller);
      if (gone) {
        await options.relist('410 Gone');
        failures = 0;
        continue;
      }
      failures = failuresAfterStream(failures, { productive, elapsedMs: now() - started });
    } catch (err) {
      if (signal.aborted) break;
      let failure = err;
      if (isGone(err)) {
        try {
          await options.relist('410 Gone');
          failures = 0;
          continue;
        } catch (listErr) {
          failure = listErr;
        }
      }
      failures++;
      logger.debug('watch connection failed', { watch: where, attempt: failures, error: errorMessage(failure) });
    } finally {
      signal.removeEventListener('abort', stopListener);
    }
    if (signal.aborted) break;
    try {
      await sleep(reconnectDelay(failures, options.retry), signal);
    } catch {
      break;
    }
  }
}

export interface ResyncOptions {
  /** Time from the end of one resync to the start of the next. */
  periodMs: number;
  /** Aborting it cancels the pending resync; none is scheduled after. */
  signal: AbortSignal;
  resync(): Promise<void>;
  /** A resync failed; the next one is scheduled anyway. */
  onError(err: unknown): void;
}

/** Runs `resync` every `periodMs` until `signal` aborts. Its timer never keeps the process alive. */
export function scheduleResync(options: ResyncOptions): void {
  const { signal } = options;
  if (signal.aborted) return;
  let timer: NodeJS.Timeout | undefined;
  signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  const tick = (): void => {
    if (signal.aborted) return;
    timer = setTimeout(() => {
      options
        .resync()
        .catch((err: unknown) => options.onError(err))
        .finally(() => {
          if (!signal.aborted) tick();
        });
    }, options.periodMs);
    timer.unref();
  };
  tick();
}

/** `fn`, but a call while one is running gets that one's promise (its arguments are not used). */
export function singleFlight<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  let running: Promise<void> | undefined;
  return (...args) => {
    running ??= fn(...args).finally(() => {
      running = undefined;
    });
    return running;
  };
}
