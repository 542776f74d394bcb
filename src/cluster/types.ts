/**
 * The cluster port: hookrunner's own narrow interface to a Kubernetes API server
 * (docs/architecture.md, "Folders"). The adapter in this folder implements it on
 * `@kubernetes/client-node`; the worker's unit tests run on an in-memory one
 * (`test/helpers/memory-cluster.ts`). Objects passed in are never mutated.
 */
import type { KubeObject } from '../manifests/index.js';

/** Identifies one object. `namespace` is ignored for cluster-scoped kinds. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** Identifies a collection: a kind, optionally within one namespace. */
export interface CollectionRef {
  apiVersion: string;
  kind: string;
  /** Omit for cluster-scoped kinds, or to list across all namespaces. */
  namespace?: string;
}

export interface Selectors {
  /** e.g. `batch.kubernetes.io/job-name=pre-job` */
  labelSelector?: string;
  /** e.g. `metadata.name=pre-job` */
  fieldSelector?: string;
}

/** What discovery says about a kind. */
export interface ApiResourceInfo {
  group: string;
  version: string;
  kind: string;
  /** Plural resource name used in URLs, e.g. `jobs`. */
  resource: string;
  namespaced: boolean;
  /** False when the server lists the kind but cannot watch it (e.g. ComponentStatus). @defaultValue true */
  watchable?: boolean;
}

/**
 * Kinds never listed or watched for an application's objects, as in Argo CD's default
 * `resource.exclusions`: high-churn objects no sync applies (events, endpoints, leases), which
 * would only cost list calls and watch traffic (`group/Kind`, the core group empty).
 */
export const HIGH_CHURN_KINDS: ReadonlySet<string> = new Set(['/Event', 'events.k8s.io/Event', '/Endpoints', 'discovery.k8s.io/EndpointSlice', 'coordination.k8s.io/Lease']);

/** The kinds a server lets clients list, and the group versions whose discovery failed. */
export interface ListableResources {
  /** Main resources with the `list` verb, each at its group's preferred version. */
  resources: ApiResourceInfo[];
  /** Group versions whose resource list could not be read (e.g. an aggregated API that is down). */
  unavailable: string[];
}

export type PropagationPolicy = 'Foreground' | 'Background' | 'Orphan';

/**
 * How the API server treats unknown or duplicate fields (`fieldValidation`): `Strict` refuses
 * them (kubectl's default, `--validate=true`), `Warn` drops them with a warning, `Ignore` drops them.
 */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface ApplyOptions {
  /** @defaultValue 'hookrunner' */
  fieldManager?: string;
  /** Take ownership of conflicting fields. @defaultValue true */
  force?: boolean;
  /** Server-side dry run (`dryRun=All`). @defaultValue false */
  dryRun?: boolean;
  /** @defaultValue the API server's (Warn) */
  fieldValidation?: FieldValidation;
}

export interface MergePatchOptions {
  /** Patch the `status` subresource instead of the object. */
  subresource?: 'status';
  /** @defaultValue the API server's (`kubectl-patch`-like, none sent) */
  fieldManager?: string;
  /** @defaultValue the API server's (Warn) */
  fieldValidation?: FieldValidation;
}

export interface ReplaceOptions {
  /** @defaultValue 'hookrunner' */
  fieldManager?: string;
  /** Server-side dry run (`dryRun=All`). @defaultValue false */
  dryRun?: boolean;
  /** @defaultValue the API server's (Warn) */
  fieldValidation?: FieldValidation;
}

export interface CreateOptions {
  /** @defaultValue 'hookrunner' */
  fieldManager?: string;
  /** Server-side dry run (`dryRun=All`). @defaultValue false */
  dryRun?: boolean;
  /** @defaultValue the API server's (Warn) */
  fieldValidation?: FieldValidation;
  /**
   * When a retried create (after a lost response) meets AlreadyExists, read and return the
   * existing object instead of failing. Only for objects whose name is deterministic.
   * @defaultValue false
   */
  adoptOnConflict?: boolean;
}

export interface DeleteOptions {
  /** @defaultValue 'Background' */
  propagationPolicy?: PropagationPolicy;
  gracePeriodSeconds?: number;
  /** Only delete if the live object still has this uid (a precondition). */
  uid?: string;
}

/** The result of a delete: `notFound` when there was nothing to delete. */
export type DeleteOutcome = 'deleted' | 'notFound';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject;
}

