/** Health per kind, exactly docs/semantics.md §8, plus decision D2 (observedGeneration). */
export { resourceHealth, healthCheckFor, ARGO_HOOK_FINALIZER } from './resource-health.js';
export { healthRank, isWorse, worstHealth } from './order.js';
export { HEALTH_STATUS_CODES } from './types.js';
export type { HealthCheck, HealthOptions, HealthStatus, HealthStatusCode } from './types.js';
export { IGNORE_RESTART_POLICY_ANNOTATION } from './pod.js';
export { HPA_V1_CONDITIONS_ANNOTATION } from './hpa.js';
