/** The vocabulary of projects: Argo CD's `AppProject`, the part hookrunner implements (docs/semantics.md §18). */

/** `{group, kind}` as in Argo CD's `metav1.GroupKind`; both are `filepath.Match` globs. */
export interface GroupKind {
  group: string;
  kind: string;
}

/** A cluster-resource list entry (Argo CD's `ClusterResourceRestrictionItem`): `name` is an optional glob. */
export interface ClusterResourceItem extends GroupKind {
  name?: string;
}

/** One permitted destination; every field is a glob, `!` makes it a deny entry. */
export interface ProjectDestination {
  server?: string;
  name?: string;
  namespace: string;
}

export interface ProjectSpec {
  description?: string;
  sourceRepos: string[];
  destinations: ProjectDestination[];
  clusterResourceWhitelist: ClusterResourceItem[];
  clusterResourceBlacklist: ClusterResourceItem[];
  /** Absent (undefined) = every namespaced kind; `[]` = none (Argo CD: nil vs empty). */
  namespaceResourceWhitelist?: GroupKind[];
  namespaceResourceBlacklist: GroupKind[];
}

/** A project as stored and served. */
export interface ProjectRecord {
  name: string;
  spec: ProjectSpec;
  /** The AppProject document as submitted (parsed). */
  manifest: Record<string, unknown>;
  /** Defined by the install (`--projects-dir`, or the built-in default): the API may not change or delete it. */
  managedBy?: 'install';
  createdAt: string;
  updatedAt: string;
}

/** The one cluster hookrunner deploys to, as Argo CD names the in-cluster destination. */
export const IN_CLUSTER = { server: 'https://kubernetes.default.svc', name: 'in-cluster' } as const;

/** One resource a sync would touch, for {@link resourceViolations}. */
export interface ResourceRef {
  group: string;
  kind: string;
  name: string;
  /** The namespace it lands in; undefined for a cluster-scoped kind. */
  namespace?: string;
}

/** Why a resource is refused, phrased as Argo CD phrases it. */
export interface ResourceViolation {
  resource: ResourceRef;
  message: string;
}

/** A field error of a project document. */
export interface ProjectFieldError {
  field: string;
  message: string;
}
