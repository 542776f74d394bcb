/**
 * §4.2 kind order, exactly gitops-engine's 35 kinds: rank = index − 35, so Namespace is −35 and
 * APIService −1. Every other kind (custom resources, Application, PriorityClass, ...) ranks 0.
 * Looked up by kind name only; the API group is ignored.
 */
export const KIND_ORDER: readonly string[] = [
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodSecurityPolicy',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SecretList',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleList',
  'ClusterRoleBinding',
  'ClusterRoleBindingList',
  'Role',
  'RoleList',
  'RoleBinding',
  'RoleBindingList',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
];

const RANK: ReadonlyMap<string, number> = new Map(KIND_ORDER.map((kind, i) => [kind, i - KIND_ORDER.length]));

/** §4.2: the rank of a kind name; 0 for kinds not in the list. */
export function kindRank(kind: string): number {
  return RANK.get(kind) ?? 0;
}
