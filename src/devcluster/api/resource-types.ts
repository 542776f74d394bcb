/** The kinds the dev cluster serves out of the box, as discovery describes them. */

/** One served resource (a kind in one group-version). */
export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  /** Plural resource name used in URLs, e.g. `jobs`. */
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: readonly string[];
  categories: readonly string[];
  /** Whether `status` is a subresource (a main-resource update then ignores `status`). */
  statusSubresource: boolean;
  /** Built into Kubernetes (strategic merge patch allowed, known list merge keys). */
  builtIn: boolean;
}

/** Storage identity of a resource, independent of version: `batch/jobs`, `/pods`. */
export function storageKey(type: Pick<ResourceType, 'group' | 'plural'>): string {
  return `${type.group}/${type.plural}`;
}

/** How error messages name a resource: `jobs.batch`, `pods`. */
export function groupResource(type: Pick<ResourceType, 'group' | 'plural'>): { group: string; resource: string } {
  return { group: type.group, resource: type.plural };
}

export function apiVersionOf(type: Pick<ResourceType, 'group' | 'version'>): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

interface Row {
  kind: string;
  plural: string;
  namespaced?: boolean;
  short?: string[];
  status?: boolean;
  all?: boolean;
}

const GROUPS: { group: string; version: string; rows: Row[] }[] = [
  {
    group: '',
    version: 'v1',
    rows: [
      { kind: 'Pod', plural: 'pods', short: ['po'], status: true, all: true },
      { kind: 'Service', plural: 'services', short: ['svc'], status: true, all: true },
      { kind: 'ConfigMap', plural: 'configmaps', short: ['cm'] },
      { kind: 'Secret', plural: 'secrets' },
      { kind: 'ServiceAccount', plural: 'serviceaccounts', short: ['sa'] },
      { kind: 'Namespace', plural: 'namespaces', short: ['ns'], namespaced: false, status: true },
      { kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', short: ['pvc'], status: true },
      { kind: 'PersistentVolume', plural: 'persistentvolumes', short: ['pv'], namespaced: false, status: true },
      { kind: 'Endpoints', plural: 'endpoints', short: ['ep'] },
      { kind: 'Event', plural: 'events', short: ['ev'] },
      { kind: 'Node', plural: 'nodes', short: ['no'], namespaced: false, status: true },
      { kind: 'LimitRange', plural: 'limitranges', short: ['limits'] },
      { kind: 'ResourceQuota', plural: 'resourcequotas', short: ['quota'], status: true },
      { kind: 'ReplicationController', plural: 'replicationcontrollers', short: ['rc'], status: true, all: true },
      { kind: 'PodTemplate', plural: 'podtemplates' },
    ],
  },
  {
    group: 'apps',
    version: 'v1',
    rows: [
      { kind: 'Deployment', plural: 'deployments', short: ['deploy'], status: true, all: true },
      { kind: 'ReplicaSet', plural: 'replicasets', short: ['rs'], status: true, all: true },
      { kind: 'StatefulSet', plural: 'statefulsets', short: ['sts'], status: true, all: true },
      { kind: 'DaemonSet', plural: 'daemonsets', short: ['ds'], status: true, all: true },
      { kind: 'ControllerRevision', plural: 'controllerrevisions' },
    ],
  },
  {
    group: 'batch',
    version: 'v1',
    rows: [
      { kind: 'Job', plural: 'jobs', status: true, all: true },
      { kind: 'CronJob', plural: 'cronjobs', short: ['cj'], status: true, all: true },
    ],
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    rows: [
      { kind: 'Role', plural: 'roles' },
      { kind: 'RoleBinding', plural: 'rolebindings' },
      { kind: 'ClusterRole', plural: 'clusterroles', namespaced: false },
      { kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', namespaced: false },
    ],
  },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    rows: [
      { kind: 'Ingress', plural: 'ingresses', short: ['ing'], status: true },
      { kind: 'NetworkPolicy', plural: 'networkpolicies', short: ['netpol'] },
      { kind: 'IngressClass', plural: 'ingressclasses', namespaced: false },
    ],
  },
  { group: 'policy', version: 'v1', rows: [{ kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets', short: ['pdb'], status: true }] },
  {
    group: 'autoscaling',
    version: 'v2',
    rows: [{ kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers', short: ['hpa'], status: true, all: true }],
  },
  {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    rows: [{ kind: 'CustomResourceDefinition', plural: 'customresourcedefinitions', short: ['crd', 'crds'], namespaced: false, status: true }],
  },
  { group: 'coordination.k8s.io', version: 'v1', rows: [{ kind: 'Lease', plural: 'leases' }] },
];

/** Every built-in resource type, in discovery order. */
export const BUILT_IN_TYPES: readonly ResourceType[] = GROUPS.flatMap(({ group, version, rows }) =>
  rows.map(
    (row): ResourceType => ({
      group,
      version,
      kind: row.kind,
      plural: row.plural,
      singular: row.kind.toLowerCase(),
      namespaced: row.namespaced ?? true,
      shortNames: row.short ?? [],
      categories: row.all ? ['all'] : [],
      statusSubresource: row.status ?? false,
      builtIn: true,
    }),
  ),
);

/** The verbs every resource supports (discovery `verbs`). */
export const RESOURCE_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const;
