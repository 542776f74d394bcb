/**
 * Shared informers: one list+watch per (apiVersion, kind, namespace) — per kind cluster-wide for
 * cluster-scoped kinds — shared by every wait of a client (issue 13). Each keeps the last state of
 * every object of its collection by name, tells the subscribers of a name about that name's events,
 * and tells every subscriber when a complete list was reconciled (the initial list, a relist after
 * 410 Gone, the rare periodic resync) and when the list+watch could not start.
 *
 * The list+watch itself is `startWatch` (watch.ts): list, then watch from the list's
 * resourceVersion with bookmarks, resume from the last seen resourceVersion after a dropped
 * connection, relist with backoff on 410 Gone and emit the DELETED/MODIFIED the gap hid.
 *
 * Lifetime: an informer starts with its first subscriber, is reference-counted, and is stopped
 * `idleGraceMs` after its last subscriber left (so a worker running many syncs in the same
 * namespaces keeps few watches). One that fails to start (discovery, RBAC, the list) is restarted
 * with backoff while it has subscribers.
 */
import type { KubeObject } from '../manifests/index.js';
import { AbortedError, backoffDelay, errorMessage, silentLogger } from '../util/index.js';
import type { BackoffOptions, Logger } from '../util/index.js';
import type { CollectionRef, WatchEvent, WatchHandle, WatchOptions } from './types.js';
import { describeWatch } from './watch-protocol.js';

/** What a subscriber hears. */
export type InformerNotice =
  /** An event of the subscribed name (already de-duplicated by resourceVersion). */
  | { type: 'event'; event: WatchEvent }
  /** A complete list was reconciled: the cache holds every object as of `progress`. */
  | { type: 'listed' }
  /** The list+watch failed to start; it is restarted with backoff. */
  | { type: 'failed'; error: unknown };

/** What a subscriber may read of its informer's cache. */
export interface InformerView {
  /** The initial list has completed: absence from the cache means absence as of `progress`. */
  readonly synced: boolean;
  /** The last resourceVersion the informer has seen (a list, an event or a bookmark); '' before its first list. */
  readonly progress: string;
  /** The cached object of that name. */
  get(name: string): KubeObject | undefined;
}

export interface InformerSubscription {
  readonly view: InformerView;
  /** Stop hearing; the informer stops `idleGraceMs` after its last subscriber released. */
  release(): void;
}

export interface SharedInformers {
  /** Hear about `name` in the collection `ref` (its informer started on first use). @throws AbortedError once closed */
  subscribe(ref: CollectionRef, name: string, onNotice: (notice: InformerNotice) => void): InformerSubscription;
  /** Informers (list+watch) running now. */
  readonly active: number;
  /** Stop every informer; later subscriptions are refused. */
  close(): void;
}

export interface SharedInformersOptions {
  /** Starts one list+watch (in the client: `startWatch` with `onProgress`). */
  start(ref: CollectionRef, options: WatchOptions, onEvent: (event: WatchEvent) => void, onProgress: (resourceVersion: string, listed: boolean) => void): WatchHandle;
  /** How long an informer nobody subscribes to is kept before its watch is stopped. @defaultValue 30_000 */
  idleGraceMs?: number;
  /**
   * Safety relist of each informer even when its watch is healthy (0 = none). Rare on purpose: the
   * backstop for missed events is the watch's own relist on 410 and its resume. @defaultValue 300_000
   */
  resyncMs?: number;
  /** Backoff between restarts of an informer that failed to start. @defaultValue `{ initialMs: 500, maxMs: 30_000 }` */
  retry?: BackoffOptions;
  /** @defaultValue silent */
  logger?: Logger;
}

type Listener = (notice: InformerNotice) => void;

interface Entry {
  ref: CollectionRef;
  where: string;
  objects: Map<string, KubeObject>;
  listeners: Map<string, Set<Listener>>;
  subscribers: number;
  synced: boolean;
  progress: string;
  failures: number;
  handle?: WatchHandle;
  idleTimer?: NodeJS.Timeout;
  restartTimer?: NodeJS.Timeout;
  stopped: boolean;
}

/** `apiVersion|kind|namespace`: one informer per key. */
export function informerKey(ref: CollectionRef): string {
  return `${ref.apiVersion}|${ref.kind}|${ref.namespace ?? ''}`;
}

