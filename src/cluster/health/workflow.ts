/** §8.2 Workflow (argoproj.io, any version): gitops-engine `health_argo.go`. */
import type { KubeObject } from '../../manifests/index.js';
import { at, str } from './fields.js';
import { health } from './types.js';
import type { HealthStatus } from './types.js';

export function workflowHealth(obj: KubeObject): HealthStatus {
  const message = str(at(obj, 'status', 'message'));
  switch (str(at(obj, 'status', 'phase'))) {
    case '':
    case 'Pending':
    case 'Running':
      return health('Progressing', message);
    case 'Succeeded':
      return health('Healthy', message);
    case 'Failed':
    case 'Error':
      return health('Degraded', message);
    default:
      return health('Unknown', message);
  }
}
