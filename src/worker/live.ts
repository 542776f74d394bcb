/**
 * An application's live objects, found the way Argo CD finds them (docs/semantics.md §9.11): every
 * kind the cluster serves is listed with the application's tracking label, and an object counts
 * when its tracking annotation names the object itself. Prune candidates come from here, so a sync
 * with an empty Redis still prunes what an earlier sync created. The Redis inventory stands in for
 * what the scan cannot see (kinds this identity may not list, objects labelled before §9.11).
 */
import { KubeApiError } from '../cluster/index.js';
import type { ApiResourceInfo, ClusterClient } from '../cluster/index.js';
import type { KubeObject } from '../manifests/index.js';
import { TrackingKeys, isTrackedBy, trackedApp } from '../sync/index.js';

/**
 * Kinds never listed, as in Argo CD's default `resource.exclusions`: high-churn objects that no
 * sync applies (events, endpoints, leases) and would only cost list calls.
 */
export const SCAN_EXCLUDED: ReadonlySet<string> = new Set([
  '/Event',
  'events.k8s.io/Event',
  '/Endpoints',
  'discovery.k8s.io/EndpointSlice',
  'coordination.k8s.io/Lease',
]);

/** @defaultValue 4 list calls at a time */
export const SCAN_CONCURRENCY = 4;

export interface ScanOptions {
  app: string;
  /** The destination namespace: where a namespaced kind is listed when a cluster-wide list is forbidden. */
  namespace: string;
  /** @defaultValue SCAN_CONCURRENCY */
  concurrency?: number;
}

/**
 * The application's live objects (hooks included; the planner never prunes a hook). A 403 on a
 * cluster-wide list of a namespaced kind falls back to the destination namespace; a kind that
 * cannot be listed at all (403), or no longer (404, 405), is skipped — the inventory covers what
 * the scan cannot see; any other failure is thrown, for the step to be retried. Group versions
 * whose discovery failed (an aggregated API that is down) are skipped as kubectl skips them.
 */
export async function scanLive(cluster: ClusterClient, options: ScanOptions): Promise<KubeObject[]> {
  const { app, namespace, concurrency = SCAN_CONCURRENCY } = options;
  const { resources } = await cluster.listableResources();
  const kinds = resources.filter((r) => !SCAN_EXCLUDED.has(`${r.group}/${r.kind}`));
  const selector = { labelSelector: `${TrackingKeys.app}=${app}` };
  const objects: KubeObject[] = [];

  const scanKind = async (info: ApiResourceInfo): Promise<void> => {
    const apiVersion = info.group ? `${info.group}/${info.version}` : info.version;
    try {
      objects.push(...(await cluster.list({ apiVersion, kind: info.kind }, selector)).items);
      return;
    } catch (err) {
      if (!(err instanceof KubeApiError)) throw err;
      if (err.code === 404 || err.code === 405) return;
      if (err.code !== 403) throw err;
    }
    if (!info.namespaced || !namespace) return;
    try {
      objects.push(...(await cluster.list({ apiVersion, kind: info.kind, namespace }, selector)).items);
    } catch (err) {
      if (!(err instanceof KubeApiError) || ![403, 404, 405].includes(err.code)) throw err;
    }
  };

  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < kinds.length) await scanKind(kinds[next++] as ApiResourceInfo);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, kinds.length)) }, lane));
  return objects.filter((o) => isTrackedBy(o, app));
}

/** What the prepare step knows when it looks for prune candidates. */
export interface CandidateInput {
  app: string;
  namespace: string;
  /** The identities ({@link identityKey}) of every object the source declares. */
  targets: ReadonlySet<string>;
  /** The Redis inventory: objects the app applied before; those the scan did not see are read one by one. */
  inventory: readonly { apiVersion: string; kind: string; namespace: string; name: string }[];
}

/** `group/kind/namespace/name`, the namespace empty for cluster-scoped objects. */
export function identityKey(group: string, kind: string, namespace: string, name: string): string {
  return `${group}/${kind}/${namespace}/${name}`;
}

function liveKey(obj: KubeObject): string {
  const group = obj.apiVersion.includes('/') ? (obj.apiVersion.split('/')[0] as string) : '';
  return identityKey(group, obj.kind, obj.metadata.namespace ?? '', obj.metadata.name ?? '');
}

/**
 * Prune candidates (§3 step 1, §9.11): the application's live objects the source no longer
 * declares and that are not already being deleted — from the live scan, plus the inventory's
 * objects the scan did not see (kinds it may not list, and objects an earlier release labelled
 * without a tracking annotation), read one by one and kept while they still carry the app's label.
 */
export async function findPruneCandidates(cluster: ClusterClient, input: CandidateInput): Promise<KubeObject[]> {
  const scan = await scanLive(cluster, { app: input.app, namespace: input.namespace });
  const found = new Map<string, KubeObject>();
  for (const obj of scan) found.set(liveKey(obj), obj);
  for (const ref of input.inventory) {
    const group = ref.apiVersion.includes('/') ? (ref.apiVersion.split('/')[0] as string) : '';
    const key = identityKey(group, ref.kind, ref.namespace, ref.name);
    if (found.has(key) || input.targets.has(key)) continue;
    const live = await cluster.get({ apiVersion: ref.apiVersion, kind: ref.kind, ...(ref.namespace ? { namespace: ref.namespace } : {}), name: ref.name });
    if (live && inventoried(live, input.app)) found.set(key, live);
  }
  return [...found.entries()].filter(([key, obj]) => !input.targets.has(key) && !obj.metadata.deletionTimestamp).map(([, obj]) => obj);
}

/** An inventory entry still the app's: its label, and a tracking annotation naming it or none at all (written before §9.11). */
function inventoried(obj: KubeObject, app: string): boolean {
  const id = obj.metadata.annotations?.[TrackingKeys.trackingId];
  return trackedApp(obj) === app && (id === undefined || isTrackedBy(obj, app));
}
