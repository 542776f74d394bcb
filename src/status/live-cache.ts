/**
 * The live objects every application status is computed from, kept current by watches
 * (docs/semantics.md §17.1), as Argo CD's cluster cache: one watch per kind the cluster serves,
 * filtered by the tracking label; Pods, ReplicaSets and Jobs unfiltered, because a Deployment's
 * ReplicaSets and Pods (and a Job's Pods) do not carry the label and the resource tree follows
 * owner references. A kind whose watch cannot start (e.g. 403) is retried with backoff, and is
 * reported meanwhile. Given namespaces, namespaced kinds are watched in each of them instead.
 */
import { HIGH_CHURN_KINDS } from '../cluster/index.js';
import type { ApiResourceInfo, ClusterClient, WatchEvent, WatchHandle } from '../cluster/index.js';
import type { KubeObject } from '../manifests/index.js';
import { TrackingKeys, isOwnedBy, trackedApp } from '../sync/index.js';
import { backoffDelay, errorMessage, silentLogger } from '../util/index.js';
import type { Logger } from '../util/index.js';
import type { ScopeOf } from './desired.js';

/** Kinds watched without the label selector: what applications' workloads own. */
export const CHILD_KINDS: ReadonlySet<string> = new Set(['/Pod', 'apps/ReplicaSet', 'batch/Job']);

export interface LiveCacheOptions {
  cluster: Pick<ClusterClient, 'watch' | 'listableResources' | 'invalidateDiscovery'>;
  /** Called (synchronously, from watch events) with the applications whose objects or their descendants changed. */
  onChange: (apps: ReadonlySet<string>) => void;
  /** Re-list each kind this often as a backstop for missed events. @defaultValue 300_000 */
  resyncMs?: number;
  /** A watch that failed to start is retried after this, doubling up to {@link LiveCacheOptions.retryMaxMs}. @defaultValue 10_000 */
  retryInitialMs?: number;
  /** @defaultValue 300_000 */
  retryMaxMs?: number;
  /**
   * Watch namespaced kinds in these namespaces only, one watch each, for an identity whose Roles
   * allow no cluster-wide watch (the chart's `rbac.namespaced`); cluster-scoped kinds are still
   * tried cluster-wide. @defaultValue all namespaces, one watch per kind
   */
  namespaces?: readonly string[];
  /** {@link LiveCache.start} waits this long at most for the first lists (a kind still listing is kept being watched). @defaultValue 30_000 */
  startTimeoutMs?: number;
  /** @defaultValue silent */
  logger?: Logger;
}

export interface LiveCache {
  /** Discover the kinds and start their watches; resolves when each has listed once or failed. */
  start(): Promise<void>;
  /** Re-read discovery and watch kinds served since (a CRD created after start). */
  refreshKinds(): Promise<void>;
  /** The app's live objects: its tracking label, and a tracking annotation naming the object (or none). */
  objectsOf(app: string): KubeObject[];
  /** Objects whose owner references name `uid`. */
  childrenOf(uid: string): KubeObject[];
  /** Whether a kind is namespaced, from the last discovery. */
  scopeOf: ScopeOf;
  /** Kinds not watched right now, and why. */
  unwatched(): { kind: string; error: string }[];
  close(): void;
}

const kindKey = (info: Pick<ApiResourceInfo, 'group' | 'kind'>): string => `${info.group}/${info.kind}`;
const apiVersionOf = (info: ApiResourceInfo): string => (info.group ? `${info.group}/${info.version}` : info.version);

