/** §8.2 DaemonSet (apps/v1): gitops-engine `health_daemonset.go`. */
import type { KubeObject } from '../../manifests/index.js';
import { at, num, str } from './fields.js';
import { health } from './types.js';
import type { HealthStatus } from './types.js';

export function daemonSetHealth(obj: KubeObject): HealthStatus {
  const status = (key: string): number => num(at(obj, 'status', key));
  if (num(obj.metadata.generation) > status('observedGeneration')) {
    return health('Progressing', 'Waiting for rollout to finish: observed daemon set generation less than desired generation');
  }
  const updated = status('updatedNumberScheduled');
  const desired = status('desiredNumberScheduled');
  if (str(at(obj, 'spec', 'updateStrategy', 'type')) === 'OnDelete') {
    return health('Healthy', `daemon set ${updated} out of ${desired} new pods have been updated`);
  }
  const name = JSON.stringify(obj.metadata.name ?? '');
  if (updated < desired) {
    return health('Progressing', `Waiting for daemon set ${name} rollout to finish: ${updated} out of ${desired} new pods have been updated...`);
  }
  const available = status('numberAvailable');
  if (available < desired) {
    return health('Progressing', `Waiting for daemon set ${name} rollout to finish: ${available} of ${desired} updated pods are available...`);
  }
  return health('Healthy');
}
