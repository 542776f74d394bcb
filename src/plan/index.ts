export { plan, generatedHookName, resultKey } from './plan.js';
export { KIND_ORDER, kindRank } from './kinds.js';
export type { PlanOptions, SyncPlan, SyncTask } from './types.js';
