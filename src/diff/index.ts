/**
 * Comparing desired with live objects (docs/semantics.md §9.12): what `ApplyOutOfSyncOnly`,
 * `RespectIgnoreDifferences` and the user-facing diff are built on. Pure.
 */
export { compareObjects, ignoredPaths, normalize, respectIgnoredFields, rulesFor } from './compare.js';
export type { CompareOptions } from './compare.js';
export { evaluateJqPath, parseJqPath } from './jq-path.js';
export type { JqPath } from './jq-path.js';
export { managedPaths } from './managed-fields.js';
export { formatPointer, getAt, parsePointer, removeAt, setAt } from './pointer.js';
export type { Comparison, Difference, IgnoreDifference } from './types.js';
export { objectLabel, projectLive, unifiedDiff } from './render.js';
