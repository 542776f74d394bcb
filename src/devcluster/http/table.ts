/**
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` (what `kubectl get` asks for without
 * `-o`): a `meta.k8s.io/v1` Table with the columns kubectl shows for the common kinds (Jobs as
 * `STATUS COMPLETIONS DURATION AGE`, Pods with READY/STATUS/RESTARTS, Deployments with
 * READY/UP-TO-DATE/AVAILABLE), NAME and AGE for the rest, and the objects' metadata as
 * PartialObjectMetadata.
 */
import type { KubeObject } from '../../manifests/index.js';
import type { ResourceType } from '../api/resource-types.js';
import { getPath } from '../json.js';

export function wantsTable(accept: string | undefined): boolean {
  return !!accept && accept.split(',')[0]?.includes('as=Table') === true;
}

function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h}h` : `${Math.floor(h / 24)}d`;
}

function age(created: string | undefined, now: number): string {
  return duration(created ? now - Date.parse(created) : 0);
}

const num = (o: KubeObject, path: string[]): number => {
  const v = getPath(o, path);
  return typeof v === 'number' ? v : 0;
};

interface Column {
  name: string;
  description: string;
  cell: (o: KubeObject, now: number) => string;
}

function hasCondition(o: KubeObject, type: string): boolean {
  const conditions = getPath(o, ['status', 'conditions']);
  return Array.isArray(conditions) && conditions.some((c) => typeof c === 'object' && c !== null && (c as Record<string, unknown>)['type'] === type && (c as Record<string, unknown>)['status'] === 'True');
}

const JOB: Column[] = [
  { name: 'Status', description: 'Status of the job.', cell: (o) => (hasCondition(o, 'Complete') ? 'Complete' : hasCondition(o, 'Failed') ? 'Failed' : hasCondition(o, 'Suspended') ? 'Suspended' : 'Running') },
  { name: 'Completions', description: 'The desired number of successfully finished pods.', cell: (o) => `${num(o, ['status', 'succeeded'])}/${num(o, ['spec', 'completions']) || 1}` },
  {
    name: 'Duration',
    description: 'Time required to complete the job.',
    cell: (o, now) => {
      const start = getPath(o, ['status', 'startTime']);
      const end = getPath(o, ['status', 'completionTime']);
      if (typeof start !== 'string') return '';
      return duration((typeof end === 'string' ? Date.parse(end) : now) - Date.parse(start));
    },
  },
];

const POD: Column[] = [
  {
    name: 'Ready',
    description: 'The number of ready containers.',
    cell: (o) => {
      const statuses = getPath(o, ['status', 'containerStatuses']);
      const list = Array.isArray(statuses) ? statuses : [];
      const total = (getPath(o, ['spec', 'containers']) as unknown[] | undefined)?.length ?? list.length;
      return `${list.filter((s) => typeof s === 'object' && s !== null && (s as Record<string, unknown>)['ready'] === true).length}/${total}`;
    },
  },
  { name: 'Status', description: 'The phase of the Pod.', cell: (o) => String(getPath(o, ['status', 'phase']) ?? 'Unknown') },
  {
    name: 'Restarts',
    description: 'The number of times the containers have been restarted.',
    cell: (o) => {
      const statuses = getPath(o, ['status', 'containerStatuses']);
      return String((Array.isArray(statuses) ? statuses : []).reduce((n: number, s) => n + (typeof s === 'object' && s !== null ? Number((s as Record<string, unknown>)['restartCount'] ?? 0) : 0), 0));
    },
  },
];

const DEPLOYMENT: Column[] = [
  { name: 'Ready', description: 'Number of the pod with ready state.', cell: (o) => `${num(o, ['status', 'readyReplicas'])}/${getPath(o, ['spec', 'replicas']) ?? 1}` },
  { name: 'Up-to-date', description: 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.', cell: (o) => String(num(o, ['status', 'updatedReplicas'])) },
  { name: 'Available', description: 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.', cell: (o) => String(num(o, ['status', 'availableReplicas'])) },
];

function columnsFor(type: ResourceType): Column[] {
  if (type.group === 'batch' && type.kind === 'Job') return JOB;
  if (type.group === '' && type.kind === 'Pod') return POD;
  if (type.group === 'apps' && type.kind === 'Deployment') return DEPLOYMENT;
  return [];
}

export function renderTable(type: ResourceType, items: readonly KubeObject[], resourceVersion: string): Record<string, unknown> {
  const extra = columnsFor(type);
  const now = Date.now();
  const columns = [
    { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
    ...extra.map((c) => ({ name: c.name, type: 'string', format: '', description: c.description, priority: 0 })),
    { name: 'Age', type: 'string', format: '', description: 'CreationTimestamp of the object.', priority: 0 },
  ];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: columns,
    rows: items.map((o) => ({
      cells: [o.metadata.name ?? '', ...extra.map((c) => c.cell(o, now)), age(o.metadata.creationTimestamp, now)],
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}