export function createLiveCache(options: LiveCacheOptions): LiveCache {
  const { cluster, onChange, resyncMs = 300_000, retryInitialMs = 10_000, retryMaxMs = 300_000, startTimeoutMs = 30_000, logger = silentLogger } = options;
  const objects = new Map<string, KubeObject>();
  const byApp = new Map<string, Set<string>>();
  const byOwner = new Map<string, Set<string>>();
  const watches = new Map<string, WatchHandle>();
  const failed = new Map<string, { error: string; attempt: number; timer?: NodeJS.Timeout }>();
  const scopes = new Map<string, boolean>();
  let closed = false;

  const uidOf = (obj: KubeObject): string => obj.metadata.uid ?? `${obj.apiVersion}/${obj.kind}/${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
  const addTo = (index: Map<string, Set<string>>, key: string, uid: string): void => {
    const set = index.get(key) ?? new Set<string>();
    set.add(uid);
    index.set(key, set);
  };
  const removeFrom = (index: Map<string, Set<string>>, key: string, uid: string): void => {
    const set = index.get(key);
    set?.delete(uid);
    if (set?.size === 0) index.delete(key);
  };

  /** The application an object belongs to: its own label, else its owners' (up to 4 levels). */
  function appOf(obj: KubeObject | undefined, depth = 0): string | undefined {
    if (!obj || depth > 4) return undefined;
    const app = trackedApp(obj);
    if (app) return app;
    for (const ref of obj.metadata.ownerReferences ?? []) {
      const owner = appOf(objects.get(ref.uid), depth + 1);
      if (owner) return owner;
    }
    return undefined;
  }

  function unindex(uid: string): string | undefined {
    const old = objects.get(uid);
    if (!old) return undefined;
    const app = appOf(old);
    objects.delete(uid);
    const label = trackedApp(old);
    if (label) removeFrom(byApp, label, uid);
    for (const ref of old.metadata.ownerReferences ?? []) removeFrom(byOwner, ref.uid, uid);
    return app;
  }

  function onEvent(event: WatchEvent): void {
    const uid = uidOf(event.object);
    const apps = new Set<string>();
    const before = unindex(uid);
    if (before) apps.add(before);
    if (event.type !== 'DELETED') {
      objects.set(uid, event.object);
      const label = trackedApp(event.object);
      if (label) addTo(byApp, label, uid);
      for (const ref of event.object.metadata.ownerReferences ?? []) addTo(byOwner, ref.uid, uid);
      const after = appOf(event.object);
      if (after) apps.add(after);
    }
    if (apps.size > 0) onChange(apps);
  }

  /** The watches of a kind: one across all namespaces, or one per given namespace for a namespaced kind. */
  function watchKeys(info: ApiResourceInfo): { key: string; namespace?: string }[] {
    const kind = kindKey(info);
    if (!options.namespaces || !info.namespaced) return [{ key: kind }];
    return options.namespaces.map((namespace) => ({ key: `${kind}@${namespace}`, namespace }));
  }

  function watchKind(info: ApiResourceInfo): void {
    for (const w of watchKeys(info)) watchOne(info, w.key, w.namespace);
  }

  function watchOne(info: ApiResourceInfo, key: string, namespace: string | undefined): void {
    if (closed || watches.has(key)) return;
    const selector = CHILD_KINDS.has(kindKey(info)) ? {} : { labelSelector: TrackingKeys.app };
    const handle = cluster.watch({ apiVersion: apiVersionOf(info), kind: info.kind, ...(namespace ? { namespace } : {}) }, { ...selector, resyncMs }, onEvent);
    watches.set(key, handle);
    handle.ready.then(
      () => failed.delete(key),
      (err: unknown) => {
        watches.delete(key);
        if (closed) return;
        const attempt = (failed.get(key)?.attempt ?? 0) + 1;
        const delay = backoffDelay(attempt - 1, { initialMs: retryInitialMs, maxMs: retryMaxMs });
        const error = errorMessage(err);
        logger.warn('status: a kind cannot be watched; its objects are left out of application status until it can', { kind: key, error, retryInMs: delay });
        const timer = setTimeout(() => watchOne(info, key, namespace), delay);
        timer.unref();
        failed.set(key, { error, attempt, timer });
      },
    );
  }

  async function discover(): Promise<ApiResourceInfo[]> {
    const { resources } = await cluster.listableResources();
    for (const info of resources) scopes.set(kindKey(info), info.namespaced);
    return resources.filter((r) => r.watchable !== false && !HIGH_CHURN_KINDS.has(kindKey(r)));
  }

  async function startKinds(kinds: ApiResourceInfo[]): Promise<void> {
    for (const info of kinds) watchKind(info);
    const listed = Promise.allSettled(kinds.flatMap((k) => watchKeys(k).map((w) => watches.get(w.key)?.ready)));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), startTimeoutMs)));
    const outcome = await Promise.race([listed, late]);
    clearTimeout(timer);
    if (outcome === 'late') logger.warn('status: some kinds had not listed yet when start-up stopped waiting; their objects appear as they arrive', { waitedMs: startTimeoutMs });
  }

  return {
    async start() {
      await startKinds(await discover());
    },
    async refreshKinds() {
      cluster.invalidateDiscovery();
      const kinds = await discover();
      await startKinds(kinds.filter((k) => watchKeys(k).every((w) => !watches.has(w.key) && !failed.has(w.key))));
    },
    objectsOf(app) {
      return [...(byApp.get(app) ?? [])].flatMap((uid) => {
        const obj = objects.get(uid);
        return obj && isOwnedBy(obj, app) ? [obj] : [];
      });
    },
    childrenOf(uid) {
      return [...(byOwner.get(uid) ?? [])].flatMap((id) => objects.get(id) ?? []);
    },
    scopeOf(apiVersion, kind) {
      const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
      const namespaced = scopes.get(`${group}/${kind}`);
      return namespaced === undefined ? undefined : namespaced ? 'namespaced' : 'cluster';
    },
    unwatched() {
      // `group/Kind` (`@namespace` dropped): a resource of a kind unwatched in any namespace is not known for sure.
      return [...failed.entries()].map(([key, f]) => ({ kind: key.replace(/@.*$/, ''), error: `${f.error}${key.includes('@') ? ` (namespace ${key.slice(key.indexOf('@') + 1)})` : ''}` }));
    },
    close() {
      closed = true;
      for (const w of watches.values()) w.stop();
      for (const f of failed.values()) if (f.timer) clearTimeout(f.timer);
      watches.clear();
    },
  };
}
