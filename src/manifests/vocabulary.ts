/**
 * The sync vocabulary: phases, hook types, delete policies, result codes and
 * annotation keys, modelled on gitops-engine's `sync/common/types.go`
 * (docs/semantics.md §1.1, §2.1). Every other module imports these names from here.
 */

/** Annotation and finalizer keys (§2.1, D5, D7). */
export const AnnotationKeys = {
  hook: 'argocd.argoproj.io/hook',
  hookDeletePolicy: 'argocd.argoproj.io/hook-delete-policy',
  syncWave: 'argocd.argoproj.io/sync-wave',
  syncOptions: 'argocd.argoproj.io/sync-options',
  helmHook: 'helm.sh/hook',
  helmHookWeight: 'helm.sh/hook-weight',
  helmHookDeletePolicy: 'helm.sh/hook-delete-policy',
  /** D3: per-hook timeout, a duration such as `90s`, `10m`, `1h`. */
  hookTimeout: 'hookrunner.io/hook-timeout',
  /** D5: `"false"` turns off the sync-context environment variables. */
  injectEnv: 'hookrunner.io/inject-env',
} as const;

/** D7: our hook finalizer (Argo CD's is `argocd.argoproj.io/hook-finalizer`). */
export const HOOK_FINALIZER = 'hookrunner.io/hook-finalizer';

/** The phases of a sync operation (§1.1). */
export const SYNC_PHASES = ['PreSync', 'Sync', 'PostSync', 'SyncFail'] as const;
/** The phases of an application's deletion (§11): PreDelete hooks, the deletions, PostDelete hooks. */
export const DELETE_PHASES = ['PreDelete', 'Delete', 'PostDelete'] as const;
/** A phase of an operation: a sync's or a deletion's. */
export type SyncPhase = (typeof SYNC_PHASES)[number] | (typeof DELETE_PHASES)[number];

/** §1.1: PreSync = -1, Sync = 0, PostSync = 1, SyncFail = 2; a deletion's phases run in the same places (§11). */
export const SYNC_PHASE_RANK: Readonly<Record<SyncPhase, number>> = {
  PreSync: -1,
  Sync: 0,
  PostSync: 1,
  SyncFail: 2,
  PreDelete: -1,
  Delete: 0,
  PostDelete: 1,
};

/** Valid values of `argocd.argoproj.io/hook` (§1.1); PreDelete and PostDelete hooks run only when the application is deleted (§11). */
export const HOOK_TYPES = ['PreSync', 'Sync', 'PostSync', 'Skip', 'SyncFail', 'PreDelete', 'PostDelete'] as const;
export type HookType = (typeof HOOK_TYPES)[number];

export const HOOK_DELETE_POLICIES = ['HookSucceeded', 'HookFailed', 'BeforeHookCreation'] as const;
export type HookDeletePolicy = (typeof HOOK_DELETE_POLICIES)[number];

/** §6.1: the policy used when neither annotation gives a valid one. */
export const DEFAULT_DELETE_POLICY: HookDeletePolicy = 'BeforeHookCreation';

/** §2.6: `helm.sh/hook` values that map to a sync phase. */
export const HELM_HOOK_TYPES: Readonly<Record<string, 'PreSync' | 'PostSync'>> = {
  'pre-install': 'PreSync',
  'pre-upgrade': 'PreSync',
  'post-install': 'PostSync',
  'post-upgrade': 'PostSync',
};
/** §2.6: `crd-install` is not a hook at all: the object is an ordinary resource. */
export const HELM_CRD_INSTALL = 'crd-install';

/** §2.6: `helm.sh/hook-delete-policy` values. */
export const HELM_DELETE_POLICIES: Readonly<Record<string, HookDeletePolicy>> = {
  'hook-succeeded': 'HookSucceeded',
  'hook-failed': 'HookFailed',
  'before-hook-creation': 'BeforeHookCreation',
};

/** §1.1 operation phases; also used as each hook task's phase. */
export const OPERATION_PHASES = ['Running', 'Terminating', 'Failed', 'Error', 'Succeeded'] as const;
export type OperationPhase = (typeof OPERATION_PHASES)[number];

/** "Completed" means Failed, Error or Succeeded (§1.1). */
export function isCompleted(phase: OperationPhase | undefined): boolean {
  return phase === 'Failed' || phase === 'Error' || phase === 'Succeeded';
}
export function isSuccessful(phase: OperationPhase | undefined): boolean {
  return phase === 'Succeeded';
}

/** §1.1 result codes (a task's status). */
export const RESULT_CODES = ['Synced', 'SyncFailed', 'Pruned', 'PruneSkipped'] as const;
export type ResultCode = (typeof RESULT_CODES)[number];

/** A phase of a sync (not of a deletion). */
export function isSyncPhase(value: string): value is SyncPhase {
  return (SYNC_PHASES as readonly string[]).includes(value);
}
/** PreDelete or PostDelete: a hook of the application's deletion (§11). */
export function isDeleteHookPhase(value: string): value is 'PreDelete' | 'PostDelete' {
  return value === 'PreDelete' || value === 'PostDelete';
}
export function isHookType(value: string): value is HookType {
  return (HOOK_TYPES as readonly string[]).includes(value);
}
export function isHookDeletePolicy(value: string): value is HookDeletePolicy {
  return (HOOK_DELETE_POLICIES as readonly string[]).includes(value);
}

/** Argo CD application-level and per-resource sync options hookrunner reads (§9). */
export const SyncOptions = {
  createNamespace: 'CreateNamespace=true',
  pruneLast: 'PruneLast=true',
  /** §9.6: replace (PUT) instead of apply; create when missing. App level, or on the target or live object. */
  replace: 'Replace=true',
  /** §9.6: delete and re-create what the API server refuses to change. On the target or live object. */
  force: 'Force=true',
  /** §9.6: server-side apply, reporting the fields taken over from other managers. App level or on the target. */
  serverSideApply: 'ServerSideApply=true',
  /** §9.6: on the target, turns off an app-level `ServerSideApply=true`. */
  noServerSideApply: 'ServerSideApply=false',
  /** §9.5: unknown fields are dropped instead of refused. App level or on the target. */
  noValidate: 'Validate=false',
  /** §9.8: plain resources whose live object already matches are not applied. App level. */
  applyOutOfSyncOnly: 'ApplyOutOfSyncOnly=true',
  /** §9.12: the fields `ignoreDifferences` names keep their live values when applied. App level. */
  respectIgnoreDifferences: 'RespectIgnoreDifferences=true',
} as const;
