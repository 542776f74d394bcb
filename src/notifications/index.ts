export { createNotifications } from './delivery.js';
export type { NotificationsOptions, Notifications, NotifierFactory } from './delivery.js';
export { notifierFactory } from './from-env.js';
export type { EnvNotifiers } from './from-env.js';
export { destinationKey, finishedPhases, firedTriggers, pendingDeliveries, syncContext } from './triggers.js';
export type { Delivery, DestinationState } from './triggers.js';
