/**
 * An application's live objects, found the way Argo CD finds them (docs/semantics.md §9.11): every
 * kind the cluster serves is listed with the tracking label (one scan for every app, shared by the
 * prepare steps of a worker process), and an object counts when its tracking annotation names
 * the object itself. Prune candidates come from here, so a sync
 * with an empty Redis still prunes what an earlier sync created. The Redis inventory stands in for
 * what the scan cannot see (kinds this identity may not list, objects labelled before §9.11).
 */
import { HIGH_CHURN_KINDS, KubeApiError } from '../cluster/index.js';
import type { ApiResourceInfo, ClusterClient } from '../cluster/index.js';
import { splitApiVersion } from '../manifests/index.js';
import type { KubeObject } from '../manifests/index.js';
import { TrackingKeys, isOwnedBy, isTrackedBy } from '../sync/index.js';

/** @defaultValue 4 list calls at a time */
export const SCAN_CONCURRENCY = 4;

/**
 * A scan serves an operation only when it started this long after the operation did: the
 * operation's start is the orchestrator's clock, the scan's the worker's (NTP keeps hosts' clocks
 * well within this). 50 ms lets the prepare steps of a burst of operations share scans
 * (bench:sync, 200 apps, 1 worker: 22.9 operations/s against 17.3 with 1 s).
 */
export const SCAN_CLOCK_MARGIN_MS = 50;

/** A scan older than this serves nobody (a retried or long-queued prepare step scans again). */
export const SCAN_MAX_AGE_MS = 10_000;

/**
 * Every application's live objects, listed once and shared (docs/semantics.md §9.11): one list per
 * listable kind with the selector `hookrunner.io/app` (any app), so the prepare steps of many
 * operations in one worker process share a scan instead of each listing every kind.
 */
export interface LiveIndex {
  /**
   * `app`'s live objects (tracking label and annotation agree; hooks included), from a scan that
   * started after `notBefore` (plus {@link SCAN_CLOCK_MARGIN_MS}) — the operation's start, so every
   * object applied by an earlier operation of the app (finished before this one started, D6) is seen.
   */
  objectsOf(app: string, options: { namespace: string; notBefore: number }): Promise<KubeObject[]>;
}

export interface LiveIndexOptions {
  /** @defaultValue SCAN_CONCURRENCY */
  concurrency?: number;
  /** @defaultValue Date.now */
  now?: () => number;
  /** @defaultValue SCAN_CLOCK_MARGIN_MS */
  clockMarginMs?: number;
  /** @defaultValue SCAN_MAX_AGE_MS */
  maxAgeMs?: number;
}

interface Scan {
  startedAt: number;
  done: Promise<{ objects: KubeObject[]; forbidden: ApiResourceInfo[] }>;
}

const apiVersionOf = (info: ApiResourceInfo): string => (info.group ? `${info.group}/${info.version}` : info.version);

/** 404 and 405: the kind went away, or cannot be listed after all. */
const gone = (err: unknown): boolean => err instanceof KubeApiError && (err.code === 404 || err.code === 405);

/**
 * One scan: every kind across all namespaces; a kind this identity may not list cluster-wide (403)
 * is returned as `forbidden`, for each caller to list in its own namespace. Any other failure is
 * thrown, for the step to be retried. Group versions whose discovery failed are skipped, as kubectl does.
 */
async function scanAll(cluster: ClusterClient, concurrency: number): Promise<{ objects: KubeObject[]; forbidden: ApiResourceInfo[] }> {
  const { resources } = await cluster.listableResources();
  const kinds = resources.filter((r) => !HIGH_CHURN_KINDS.has(`${r.group}/${r.kind}`));
  const objects: KubeObject[] = [];
  const forbidden: ApiResourceInfo[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < kinds.length) {
      const info = kinds[next++] as ApiResourceInfo;
      try {
        objects.push(...(await cluster.list({ apiVersion: apiVersionOf(info), kind: info.kind }, { labelSelector: TrackingKeys.app })).items);
      } catch (err) {
        if (err instanceof KubeApiError && err.code === 403) forbidden.push(info);
        else if (!gone(err)) throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, kinds.length)) }, lane));
  return { objects, forbidden };
}

