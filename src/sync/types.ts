/**
 * The operation model: what a sync operation is, what each task's result holds, and the steps
 * the state machine asks workers to carry out (docs/semantics.md §1.3, §5, §12.1).
 */
import type { ProjectSpec } from '../projects/index.js';
import type { Manifest, OperationPhase, ResultCode, SyncPhase, Warning } from '../manifests/index.js';
import type { IgnoreDifference } from '../diff/index.js';
import type { ResourceSelector, SyncTask } from '../plan/index.js';

/** Health as the cluster's health rules report it (§8). */
export type HealthStatusCode = 'Healthy' | 'Progressing' | 'Degraded' | 'Suspended' | 'Missing' | 'Unknown';
export interface Health {
  status: HealthStatusCode;
  message?: string;
}

/** D4: the end of one container's log, kept before the hook is deleted. */
export interface HookLog {
  pod: string;
  container: string;
  /** The last 64 KiB at most. */
  log: string;
  truncated: boolean;
  exitCode?: number;
  reason?: string;
  terminationMessage?: string;
}

/** One task's result, keyed per resource and phase (§1.3). Only tasks that ran have one. */
export interface TaskResult {
  /** `<group>/<kind>/<namespace>/<name>:<phase>` */
  key: string;
  /** 1-based, the order in which results were first recorded (§1.3). */
  order: number;
  syncPhase: SyncPhase;
  /** The declared wave, as Argo CD's SYNC WAVE column (§12.2). */
  wave: number;
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  status?: ResultCode;
  /** For hooks, the phase they ran in. */
  hookType?: SyncPhase;
  /** The task's operation state (§1.2): Running, Succeeded, Failed, Error; also set for non-hooks. */
  hookPhase?: OperationPhase;
  message: string;
  health?: Health;
  /** D4: logs of the hook's containers, and of an older instance deleted by BeforeHookCreation. */
  logs?: HookLog[];
  /** Epoch ms of the first apply / of completion. */
  startedAt?: number;
  finishedAt?: number;
}

/** Retry strategy (§10.3, `syncPolicy.retry`). */
export interface RetryStrategy {
  /** 0 = no retries, negative = unlimited. */
  limit: number;
  /** @defaultValue 5000 */
  backoffMs?: number;
  /** @defaultValue 2 */
  factor?: number;
  /** @defaultValue 180_000 */
  maxBackoffMs?: number;
}

/** Built-in notification triggers, fired by the orchestrator itself (no hook Job needed). */
export const TRIGGERS = ['on-sync-running', 'on-sync-succeeded', 'on-sync-failed', 'on-hook-failed'] as const;
export type TriggerName = (typeof TRIGGERS)[number];

/** One destination of an application's notifications and the triggers it wants. */
export interface Subscription {
  service: 'mattermost' | 'slack' | 'log';
  /** Mattermost `team/channel` (or `channel` with the default team), Slack channel name or id, or a label for `log`. */
  recipient: string;
  triggers: TriggerName[];
}

/**
 * How an application's deletion deletes its resources (§11): `foreground` waits for each object's
 * dependents, `background` leaves them to the garbage collector, `orphan` deletes no resource at all
 * (Argo CD's non-cascading delete; the hooks still run).
 */
export const DELETION_CASCADES = ['foreground', 'background', 'orphan'] as const;
export type DeletionCascade = (typeof DELETION_CASCADES)[number];

/** What was asked for: everything a step needs to rebuild its tasks (D8). */
export interface OperationSpec {
  app: string;
  /** Destination namespace. */
  namespace: string;
  revision: string;
  /** The manifests to sync. Empty in an operation read back from Redis: they are stored once, apart, under `manifestsKey`. */
  manifests: Manifest[];
  /** Set by the Redis store: the key holding `manifests` (JSON), which the prepare step reads (the operation record keeps results, not manifests). */
  manifestsKey?: string;
  /** Warnings from loading and planning (D9), shown with the result. */
  warnings: Warning[];
  createNamespace: boolean;
  prune: boolean;
  pruneLast: boolean;
  dryRun: boolean;
  /** The application's sync options (`syncPolicy.syncOptions`, `--sync-option`) the workers read: Replace, ServerSideApply, Validate (§9.5, §9.6). @defaultValue [] */
  syncOptions?: string[];
  /** The application's `ignoreDifferences` (§9.12): what `ApplyOutOfSyncOnly` and `RespectIgnoreDifferences` leave aside. @defaultValue [] */
  ignoreDifferences?: IgnoreDifference[];
  /** Delete the application (§11) instead of syncing it: PreDelete hooks, its live resources, PostDelete hooks. */
  deletion?: { cascade: DeletionCascade };
  /** Selective sync (§9.9): only these resources, and no hooks. @defaultValue undefined (all resources and hooks) */
  resources?: ResourceSelector[];
  /** D3: the whole operation's deadline. @defaultValue 60 min */
  timeoutMs: number;
  /** D3: a hook's default deadline. @defaultValue 30 min */
  hookTimeoutMs: number;
  /** D2: a pause after each non-final wave, for slow controllers. @defaultValue 0 */
  waveDelayMs: number;
  retry?: RetryStrategy;
  /** Who started it (cli, api, webhook, automated). */
  initiatedBy: string;
  /** A dashboard link for messages, when configured. */
  dashboardUrl?: string;
  /** Built-in notifications of this operation. */
  notifications?: Subscription[];
  /**
   * The application's project as it was when the operation started (docs/semantics.md §18): the
   * prepare step refuses every resource and hook it does not permit before anything is applied.
   * Absent for operations not bound to a project (the CLI's local `hookrunner sync DIR`).
   */
  project?: OperationProject;
}

