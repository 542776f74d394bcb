/**
 * Shared informers: one list+watch per kind cluster-wide (as Argo CD's cluster cache keeps one
 * watch per kind), shared by every wait of a client (issue 13). Where RBAC refuses to list a kind
 * across namespaces (403), that kind falls back to one list+watch per namespace, and the waits
 * already subscribed move over. Each informer keeps the last state of every object of its
 * collection by namespace and name, tells the subscribers of an object about its events, and tells
 * every subscriber when a complete list was reconciled (the initial list, a relist after 410 Gone,
 * the rare periodic resync) and when the list+watch could not start.
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
import { KubeApiError } from './errors.js';
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
  /** The cached state of the subscribed object. */
  get(): KubeObject | undefined;
}

export interface InformerSubscription {
  readonly view: InformerView;
  /** Stop hearing; the informer stops `idleGraceMs` after its last subscriber released. */
  release(): void;
}

export interface SharedInformers {
  /**
   * Hear about the object `name` of the collection `ref` (`ref.namespace` set for a namespaced
   * kind, absent for a cluster-scoped one); its informer is started on first use. @throws AbortedError once closed
   */
  subscribe(ref: CollectionRef, name: string, onNotice: (notice: InformerNotice) => void): InformerSubscription;
  /** Informers (list+watch) running now. */
  readonly active: number;
  /** Kinds (`apiVersion|kind`) watched per namespace because RBAC refused them across namespaces. */
  readonly perNamespace: readonly string[];
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
  /**
   * `cluster`: one informer per namespaced kind across all namespaces, falling back to per
   * namespace for a kind whose cluster-wide list is refused (403); `namespace`: always one per
   * kind and namespace (a service account limited to some namespaces). @defaultValue 'cluster'
   */
  scope?: 'cluster' | 'namespace';
  /** @defaultValue silent */
  logger?: Logger;
}

/** One subscription: where it listens now (it moves when its kind falls back to per-namespace informers). */
interface Sub {
  ref: CollectionRef;
  /** `namespace/name` in its informer's cache. */
  id: string;
  listener: (notice: InformerNotice) => void;
  entry: Entry;
}

interface Entry {
  key: string;
  ref: CollectionRef;
  /** Watches every namespace of a namespaced kind. */
  clusterWide: boolean;
  where: string;
  objects: Map<string, KubeObject>;
  listeners: Map<string, Set<Sub>>;
  subscribers: number;
  synced: boolean;
  progress: string;
  failures: number;
  handle?: WatchHandle;
  idleTimer?: NodeJS.Timeout;
  restartTimer?: NodeJS.Timeout;
  stopped: boolean;
}

/** `apiVersion|kind|namespace`: one informer per key (`*` for all namespaces). */
export function informerKey(ref: CollectionRef, clusterWide = false): string {
  return `${ref.apiVersion}|${ref.kind}|${clusterWide ? '*' : (ref.namespace ?? '')}`;
}

/** An object's key in an informer's cache. */
const objectId = (namespace: string | undefined, name: string): string => `${namespace ?? ''}/${name}`;

/** The API server refused the list or watch (RBAC). */
function isForbidden(err: unknown): boolean {
  return err instanceof KubeApiError && err.code === 403;
}

