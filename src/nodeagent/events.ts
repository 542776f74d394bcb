/** Core v1 Events the node agent records (as a kubelet does: `Started`, `Killing`). */
import type { ClusterClient } from '../cluster/types.js';
import type { KubeObject } from '../manifests/index.js';
import { nowRfc3339 } from '../util/time.js';

export interface EventSpec {
  involved: KubeObject;
  fieldPath?: string;
  reason: string;
  message: string;
  type?: 'Normal' | 'Warning';
  component: string;
  host?: string;
}

export async function recordEvent(client: ClusterClient, spec: EventSpec): Promise<void> {
  const o = spec.involved;
  const now = nowRfc3339();
  await client.create({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { generateName: `${o.metadata.name ?? 'object'}.`, namespace: o.metadata.namespace ?? 'default' },
    involvedObject: {
      apiVersion: o.apiVersion,
      kind: o.kind,
      namespace: o.metadata.namespace,
      name: o.metadata.name,
      uid: o.metadata.uid,
      resourceVersion: o.metadata.resourceVersion,
      ...(spec.fieldPath ? { fieldPath: spec.fieldPath } : {}),
    },
    reason: spec.reason,
    message: spec.message,
    type: spec.type ?? 'Normal',
    source: { component: spec.component, ...(spec.host ? { host: spec.host } : {}) },
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
    reportingComponent: spec.component,
    reportingInstance: spec.host ?? '',
  });
}
