/**
 * The Kubernetes adapter: the `ClusterClient` port (`types.ts`) over `node:http(s)`, with the
 * kubeconfig read by client-node 1.x's parsing and authenticators (kubeconfig.ts), its typed
 * errors, and the health rules (`health/`, docs/semantics.md §8).
 */
export { createClusterClient } from './client.js';
export type { KubeClusterClient } from './client.js';
export type { ClusterClientOptions, ClusterRetryOptions } from './options.js';
export {
  ClusterConfigError,
  ClusterUnreachableError,
  InvalidInputError,
  KubeApiError,
  isAlreadyExists,
  isConflict,
  isGone,
  isInvalid,
  isNotFound,
  isTransientApiError,
  parseStatus,
  toKubeApiError,
} from './errors.js';
export type { RequestDescription } from './errors.js';
export { describeObject, objectName } from './describe.js';
export { createRateLimiter } from './rate-limiter.js';
export type { RateLimiter, RateLimiterOptions } from './rate-limiter.js';
export * from './types.js';
export * from './health/index.js';