export function createSharedInformers(options: SharedInformersOptions): SharedInformers {
  const { idleGraceMs = 30_000, resyncMs = 300_000, retry = { initialMs: 500, maxMs: 30_000 }, logger = silentLogger } = options;
  const entries = new Map<string, Entry>();
  let closed = false;

  const tell = (listeners: Iterable<Listener>, notice: InformerNotice, where: string): void => {
    for (const listener of [...listeners]) {
      try {
        listener(notice);
      } catch (err) {
        logger.warn('informer subscriber failed', { watch: where, error: errorMessage(err) });
      }
    }
  };
  const tellAll = (entry: Entry, notice: InformerNotice): void => {
    for (const set of [...entry.listeners.values()]) tell(set, notice, entry.where);
  };

  const start = (entry: Entry): void => {
    const onEvent = (event: WatchEvent): void => {
      if (entry.stopped) return;
      const name = event.object.metadata.name ?? '';
      if (event.type === 'DELETED') entry.objects.delete(name);
      else entry.objects.set(name, event.object);
      const set = entry.listeners.get(name);
      if (set) tell(set, { type: 'event', event }, entry.where);
    };
    const onProgress = (resourceVersion: string, listed: boolean): void => {
      if (entry.stopped) return;
      entry.progress = resourceVersion;
      if (!listed) return;
      entry.synced = true;
      entry.failures = 0;
      tellAll(entry, { type: 'listed' });
    };
    const handle = options.start(entry.ref, { resyncMs }, onEvent, onProgress);
    entry.handle = handle;
    handle.ready.catch((err: unknown) => {
      if (entry.stopped || entry.handle !== handle || err instanceof AbortedError) return;
      entry.failures++;
      const delay = backoffDelay(entry.failures - 1, retry);
      logger.warn('informer failed to start, restarting', { watch: entry.where, attempt: entry.failures, delayMs: delay, error: errorMessage(err) });
      handle.stop();
      tellAll(entry, { type: 'failed', error: err });
      entry.restartTimer = setTimeout(() => {
        if (!entry.stopped) start(entry);
      }, delay);
      entry.restartTimer.unref();
    });
  };

  const stopEntry = (key: string, entry: Entry): void => {
    entry.stopped = true;
    clearTimeout(entry.idleTimer);
    clearTimeout(entry.restartTimer);
    entry.handle?.stop();
    if (entries.get(key) === entry) entries.delete(key);
    logger.debug('informer stopped', { watch: entry.where });
  };

  const entryFor = (key: string, ref: CollectionRef): Entry => {
    const existing = entries.get(key);
    if (existing) return existing;
    const entry: Entry = { ref, where: describeWatch(ref), objects: new Map(), listeners: new Map(), subscribers: 0, synced: false, progress: '', failures: 0, stopped: false };
    entries.set(key, entry);
    logger.debug('informer started', { watch: entry.where });
    start(entry);
    return entry;
  };

  return {
    subscribe(ref, name, onNotice) {
      if (closed) throw new AbortedError('the shared informers are closed');
      const collection: CollectionRef = { apiVersion: ref.apiVersion, kind: ref.kind, ...(ref.namespace ? { namespace: ref.namespace } : {}) };
      const key = informerKey(collection);
      const entry = entryFor(key, collection);
      clearTimeout(entry.idleTimer);
      entry.idleTimer = undefined;
      const listener: Listener = (notice) => onNotice(notice);
      let set = entry.listeners.get(name);
      if (!set) entry.listeners.set(name, (set = new Set()));
      set.add(listener);
      entry.subscribers++;
      let released = false;
      const view: InformerView = {
        get synced() {
          return entry.synced;
        },
        get progress() {
          return entry.progress;
        },
        get: (n) => entry.objects.get(n),
      };
      return {
        view,
        release() {
          if (released) return;
          released = true;
          set.delete(listener);
          if (set.size === 0 && entry.listeners.get(name) === set) entry.listeners.delete(name);
          entry.subscribers--;
          if (entry.subscribers > 0 || entry.stopped) return;
          entry.idleTimer = setTimeout(() => stopEntry(key, entry), idleGraceMs);
          entry.idleTimer.unref();
        },
      };
    },
    get active() {
      return entries.size;
    },
    close() {
      closed = true;
      for (const [key, entry] of [...entries]) stopEntry(key, entry);
    },
  };
}
