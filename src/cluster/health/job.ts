/** §8.2 Job (batch/v1): gitops-engine `health_job.go`. */
import type { KubeObject } from '../../manifests/index.js';
import { conditions, str } from './fields.js';
import { health } from './types.js';
import type { HealthStatus } from './types.js';

export function jobHealth(obj: KubeObject): HealthStatus {
  let failed = false;
  let complete = false;
  let suspended = false;
  let failMessage = '';
  let message = '';
  for (const c of conditions(obj)) {
    switch (c['type']) {
      case 'Failed':
        failed = true;
        complete = true;
        failMessage = str(c['message']);
        break;
      case 'Complete':
        complete = true;
        message = str(c['message']);
        break;
      case 'Suspended':
        // Quirk kept from Argo CD: any Suspended condition, even status False (a resumed Job),
        // counts as "complete", so a resumed Job reads Healthy.
        complete = true;
        message = str(c['message']);
        if (c['status'] === 'True') suspended = true;
        break;
    }
  }
  if (!complete) return health('Progressing', message);
  if (failed) return health('Degraded', failMessage);
  // Argo CD reports the (always empty) failure message here; the Suspended condition's is more useful.
  if (suspended) return health('Suspended', message);
  return health('Healthy', message);
}
