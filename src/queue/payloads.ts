/**
 * Queue names, job names and typed payloads: the one place that says what travels on Redis.
 * Job ids never contain `:` (BullMQ rejects them) and are never pure integers.
 */
import type { KubeObject, Manifest } from '../manifests/index.js';
import type { ResourceSelector, SyncTask } from '../plan/index.js';
import type { DeletionCascade, IgnoreDifference, OperationProject, Step, StepResult, TaskResult } from '../sync/index.js';

export const QueueNames = {
  /** Steps for workers: one step at a time per operation (a wave step may run several waves, `Step.links`). */
  steps: 'steps',
  /** Events for orchestrators: step results, progress, timers. */
  orchestrator: 'orchestrator',
  /** Chat deliveries of the built-in triggers. */
  notifications: 'notifications',
  /** Cluster housekeeping for workers: the D7 start-up sweep of hook finalizers. */
  maintenance: 'maintenance',
} as const;

/** D7: release the hook finalizer of every hook object whose operation attempt is not running. */
export interface FinalizerSweepData {
  /** `<operation>-<attempt>` of every running operation. */
  runningSyncIds: string[];
}

/** A notification delivery job: bring one destination's messages of one operation up to date. */
export interface NotificationJobData {
  operationId: string;
  /** `<service>:<recipient>` */
  destination: string;
}

/** What a worker needs to run a step without reading the store (D8: rebuilt from the plan and the live objects). */
export interface StepContext {
  app: string;
  operationId: string;
  /** `<operationId>-<attempt>`: marks hook objects created by this attempt, so a redelivered step adopts them. */
  syncId: string;
  namespace: string;
  revision: string;
  /** Epoch ms: no wait of this step goes beyond it by more than the 1 s a late wait gets to look once (D3). */
  deadlineAt: number;
  /** D3: default hook timeout, ms. */
  hookTimeoutMs: number;
  /** D2: pause after a non-final wave, ms. */
  waveDelayMs: number;
  prune: boolean;
  dryRun: boolean;
  /** The application's sync options (§9.5, §9.6). @defaultValue [] */
  syncOptions?: string[];
  /** The application's `ignoreDifferences` (§9.12), for ApplyOutOfSyncOnly and RespectIgnoreDifferences. @defaultValue [] */
  ignoreDifferences?: IgnoreDifference[];
  /** The operation deletes the application (§11): how its resources are deleted. */
  deletion?: { cascade: DeletionCascade };
  /** D5: the failure text given to SyncFail hooks as HOOKRUNNER_FAILURE. */
  failure?: string;
}

/** The prepare step's extra input: what the planner needs. */
export interface PrepareInput {
  /** The manifests, inline (a unit test, an in-memory store). */
  manifests?: Manifest[];
  /** The Redis key of the operation's manifests (JSON), stored once by the store: the worker reads it (issue 14: no copy per step job). */
  manifestsKey?: string;
  startedAt: string;
  createNamespace: boolean;
  pruneLast: boolean;
  /** Objects this application applied before (the Redis inventory): prune candidates the live scan may not see (§9.11). */
  inventory: InventoryRef[];
  /** Selective sync (§9.9): only these resources, no hooks. */
  resources?: ResourceSelector[];
  /** The project whose permissions every resource and hook must have (§18). */
  project?: OperationProject;
}

export interface InventoryRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

export interface StepJobData {
  step: Step;
  context: StepContext;
  /**
   * The Redis key of the operation's plan with its objects (`StoredPlan` JSON, stored once by the
   * store): the worker reads the tasks named by `step.taskKeys` and `step.deleteKeys` there
   * (issue 13: steps carry task references, not the plan). Absent for a prepare step, and when the
   * tasks travel inline.
   */
  planKey?: string;
  /** Inline (an in-memory store, a job of an earlier version): the plan tasks the step runs (wave, syncFail). */
  tasks?: SyncTask[];
  /** Inline: the hook tasks the step deletes first (syncFail, cleanup). */
  deleteTasks?: SyncTask[];
  prepare?: PrepareInput;
}

export type StepJobName = Step['kind'];

export type OrchestratorJobData =
  | { type: 'stepResult'; operationId: string; result: StepResult }
  | { type: 'progress'; operationId: string; stepId: string; results: TaskResult[] }
  | { type: 'advance'; operationId: string; reason: string };

export type OrchestratorJobName = OrchestratorJobData['type'];

/** Live objects a prune task refers to travel as plain objects. */
export type LiveObject = KubeObject;

/** A job id from parts: `:` is not allowed by BullMQ, so parts are joined with `-`. */
export function jobId(...parts: (string | number)[]): string {
  const id = parts.join('-').replace(/:/g, '_');
  return /^\d+$/.test(id) ? `j-${id}` : id;
}
