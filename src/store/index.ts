export { createStore, deleteByPrefix, toEvent, updateWithRetry } from './store.js';
export type { DeliveryEntry, InventoryEntry, OperationEvent, Store, StoreOptions } from './store.js';
export { ConflictError, OperationRunningError } from './errors.js';
export { createApplicationStore } from './applications.js';
export type { ApplicationRecord, ApplicationStore } from './applications.js';
export { createLease } from './lease.js';
export type { Lease, LeaseOptions } from './lease.js';
