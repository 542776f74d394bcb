import type { HookDeletePolicy, KubeObject, SourceRef, SyncPhase, Warning } from '../manifests/index.js';

/** One unit of work of a sync: an object to apply (or prune) in one phase and wave. */
export interface SyncTask {
  /** §1.3 result key, `<group>/<kind>/<namespace>/<name>:<phase>`: unique within a plan. */
  key: string;
  phase: SyncPhase;
  /** The effective wave, after prune reversal, PruneLast and dependency moves (§3, §4.3). */
  wave: number;
  /** The wave written in the manifest (sync-wave or Helm weight), as Argo CD's SYNC WAVE column shows it (§12.2). */
  declaredWave: number;
  group: string;
  version: string;
  kind: string;
  /** The namespace the object is applied in; empty for known cluster-scoped kinds. */
  namespace: string;
  name: string;
  hook: boolean;
  /** For hooks, the phase this task runs in (§1.2 `hookType()`). */
  hookType?: SyncPhase;
  /** For hooks only (§6.1). */
  deletePolicies?: HookDeletePolicy[];
  /** D3: the hook's own timeout from `hookrunner.io/hook-timeout`, in milliseconds. */
  hookTimeoutMs?: number;
  /** Per-resource sync options (`argocd.argoproj.io/sync-options`), §9. */
  syncOptions: string[];
  /** The object to apply: a copy of the manifest with name, namespace and hook finalizer set. Absent for a prune task. */
  target?: KubeObject;
  /** For a prune task: the live object to delete. */
  live?: KubeObject;
  /** True for a prune task (a live object with no target, §3 step 1), and for a deletion's Delete task (§11). */
  prune: boolean;
  /** True for the task CreateNamespace added (§3 step 4). */
  createNamespace?: boolean;
  /** Where the manifest was written; absent for generated tasks. */
  source?: SourceRef;
}

/** Options of {@link plan}. */
export interface PlanOptions {
  /**
   * The application's destination namespace: filled into every object without one (§3 step 3),
   * and the namespace CreateNamespace creates.
   * @defaultValue '' (no fill-in)
   */
  namespace?: string;
  /** The sync revision; its first 7 characters go into generated hook names (§7). @defaultValue '' */
  revision?: string;
  /** The operation's start; its Unix seconds go into generated hook names (§7). Required: the planner never reads the clock. */
  startedAt: Date;
  /** `CreateNamespace=true` (§3 step 4, §9.7). @defaultValue false */
  createNamespace?: boolean;
  /**
   * Whether the destination namespace exists in the cluster. The CreateNamespace task is only
   * added when it does not (the planner does no I/O, so the caller says).
   * @defaultValue false
   */
  namespaceExists?: boolean;
  /** Live objects of the application that have no target: prune candidates (§3 step 1). Live hooks are never pruned. @defaultValue [] */
  pruneCandidates?: readonly KubeObject[];
  /** `PruneLast=true` as an application option (§9.2). @defaultValue false */
  pruneLast?: boolean;
  /** Leave hooks out, as selective sync and the apply strategy do (§9.9). @defaultValue false */
  skipHooks?: boolean;
  /**
   * Plan an application's deletion (§11): PreDelete hooks, a Delete task for every live object in
   * `pruneCandidates` (hooks included; waves reversed, the highest first), then PostDelete hooks.
   * Plain manifests are not applied. @defaultValue false
   */
  deletion?: boolean;
}

/** The tasks in execution order, and every warning about dropped values (D9). */
export interface SyncPlan {
  tasks: SyncTask[];
  warnings: Warning[];
}
