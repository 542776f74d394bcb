/** The real control plane (etcd, kube-apiserver, controller manager, scheduler) and its node agent. */
export { checkControlPlaneOptions, startControlPlane } from './control-plane.js';
export type { ComponentInfo, ControlPlane, ControlPlaneOptions } from './control-plane.js';
export { cacheRoot, findBinaries, COMPONENTS } from './binaries.js';
export type { Binaries, Component } from './binaries.js';
export { ComponentFailedError, ControlPlaneError } from './errors.js';
export { auditPolicyFor, readAuditRequests } from './audit.js';
export type { AuditEntry, AuditPolicyOptions, AuditRequest } from './audit.js';
export type { TlsClient } from './https-get.js';