export interface WatchOptions extends Selectors {
  /** Start after this resourceVersion; omitted = list first, then watch from the list's version. */
  resourceVersion?: string;
  /**
   * Re-list this often even when the watch is healthy, emitting what changed (a backstop for
   * missed events). @defaultValue 30_000
   */
  resyncMs?: number;
  signal?: AbortSignal;
}

/** A resumable watch: survives dropped connections and 410 Gone (re-list), until stopped. */
export interface WatchHandle {
  stop(): void;
  /** Resolves when the watch has listed once and is receiving events. */
  ready: Promise<void>;
}

export interface WaitOptions {
  /** Give up after this long. Required: every long wait has a deadline. */
  timeoutMs: number;
  /** What is awaited, for the error message, e.g. `Job app/pre-job to complete`. */
  description: string;
  /** Describes the last object seen, for the error message. @defaultValue a short status summary */
  describe?: (obj: KubeObject | undefined) => string;
  /**
   * The state the caller just wrote (an apply's or a create's answer): states older than it are
   * not considered, and absence counts only once the client's view has caught up with it. Without
   * it the wait starts with one direct read of the object.
   */
  after?: { resourceVersion?: string };
  signal?: AbortSignal;
}

export interface LogOptions {
  container?: string;
  tailLines?: number;
  limitBytes?: number;
  /** Logs of the previous container instance (after a restart). */
  previous?: boolean;
}

/** hookrunner's narrow view of a Kubernetes API server. */
export interface ClusterClient {
  /** Server-side apply (`application/apply-patch+yaml`), fieldManager `hookrunner`, force by default. */
  apply(object: KubeObject, options?: ApplyOptions): Promise<KubeObject>;
  create(object: KubeObject, options?: CreateOptions): Promise<KubeObject>;
  /**
   * Replace (`PUT`, as `kubectl replace`): the object becomes exactly `object`. Without
   * `metadata.resourceVersion` the update is unconditional; with it, a Conflict if the object changed.
   */
  replace(object: KubeObject, options?: ReplaceOptions): Promise<KubeObject>;
  /** `undefined` when the object does not exist. */
  get(ref: ObjectRef): Promise<KubeObject | undefined>;
  list(ref: CollectionRef, selectors?: Selectors): Promise<{ items: KubeObject[]; resourceVersion: string }>;
  delete(ref: ObjectRef, options?: DeleteOptions): Promise<DeleteOutcome>;
  /** Remove one finalizer, re-reading on Conflict; NotFound counts as done. */
  removeFinalizer(ref: ObjectRef, finalizer: string): Promise<void>;
  /** JSON merge patch of the object or its `status` subresource (Validate=false applies, tests, the dev tools). */
  mergePatch(ref: ObjectRef, patch: Record<string, unknown>, options?: MergePatchOptions): Promise<KubeObject>;
  /** A resumable watch of a collection. */
  watch(ref: CollectionRef, options: WatchOptions, onEvent: (event: WatchEvent) => void): WatchHandle;
  /**
   * Wait until `predicate` holds for the object (the adapter: a lookup in its shared informer of the
   * object's kind plus its events, no polling reads); resolves with the
   * object, or `undefined` if the predicate accepts absence and the object is gone.
   * @throws DeadlineExceededError naming what was awaited and what was last seen.
   */
  waitFor(ref: ObjectRef, predicate: (obj: KubeObject | undefined) => boolean, options: WaitOptions): Promise<KubeObject | undefined>;
  podLogs(namespace: string, pod: string, options?: LogOptions): Promise<string>;
  /** Discovery; `undefined` when the API server does not serve this kind. Cached per apiVersion. */
  resourceInfo(apiVersion: string, kind: string): Promise<ApiResourceInfo | undefined>;
  /** Every kind that can be listed, at its group's preferred version (as `kubectl api-resources --verbs=list`). */
  listableResources(): Promise<ListableResources>;
  /** Forget cached discovery (after a CRD is created). */
  invalidateDiscovery(): void;
  /** Stop watches and timers. */
  close(): void;
}

/** The parsed Kubernetes `Status` of a failed request. */
export interface KubeStatus {
  code: number;
  reason: string;
  message: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: { reason?: string; message?: string; field?: string }[];
    retryAfterSeconds?: number;
  };
}
