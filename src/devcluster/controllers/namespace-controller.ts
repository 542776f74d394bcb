/**
 * The namespace controller: a Namespace being deleted (phase Terminating) has everything in it
 * deleted (Background; finalizers and running processes respected), and once it is empty its
 * `kubernetes` finalizer is dropped and it goes.
 */
import { NAMESPACES } from '../api/object-api.js';
import type { ObjectApi } from '../api/object-api.js';
import type { StoreEvent } from '../api/object-store.js';
import type { ResourceType } from '../api/resource-types.js';
import { isRecord } from '../json.js';
import { WorkQueue } from './work-queue.js';

export interface NamespaceControllerOptions {
  api: ObjectApi;
  namespaceType: ResourceType;
  onError: (err: unknown, context: string) => void;
}

export class NamespaceController {
  private readonly queue: WorkQueue;
  private readonly terminating = new Set<string>();

  constructor(private readonly options: NamespaceControllerOptions) {
    this.queue = new WorkQueue((ns) => this.sync(ns), (err, ns) => options.onError(err, `namespace ${ns}`));
  }

  onEvent(event: StoreEvent): void {
    const obj = event.object;
    if (event.key === NAMESPACES) {
      const name = obj.metadata.name ?? '';
      if (event.type === 'DELETED') this.terminating.delete(name);
      else if (obj.metadata.deletionTimestamp) {
        this.terminating.add(name);
        this.queue.add(name);
      }
      return;
    }
    const ns = obj.metadata.namespace;
    if (event.type === 'DELETED' && ns && this.terminating.has(ns)) this.queue.add(ns);
  }

  stop(): void {
    this.queue.stop();
  }

  private sync(ns: string): void {
    const { api } = this.options;
    const namespace = api.store.peek(NAMESPACES, '', ns);
    if (!namespace || !namespace.metadata.deletionTimestamp) return;
    for (const key of api.store.keysInNamespace(ns)) {
      const type = api.typeOfKey(key);
      if (!type) continue;
      for (const obj of api.store.list(key, ns)) {
        if (obj.metadata.deletionTimestamp) continue;
        api.delete({ type, namespace: ns }, obj.metadata.name ?? '', { propagationPolicy: 'Background' });
      }
    }
    if (api.store.countInNamespace(ns) > 0) return;
    api.mutate(this.options.namespaceType, '', ns, (draft) => {
      const spec = isRecord(draft.spec) ? { ...draft.spec } : {};
      spec.finalizers = [];
      draft.spec = spec;
    });
  }
}
