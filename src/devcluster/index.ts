/**
 * hookrunner's dev cluster: a Kubernetes-API-compatible HTTP server with objects in memory,
 * watches, validation and controllers, running each Pod's containers as local processes.
 */
export { startDevCluster } from './dev-cluster.js';
export type { DevCluster, DevClusterOptions } from './dev-cluster.js';
export type { AuditEntry, AuditVerb } from './audit.js';
export type { RequestLogEntry } from './http/api-server.js';
export { parseFaultSpec } from './faults.js';
export type { FaultCode, FaultCounters, FaultOptions } from './faults.js';
export { builtInImages, loadImageMapping } from '../podruntime/images.js';
export type { ImageEntry, ImageMapping } from '../podruntime/images.js';
export { DevClusterError } from './errors.js';
export type { DevClusterLogger } from './logger.js';
export { CONTEXT_NAME } from './kubeconfig.js';
