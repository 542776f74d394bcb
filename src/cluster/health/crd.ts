/**
 * §8.2 CustomResourceDefinition (apiextensions.k8s.io): the equivalent of Argo CD's built-in Lua
 * check `resource_customizations/apiextensions.k8s.io/CustomResourceDefinition/health.lua`.
 */
import type { KubeObject } from '../../manifests/index.js';
import { conditions, str } from './fields.js';
import { health } from './types.js';
import type { HealthStatus } from './types.js';

export function crdHealth(obj: KubeObject): HealthStatus {
  if (obj.metadata.deletionTimestamp) return health('Progressing', 'CRD is terminating');
  const all = conditions(obj);
  if (all.length === 0) return health('Progressing', 'Status conditions not found');
  let established = false;
  let terminating = false;
  let namesNotAccepted = false;
  let violations = false;
  let message = '';
  for (const c of all) {
    const type = c['type'];
    const isTrue = c['status'] === 'True';
    if (type === 'Terminating' && isTrue) {
      terminating = true;
      message = str(c['message']);
    }
    if (type === 'NamesAccepted' && c['status'] === 'False') {
      namesNotAccepted = true;
      message = str(c['message']);
    }
    if (type === 'Established' && isTrue) {
      established = true;
      message = str(c['message']);
    }
    if (type === 'NonStructuralSchema' && isTrue) {
      violations = true;
      message = str(c['message']);
    }
  }
  if (terminating) return health('Progressing', `CRD is terminating: ${message}`);
  if (namesNotAccepted) return health('Degraded', `CRD names have not been accepted: ${message}`);
  if (!established) return health('Degraded', 'CRD is not established');
  if (violations) return health('Degraded', `Schema violations found: ${message}`);
  return health('Healthy', 'CRD is healthy');
}
