export { createOrchestrator } from './orchestrator.js';
export type { Orchestrator, OrchestratorBus, OrchestratorOptions } from './orchestrator.js';
export { inventoryChanges, stepPayload } from './step-payload.js';
export { deadlinePassed, sweepAction } from './sweep.js';
export type { StepQueueState, SweepAction } from './sweep.js';
