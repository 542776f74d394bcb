/**
 * A resumable watch (APIS.md §E, PERF-RELIABILITY §7 item 7): list, then watch from the list's
 * resourceVersion with bookmarks; a dropped or idle connection resumes from the last seen
 * resourceVersion with backoff; 410 Gone re-lists and emits the differences; a periodic re-list
 * emits whatever a silent watch missed. Events are de-duplicated by resourceVersion.
 */
import type { IncomingMessage } from 'node:http';
import { createInterface } from 'node:readline';
import type { KubeObject } from '../manifests/index.js';
import { AbortedError, backoffDelay, errorMessage, sleep } from '../util/index.js';
import type { Logger } from '../util/index.js';
import { collectionPath } from './discovery.js';
import type { Discovery } from './discovery.js';
import { isGone, KubeApiError, parseStatus } from './errors.js';
import type { ResolvedOptions } from './options.js';
import type { Transport } from './transport.js';
import type { CollectionRef, WatchEvent, WatchEventType, WatchHandle, WatchOptions } from './types.js';

export interface WatchDeps {
  transport: Transport;
  discovery: Discovery;
  options: ResolvedOptions;
  logger: Logger;
  /** Lists a collection (all pages), items with apiVersion and kind filled in. */
  list(ref: CollectionRef, selectors: WatchOptions, signal: AbortSignal): Promise<{ items: KubeObject[]; resourceVersion: string }>;
}

interface Known {
  resourceVersion: string;
  uid: string | undefined;
  object: KubeObject;
}

/** A stream that delivered something counts as healthy: the next reconnect needs no backoff. */
const PRODUCTIVE_STREAM_MS = 1_000;

function keyOf(obj: KubeObject): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
}

/** `a` is older than `b`, when both are the decimal counters etcd-backed servers use. */
function isOlder(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return false;
  return BigInt(a) < BigInt(b);
}

