export { createBus } from './bus.js';
export type { Bus, BusOptions, StepJobState } from './bus.js';
export { redisConnection, redactUrl } from './connection.js';
export type { ConnectionRole } from './connection.js';
export { QueueNames, jobId } from './payloads.js';
export type { FinalizerSweepData, InventoryRef, NotificationJobData, OrchestratorJobData, OrchestratorJobName, PrepareInput, StepContext, StepJobData, StepJobName } from './payloads.js';
