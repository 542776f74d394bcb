/**
 * The vocabulary of an application's status, in Argo CD's shape (`Application.status`): whether
 * the cluster matches the source at the target revision (sync status, per resource and overall),
 * how healthy the application's objects are, and the tree of objects they own
 * (docs/semantics.md §17).
 */
import type { HealthStatus, HealthStatusCode } from '../cluster/index.js';
import type { Difference } from '../diff/index.js';

export const SYNC_STATUS_CODES = ['Synced', 'OutOfSync', 'Unknown'] as const;
/** Argo CD's `SyncStatusCode`. */
export type SyncStatusCode = (typeof SYNC_STATUS_CODES)[number];

export type { HealthStatus, HealthStatusCode };

/** One of the application's resources: declared by the source, or live and carrying the app's tracking keys. */
export interface ResourceStatus {
  group: string;
  version: string;
  kind: string;
  /** Empty for cluster-scoped objects. */
  namespace: string;
  name: string;
  status: SyncStatusCode;
  /** Absent for kinds without a health check (ConfigMap, Secret…) that exist. */
  health?: HealthStatus;
  /** A live object the source no longer declares (a sync with prune deletes it). */
  requiresPruning?: boolean;
}

export const CONDITION_TYPES = ['ComparisonError', 'SelfHealLoop', 'SyncError'] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

/** Argo CD's `ApplicationCondition`: something the user must know that no status code says. */
export interface ApplicationCondition {
  type: ConditionType;
  message: string;
  /** ISO time the condition appeared. */
  lastTransitionTime: string;
}

export interface ApplicationStatus {
  sync: {
    status: SyncStatusCode;
    /** The commit compared against (the target revision resolved), null before the source was read. */
    revision: string | null;
    comparedTo: { source: { repoURL: string; path: string; targetRevision: string } };
  };
  health: HealthStatus;
  resources: ResourceStatus[];
  /** ISO time of the last comparison; null before the first. */
  reconciledAt: string | null;
  conditions: ApplicationCondition[];
}

/** One object of an application's tree (Argo CD's `ResourceNode`). */
export interface ResourceNode {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  /** Owners within the tree; empty for the application's own objects. */
  parentRefs: { group: string; kind: string; namespace: string; name: string; uid: string }[];
  health?: HealthStatus;
  /** Only on the application's own (top-level) objects. */
  status?: SyncStatusCode;
  /** Hooks are shown in the tree, never counted in the sync status. */
  hook?: boolean;
  createdAt?: string;
}

/** One object that differs from the source: to create, to change, or to prune. */
export interface ResourceDiff {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  action: 'create' | 'change' | 'prune';
  differences: Difference[];
  /** Unified YAML diff, live against desired. */
  diff: string;
}
