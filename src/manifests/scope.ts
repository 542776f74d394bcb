/**
 * Built-in kinds that are cluster-scoped. Used only for display and as a hint where no API
 * discovery is at hand (the planner is pure); the cluster adapter asks the API server.
 */
const CLUSTER_SCOPED: ReadonlySet<string> = new Set([
  '/Namespace',
  '/Node',
  '/PersistentVolume',
  '/ComponentStatus',
  'storage.k8s.io/StorageClass',
  'storage.k8s.io/CSIDriver',
  'storage.k8s.io/CSINode',
  'storage.k8s.io/VolumeAttachment',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  'apiregistration.k8s.io/APIService',
  'scheduling.k8s.io/PriorityClass',
  'networking.k8s.io/IngressClass',
  'node.k8s.io/RuntimeClass',
  'policy/PodSecurityPolicy',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'certificates.k8s.io/CertificateSigningRequest',
  'flowcontrol.apiserver.k8s.io/FlowSchema',
  'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration',
]);

/** The same, by kind: the groups in which it is cluster-scoped (no string is built per lookup). */
const GROUPS_BY_KIND: ReadonlyMap<string, readonly string[]> = (() => {
  const out = new Map<string, string[]>();
  for (const entry of CLUSTER_SCOPED) {
    const slash = entry.indexOf('/');
    const kind = entry.slice(slash + 1);
    out.set(kind, [...(out.get(kind) ?? []), entry.slice(0, slash)]);
  }
  return out;
})();

/** True for built-in kinds known to be cluster-scoped; false for namespaced and unknown kinds. */
export function isKnownClusterScoped(group: string, kind: string): boolean {
  return GROUPS_BY_KIND.get(kind)?.includes(group) ?? false;
}