export function createLiveIndex(cluster: ClusterClient, options: LiveIndexOptions = {}): LiveIndex {
  const { concurrency = SCAN_CONCURRENCY, now = Date.now, clockMarginMs = SCAN_CLOCK_MARGIN_MS, maxAgeMs = SCAN_MAX_AGE_MS } = options;
  let latest: Scan | undefined;

  function scanAfter(notBefore: number): Scan {
    if (latest && latest.startedAt > notBefore + clockMarginMs && now() - latest.startedAt <= maxAgeMs) return latest;
    const scan: Scan = { startedAt: now(), done: scanAll(cluster, concurrency) };
    latest = scan;
    // A failed scan is not shared with later callers.
    scan.done.catch(() => {
      if (latest === scan) latest = undefined;
    });
    return scan;
  }

  return {
    async objectsOf(app, { namespace, notBefore }) {
      const { objects, forbidden } = await scanAfter(notBefore).done;
      const own = objects.filter((o) => isTrackedBy(o, app));
      // A kind forbidden cluster-wide: this app's destination namespace, listed for this caller only.
      for (const info of namespace ? forbidden.filter((f) => f.namespaced) : []) {
        try {
          own.push(...(await cluster.list({ apiVersion: apiVersionOf(info), kind: info.kind, namespace }, { labelSelector: `${TrackingKeys.app}=${app}` })).items.filter((o) => isTrackedBy(o, app)));
        } catch (err) {
          if (!(err instanceof KubeApiError && err.code === 403) && !gone(err)) throw err;
        }
      }
      return own;
    },
  };
}

/** What the prepare step knows when it looks for prune candidates. */
export interface CandidateInput {
  app: string;
  namespace: string;
  /** The identities ({@link identityKey}) of every object the source declares. */
  targets: ReadonlySet<string>;
  /** The operation's start (epoch ms): the live scan used started after it. */
  notBefore: number;
  /** The Redis inventory: objects the app applied before; those the scan did not see are read one by one. */
  inventory: readonly { apiVersion: string; kind: string; namespace: string; name: string }[];
}

/** `group/kind/namespace/name`, the namespace empty for cluster-scoped objects. */
export function identityKey(group: string, kind: string, namespace: string, name: string): string {
  return `${group}/${kind}/${namespace}/${name}`;
}

function liveKey(obj: KubeObject): string {
  const { group } = splitApiVersion(obj.apiVersion);
  return identityKey(group, obj.kind, obj.metadata.namespace ?? '', obj.metadata.name ?? '');
}

/**
 * Prune candidates (§3 step 1, §9.11): the application's live objects the source no longer
 * declares and that are not already being deleted — from the live scan, plus the inventory's
 * objects the scan did not see (kinds it may not list, and objects an earlier release labelled
 * without a tracking annotation), read one by one and kept while they still carry the app's label.
 */
export async function findPruneCandidates(cluster: ClusterClient, index: LiveIndex, input: CandidateInput): Promise<KubeObject[]> {
  const scan = await index.objectsOf(input.app, { namespace: input.namespace, notBefore: input.notBefore });
  const found = new Map<string, KubeObject>();
  for (const obj of scan) found.set(liveKey(obj), obj);
  for (const ref of input.inventory) {
    const { group } = splitApiVersion(ref.apiVersion);
    const key = identityKey(group, ref.kind, ref.namespace, ref.name);
    if (found.has(key) || input.targets.has(key)) continue;
    const live = await cluster.get({ apiVersion: ref.apiVersion, kind: ref.kind, ...(ref.namespace ? { namespace: ref.namespace } : {}), name: ref.name });
    if (live && isOwnedBy(live, input.app)) found.set(key, live);
  }
  return [...found.entries()].filter(([key, obj]) => !input.targets.has(key) && !obj.metadata.deletionTimestamp).map(([, obj]) => obj);
}
