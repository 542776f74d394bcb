/**
 * The application's resource tree (Argo CD's `ResourceTree`, docs/semantics.md §17.3): its own
 * live objects (hooks included), then what they own by owner references — Deployment → ReplicaSet
 * → Pod, StatefulSet/DaemonSet → Pod, CronJob → Job → Pod. Pure.
 */
import { resourceHealth } from '../cluster/index.js';
import { splitApiVersion } from '../manifests/index.js';
import type { KubeObject } from '../manifests/index.js';
import { identityOf, isLiveHook } from './compare.js';
import type { ResourceNode, ResourceStatus } from './types.js';

/** Depth below the application's own objects (CronJob → Job → Pod is 2). */
export const MAX_TREE_DEPTH = 4;
/** Nodes in one tree at most: a Deployment with thousands of pods shows the first ones. */
export const MAX_TREE_NODES = 2_000;

export interface TreeInput {
  /** The application's own live objects. */
  roots: readonly KubeObject[];
  /** Objects owned (ownerReferences) by the object with this uid. */
  childrenOf: (uid: string) => readonly KubeObject[];
  /** The sync status of the app's resources, for the roots' badges. */
  resources: readonly ResourceStatus[];
}

function node(obj: KubeObject, parents: ResourceNode['parentRefs']): ResourceNode {
  const { group, version } = splitApiVersion(obj.apiVersion);
  const health = resourceHealth(obj);
  return {
    group,
    version,
    kind: obj.kind,
    namespace: obj.metadata.namespace ?? '',
    name: obj.metadata.name ?? '',
    uid: obj.metadata.uid ?? '',
    parentRefs: parents,
    ...(health ? { health } : {}),
    ...(obj.metadata.creationTimestamp ? { createdAt: obj.metadata.creationTimestamp } : {}),
  };
}

export function resourceTree(input: TreeInput): ResourceNode[] {
  const statusOf = new Map(input.resources.map((r) => [`${r.group}/${r.kind}/${r.namespace}/${r.name}`, r.status]));
  const nodes: ResourceNode[] = [];
  const seen = new Set<string>();
  let level: { obj: KubeObject; node: ResourceNode }[] = [];
  for (const obj of [...input.roots].sort(byKindName)) {
    const uid = obj.metadata.uid ?? identityOf(obj);
    if (seen.has(uid)) continue;
    seen.add(uid);
    const n = node(obj, []);
    const status = statusOf.get(identityOf(obj));
    if (isLiveHook(obj)) n.hook = true;
    else if (status) n.status = status;
    nodes.push(n);
    level.push({ obj, node: n });
  }
  for (let depth = 1; depth <= MAX_TREE_DEPTH && level.length > 0; depth++) {
    const next: typeof level = [];
    for (const parent of level) {
      if (!parent.obj.metadata.uid) continue;
      for (const child of [...input.childrenOf(parent.obj.metadata.uid)].sort(byKindName)) {
        const uid = child.metadata.uid;
        if (!uid || seen.has(uid)) continue;
        if (nodes.length >= MAX_TREE_NODES) return nodes;
        seen.add(uid);
        const ref = { group: parent.node.group, kind: parent.node.kind, namespace: parent.node.namespace, name: parent.node.name, uid: parent.node.uid };
        const n = node(child, [ref]);
        nodes.push(n);
        next.push({ obj: child, node: n });
      }
    }
    level = next;
  }
  return nodes;
}

function byKindName(a: KubeObject, b: KubeObject): number {
  const ka = `${a.kind}/${a.metadata.namespace ?? ''}/${a.metadata.name ?? ''}`;
  const kb = `${b.kind}/${b.metadata.namespace ?? ''}/${b.metadata.name ?? ''}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
