/**
 * How a list field merges, for strategic merge patch and server-side apply: by a key
 * (`containers` by `name`, `ports` by `containerPort`, …), as a set (`finalizers`), or atomically
 * (replaced whole: `args`, `tolerations`, and every list of a custom resource).
 */

export type ListStrategy = { type: 'map'; keys: readonly string[] } | { type: 'set' } | { type: 'atomic' };

export interface MergeContext {
  /** Built-in kind (known merge keys) or custom resource (atomic lists). */
  builtIn: boolean;
  kind: string;
}

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

const BY_NAME = new Set(['containers', 'initContainers', 'ephemeralContainers', 'volumes', 'imagePullSecrets', 'env']);

const ATOMIC: ListStrategy = { type: 'atomic' };

/** `path`: the field names from the object root to the list (no indices). */
export function listStrategy(path: readonly string[], ctx: MergeContext): ListStrategy {
  const last = path[path.length - 1] ?? '';
  if (path.length === 2 && path[0] === 'metadata') {
    if (last === 'finalizers') return { type: 'set' };
    if (last === 'ownerReferences') return { type: 'map', keys: ['uid'] };
    return ATOMIC;
  }
  if (!ctx.builtIn) return ATOMIC;
  if (BY_NAME.has(last)) return { type: 'map', keys: ['name'] };
  if (last === 'ports') {
    if (CONTAINER_LISTS.has(path[path.length - 2] ?? '')) return { type: 'map', keys: ['containerPort'] };
    if (ctx.kind === 'Service' && path.length === 2 && path[0] === 'spec') return { type: 'map', keys: ['port'] };
    return ATOMIC;
  }
  if (last === 'volumeMounts') return { type: 'map', keys: ['mountPath'] };
  if (last === 'volumeDevices') return { type: 'map', keys: ['devicePath'] };
  if (last === 'conditions') return { type: 'map', keys: ['type'] };
  return ATOMIC;
}

/** Whether two list items have the same merge key values. */
export function sameKey(a: Record<string, unknown>, b: Record<string, unknown>, keys: readonly string[]): boolean {
  return keys.every((k) => a[k] === b[k]);
}
