/**
 * §8.2 PodDisruptionBudget (policy): the equivalent of Argo CD's built-in Lua check
 * `resource_customizations/policy/PodDisruptionBudget/health.lua`.
 */
import type { KubeObject } from '../../manifests/index.js';
import { conditions, rec, str } from './fields.js';
import { health } from './types.js';
import type { HealthStatus } from './types.js';

export function pdbHealth(obj: KubeObject): HealthStatus {
  let result = health('Progressing', 'Waiting for status');
  if (!rec(obj['status'])) return result;
  for (const c of conditions(obj)) {
    const reason = str(c['reason']);
    // InsufficientPods has valid uses (argo-cd #20171), so it never degrades.
    if (c['status'] === 'False' && reason !== 'InsufficientPods') {
      return health('Degraded', `PodDisruptionBudget has ${reason}`);
    }
    result = health('Healthy', `PodDisruptionBudget has ${reason}`);
  }
  return result;
}
