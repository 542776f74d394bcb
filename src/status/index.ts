/** Application status (docs/semantics.md §17): sync and health from watches, the resource tree, the diff. */
export { applicationHealth, compareApplication, identityOf, isLiveHook, COMPARE_OPTIONS_ANNOTATION } from './compare.js';
export type { AppComparison, DesiredState } from './compare.js';
export { desiredState } from './desired.js';
export type { DesiredInput, ScopeOf } from './desired.js';
export { diffApplication } from './diff.js';
export { createLiveCache, CHILD_KINDS } from './live-cache.js';
export type { LiveCache, LiveCacheOptions } from './live-cache.js';
export { createStatusController, unknownStatus } from './controller.js';
export type { StatusApplication, StatusController, StatusControllerOptions } from './controller.js';
export { resourceTree, MAX_TREE_DEPTH, MAX_TREE_NODES } from './tree.js';
export type { TreeInput } from './tree.js';
export { CONDITION_TYPES, SYNC_STATUS_CODES } from './types.js';
export type { ApplicationCondition, ApplicationStatus, ConditionType, HealthStatus, HealthStatusCode, ResourceDiff, ResourceNode, ResourceStatus, SyncStatusCode } from './types.js';
