import type { KubeObject, Manifest } from '../../src/manifests/index.js';

/** Builders in the spirit of gitops-engine's `newPod()` / `annotate()`. */
export function newObj(
  kind: string,
  name: string | undefined,
  opts: { apiVersion?: string; namespace?: string; annotations?: Record<string, string>; generateName?: string; spec?: unknown } = {},
): KubeObject {
  const obj: KubeObject = {
    apiVersion: opts.apiVersion ?? defaultApiVersion(kind),
    kind,
    metadata: {
      ...(name === undefined ? {} : { name }),
      ...(opts.generateName ? { generateName: opts.generateName } : {}),
      ...(opts.namespace ? { namespace: opts.namespace } : {}),
      ...(opts.annotations ? { annotations: opts.annotations } : {}),
    },
  };
  if (opts.spec !== undefined) obj['spec'] = opts.spec;
  return obj;
}

export function annotate(obj: KubeObject, annotations: Record<string, string>): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, annotations: { ...(obj.metadata.annotations ?? {}), ...annotations } } };
}

export function manifest(obj: KubeObject, file = 'test.yaml', line = 1): Manifest {
  return { object: obj, source: { file, line }, annotationLines: {} };
}

export const hook = (kind: string, name: string | undefined, types: string, extra: Record<string, string> = {}): KubeObject =>
  newObj(kind, name, { annotations: { 'argocd.argoproj.io/hook': types, ...extra } });

function defaultApiVersion(kind: string): string {
  switch (kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
      return 'apps/v1';
    case 'Job':
    case 'CronJob':
      return 'batch/v1';
    case 'CustomResourceDefinition':
      return 'apiextensions.k8s.io/v1';
    case 'Role':
    case 'RoleBinding':
    case 'ClusterRole':
    case 'ClusterRoleBinding':
      return 'rbac.authorization.k8s.io/v1';
    case 'Ingress':
      return 'networking.k8s.io/v1';
    default:
      return 'v1';
  }
}
