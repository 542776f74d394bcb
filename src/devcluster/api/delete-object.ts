/**
 * DELETE as the API server does it: preconditions, the propagation policy (Orphan at once,
 * Foreground through the `foregroundDeletion` finalizer, Background after removal by the garbage
 * collector), finalizers and `deletionTimestamp`, and graceful deletion of Pods with processes.
 */
import type { PropagationPolicy } from '../../cluster/types.js';
import type { KubeObject } from '../../manifests/index.js';
import { conflict, forbidden, notFound } from '../errors.js';
import { clone, isRecord } from '../json.js';
import { nowRfc3339, sameContent } from './metadata.js';
import type { ObjectStore } from './object-store.js';
import { groupResource, storageKey } from './resource-types.js';
import type { ResourceType } from './resource-types.js';

/** Where a request points: a resource type and a namespace ('' for cluster-scoped). */
export interface Target {
  type: ResourceType;
  namespace: string;
}

export interface DeleteOptions {
  propagationPolicy?: PropagationPolicy;
  preconditions?: { uid?: string; resourceVersion?: string };
  gracePeriodSeconds?: number;
  dryRun?: boolean;
}

/** `removed`: the object left the store; `pending`: it waits for finalizers or a graceful stop. */
export type DeleteResult = { state: 'removed' | 'pending'; object: KubeObject };

/** What a delete needs of the object API (kept narrow so this module does not import it). */
export interface DeleteHost {
  readonly store: ObjectStore;
  readonly maxGracePeriodSeconds: number;
  peek(t: Target, name: string): KubeObject | undefined;
  present(type: ResourceType, obj: KubeObject): KubeObject;
  removable(type: ResourceType, obj: KubeObject): boolean;
  hasProcesses(pod: KubeObject): boolean;
  orphanDependents(uid: string): void;
}

export const FOREGROUND = 'foregroundDeletion';

/** Namespaces the API server refuses to delete. */
const PERMANENT_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

/** The API's default propagation: batch/v1 Jobs orphan their Pods, as in Kubernetes; the rest Background. */
export function defaultPropagation(type: ResourceType): PropagationPolicy {
  if (type.group === 'batch' && type.kind === 'Job') return 'Orphan';
  if (type.group === '' && type.kind === 'ReplicationController') return 'Orphan';
  return 'Background';
}

function isPod(type: ResourceType): boolean {
  return type.group === '' && type.kind === 'Pod';
}

function checkPreconditions(t: Target, obj: KubeObject, options: DeleteOptions): void {
  const name = obj.metadata.name ?? '';
  const pre = options.preconditions ?? {};
  if (pre.uid !== undefined && pre.uid !== obj.metadata.uid) {
    throw conflict(groupResource(t.type), name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata.uid ?? ''}`);
  }
  if (pre.resourceVersion !== undefined && pre.resourceVersion !== obj.metadata.resourceVersion) {
    throw conflict(groupResource(t.type), name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion ?? ''}`);
  }
}

/** A Pod's grace period for this delete: the request's, else the Pod's, capped. */
function graceSeconds(api: DeleteHost, pod: KubeObject, options: DeleteOptions): number {
  const spec = isRecord(pod.spec) ? pod.spec : {};
  const requested = options.gracePeriodSeconds ?? (typeof spec.terminationGracePeriodSeconds === 'number' ? spec.terminationGracePeriodSeconds : 30);
  return Math.max(0, Math.min(api.maxGracePeriodSeconds, requested));
}

export function deleteObject(api: DeleteHost, t: Target, name: string, options: DeleteOptions): DeleteResult {
  const key = storageKey(t.type);
  const obj = api.peek(t, name);
  if (!obj) throw notFound(groupResource(t.type), name);
  checkPreconditions(t, obj, options);
  if (t.type.group === '' && t.type.kind === 'Namespace' && PERMANENT_NAMESPACES.has(name)) {
    throw forbidden(groupResource(t.type), name, 'this namespace may not be deleted');
  }
  const policy = options.propagationPolicy ?? defaultPropagation(t.type);
  if (options.dryRun) return { state: 'pending', object: api.present(t.type, obj) };
  const next = clone(obj);
  const uid = obj.metadata.uid ?? '';
  const hasDependents = api.store.dependentsOf(uid).length > 0;
  if (policy === 'Orphan') api.orphanDependents(uid);
  if (policy === 'Foreground' && hasDependents && !(next.metadata.finalizers ?? []).includes(FOREGROUND)) {
    next.metadata.finalizers = [...(next.metadata.finalizers ?? []), FOREGROUND];
  }
  if (obj.metadata.deletionTimestamp) {
    // Deleting again: a shorter grace period for a Pod still stopping takes effect (e.g. --grace-period=0).
    const current = obj.metadata.deletionGracePeriodSeconds;
    if (isPod(t.type) && options.gracePeriodSeconds !== undefined && typeof current === 'number' && options.gracePeriodSeconds < current) {
      next.metadata.deletionGracePeriodSeconds = Math.max(0, options.gracePeriodSeconds);
      next.metadata.deletionTimestamp = nowRfc3339(new Date(Date.now() + Math.max(0, options.gracePeriodSeconds) * 1000));
    }
    const stored = sameContent(obj, next) ? obj : api.store.put(key, t.namespace, next).object;
    return { state: 'pending', object: api.present(t.type, stored) };
  }
  if (api.removable(t.type, next)) {
    const removed = api.store.remove(key, t.namespace, name);
    return { state: 'removed', object: api.present(t.type, removed?.object ?? obj) };
  }
  const grace = isPod(t.type) && api.hasProcesses(obj) ? graceSeconds(api, obj, options) : 0;
  next.metadata.deletionTimestamp = nowRfc3339(new Date(Date.now() + grace * 1000));
  next.metadata.deletionGracePeriodSeconds = grace;
  if (t.type.group === '' && t.type.kind === 'Namespace') next.status = { ...(isRecord(next.status) ? next.status : {}), phase: 'Terminating' };
  const stored = api.store.put(key, t.namespace, next).object;
  return { state: 'pending', object: api.present(t.type, stored) };
}
