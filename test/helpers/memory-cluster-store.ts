/**
 * Internals of the in-memory `ClusterClient` (see `memory-cluster.ts`, which documents what is
 * modelled): the served kinds, label and field selectors, the two merges (server-side apply as a
 * deep merge, RFC 7386 merge patch), Kubernetes-shaped errors built on the real error classes of
 * `src/cluster`, and the object store with its resourceVersion counter and event history.
 * For unit tests only.
 */
import { ClusterUnreachableError, KubeApiError } from '../../src/cluster/index.js';
import type { ApiResourceInfo, KubeStatus, WatchEventType } from '../../src/cluster/index.js';
import { splitApiVersion } from '../../src/manifests/index.js';
import type { KubeObject } from '../../src/manifests/index.js';

type Json = Record<string, unknown>;

const RBAC = 'rbac.authorization.k8s.io/v1';
const NET = 'networking.k8s.io/v1';
/** Built-in kinds: apiVersion, kind, plural, namespaced. */
const BUILT_IN: readonly [string, string, string, boolean][] = [
  ['v1', 'Pod', 'pods', true], ['v1', 'Service', 'services', true], ['v1', 'ConfigMap', 'configmaps', true],
  ['v1', 'Secret', 'secrets', true], ['v1', 'ServiceAccount', 'serviceaccounts', true], ['v1', 'Namespace', 'namespaces', false],
  ['v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', true], ['v1', 'PersistentVolume', 'persistentvolumes', false],
  ['v1', 'Endpoints', 'endpoints', true], ['v1', 'Event', 'events', true], ['v1', 'Node', 'nodes', false],
  ['v1', 'LimitRange', 'limitranges', true], ['v1', 'ResourceQuota', 'resourcequotas', true],
  ['apps/v1', 'Deployment', 'deployments', true], ['apps/v1', 'ReplicaSet', 'replicasets', true],
  ['apps/v1', 'StatefulSet', 'statefulsets', true], ['apps/v1', 'DaemonSet', 'daemonsets', true],
  ['batch/v1', 'Job', 'jobs', true], ['batch/v1', 'CronJob', 'cronjobs', true],
  [RBAC, 'Role', 'roles', true], [RBAC, 'RoleBinding', 'rolebindings', true],
  [RBAC, 'ClusterRole', 'clusterroles', false], [RBAC, 'ClusterRoleBinding', 'clusterrolebindings', false],
  [NET, 'Ingress', 'ingresses', true], [NET, 'NetworkPolicy', 'networkpolicies', true], [NET, 'IngressClass', 'ingressclasses', false],
  ['policy/v1', 'PodDisruptionBudget', 'poddisruptionbudgets', true],
  ['autoscaling/v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true],
  ['apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'customresourcedefinitions', false],
  ['coordination.k8s.io/v1', 'Lease', 'leases', true],
];

/** A kind served by the API, as discovery describes it. */
export function kindInfo(apiVersion: string, kind: string, resource: string, namespaced: boolean): ApiResourceInfo {
  return { ...splitApiVersion(apiVersion), kind, resource, namespaced };
}

export const BUILT_IN_KINDS: readonly ApiResourceInfo[] = BUILT_IN.map(([a, k, r, n]) => kindInfo(a, k, r, n));

/** The kinds a CRD object serves once Established. */
export function crdKinds(crd: KubeObject): ApiResourceInfo[] {
  const spec = (crd['spec'] ?? {}) as { group?: string; scope?: string; names?: { kind?: string; plural?: string }; versions?: { name?: string; served?: boolean }[] };
  const conditions = ((crd['status'] as Json | undefined)?.['conditions'] ?? []) as { type?: string; status?: string }[];
  if (crd.metadata.deletionTimestamp || !conditions.some((c) => c.type === 'Established' && c.status === 'True')) return [];
  return (spec.versions ?? [])
    .filter((v) => v.served !== false && v.name)
    .map((v) => kindInfo(`${spec.group ?? ''}/${v.name ?? ''}`, spec.names?.kind ?? '', spec.names?.plural ?? '', spec.scope !== 'Cluster'));
}

// ---------------------------------------------------------------- errors

/** `jobs.batch app/x` (or `namespaces x`), as the real client names a request's target. */
export function describeTarget(info: ApiResourceInfo, namespace: string | undefined, name?: string): string {
  const resource = info.group === '' ? info.resource : `${info.resource}.${info.group}`;
  const ns = info.namespaced && namespace ? `${namespace}/` : '';
  return name === undefined ? `${resource}${info.namespaced && namespace ? ` in ${namespace}` : ''}` : `${resource} ${ns}${name}`;
}

export function statusError(code: number, reason: string, message: string, details?: KubeStatus['details']): KubeApiError {
  return new KubeApiError({ code, reason, message, ...(details ? { details } : {}) });
}

/** `jobs.batch "x"`: how the API server names an object in its messages. */
function qualified(info: ApiResourceInfo, name: string): string {
  return `${info.group ? `${info.resource}.${info.group}` : info.resource} "${name}"`;
}

/**
 * Errors the real client raises, for fault injection (`failNext`) and for the memory cluster's
 * own refusals. `KubeApiError`s without a request get the verb and target of the call that throws.
 */
export const kubeErrors = {
  notFound: (info: ApiResourceInfo, name: string) => statusError(404, 'NotFound', `${qualified(info, name)} not found`, { name, group: info.group, kind: info.resource }),
  alreadyExists: (info: ApiResourceInfo, name: string) => statusError(409, 'AlreadyExists', `${qualified(info, name)} already exists`, { name, group: info.group, kind: info.resource }),
  /** 409 Conflict: an update lost a resourceVersion race. */
  conflict: (message = 'the object has been modified; please apply your changes to the latest version and try again') => statusError(409, 'Conflict', `Operation cannot be fulfilled: ${message}`),
  /** 422 Invalid with field causes, e.g. `invalid('Pod', 'p', [{ field: 'spec.x', message: 'Invalid value: …' }])`. */
  invalid: (kind: string, name: string, causes: { field: string; message: string }[]) =>
    statusError(422, 'Invalid', `${kind} "${name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`, {
      name,
      kind,
      causes: causes.map((c) => ({ reason: 'FieldValueInvalid', message: c.message, field: c.field })),
    }),
  /** 403 Forbidden as RBAC words it. */
  forbidden: (o: { verb: string; resource: string; name?: string; namespace?: string; group?: string; user?: string }) =>
    statusError(
      403,
      'Forbidden',
      `${o.resource}${o.name ? ` "${o.name}"` : ''} is forbidden: User "${o.user ?? 'system:serviceaccount:hookrunner:hookrunner'}" cannot ${o.verb} resource "${o.resource}" in API group "${o.group ?? ''}"${o.namespace ? ` in the namespace "${o.namespace}"` : ' at the cluster scope'}`,
      { ...(o.name ? { name: o.name } : {}), kind: o.resource },
    ),
  /** 500 after the client's own retries (e.g. etcd trouble). */
  internal: (message = 'Internal error occurred: etcdserver: request timed out') => statusError(500, 'InternalError', message),
  /** The permanent 500 kube-apiserver answers a server-side apply that does not decode (an unparseable quantity). */
  conversion: (detail = 'quantities must match the regular expression') =>
    statusError(500, 'InternalError', `failed to convert new object (app/quick-fail-pod; /v1, Kind=Pod) to smd typed: .spec.containers[name="nginx"].resources.limits.memory: ${detail}`),
  tooManyRequests: (retryAfterSeconds = 1) => statusError(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds }),
  badRequest: (message: string) => statusError(400, 'BadRequest', message),
  /** The API server could not be reached after the bounded retries (network failure, timeout). */
  unreachable: (server = 'https://memory-cluster.invalid:6443', attempts = 6) =>
    new ClusterUnreachableError(server, attempts, { cause: Object.assign(new Error('connect ETIMEDOUT 10.0.0.1:6443'), { code: 'ETIMEDOUT' }) }),
  /** `no matches for kind "Widget" in version "example.com/v1"`, as the real discovery says. */
  noKindMatch: (apiVersion: string, kind: string) =>
    new KubeApiError(
      { code: 404, reason: 'NotFound', message: `no matches for kind ${JSON.stringify(kind)} in version ${JSON.stringify(apiVersion)}`, details: { group: splitApiVersion(apiVersion).group, kind } },
      { request: { verb: 'discover', target: `${kind}.${apiVersion}` } },
    ),
};

// ---------------------------------------------------------------- selectors

interface Requirement {
  key: string;
  op: 'in' | 'notin' | 'exists' | '!exists';
  values: string[];
}

const KEY = '[A-Za-z0-9][-A-Za-z0-9_./]*';

/** Kubernetes label selector syntax: `a=b`, `a==b`, `a!=b`, `a`, `!a`, `a in (x,y)`, `a notin (x)`. */
export function parseLabelSelector(text: string): Requirement[] {
  return text
    .split(/,(?![^(]*\))/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((part): Requirement => {
      let m = new RegExp(`^(${KEY})\\s+(in|notin)\\s+\\(([^)]*)\\)$`).exec(part);
      if (m) return { key: m[1] ?? '', op: m[2] === 'in' ? 'in' : 'notin', values: (m[3] ?? '').split(',').map((v) => v.trim()) };
      m = new RegExp(`^(${KEY})\\s*(==|=|!=)\\s*([-A-Za-z0-9_.]*)$`).exec(part);
      if (m) return { key: m[1] ?? '', op: m[2] === '!=' ? 'notin' : 'in', values: [m[3] ?? ''] };
      m = new RegExp(`^(!?)(${KEY})$`).exec(part);
      if (m) return { key: m[2] ?? '', op: m[1] ? '!exists' : 'exists', values: [] };
      throw kubeErrors.badRequest(`unable to parse requirement: ${JSON.stringify(part)}`);
    });
}

function labelsMatch(obj: KubeObject, requirements: readonly Requirement[]): boolean {
  const labels = obj.metadata.labels ?? {};
  return requirements.every((r) => {
    const value = labels[r.key];
    if (r.op === 'exists') return value !== undefined;
    if (r.op === '!exists') return value === undefined;
    if (r.op === 'in') return value !== undefined && r.values.includes(value);
    return value === undefined || !r.values.includes(value);
  });
}

/** Field selectors on `metadata.name` and `metadata.namespace` (`=`, `==`, `!=`); others are refused as the API server refuses unknown fields. */
function fieldsMatch(obj: KubeObject, selector: string): boolean {
  return selector
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .every((part) => {
      const m = /^([a-zA-Z.]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
      const field = m?.[1];
      if (!m || (field !== 'metadata.name' && field !== 'metadata.namespace')) throw kubeErrors.badRequest(`field label not supported: ${field ?? part}`);
      const actual = field === 'metadata.name' ? obj.metadata.name : (obj.metadata.namespace ?? '');
      return m[2] === '!=' ? actual !== m[3] : actual === m[3];
    });
}

/** Whether an object is selected; throws 400 BadRequest for a selector the API server would refuse. */
export function selects(obj: KubeObject, selectors: { labelSelector?: string; fieldSelector?: string }): boolean {
  if (selectors.labelSelector && !labelsMatch(obj, parseLabelSelector(selectors.labelSelector))) return false;
  return !selectors.fieldSelector || fieldsMatch(obj, selectors.fieldSelector);
}

// ---------------------------------------------------------------- merges

export function isRecord(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Server-side apply, simplified: maps merge recursively, lists are replaced, except `metadata.finalizers` (a set: union). */
export function applyMerge(live: Json, applied: Json, path = ''): Json {
  const out: Json = { ...live };
  for (const [k, v] of Object.entries(applied)) {
    const here = path ? `${path}.${k}` : k;
    const old = live[k];
    if (here === 'metadata.finalizers' && Array.isArray(old) && Array.isArray(v)) out[k] = [...new Set([...(old as unknown[]), ...v])];
    else out[k] = isRecord(old) && isRecord(v) ? applyMerge(old, v, here) : structuredClone(v);
  }
  return out;
}

/** RFC 7386 JSON merge patch: `null` deletes, maps merge, everything else replaces. */
export function mergePatchJson(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return structuredClone(patch);
  const out: Json = isRecord(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatchJson(out[k], v);
  }
  return out;
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (!isRecord(v)) return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
}

export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** Everything but metadata and status: what bumps `metadata.generation`. */
function specPart(obj: KubeObject): unknown {
  const { metadata: _m, status: _s, ...rest } = obj;
  return rest;
}

// ---------------------------------------------------------------- store

export interface StoreEvent {
  type: WatchEventType;
  /** The object after the change (for DELETED: its last state). */
  object: KubeObject;
  /** The object before the change (MODIFIED, DELETED). */
  previous?: KubeObject;
  resourceVersion: number;
}

export function objectKey(apiVersion: string, kind: string, namespace: string | undefined, name: string): string {
  return `${apiVersion}|${kind}|${namespace ?? ''}|${name}`;
}

export function keyOf(obj: KubeObject): string {
  return objectKey(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name ?? '');
}

/** RFC 3339 with second precision, as `metav1.Time` serialises. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Objects by key, one global resourceVersion counter, and every change as an event (for watches from a resourceVersion). */
export class ObjectStore {
  private readonly items = new Map<string, KubeObject>();
  private readonly listeners = new Set<(event: StoreEvent) => void>();
  readonly history: StoreEvent[] = [];
  private counter = 0;
  private uids = 0;

  constructor(private readonly now: () => number) {}

  get resourceVersion(): number {
    return this.counter;
  }

  /** A copy of the stored object. */
  get(key: string): KubeObject | undefined {
    const obj = this.items.get(key);
    return obj ? structuredClone(obj) : undefined;
  }

  all(): KubeObject[] {
    return [...this.items.values()].map((o) => structuredClone(o));
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Store a new object with uid, resourceVersion, generation and creationTimestamp (a given one is kept when `keepCreation`). */
  insert(obj: KubeObject, keepCreation = false): KubeObject {
    const stored = structuredClone(obj);
    const { resourceVersion: _rv, deletionTimestamp: _dt, ...metadata } = stored.metadata;
    const creationTimestamp = keepCreation && metadata.creationTimestamp ? metadata.creationTimestamp : rfc3339(this.now());
    stored.metadata = { ...metadata, uid: `uid-${++this.uids}`, resourceVersion: String(++this.counter), generation: 1, creationTimestamp };
    this.items.set(keyOf(stored), stored);
    this.emit({ type: 'ADDED', object: structuredClone(stored), resourceVersion: this.counter });
    return structuredClone(stored);
  }

  /**
   * Replace a stored object. Nothing changes (no new resourceVersion, no event) when the content
   * is the same; the generation moves when anything outside metadata and status changed. An
   * object being deleted whose last finalizer is gone is removed.
   */
  update(next: KubeObject): KubeObject {
    const key = keyOf(next);
    const live = this.items.get(key);
    if (!live) throw new Error(`memory cluster: update of a missing object ${key}`);
    const candidate = structuredClone(next);
    candidate.metadata = { ...candidate.metadata, uid: live.metadata.uid, creationTimestamp: live.metadata.creationTimestamp, resourceVersion: live.metadata.resourceVersion, generation: live.metadata.generation };
    if (candidate.metadata.finalizers?.length === 0) delete candidate.metadata.finalizers;
    if (candidate.metadata.deletionTimestamp && !candidate.metadata.finalizers) return this.remove(key, candidate);
    if (sameJson(candidate, live)) return structuredClone(live);
    if (!sameJson(specPart(candidate), specPart(live))) candidate.metadata.generation = (live.metadata.generation ?? 1) + 1;
    candidate.metadata.resourceVersion = String(++this.counter);
    this.items.set(key, candidate);
    this.emit({ type: 'MODIFIED', object: structuredClone(candidate), previous: structuredClone(live), resourceVersion: this.counter });
    return structuredClone(candidate);
  }

  /** Remove an object now (its finalizers, if any, are the caller's business). */
  remove(key: string, last?: KubeObject): KubeObject {
    const live = this.items.get(key);
    if (!live) throw new Error(`memory cluster: removal of a missing object ${key}`);
    this.items.delete(key);
    const gone = structuredClone(last ?? live);
    gone.metadata.resourceVersion = String(++this.counter);
    this.emit({ type: 'DELETED', object: structuredClone(gone), previous: structuredClone(live), resourceVersion: this.counter });
    return gone;
  }

  private emit(event: StoreEvent): void {
    this.history.push(event);
    for (const listener of [...this.listeners]) listener(event);
  }
}
