/**
 * The garbage collector (`pkg/controller/garbagecollector`): when an owner is gone, dependents
 * whose owners are all gone are deleted (Background) and dangling references to it are removed
 * from the others; an owner deleted in the foreground (`foregroundDeletion` finalizer) has its
 * dependents deleted first and loses the finalizer once no blocking dependent is left.
 */
import type { OwnerReference } from '../../manifests/index.js';
import { FOREGROUND } from '../api/object-api.js';
import type { ObjectApi } from '../api/object-api.js';
import type { StoreEvent } from '../api/object-store.js';
import { WorkQueue } from './work-queue.js';

export interface GarbageCollectorOptions {
  api: ObjectApi;
  onError: (err: unknown, context: string) => void;
}

export class GarbageCollector {
  private readonly queue: WorkQueue;

  constructor(private readonly options: GarbageCollectorOptions) {
    this.queue = new WorkQueue((key) => this.handle(key), (err, key) => options.onError(err, `garbage collection of ${key}`));
  }

  onEvent(event: StoreEvent): void {
    const obj = event.object;
    const uid = obj.metadata.uid ?? '';
    if (event.type === 'DELETED') this.queue.add(`gone:${uid}`);
    else if (obj.metadata.deletionTimestamp && (obj.metadata.finalizers ?? []).includes(FOREGROUND)) this.queue.add(`foreground:${uid}`);
    if (event.type === 'DELETED' || obj.metadata.deletionTimestamp) {
      for (const ref of obj.metadata.ownerReferences ?? []) this.queue.add(`foreground:${ref.uid}`);
    }
  }

  stop(): void {
    this.queue.stop();
  }

  private handle(key: string): void {
    const colon = key.indexOf(':');
    const what = key.slice(0, colon);
    const uid = key.slice(colon + 1);
    if (what === 'gone') this.ownerGone(uid);
    else this.foreground(uid);
  }

  private ownerGone(uid: string): void {
    const { api } = this.options;
    if (api.store.byUidRef(uid)) return;
    for (const dep of api.store.dependentsOf(uid)) {
      const type = api.typeOfKey(dep.key);
      if (!type) continue;
      const ns = dep.object.metadata.namespace ?? '';
      const name = dep.object.metadata.name ?? '';
      const refs = dep.object.metadata.ownerReferences ?? [];
      const alive = refs.filter((r: OwnerReference) => r.uid !== uid && api.store.byUidRef(r.uid));
      if (alive.length > 0) {
        api.mutate(type, ns, name, (draft) => {
          draft.metadata.ownerReferences = (draft.metadata.ownerReferences ?? []).filter((r: OwnerReference) => api.store.byUidRef(r.uid));
        });
      } else if (!dep.object.metadata.deletionTimestamp) {
        api.delete({ type, namespace: ns }, name, { propagationPolicy: 'Background' });
      }
    }
  }

  private foreground(uid: string): void {
    const { api } = this.options;
    const owner = api.store.byUidRef(uid);
    if (!owner || !owner.object.metadata.deletionTimestamp || !(owner.object.metadata.finalizers ?? []).includes(FOREGROUND)) return;
    let blocking = 0;
    for (const dep of api.store.dependentsOf(uid)) {
      const type = api.typeOfKey(dep.key);
      if (!type) continue;
      const ref = (dep.object.metadata.ownerReferences ?? []).find((r: OwnerReference) => r.uid === uid);
      if (ref?.blockOwnerDeletion === true) blocking++;
      if (!dep.object.metadata.deletionTimestamp) {
        api.delete({ type, namespace: dep.object.metadata.namespace ?? '' }, dep.object.metadata.name ?? '', { propagationPolicy: 'Foreground' });
      }
    }
    if (blocking > 0) return;
    const type = api.typeOfKey(owner.key);
    if (!type) return;
    api.mutate(type, owner.object.metadata.namespace ?? '', owner.object.metadata.name ?? '', (draft) => {
      draft.metadata.finalizers = (draft.metadata.finalizers ?? []).filter((f) => f !== FOREGROUND);
      if (draft.metadata.finalizers.length === 0) delete draft.metadata.finalizers;
    });
  }
}
