export { createStepWorker, keptResult } from './worker.js';
export type { StepWorker, StepWorkerOptions } from './worker.js';
export { runStep } from './steps.js';
export type { StepDeps } from './deps.js';
export { createLiveIndex } from './live.js';
export type { LiveIndex, LiveIndexOptions } from './live.js';
export { checkKinds, projectViolations, targetIdentities } from './prepare.js';
export { findPruneCandidates, identityKey } from './live.js';
export { refOf } from './deps.js';
