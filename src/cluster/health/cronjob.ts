/**
 * §8.2 CronJob (batch): the equivalent of Argo CD's built-in Lua check
 * `resource_customizations/batch/CronJob/health.lua`. Healthy in most cases, including when
 * suspended; Degraded when the last run failed; Progressing while there is no status.
 */
import type { KubeObject } from '../../manifests/index.js';
import { at, list, rec, str } from './fields.js';
import { health } from './types.js';
import type { HealthStatus } from './types.js';

export function cronJobHealth(obj: KubeObject): HealthStatus {
  const status = rec(obj['status']);
  if (!status) return health('Progressing', 'Waiting for CronJob');
  const lastSchedule = str(status['lastScheduleTime']);
  if (!lastSchedule) return health('Healthy', 'CronJob has not been scheduled yet');
  const lastSuccess = str(at(obj, 'status', 'lastSuccessfulTime'));
  if (!lastSuccess) {
    // Not yet run to the end, or never succeeded: Argo CD cannot tell, so it says Healthy.
    return health('Healthy', 'The Cronjob never completed succesfully. It may not be healthy');
  }
  if (list(status['active']).length > 0) {
    return health('Healthy', 'The job is running. Its last execution may not have been successful');
  }
  // RFC 3339 timestamps compared as strings, as the Lua script does.
  if (lastSuccess < lastSchedule) {
    return health('Degraded', 'CronJob has not completed its last execution successfully');
  }
  return health('Healthy', 'CronJob has completed its last execution successfully');
}
