/** §8.2 PersistentVolumeClaim (core/v1): gitops-engine `health_pvc.go`. */
import type { KubeObject } from '../../manifests/index.js';
import { at } from './fields.js';
import { health } from './types.js';
import type { HealthStatus } from './types.js';

export function pvcHealth(obj: KubeObject): HealthStatus {
  switch (at(obj, 'status', 'phase')) {
    case 'Bound':
      return health('Healthy');
    case 'Pending':
      return health('Progressing');
    case 'Lost':
      return health('Degraded');
    default:
      return health('Unknown');
  }
}
