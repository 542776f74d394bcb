/**
 * Deployments, ReplicaSets, StatefulSets and DaemonSets without Pods: `readyDelayMs` after each
 * new generation the status catches up with the spec (observedGeneration, replica counts,
 * conditions, revisions), so health checks see Progressing in between and then Healthy.
 * Paused Deployments stay as they are. Also: LoadBalancer Services and Ingresses get an address,
 * PersistentVolumeClaims become Bound, after the same delay.
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from '../../manifests/index.js';
import { asArray, asNumber, asString, clone, getPath, isRecord } from '../json.js';
import type { JsonObject } from '../json.js';
import { nowRfc3339 } from '../api/metadata.js';
import type { ObjectApi } from '../api/object-api.js';
import type { StoreEvent } from '../api/object-store.js';
import type { ResourceType } from '../api/resource-types.js';
import { objectKey, Timers } from './work-queue.js';

export interface WorkloadControllerOptions {
  api: ObjectApi;
  /** Resource types by storage key, e.g. `apps/deployments`. */
  types: ReadonlyMap<string, ResourceType>;
  readyDelayMs: number;
  onError: (err: unknown, context: string) => void;
  /** Called when a workload's status caught up with its spec (for the audit log). */
  onSettled?: (event: { key: string; namespace: string; name: string; generation: number }) => void;
}

const KEYS = new Set(['apps/deployments', 'apps/replicasets', 'apps/statefulsets', 'apps/daemonsets', '/services', '/persistentvolumeclaims', 'networking.k8s.io/ingresses']);

function templateHash(obj: KubeObject): string {
  return createHash('sha256').update(JSON.stringify(getPath(obj, ['spec', 'template']) ?? {})).digest('hex').slice(0, 10);
}

function condition(type: string, reason: string, message: string, previous: unknown): JsonObject {
  const now = nowRfc3339();
  const prev = (asArray(previous) ?? []).find((c) => isRecord(c) && c.type === type && c.status === 'True' && c.reason === reason);
  const since = isRecord(prev) && typeof prev.lastTransitionTime === 'string' ? prev.lastTransitionTime : now;
  return { type, status: 'True', lastUpdateTime: now, lastTransitionTime: since, reason, message };
}

/** The status a workload reaches once "rolled out". */
function readyStatus(key: string, obj: KubeObject): JsonObject | undefined {
  const replicas = asNumber(getPath(obj, ['spec', 'replicas'])) ?? 1;
  const generation = obj.metadata.generation ?? 1;
  const name = obj.metadata.name ?? '';
  const prev = isRecord(obj.status) ? obj.status : {};
  const counts = replicas > 0 ? { replicas, readyReplicas: replicas, availableReplicas: replicas } : {};
  switch (key) {
    case 'apps/deployments':
      return {
        observedGeneration: generation,
        ...counts,
        ...(replicas > 0 ? { updatedReplicas: replicas } : {}),
        conditions: [
          condition('Available', 'MinimumReplicasAvailable', 'Deployment has minimum availability.', prev.conditions),
          condition('Progressing', 'NewReplicaSetAvailable', `ReplicaSet "${name}-${templateHash(obj)}" has successfully progressed.`, prev.conditions),
        ],
      };
    case 'apps/replicasets':
      return { observedGeneration: generation, replicas, ...(replicas > 0 ? { fullyLabeledReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas } : {}) };
    case 'apps/statefulsets': {
      const revision = `${name}-${templateHash(obj)}`;
      return {
        observedGeneration: generation,
        replicas,
        ...(replicas > 0 ? { readyReplicas: replicas, currentReplicas: replicas, updatedReplicas: replicas, availableReplicas: replicas } : { availableReplicas: 0 }),
        currentRevision: revision,
        updateRevision: revision,
        collisionCount: 0,
      };
    }
    case 'apps/daemonsets':
      return { observedGeneration: generation, currentNumberScheduled: 1, desiredNumberScheduled: 1, numberAvailable: 1, numberMisscheduled: 0, numberReady: 1, updatedNumberScheduled: 1 };
    default:
      return undefined;
  }
}

