/** §8.2 Deployment (apps/v1): gitops-engine `health_deployment.go`. */
import type { KubeObject } from '../../manifests/index.js';
import { at, findCondition, num, optNum } from './fields.js';
import { health } from './types.js';
import type { HealthStatus } from './types.js';

export function deploymentHealth(obj: KubeObject): HealthStatus {
  if (at(obj, 'spec', 'paused') === true) return health('Suspended', 'Deployment is paused');
  const generation = num(obj.metadata.generation);
  const status = (key: string): number => num(at(obj, 'status', key));
  if (generation > status('observedGeneration')) {
    return health('Progressing', 'Waiting for rollout to finish: observed deployment generation less than desired generation');
  }
  const progressing = findCondition(obj, 'Progressing');
  if (progressing?.['reason'] === 'ProgressDeadlineExceeded') {
    return health('Degraded', `Deployment ${JSON.stringify(obj.metadata.name ?? '')} exceeded its progress deadline`);
  }
  const replicas = optNum(at(obj, 'spec', 'replicas'));
  const updated = status('updatedReplicas');
  if (replicas !== undefined && updated < replicas) {
    return health('Progressing', `Waiting for rollout to finish: ${updated} out of ${replicas} new replicas have been updated...`);
  }
  if (status('replicas') > updated) {
    return health('Progressing', `Waiting for rollout to finish: ${status('replicas') - updated} old replicas are pending termination...`);
  }
  if (status('availableReplicas') < updated) {
    return health('Progressing', `Waiting for rollout to finish: ${status('availableReplicas')} of ${updated} updated replicas are available...`);
  }
  return health('Healthy');
}
