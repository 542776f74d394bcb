/** §8.2 StatefulSet (apps/v1): gitops-engine `health_statefulset.go`. */
import type { KubeObject } from '../../manifests/index.js';
import { at, num, optNum, rec, str } from './fields.js';
import { health } from './types.js';
import type { HealthStatus } from './types.js';

export function statefulSetHealth(obj: KubeObject): HealthStatus {
  const status = (key: string): number => num(at(obj, 'status', key));
  const observed = status('observedGeneration');
  if (observed === 0 || num(obj.metadata.generation) > observed) {
    return health('Progressing', 'Waiting for statefulset spec update to be observed...');
  }
  const replicas = optNum(at(obj, 'spec', 'replicas'));
  const ready = status('readyReplicas');
  if (replicas !== undefined && ready < replicas) {
    return health('Progressing', `Waiting for ${replicas - ready} pods to be ready...`);
  }
  const strategy = str(at(obj, 'spec', 'updateStrategy', 'type'));
  const rollingUpdate = rec(at(obj, 'spec', 'updateStrategy', 'rollingUpdate'));
  const updated = status('updatedReplicas');
  if (strategy === 'RollingUpdate' && rollingUpdate) {
    const partition = optNum(rollingUpdate['partition']);
    if (replicas !== undefined && partition !== undefined && updated < replicas - partition) {
      return health(
        'Progressing',
        `Waiting for partitioned roll out to finish: ${updated} out of ${replicas - partition} new pods have been updated...`,
      );
    }
    return health('Healthy', `partitioned roll out complete: ${updated} new pods have been updated...`);
  }
  if (strategy === 'OnDelete') return health('Healthy', `statefulset has ${ready} ready pods`);
  const updateRevision = str(at(obj, 'status', 'updateRevision'));
  const currentRevision = str(at(obj, 'status', 'currentRevision'));
  if (updateRevision !== currentRevision) {
    return health('Progressing', `waiting for statefulset rolling update to complete ${updated} pods at revision ${updateRevision}...`);
  }
  return health('Healthy', `statefulset rolling update complete ${status('currentReplicas')} pods at revision ${currentRevision}...`);
}
