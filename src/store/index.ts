export { createStore, deleteByPrefix, toEvent, updateWithRetry, withoutObjects } from './store.js';
export type { DeliveryEntry, InventoryEntry, OperationEvent, Store, StoreOptions } from './store.js';
export { ConflictError, OperationRunningError } from './errors.js';
export { createApplicationStore } from './applications.js';
export type { ApplicationRecord, ApplicationStore, PushClaim } from './applications.js';
export { createEpochWatch } from './epoch.js';
export type { DataLoss, EpochWatch, EpochWatchOptions, RedisEpoch } from './epoch.js';
export { createMemoryProjectStore, createProjectStore } from './projects.js';
export type { ProjectStore } from './projects.js';
