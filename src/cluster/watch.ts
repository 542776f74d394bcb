/**
 * A resumable watch (Kubernetes API concepts, "Efficient detection of changes"): list, then watch from the list's
 * resourceVersion with bookmarks; a dropped or idle connection resumes from the last seen
 * resourceVersion with backoff; 410 Gone re-lists and emits the differences; a periodic re-list
 * emits whatever a silent watch missed. Events are de-duplicated by resourceVersion.
 *
 * `startWatch` assembles the pieces: `watch-cache.ts` (what was seen, what is new),
 * `watch-protocol.ts` (lines, queries, resume and backoff decisions), `watch-stream.ts` (one
 * response) and `watch-loop.ts` (reconnects, resyncs).
 */
import type { IncomingMessage } from 'node:http';
import type { KubeObject } from '../manifests/index.js';
import { AbortedError, errorMessage } from '../util/index.js';
import type { Logger } from '../util/index.js';
import { collectionPath } from './discovery.js';
import type { Discovery } from './discovery.js';
import type { ResolvedOptions } from './options.js';
import type { Transport } from './transport.js';
import type { CollectionRef, WatchEvent, WatchHandle, WatchOptions } from './types.js';
import { createWatchCache } from './watch-cache.js';
import { runWatchLoop, scheduleResync, singleFlight } from './watch-loop.js';
import { describeWatch, resumeVersionAfterList, watchQuery } from './watch-protocol.js';
import { consumeWatchStream } from './watch-stream.js';
import type { StreamOutcome } from './watch-stream.js';

export interface WatchDeps {
  transport: Pick<Transport, 'openStream'>;
  discovery: Pick<Discovery, 'require'>;
  options: ResolvedOptions;
  logger: Logger;
  /** Lists a collection (all pages), items with apiVersion and kind filled in. */
  list(ref: CollectionRef, selectors: WatchOptions, signal: AbortSignal): Promise<{ items: KubeObject[]; resourceVersion: string }>;
  /**
   * How far the watch has seen (for the shared informers): `listed` after a list's events were
   * emitted, else on every resourceVersion a connection delivered (events and bookmarks).
   */
  onProgress?(resourceVersion: string, listed: boolean): void;
}

/** A promise settled from outside; a rejection nobody awaits is not unhandled (it is also logged). */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (err: unknown) => void } {
  let resolve: () => void = () => undefined;
  let reject: (err: unknown) => void = () => undefined;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

export function startWatch(deps: WatchDeps, ref: CollectionRef, options: WatchOptions, onEvent: (event: WatchEvent) => void): WatchHandle {
  const { transport, discovery, logger } = deps;
  const resyncMs = options.resyncMs ?? deps.options.resyncMs;
  const stopController = new AbortController();
  const stopped = stopController.signal;
  const cache = createWatchCache();
  const where = describeWatch(ref);
  const ready = deferred();
  let resumeFrom = options.resourceVersion ?? '';

  const emit = (events: readonly WatchEvent[]): void => {
    for (const event of events) {
      if (stopped.aborted) return;
      try {
        onEvent(event);
      } catch (err) {
        logger.warn('watch event handler failed', { watch: where, error: errorMessage(err) });
      }
    }
  };

  /** List and emit the differences against what was seen; moves the resume point when asked. */
  const relist = singleFlight(async (reason: string, resume: boolean): Promise<void> => {
    const { items, resourceVersion } = await deps.list(ref, options, stopped);
    if (stopped.aborted) return;
    emit(cache.reconcile(items, resourceVersion));
    resumeFrom = resumeVersionAfterList(resumeFrom, resourceVersion, resume);
    deps.onProgress?.(resourceVersion, true);
    logger.debug('watch re-listed', { watch: where, reason, items: items.length, resourceVersion });
  });

  const consume = (stream: IncomingMessage, controller: AbortController): Promise<StreamOutcome> =>
    consumeWatchStream(stream, {
      controller,
      idleTimeoutMs: deps.options.watchIdleTimeoutMs,
      ref,
      where,
      logger,
      observe: (event) => emit(cache.observe(event.type, event.object)),
      onResourceVersion: (resourceVersion) => {
        resumeFrom = resourceVersion;
        deps.onProgress?.(resourceVersion, false);
      },
      onIdle: () => logger.debug('watch idle, reconnecting', { watch: where, resourceVersion: resumeFrom }),
    });

  const run = async (): Promise<void> => {
    const path = collectionPath(await discovery.require(ref.apiVersion, ref.kind), ref.namespace);
    if (!options.resourceVersion) await relist('initial list', true);
    const onError = (err: unknown): void => logger.warn('watch resync failed', { watch: where, error: errorMessage(err) });
    if (resyncMs > 0) scheduleResync({ periodMs: resyncMs, signal: stopped, resync: () => relist('periodic resync', false), onError });
    await runWatchLoop({
      signal: stopped,
      open: (signal) => transport.openStream(path, watchQuery(resumeFrom, options, deps.options.watchTimeoutSeconds), signal),
      onOpen: ready.resolve,
      consume,
      relist: (reason) => relist(reason, true),
      retry: deps.options.retry,
      logger,
      where,
    });
  };

  const stop = (): void => {
    if (stopped.aborted) return;
    options.signal?.removeEventListener('abort', stop);
    stopController.abort(); // ends the loop, its connection and the resync timer
    ready.reject(new AbortedError(`watch of ${where} stopped`));
  };
  options.signal?.addEventListener('abort', stop, { once: true });
  if (options.signal?.aborted) stop();

  run().catch((err: unknown) => {
    if (stopped.aborted) return;
    logger.warn('watch failed to start', { watch: where, error: errorMessage(err) });
    ready.reject(err);
    stop();
  });
  return { stop, ready: ready.promise };
}
