/**
 * CustomResourceDefinitions: an accepted CRD gets `NamesAccepted` and `Established` and its
 * served versions become resources (namespaced or cluster-scoped per `spec.scope`); a CRD being
 * deleted has its custom objects deleted, then loses its cleanup finalizer and stops being served.
 */
import type { KubeObject } from '../../manifests/index.js';
import { nowRfc3339 } from '../api/metadata.js';
import type { ObjectApi } from '../api/object-api.js';
import type { StoreEvent } from '../api/object-store.js';
import { CRD_CLEANUP_FINALIZER } from '../api/prepare-create.js';
import { storageKey } from '../api/resource-types.js';
import type { ResourceType } from '../api/resource-types.js';
import { asArray, asString, isRecord } from '../json.js';
import type { JsonObject } from '../json.js';
import { WorkQueue } from './work-queue.js';

export const CRDS = 'apiextensions.k8s.io/customresourcedefinitions';

export interface CrdControllerOptions {
  api: ObjectApi;
  crdType: ResourceType;
  onError: (err: unknown, context: string) => void;
}

/** The resource types a CRD defines (one per served version). */
export function typesOf(crd: KubeObject): ResourceType[] {
  const spec = isRecord(crd.spec) ? crd.spec : {};
  const names = isRecord(spec.names) ? spec.names : {};
  const group = asString(spec.group) ?? '';
  const kind = asString(names.kind) ?? '';
  const plural = asString(names.plural) ?? '';
  return (asArray(spec.versions) ?? []).filter(isRecord).filter((v) => v.served !== false).map((v) => ({
    group,
    version: asString(v.name) ?? '',
    kind,
    plural,
    singular: asString(names.singular) ?? kind.toLowerCase(),
    namespaced: spec.scope !== 'Cluster',
    shortNames: (asArray(names.shortNames) ?? []).map(String),
    categories: (asArray(names.categories) ?? []).map(String),
    statusSubresource: isRecord(v.subresources) && isRecord(v.subresources.status),
    builtIn: false,
  }));
}

function established(crd: KubeObject, previous: unknown): JsonObject {
  const spec = isRecord(crd.spec) ? crd.spec : {};
  const names = isRecord(spec.names) ? { ...spec.names } : {};
  const kind = asString(names.kind) ?? '';
  names.singular ??= kind.toLowerCase();
  names.listKind ??= `${kind}List`;
  const prev = isRecord(previous) ? previous : {};
  const since = (type: string): string => {
    const c = (asArray(prev.conditions) ?? []).find((x) => isRecord(x) && x.type === type && x.status === 'True');
    return isRecord(c) && typeof c.lastTransitionTime === 'string' ? c.lastTransitionTime : nowRfc3339();
  };
  const storage = (asArray(spec.versions) ?? []).find((v) => isRecord(v) && v.storage === true);
  return {
    conditions: [
      { type: 'NamesAccepted', status: 'True', lastTransitionTime: since('NamesAccepted'), reason: 'NoConflicts', message: 'no conflicts found' },
      { type: 'Established', status: 'True', lastTransitionTime: since('Established'), reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' },
    ],
    acceptedNames: names,
    storedVersions: isRecord(storage) && typeof storage.name === 'string' ? [storage.name] : [],
  };
}

export class CrdController {
  private readonly queue: WorkQueue;
  /** CRD name of each custom storage key, for cleanup progress. */
  private readonly owners = new Map<string, string>();

  constructor(private readonly options: CrdControllerOptions) {
    this.queue = new WorkQueue((name) => this.sync(name), (err, name) => options.onError(err, `customresourcedefinition ${name}`));
  }

  onEvent(event: StoreEvent): void {
    if (event.key === CRDS) {
      const name = event.object.metadata.name ?? '';
      if (event.type === 'DELETED') {
        this.options.api.registry.unregisterCustom(name);
        for (const [key, owner] of this.owners) if (owner === name) this.owners.delete(key);
      } else this.queue.add(name);
      return;
    }
    const owner = event.type === 'DELETED' ? this.owners.get(event.key) : undefined;
    if (owner) this.queue.add(owner);
  }

  stop(): void {
    this.queue.stop();
  }

  private sync(name: string): void {
    const { api } = this.options;
    const crd = api.store.peek(CRDS, '', name);
    if (!crd) return;
    const types = typesOf(crd);
    if (!crd.metadata.deletionTimestamp) {
      api.registry.registerCustom(name, types);
      for (const t of types) this.owners.set(storageKey(t), name);
      api.mutate(this.options.crdType, '', name, (draft) => {
        draft.status = established(draft, draft.status);
      });
      return;
    }
    const first = types[0];
    if (first) {
      const key = storageKey(first);
      const remaining = api.store.list(key);
      for (const obj of remaining) {
        if (!obj.metadata.deletionTimestamp) api.delete({ type: first, namespace: obj.metadata.namespace ?? '' }, obj.metadata.name ?? '', { propagationPolicy: 'Background' });
      }
      if (api.store.list(key).length > 0) return;
    }
    api.mutate(this.options.crdType, '', name, (draft) => {
      draft.metadata.finalizers = (draft.metadata.finalizers ?? []).filter((f) => f !== CRD_CLEANUP_FINALIZER);
      if (draft.metadata.finalizers.length === 0) delete draft.metadata.finalizers;
    });
  }
}