export class WorkloadController {
  private readonly timers = new Timers();
  /** The generation each pending timer settles. */
  private readonly pending = new Map<string, number>();
  private nextLbIp = 1;

  constructor(private readonly options: WorkloadControllerOptions) {}

  onEvent(event: StoreEvent): void {
    if (!KEYS.has(event.key)) return;
    const obj = event.object;
    const timerKey = `${event.key}|${objectKey(obj.metadata.namespace, obj.metadata.name ?? '')}`;
    if (event.type === 'DELETED' || obj.metadata.deletionTimestamp || !this.needsWork(event.key, obj)) {
      this.timers.clear(timerKey);
      this.pending.delete(timerKey);
      return;
    }
    const generation = obj.metadata.generation ?? 1;
    if (this.timers.has(timerKey) && this.pending.get(timerKey) === generation) return;
    this.pending.set(timerKey, generation);
    this.timers.set(timerKey, this.options.readyDelayMs, () => {
      this.pending.delete(timerKey);
      this.settle(event.key, obj.metadata.namespace ?? '', obj.metadata.name ?? '', obj.metadata.uid ?? '');
    });
  }

  stop(): void {
    this.timers.clearAll();
    this.pending.clear();
  }

  private needsWork(key: string, obj: KubeObject): boolean {
    const status = isRecord(obj.status) ? obj.status : {};
    switch (key) {
      case 'apps/deployments':
        if (getPath(obj, ['spec', 'paused']) === true) return false;
        return status.observedGeneration !== (obj.metadata.generation ?? 1);
      case 'apps/replicasets':
      case 'apps/statefulsets':
      case 'apps/daemonsets':
        return status.observedGeneration !== (obj.metadata.generation ?? 1);
      case '/services':
        return getPath(obj, ['spec', 'type']) === 'LoadBalancer' && (asArray(getPath(status, ['loadBalancer', 'ingress'])) ?? []).length === 0;
      case 'networking.k8s.io/ingresses':
        return (asArray(getPath(status, ['loadBalancer', 'ingress'])) ?? []).length === 0;
      case '/persistentvolumeclaims':
        return status.phase !== 'Bound';
      default:
        return false;
    }
  }

  private settle(key: string, namespace: string, name: string, uid: string): void {
    const type = this.options.types.get(key);
    if (!type) return;
    let settled: number | undefined;
    try {
      this.options.api.mutate(type, namespace, name, (draft) => {
        if (draft.metadata.uid !== uid || draft.metadata.deletionTimestamp || !this.needsWork(key, draft)) return;
        if (key === '/services' || key === 'networking.k8s.io/ingresses') {
          const ip = key === '/services' ? `172.18.255.${(this.nextLbIp++ % 254) + 1}` : '127.0.0.1';
          draft.status = { ...(isRecord(draft.status) ? draft.status : {}), loadBalancer: { ingress: [{ ip, ipMode: 'VIP' }] } };
          return;
        }
        if (key === '/persistentvolumeclaims') {
          const spec: JsonObject = isRecord(draft.spec) ? draft.spec : {};
          if (!spec.volumeName) spec.volumeName = `pvc-${uid}`;
          draft.spec = spec;
          const storage = asString(getPath(spec, ['resources', 'requests', 'storage']));
          draft.status = { phase: 'Bound', accessModes: clone(spec.accessModes ?? ['ReadWriteOnce']), ...(storage ? { capacity: { storage } } : {}) };
          return;
        }
        const status = readyStatus(key, draft);
        if (status) draft.status = status;
        settled = draft.metadata.generation ?? 1;
      });
      if (settled !== undefined) this.options.onSettled?.({ key, namespace, name, generation: settled });
    } catch (err) {
      this.options.onError(err, `status of ${key} ${namespace}/${name}`);
    }
  }
}
