/** §8.2 APIService (apiregistration.k8s.io v1, v1beta1): gitops-engine `health_apiservice.go`. */
import type { KubeObject } from '../../manifests/index.js';
import { findCondition, str } from './fields.js';
import { health } from './types.js';
import type { HealthStatus } from './types.js';

export function apiServiceHealth(obj: KubeObject): HealthStatus {
  const available = findCondition(obj, 'Available');
  if (!available) return health('Progressing', 'Waiting to be processed');
  const message = `${str(available['reason'])}: ${str(available['message'])}`;
  return health(available['status'] === 'True' ? 'Healthy' : 'Progressing', message);
}
