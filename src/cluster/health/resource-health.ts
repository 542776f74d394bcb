/**
 * The health of one live object, exactly docs/semantics.md §8 (gitops-engine `GetResourceHealth`),
 * plus hookrunner's decision D2: status that the controller wrote for an older generation says
 * nothing about the current spec, so it reads Progressing.
 */
import { HOOK_FINALIZER, splitApiVersion } from '../../manifests/index.js';
import type { KubeObject } from '../../manifests/index.js';
import { apiServiceHealth } from './apiservice.js';
import { crdHealth } from './crd.js';
import { cronJobHealth } from './cronjob.js';
import { daemonSetHealth } from './daemonset.js';
import { deploymentHealth } from './deployment.js';
import { at, gvkString, optNum } from './fields.js';
import { hpaV1Health, hpaV2Health } from './hpa.js';
import { jobHealth } from './job.js';
import { pdbHealth } from './pdb.js';
import { podHealth } from './pod.js';
import { pvcHealth } from './pvc.js';
import { replicaSetHealth } from './replicaset.js';
import { ingressHealth, serviceHealth } from './service.js';
import { statefulSetHealth } from './statefulset.js';
import { health } from './types.js';
import type { HealthCheck, HealthOptions, HealthStatus } from './types.js';
import { workflowHealth } from './workflow.js';

/** Argo CD's hook finalizer (§6.3); it protects an object from "Pending deletion" as ours does. */
export const ARGO_HOOK_FINALIZER = 'argocd.argoproj.io/hook-finalizer';

/** Checks that exist for one version only; another version of the kind gives Unknown, as in Go. */
const VERSIONED: Readonly<Record<string, Readonly<Record<string, HealthCheck>>>> = {
  'apps/Deployment': { v1: deploymentHealth },
  'apps/StatefulSet': { v1: statefulSetHealth },
  'apps/DaemonSet': { v1: daemonSetHealth },
  'apps/ReplicaSet': { v1: replicaSetHealth },
  '/Service': { v1: serviceHealth },
  '/PersistentVolumeClaim': { v1: pvcHealth },
  '/Pod': { v1: podHealth },
  'batch/Job': { v1: jobHealth },
  'autoscaling/HorizontalPodAutoscaler': { v1: hpaV1Health, v2: hpaV2Health },
  'apiregistration.k8s.io/APIService': { v1: apiServiceHealth, v1beta1: apiServiceHealth },
};

/** Checks chosen by group and kind alone (Go checks that ignore the version, and the Lua checks). */
const ANY_VERSION: Readonly<Record<string, HealthCheck>> = {
  'networking.k8s.io/Ingress': ingressHealth,
  'extensions/Ingress': ingressHealth,
  'argoproj.io/Workflow': workflowHealth,
  'batch/CronJob': cronJobHealth,
  'apiextensions.k8s.io/CustomResourceDefinition': crdHealth,
  'policy/PodDisruptionBudget': pdbHealth,
};

/** The check for an apiVersion and kind, or `undefined` when the kind has no health (§8.1 step 4). */
export function healthCheckFor(apiVersion: string, kind: string): HealthCheck | undefined {
  const { group, version } = splitApiVersion(apiVersion);
  const key = `${group}/${kind}`;
  const anyVersion = ANY_VERSION[key];
  if (anyVersion) return anyVersion;
  const versions = VERSIONED[key];
  if (!versions) return undefined;
  return versions[version] ?? (() => health('Unknown', `unsupported ${kindLabel(kind)} GVK: ${gvkString(apiVersion, kind)}`));
}

/** Checks that already compare observedGeneration with generation, in their own §8.2 words. */
const CHECKS_GENERATION: ReadonlySet<HealthCheck> = new Set([deploymentHealth, statefulSetHealth, daemonSetHealth, replicaSetHealth]);

function kindLabel(kind: string): string {
  return kind === 'HorizontalPodAutoscaler' ? 'HPA' : kind;
}

function holdsHookFinalizer(obj: KubeObject, hookFinalizer: string): boolean {
  const finalizers = obj.metadata.finalizers ?? [];
  return finalizers.includes(hookFinalizer) || finalizers.includes(ARGO_HOOK_FINALIZER);
}

/**
 * D2: the generation the status describes is older than the spec. Only for objects whose status
 * carries `observedGeneration` at all.
 */
function staleGeneration(obj: KubeObject): HealthStatus | undefined {
  const observed = optNum(at(obj, 'status', 'observedGeneration'));
  const generation = optNum(obj.metadata.generation);
  if (observed === undefined || generation === undefined || observed >= generation) return undefined;
  return health('Progressing', `waiting for the controller to observe generation ${generation}`);
}

/**
 * The health of a live object, or `undefined` when its kind has no health check (callers treat
 * that as healthy / complete). Order (§8.1): pending deletion; then D2 (except for the apps/v1
 * workloads, whose §8.2 checks compare generations themselves, after `spec.paused`); then the
 * kind's check.
 */
export function resourceHealth(obj: KubeObject, options: HealthOptions = {}): HealthStatus | undefined {
  const { hookFinalizer = HOOK_FINALIZER } = options;
  if (obj.metadata.deletionTimestamp && !holdsHookFinalizer(obj, hookFinalizer)) {
    return health('Progressing', 'Pending deletion');
  }
  const check = healthCheckFor(obj.apiVersion, obj.kind);
  if (!check || !CHECKS_GENERATION.has(check)) {
    const stale = staleGeneration(obj);
    if (stale) return stale;
  }
  return check?.(obj);
}
