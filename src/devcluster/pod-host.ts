/** The pod runtime's host in the dev cluster: configuration from the store, status and deletion through the object API. */
import type { PodHost } from '../podruntime/pod-runtime.js';
import type { ObjectApi } from './api/object-api.js';
import type { ResourceType } from './api/resource-types.js';

export function devClusterPodHost(api: ObjectApi, podType: ResourceType): PodHost {
  const store = api.store;
  return {
    config: {
      secret: (ns, name) => store.peek('/secrets', ns, name),
      configMap: (ns, name) => store.peek('/configmaps', ns, name),
    },
    writeStatus(run, build) {
      api.mutate(podType, run.namespace, run.name, (draft) => {
        if (draft.metadata.uid !== run.uid) return;
        draft.status = build(draft.status);
      });
    },
    finishDeletion(run) {
      const stored = store.peek('/pods', run.namespace, run.name);
      if (!stored || stored.metadata.uid !== run.uid || !stored.metadata.deletionTimestamp) return;
      if (!api.removable(podType, stored)) return;
      api.commit(podType, run.namespace, stored);
    },
  };
}
