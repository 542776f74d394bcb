export { createOrchestrator } from './orchestrator.js';
export type { Orchestrator, OrchestratorOptions } from './orchestrator.js';
export { createNotifications, destinationKey, finishedPhases, syncContext } from './notifications.js';
export type { NotificationsOptions, Notifications, NotifierFactory } from './notifications.js';