export function createSharedInformers(options: SharedInformersOptions): SharedInformers {
  const { idleGraceMs = 30_000, resyncMs = 300_000, retry = { initialMs: 500, maxMs: 30_000 }, scope = 'cluster', logger = silentLogger } = options;
  const entries = new Map<string, Entry>();
  /** `apiVersion|kind` refused across namespaces: watched per namespace from then on. */
  const perNamespace = new Set<string>();
  let closed = false;

  const tell = (subs: Iterable<Sub>, notice: InformerNotice, where: string): void => {
    for (const sub of [...subs]) {
      try {
        sub.listener(notice);
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
      const id = objectId(event.object.metadata.namespace, event.object.metadata.name ?? '');
      if (event.type === 'DELETED') entry.objects.delete(id);
      else entry.objects.set(id, event.object);
      const set = entry.listeners.get(id);
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
      if (entry.clusterWide && isForbidden(err)) return fallBack(entry, err);
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

  const stopEntry = (entry: Entry): void => {
    entry.stopped = true;
    clearTimeout(entry.idleTimer);
    clearTimeout(entry.restartTimer);
    entry.handle?.stop();
    if (entries.get(entry.key) === entry) entries.delete(entry.key);
    logger.debug('informer stopped', { watch: entry.where });
  };

  const entryFor = (ref: CollectionRef, clusterWide: boolean): Entry => {
    const key = informerKey(ref, clusterWide);
    const existing = entries.get(key);
    if (existing) return existing;
    const collection: CollectionRef = { apiVersion: ref.apiVersion, kind: ref.kind, ...(ref.namespace && !clusterWide ? { namespace: ref.namespace } : {}) };
    const entry: Entry = { key, ref: collection, clusterWide, where: clusterWide ? `${describeWatch(collection)} in all namespaces` : describeWatch(collection), objects: new Map(), listeners: new Map(), subscribers: 0, synced: false, progress: '', failures: 0, stopped: false };
    entries.set(key, entry);
    logger.debug('informer started', { watch: entry.where });
    start(entry);
    return entry;
  };

  /** Which informer serves a subscription to `ref`: across namespaces unless the kind is refused so, or per namespace is asked for. */
  const informerOf = (ref: CollectionRef): Entry => {
    const clusterWide = scope === 'cluster' && ref.namespace !== undefined && !perNamespace.has(`${ref.apiVersion}|${ref.kind}`);
    return entryFor(ref, clusterWide);
  };

  /** Listen on `sub.entry`. */
  const attach = (sub: Sub): void => {
    const { entry } = sub;
    clearTimeout(entry.idleTimer);
    entry.idleTimer = undefined;
    let set = entry.listeners.get(sub.id);
    if (!set) entry.listeners.set(sub.id, (set = new Set()));
    set.add(sub);
    entry.subscribers++;
  };

  const detach = (sub: Sub): void => {
    const { entry } = sub;
    const set = entry.listeners.get(sub.id);
    if (!set?.delete(sub)) return;
    if (set.size === 0) entry.listeners.delete(sub.id);
    entry.subscribers--;
    if (entry.subscribers > 0 || entry.stopped) return;
    entry.idleTimer = setTimeout(() => stopEntry(entry), idleGraceMs);
    entry.idleTimer.unref();
  };

  /** RBAC refused the kind across namespaces: watch it per namespace, moving every subscription over. */
  const fallBack = (entry: Entry, err: unknown): void => {
    perNamespace.add(`${entry.ref.apiVersion}|${entry.ref.kind}`);
    logger.info('listing across namespaces refused (403): watching this kind per namespace', { watch: entry.where, error: errorMessage(err) });
    stopEntry(entry);
    for (const set of [...entry.listeners.values()]) {
      for (const sub of [...set]) {
        set.delete(sub);
        sub.entry = informerOf(sub.ref);
        attach(sub);
      }
    }
    entry.listeners.clear();
    entry.subscribers = 0;
  };

  return {
    subscribe(ref, name, onNotice) {
      if (closed) throw new AbortedError('the shared informers are closed');
      const collection: CollectionRef = { apiVersion: ref.apiVersion, kind: ref.kind, ...(ref.namespace ? { namespace: ref.namespace } : {}) };
      const sub: Sub = { ref: collection, id: objectId(ref.namespace, name), listener: (notice) => onNotice(notice), entry: informerOf(collection) };
      attach(sub);
      let released = false;
      const view: InformerView = {
        get synced() {
          return sub.entry.synced;
        },
        get progress() {
          return sub.entry.progress;
        },
        get: () => sub.entry.objects.get(sub.id),
      };
      return {
        view,
        release() {
          if (released) return;
          released = true;
          detach(sub);
        },
      };
    },
    get active() {
      return entries.size;
    },
    get perNamespace() {
      return [...perNamespace];
    },
    close() {
      closed = true;
      for (const entry of [...entries.values()]) stopEntry(entry);
    },
  };
}
