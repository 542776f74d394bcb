/** Health vocabulary (docs/semantics.md §8.1), as gitops-engine's `health.HealthStatusCode`. */
import type { KubeObject } from '../../manifests/index.js';

export const HEALTH_STATUS_CODES = ['Healthy', 'Suspended', 'Progressing', 'Missing', 'Degraded', 'Unknown'] as const;

/** One of §8.1's codes; `Missing` is only produced by callers when there is no live object. */
export type HealthStatusCode = (typeof HEALTH_STATUS_CODES)[number];

/** The health of one live object. */
export interface HealthStatus {
  status: HealthStatusCode;
  /** Why, in the controller's or Argo CD's words; omitted when there is nothing to say. */
  message?: string;
}

export interface HealthOptions {
  /**
   * The hook finalizer: an object being deleted that still holds it is judged by its kind's rule
   * instead of "Pending deletion" (§8.1 step 1, §6.3). Argo CD's `argocd.argoproj.io/hook-finalizer`
   * always counts as well.
   * @defaultValue HOOK_FINALIZER (`hookrunner.io/hook-finalizer`)
   */
  hookFinalizer?: string;
}

/** A per-kind check: gets a live object, returns its health. */
export type HealthCheck = (obj: KubeObject) => HealthStatus;

/** A result, leaving out an empty message (Go's `omitempty`). */
export function health(status: HealthStatusCode, message?: string): HealthStatus {
  return message ? { status, message } : { status };
}
