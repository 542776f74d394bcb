export * from './vocabulary.js';
export * from './types.js';
export * from './errors.js';
export { parseCsv, parseGoInt, parseDuration, formatDuration } from './annotations.js';
export {
  argoHookTypes,
  classify,
  deletePolicies,
  hookTimeout,
  hookTypes,
  isHook,
  isIgnored,
  isSkip,
  resourceSyncOptions,
  syncPhases,
  syncWave,
} from './hooks.js';
export type { Annotations, HookInfo, WarnFn } from './hooks.js';
export { helmDeletePolicies, helmHookTypes, isHelmHook } from './helm.js';
export { parseManifestText } from './parse.js';
export type { ParseResult } from './parse.js';
export { loadManifests, MANIFEST_EXTENSIONS } from './load.js';
export type { LoadOptions, LoadResult } from './load.js';
export { DEFAULT_SIZE_LIMITS, SIZE_LIMIT_VARIABLES, SizeLimitConfigError, formatBytes, parseSize, sizeLimitsFromEnv } from './limits.js';
export type { ManifestLimits, SizeLimits } from './limits.js';
export { isKnownClusterScoped } from './scope.js';
export { MAX_NESTING, excessiveNesting } from './nesting.js';
export { crdDefinition } from './crd.js';
export type { CrdDefinition } from './crd.js';