export function startWatch(deps: WatchDeps, ref: CollectionRef, options: WatchOptions, onEvent: (event: WatchEvent) => void): WatchHandle {
  const { transport, discovery, logger } = deps;
  const resyncMs = options.resyncMs ?? deps.options.resyncMs;
  const stopController = new AbortController();
  const known = new Map<string, Known>();
  let complete = false;
  let lastResourceVersion = options.resourceVersion ?? '';
  let relisting: Promise<void> | undefined;
  let resyncTimer: NodeJS.Timeout | undefined;
  let streamController: AbortController | undefined;
  const where = `${ref.kind}.${ref.apiVersion}${ref.namespace ? ` in ${ref.namespace}` : ''}`;

  let resolveReady: () => void = () => undefined;
  let rejectReady: (err: unknown) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  ready.catch(() => undefined); // the caller may not await it; the failure is also logged

  const emit = (type: WatchEventType, object: KubeObject): void => {
    if (stopController.signal.aborted) return;
    try {
      onEvent({ type, object });
    } catch (err) {
      logger.warn('watch event handler failed', { watch: where, error: errorMessage(err) });
    }
  };

  /** Apply one observed state; emit only what is new. */
  const observe = (type: WatchEventType, object: KubeObject): void => {
    const key = keyOf(object);
    const rv = object.metadata.resourceVersion;
    const prev = known.get(key);
    if (type === 'DELETED') {
      if (!prev && complete) return;
      if (prev && isOlder(rv, prev.resourceVersion)) return;
      known.delete(key);
      emit('DELETED', object);
      return;
    }
    if (prev && (prev.resourceVersion === rv || isOlder(rv, prev.resourceVersion))) return;
    known.set(key, { resourceVersion: rv ?? '', uid: object.metadata.uid, object });
    if (prev && prev.uid !== undefined && object.metadata.uid !== undefined && prev.uid !== object.metadata.uid) {
      emit('DELETED', prev.object); // re-created under the same name between two observations
      emit('ADDED', object);
      return;
    }
    emit(prev ? 'MODIFIED' : type, object);
  };

  /** List and emit the differences against what was seen; sets the resume point when asked. */
  const relist = (reason: string, resume: boolean): Promise<void> => {
    if (!relisting) {
      relisting = (async () => {
        const { items, resourceVersion } = await deps.list(ref, options, stopController.signal);
        if (stopController.signal.aborted) return;
        const seen = new Set<string>();
        for (const item of items) {
          seen.add(keyOf(item));
          observe('ADDED', item);
        }
        for (const [key, prev] of [...known]) {
          if (!seen.has(key) && !isOlder(resourceVersion, prev.resourceVersion)) observe('DELETED', prev.object);
        }
        complete = true;
        if (resume || !lastResourceVersion) lastResourceVersion = resourceVersion;
        logger.debug('watch re-listed', { watch: where, reason, items: items.length, resourceVersion });
      })().finally(() => {
        relisting = undefined;
      });
    }
    return relisting;
  };

  /** Read one watch response to its end. Resolves `gone` on a 410 ERROR event. */
  const consume = (res: IncomingMessage, controller: AbortController): Promise<{ gone: boolean; productive: boolean }> =>
    new Promise((resolve) => {
      let gone = false;
      let productive = false;
      let idle: NodeJS.Timeout | undefined;
      const arm = (): void => {
        clearTimeout(idle);
        idle = setTimeout(() => {
          logger.debug('watch idle, reconnecting', { watch: where, resourceVersion: lastResourceVersion });
          controller.abort();
        }, deps.options.watchIdleTimeoutMs);
      };
      arm();
      res.on('data', arm);
      res.on('error', () => undefined); // a reset connection just ends the stream
      const lines = createInterface({ input: res, crlfDelay: Infinity });
      lines.on('line', (line) => {
        if (line.trim() === '') return;
        let event: { type?: unknown; object?: unknown };
        try {
          event = JSON.parse(line) as { type?: unknown; object?: unknown };
        } catch {
          logger.warn('watch sent a line that is not JSON', { watch: where, length: line.length });
          return;
        }
        const object = event.object as KubeObject | undefined;
        if (event.type === 'ERROR') {
          const status = parseStatus(500, object);
          if (isGone(new KubeApiError(status))) gone = true;
          else logger.warn('watch error event', { watch: where, reason: status.reason, code: status.code, message: status.message });
          controller.abort();
          return;
        }
        if (!object || typeof object !== 'object' || !object.metadata) return;
        if (object.metadata.resourceVersion) lastResourceVersion = object.metadata.resourceVersion;
        productive = true;
        if (event.type === 'BOOKMARK') return;
        if (event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED') {
          observe(event.type, { ...object, apiVersion: object.apiVersion ?? ref.apiVersion, kind: object.kind ?? ref.kind });
        }
      });
      let finished = false;
      const finish = (): void => {
        if (finished) return;
        finished = true;
        clearTimeout(idle);
        lines.close();
        resolve({ gone, productive });
      };
      lines.on('close', finish);
      res.on('close', finish);
      controller.signal.addEventListener('abort', () => res.destroy(), { once: true });
    });

  const run = async (): Promise<void> => {
    const info = await discovery.require(ref.apiVersion, ref.kind);
    const path = collectionPath(info, ref.namespace);
    if (!options.resourceVersion) await relist('initial list', true);
    if (resyncMs > 0) {
      const tick = (): void => {
        // stop() may have run while the list above was in flight: schedule nothing then.
        if (stopController.signal.aborted) return;
        resyncTimer = setTimeout(() => {
          relist('periodic resync', false)
            .catch((err: unknown) => logger.warn('watch resync failed', { watch: where, error: errorMessage(err) }))
            .finally(() => {
              if (!stopController.signal.aborted) tick();
            });
        }, resyncMs);
        // A backstop timer never keeps a process alive by itself.
        resyncTimer.unref();
      };
      tick();
    }
    let failures = 0;
    while (!stopController.signal.aborted) {
      const controller = new AbortController();
      streamController = controller;
      const stopListener = (): void => controller.abort();
      stopController.signal.addEventListener('abort', stopListener, { once: true });
      const started = Date.now();
      try {
        const res = await transport.openStream(
          path,
          {
            watch: 'true',
            resourceVersion: lastResourceVersion || undefined,
            allowWatchBookmarks: 'true',
            timeoutSeconds: deps.options.watchTimeoutSeconds,
            labelSelector: options.labelSelector,
            fieldSelector: options.fieldSelector,
          },
          controller.signal,
        );
        resolveReady();
        const { gone, productive } = await consume(res, controller);
        if (gone) {
          await relist('410 Gone', true);
          failures = 0;
          continue;
        }
        failures = productive || Date.now() - started > PRODUCTIVE_STREAM_MS ? 0 : failures + 1;
      } catch (err) {
        if (stopController.signal.aborted) break;
        let failure = err;
        if (isGone(err)) {
          try {
            await relist('410 Gone', true);
            failures = 0;
            continue;
          } catch (listErr) {
            failure = listErr;
          }
        }
        failures++;
        logger.debug('watch connection failed', { watch: where, attempt: failures, error: errorMessage(failure) });
      } finally {
        stopController.signal.removeEventListener('abort', stopListener);
      }
      if (stopController.signal.aborted) break;
      const delay = failures === 0 ? 0 : backoffDelay(failures - 1, deps.options.retry);
      try {
        await sleep(delay, stopController.signal);
      } catch {
        break;
      }
    }
  };

  const stop = (): void => {
    if (stopController.signal.aborted) return;
    options.signal?.removeEventListener('abort', stop);
    stopController.abort();
    clearTimeout(resyncTimer);
    streamController?.abort();
    rejectReady(new AbortedError(`watch of ${where} stopped`));
  };
  options.signal?.addEventListener('abort', stop, { once: true });
  if (options.signal?.aborted) stop();

  run().catch((err: unknown) => {
    if (stopController.signal.aborted) return;
    logger.warn('watch failed to start', { watch: where, error: errorMessage(err) });
    rejectReady(err);
    stop();
  });

  return { stop, ready };
}
