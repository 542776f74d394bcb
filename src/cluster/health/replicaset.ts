/** §8.2 ReplicaSet (apps/v1): gitops-engine `health_replicaset.go`. */
import type { KubeObject } from '../../manifests/index.js';
import { at, findCondition, num, optNum, str } from './fields.js';
import { health } from './types.js';
import type { HealthStatus } from './types.js';

export function replicaSetHealth(obj: KubeObject): HealthStatus {
  if (num(obj.metadata.generation) > num(at(obj, 'status', 'observedGeneration'))) {
    return health('Progressing', 'Waiting for rollout to finish: observed replica set generation less than desired generation');
  }
  const failure = findCondition(obj, 'ReplicaFailure');
  if (failure?.['status'] === 'True') return health('Degraded', str(failure['message']));
  const replicas = optNum(at(obj, 'spec', 'replicas'));
  const available = num(at(obj, 'status', 'availableReplicas'));
  if (replicas !== undefined && available < replicas) {
    return health('Progressing', `Waiting for rollout to finish: ${available} out of ${replicas} new replicas are available...`);
  }
  return health('Healthy');
}
