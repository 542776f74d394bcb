/**
 * Desired against live for a whole application (docs/semantics.md §17.1), as Argo CD's
 * `CompareAppState`: each declared resource is Synced when its live object matches the manifest
 * (src/diff's comparison, the application's `ignoreDifferences`), OutOfSync when it differs or is
 * missing; each live object of the app the source no longer declares is OutOfSync and
 * `requiresPruning`. Hooks never count. The application is Synced when every resource is, Unknown
 * when the source could not be read or a resource's kind cannot be watched (and nothing is known to
 * be OutOfSync). Pure.
 */
import { healthCheckFor, resourceHealth, worstHealth } from '../cluster/index.js';
import type { HealthStatus } from '../cluster/index.js';
import { compareObjects } from '../diff/index.js';
import type { IgnoreDifference } from '../diff/index.js';
import { isHook, splitApiVersion } from '../manifests/index.js';
import type { KubeObject } from '../manifests/index.js';
import { TrackingKeys } from '../sync/index.js';
import type { ResourceStatus, SyncStatusCode } from './types.js';

/** Argo CD's per-object compare options: an extraneous object with `IgnoreExtraneous` does not make the app OutOfSync. */
export const COMPARE_OPTIONS_ANNOTATION = 'argocd.argoproj.io/compare-options';

/** What the source declares at the target revision, as a sync would apply it. */
export interface DesiredState {
  /** The commit the manifests were read at. */
  revision: string;
  /** Plain resources (no hooks), decorated with the tracking keys, namespaces final. */
  objects: KubeObject[];
  /** Identities ({@link identityOf}) of objects marked Skip or ignored: never shown as requiring pruning (§2.4). */
  skipped: ReadonlySet<string>;
}

export interface AppComparison {
  status: SyncStatusCode;
  health: HealthStatus;
  resources: ResourceStatus[];
}

/** `group/kind/namespace/name`, the namespace empty for cluster-scoped objects. */
export function identityOf(obj: KubeObject): string {
  return `${splitApiVersion(obj.apiVersion).group}/${obj.kind}/${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
}

/** A live hook (by its annotations or the label hookrunner puts on hooks): shown in the tree, never compared. */
export function isLiveHook(obj: KubeObject): boolean {
  return obj.metadata.labels?.[TrackingKeys.hook] === 'true' || isHook(obj.metadata.annotations ?? {});
}

function ignoresExtraneous(obj: KubeObject): boolean {
  return (obj.metadata.annotations?.[COMPARE_OPTIONS_ANNOTATION] ?? '').split(',').some((o) => o.trim() === 'IgnoreExtraneous');
}

function resourceOf(obj: KubeObject, status: SyncStatusCode): ResourceStatus {
  const { group, version } = splitApiVersion(obj.apiVersion);
  return { group, version, kind: obj.kind, namespace: obj.metadata.namespace ?? '', name: obj.metadata.name ?? '', status };
}

/**
 * Argo CD's `setApplicationHealth`: the worst health of the app's resources; a missing object
 * counts only when its kind has a health check, an existing one only when it has a health.
 */
export function applicationHealth(resources: readonly ResourceStatus[]): HealthStatus {
  const codes = resources.flatMap((r) => {
    if (!r.health) return [];
    if (r.health.status === 'Missing' && !healthCheckFor(r.group ? `${r.group}/${r.version}` : r.version, r.kind)) return [];
    return [r.health.status];
  });
  const status = worstHealth(codes);
  const worst = resources.find((r) => r.health?.status === status && status !== 'Healthy');
  return worst ? { status, message: `${worst.kind} ${worst.namespace ? `${worst.namespace}/` : ''}${worst.name}: ${worst.health?.message ?? status}` } : { status };
}

/**
 * Compare the application's live objects (tracking label and annotation agree; hooks included)
 * with what the source declares. `desired` undefined: the source could not be read — every live
 * object is Unknown, and so is the application.
 */
export function compareApplication(input: {
  desired: DesiredState | undefined;
  live: readonly KubeObject[];
  ignore?: readonly IgnoreDifference[];
  /** Kinds (`group/Kind`) whose live objects cannot be seen (their watch is forbidden or failing): their resources are Unknown, not Missing. @defaultValue none */
  unseenKinds?: ReadonlySet<string>;
}): AppComparison {
  const { desired, ignore = [], unseenKinds = new Set<string>() } = input;
  let unknown = false;
  const live = new Map(input.live.filter((o) => !isLiveHook(o)).map((o) => [identityOf(o), o]));
  const resources: ResourceStatus[] = [];
  let outOfSync = false;
  for (const target of desired?.objects ?? []) {
    const id = identityOf(target);
    const obj = live.get(id);
    live.delete(id);
    if (!obj && unseenKinds.has(`${splitApiVersion(target.apiVersion).group}/${target.kind}`)) {
      unknown = true;
      resources.push(resourceOf(target, 'Unknown'));
      continue;
    }
    if (!obj) {
      outOfSync = true;
      resources.push({ ...resourceOf(target, 'OutOfSync'), health: { status: 'Missing' } });
      continue;
    }
    const { modified } = compareObjects(target, obj, { ignore });
    if (modified) outOfSync = true;
    const health = resourceHealth(obj);
    resources.push({ ...resourceOf(obj, modified ? 'OutOfSync' : 'Synced'), ...(health ? { health } : {}) });
  }
  for (const [id, obj] of live) {
    if (desired?.skipped.has(id)) continue;
    const health = resourceHealth(obj);
    if (!desired) {
      resources.push({ ...resourceOf(obj, 'Unknown'), ...(health ? { health } : {}) });
      continue;
    }
    if (!ignoresExtraneous(obj)) outOfSync = true;
    resources.push({ ...resourceOf(obj, 'OutOfSync'), ...(health ? { health } : {}), requiresPruning: true });
  }
  resources.sort(byIdentity);
  const status: SyncStatusCode = !desired ? 'Unknown' : outOfSync ? 'OutOfSync' : unknown ? 'Unknown' : 'Synced';
  return { status, health: desired || resources.length > 0 ? applicationHealth(resources) : { status: 'Unknown' }, resources };
}

function byIdentity(a: ResourceStatus, b: ResourceStatus): number {
  const ka = `${a.group}/${a.kind}/${a.namespace}/${a.name}`;
  const kb = `${b.group}/${b.kind}/${b.namespace}/${b.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