/** A project as an operation carries it. */
export interface OperationProject {
  name: string;
  spec: ProjectSpec;
}

export type StepKind = 'prepare' | 'wave' | 'syncFail' | 'cleanup';

/** One (phase, wave) of a wave step that runs several in a row (`Step.links`). */
export interface WaveLink {
  phase: SyncPhase;
  wave: number;
  taskKeys: string[];
  waitForResources: boolean;
  finalWave: boolean;
}

/** A step the orchestrator emits for a worker: the preparation, a run of waves, the SyncFail hooks or a cleanup (docs/architecture.md, "How one sync flows"). */
export interface Step {
  /** Unique and deterministic: `<operationId>-<attempt>-<seq>`; a BullMQ job id (no `:`). */
  id: string;
  kind: StepKind;
  seq: number;
  /** For wave steps. */
  phase?: SyncPhase;
  wave?: number;
  /** Keys of the plan tasks this step runs (of every link, in order, for a chained wave step). */
  taskKeys: string[];
  /**
   * Wave steps that run several waves in a row (issue 13, fewer hops): each (phase, wave) in order;
   * the worker starts the next only when every task of the one before succeeded, as `advance`
   * would have decided. The first link's fields are also the step's `phase`, `wave`,
   * `waitForResources` and `finalWave`. Absent: one wave, `taskKeys`.
   */
  links?: WaveLink[];
  /** Wave steps: also wait for the health of plain resources (§5.4 multiStep, §5.8 final wave). */
  waitForResources?: boolean;
  /** Wave steps: the last (phase, wave) with pending tasks. */
  finalWave?: boolean;
  /** syncFail and cleanup steps: hooks to delete first (their logs are kept, D4). */
  deleteKeys?: string[];
  /** cleanup: the outcome the deletions are for. */
  outcome?: 'Succeeded' | 'Failed';
  emittedAt: number;
}

/** A worker's report of a step. */
export interface StepResult {
  stepId: string;
  operationId: string;
  /** Results of this step's tasks, in the order they first ran. */
  results: TaskResult[];
  /** prepare: the plan (tasks in execution order). */
  plan?: SyncTask[];
  /** prepare: the operation fails at once, without SyncFail (§5.1, §5.2). */
  fatal?: { phase: 'Failed' | 'Error'; message: string };
  /** The worker stopped because the operation is terminating (§10.1). */
  terminated?: boolean;
  /** Infrastructure trouble during the step (the step is retried by the queue; this is the last word). */
  error?: string;
  finishedAt: number;
}

/** A sync operation, as stored. Every transition is a compare-and-set on `version`. */
export interface Operation {
  id: string;
  app: string;
  phase: OperationPhase;
  message: string;
  revision: string;
  startedAt: string;
  finishedAt?: string;
  /** Bumped by every stored transition. */
  version: number;
  spec: OperationSpec;
  /**
   * Set by the prepare step. As the Redis store keeps it: without the objects (`target`, `live`),
   * which are stored once under `planKey` (issue 13); a record stored by an earlier version may
   * still hold them inline, and is split on its next save.
   */
  plan?: SyncTask[];
  /** Set by the Redis store: the key holding the plan with its objects (`StoredPlan` JSON, sync/stored-plan.ts), which wave, syncFail and cleanup steps read. */
  planKey?: string;
  results: TaskResult[];
  /** The step in flight, if any. */
  step?: Step;
  /** Steps emitted in this attempt. */
  stepSeq: number;
  /** §10.3 */
  retryCount: number;
  /** Epoch ms when a scheduled retry starts. */
  retryAt?: number;
  /** §10.1: set by terminate() or the operation deadline (D3). */
  terminating?: { reason: 'user' | 'timeout'; at: number };
  /** Epoch ms: the operation's deadline (D3). */
  deadlineAt: number;
  /** Set once SyncFail hooks have been started for this attempt. */
  syncFailStarted?: boolean;
  /** The failure message kept while SyncFail hooks run. */
  failureMessage?: string;
  /** Set when the final cleanup step is emitted: the outcome it finishes with. */
  finishing?: { phase: 'Succeeded' | 'Failed'; message: string };
  /** Keys of hook tasks whose objects a deletion policy already deleted in this attempt. */
  deletedHooks: string[];
  /** §9.1, §11: the operation holds until someone confirms these prunes or deletions (`Prune=confirm`, `Delete=confirm`). */
  awaitingConfirmation?: { kind: 'pruning' | 'deletion'; taskKeys: string[]; since: number };
  /** When the prunes and deletions of this operation were confirmed (epoch ms), and by whom. */
  confirmed?: { at: number; by: string };
}

export type { IgnoreDifference };
