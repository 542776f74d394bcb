/** A core v1 Event object, as a kubelet or a controller records it (shared by the dev cluster and the node agent). */
import type { KubeObject } from '../manifests/index.js';
import { nowRfc3339 } from '../util/time.js';

export interface EventSpec {
  involved: KubeObject;
  fieldPath?: string;
  reason: string;
  message: string;
  type?: 'Normal' | 'Warning';
  /** `kubelet`, `job-controller`, … */
  component: string;
  host?: string;
}

export function eventObject(spec: EventSpec, now: string = nowRfc3339()): KubeObject {
  const o = spec.involved;
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { generateName: `${o.metadata.name ?? 'object'}.`, namespace: o.metadata.namespace ?? 'default' },
    involvedObject: {
      apiVersion: o.apiVersion,
      kind: o.kind,
      ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
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
  };
}
