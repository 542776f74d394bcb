/**
 * What the source declares, as a sync would apply it (docs/semantics.md §17.1): the plan's plain
 * resources (no hooks, no CreateNamespace task) with the tracking keys, in the namespace the sync
 * would use — cluster-scoped kinds without one, as the cluster's discovery says. Pure.
 */
import { classify, splitApiVersion } from '../manifests/index.js';
import type { KubeObject, Manifest } from '../manifests/index.js';
import { plan } from '../plan/index.js';
import { decorateForApply } from '../sync/index.js';
import type { DesiredState } from './compare.js';

/** Whether a kind is namespaced, from discovery; undefined when the cluster does not serve it. */
export type ScopeOf = (apiVersion: string, kind: string) => 'namespaced' | 'cluster' | undefined;

export interface DesiredInput {
  app: string;
  /** The destination namespace. */
  namespace: string;
  revision: string;
  manifests: readonly Manifest[];
  scopeOf: ScopeOf;
  /** The plan's clock (hook names only; hooks are left out here). @defaultValue new Date(0) */
  startedAt?: Date;
}

function withScope(obj: KubeObject, scope: ReturnType<ScopeOf>, namespace: string): KubeObject {
  if (scope === 'cluster' && obj.metadata.namespace !== undefined) {
    const copy = structuredClone(obj);
    delete copy.metadata.namespace;
    return copy;
  }
  if (scope === 'namespaced' && !obj.metadata.namespace) return { ...obj, metadata: { ...obj.metadata, namespace: namespace || 'default' } };
  return obj;
}

/** @throws ManifestError when the manifests cannot be planned (the caller reports it as a comparison error) */
export function desiredState(input: DesiredInput): DesiredState {
  const planned = plan([...input.manifests], { namespace: input.namespace, revision: input.revision, startedAt: input.startedAt ?? new Date(0), skipHooks: true });
  const objects: KubeObject[] = [];
  for (const task of planned.tasks) {
    if (!task.target || task.createNamespace) continue;
    const target = withScope(task.target, input.scopeOf(task.target.apiVersion, task.kind), input.namespace);
    objects.push(decorateForApply(target, { app: input.app }));
  }
  const skipped = new Set<string>();
  for (const { object } of input.manifests) {
    const info = classify(object.metadata.annotations ?? {});
    if (!(info.skip || info.ignored) || !object.metadata.name) continue;
    const scope = input.scopeOf(object.apiVersion, object.kind);
    const ns = scope === 'cluster' ? '' : (object.metadata.namespace ?? input.namespace);
    skipped.add(`${splitApiVersion(object.apiVersion).group}/${object.kind}/${ns}/${object.metadata.name}`);
  }
  return { revision: input.revision, objects, skipped };
}
