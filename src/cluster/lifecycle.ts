/**
 * What a cluster client has running (watches, waits) so that `close()` stops all of it, and what
 * it refuses once closed. No I/O: it only holds handles and abort controllers.
 */
import { AbortedError } from '../util/index.js';
import type { WatchHandle } from './types.js';

export interface ClientLifecycle {
  readonly closed: boolean;
  /**
   * Keep `handle` until it stops, its `signal` aborts, or the client closes. A watch started after
   * close is stopped at once (and returned as it is).
   */
  trackWatch(handle: WatchHandle, signal: AbortSignal | undefined): WatchHandle;
  /**
   * Run `wait` with a signal of its own, aborted by the caller's `signal` or by close. Rejects with
   * `AbortedError` without calling `wait` when the client is closed.
   */
  trackWait<T>(signal: AbortSignal | undefined, wait: (signal: AbortSignal) => Promise<T>): Promise<T>;
  /** Abort every wait and stop every watch; later watches are stopped and waits refused. */
  close(): void;
}

export function createClientLifecycle(): ClientLifecycle {
  const watches = new Set<WatchHandle>();
  const waits = new Set<AbortController>();
  let closed = false;

  return {
    get closed() {
      return closed;
    },

    trackWatch(handle, signal) {
      if (closed) {
        handle.stop();
        return handle;
      }
      watches.add(handle);
      const forget = (): void => {
        watches.delete(handle);
      };
      signal?.addEventListener('abort', forget, { once: true });
      return {
        ready: handle.ready,
        stop() {
          forget();
          signal?.removeEventListener('abort', forget);
          handle.stop();
        },
      };
    },

    async trackWait(signal, wait) {
      if (closed) throw new AbortedError('the cluster client is closed');
      const controller = new AbortController();
      const forward = (): void => controller.abort(signal?.reason);
      if (signal?.aborted) forward();
      signal?.addEventListener('abort', forward, { once: true });
      waits.add(controller);
      try {
        return await wait(controller.signal);
      } finally {
        waits.delete(controller);
        signal?.removeEventListener('abort', forward);
      }
    },

    close() {
      closed = true;
      for (const controller of waits) controller.abort(new AbortedError('the cluster client was closed'));
      waits.clear();
      for (const handle of watches) handle.stop();
      watches.clear();
    },
  };
}
