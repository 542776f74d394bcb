export { plan, generatedHookName, resultKey } from './plan.js';
export { KIND_ORDER, kindRank } from './kinds.js';
export { MAX_SELECTED_RESOURCES, formatSelector, parseResourceSelector, selectTasks, selectorProblems, selects } from './select.js';
export type { ResourceSelector } from './select.js';
export type { PlanOptions, SyncPlan, SyncTask } from './types.js';
