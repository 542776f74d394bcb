/**
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` (what `kubectl get` asks for without
 * `-o`): a `meta.k8s.io/v1` Table with NAME and AGE columns (plus STATUS for Pods) and the
 * objects' metadata as PartialObjectMetadata.
 */
import type { KubeObject } from '../../manifests/index.js';
import type { ResourceType } from '../api/resource-types.js';
import { getPath } from '../json.js';

export function wantsTable(accept: string | undefined): boolean {
  return !!accept && accept.split(',')[0]?.includes('as=Table') === true;
}

function age(created: string | undefined, now: number): string {
  const ms = created ? now - Date.parse(created) : 0;
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h}h` : `${Math.floor(h / 24)}d`;
}

export function renderTable(type: ResourceType, items: readonly KubeObject[], resourceVersion: string): Record<string, unknown> {
  const pod = type.group === '' && type.kind === 'Pod';
  const now = Date.now();
  const columns = [
    { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
    ...(pod ? [{ name: 'Status', type: 'string', format: '', description: 'The phase of the Pod.', priority: 0 }] : []),
    { name: 'Age', type: 'string', format: '', description: 'CreationTimestamp of the object.', priority: 0 },
  ];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: columns,
    rows: items.map((o) => ({
      cells: [o.metadata.name ?? '', ...(pod ? [String(getPath(o, ['status', 'phase']) ?? 'Unknown')] : []), age(o.metadata.creationTimestamp, now)],
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}
