/** §8.2 Service (core/v1) and Ingress: gitops-engine `health_service.go`, `health_ingress.go`. */
import type { KubeObject } from '../../manifests/index.js';
import { at, list } from './fields.js';
import { health } from './types.js';
import type { HealthStatus } from './types.js';

function hasLoadBalancerIngress(obj: KubeObject): boolean {
  return list(at(obj, 'status', 'loadBalancer', 'ingress')).length > 0;
}

/** Any type but LoadBalancer is Healthy; a LoadBalancer waits for an ingress point. */
export function serviceHealth(obj: KubeObject): HealthStatus {
  if (at(obj, 'spec', 'type') !== 'LoadBalancer') return health('Healthy');
  return health(hasLoadBalancerIngress(obj) ? 'Healthy' : 'Progressing');
}

/** networking.k8s.io and extensions: Healthy once `status.loadBalancer.ingress` is not empty. */
export function ingressHealth(obj: KubeObject): HealthStatus {
  return health(hasLoadBalancerIngress(obj) ? 'Healthy' : 'Progressing');
}
