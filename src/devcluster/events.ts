/** Events the dev cluster records for what it does (a container started, a Job's Pod created, a Job completed or failed). */
import type { KubeObject } from '../manifests/index.js';
import { eventObject } from '../podruntime/events.js';
import type { EventSpec } from '../podruntime/events.js';
import type { ObjectApi } from './api/object-api.js';
import type { ResourceType } from './api/resource-types.js';

export class EventRecorder {
  constructor(
    private readonly api: ObjectApi,
    private readonly eventType: ResourceType,
  ) {}

  /** Record; an Event that cannot be stored (its namespace is going away) is dropped, as a real recorder drops it. */
  record(spec: EventSpec): void {
    const ns = spec.involved.metadata.namespace ?? 'default';
    try {
      this.api.create({ type: this.eventType, namespace: ns }, eventObject(spec));
    } catch {
      // best effort, like client-go's event broadcaster
    }
  }

  forPod(pod: KubeObject | undefined, container: string): void {
    if (pod) this.record({ involved: pod, fieldPath: `spec.containers{${container}}`, reason: 'Started', message: `Started container ${container}`, component: 'kubelet', host: 'dev-cluster' });
  }
}
