/**
 * An in-memory `ClusterClient` (the port of `src/cluster/types.ts`) for UNIT TESTS ONLY: it
 * lets the worker run steps without an API server, and lets a test drive what the cluster does
 * (complete a Job, inject an API error) and assert what was asked of it (`calls`).
 *
 * What it models, where the worker relies on it:
 * - objects keyed by apiVersion/kind/namespace/name, with `uid`, `resourceVersion` (one global
 *   counter, unchanged by a no-op write), `generation` (moves when anything outside metadata and
 *   status changes) and `creationTimestamp` (from the injected `now`);
 * - `apply`: create, or merge into the live object (maps merge, lists replace, finalizers union);
 *   `status` in the body is ignored, a stale `resourceVersion` is a 409 Conflict, `dryRun` stores
 *   nothing; `create`: 409 AlreadyExists, `generateName`, `adoptOnConflict` (labels must match);
 *   writes into a missing namespace are 404 `namespaces "x" not found`, bad names 422 Invalid;
 * - `get` (undefined when absent or the kind is not served), `list` with label selectors (`=`,
 *   `==`, `!=`, `in`, `notin`, `k`, `!k`) and field selectors on metadata.name/namespace;
 * - `delete`: uid precondition (a mismatch is 'notFound', as the real client maps it),
 *   propagation (Foreground deletes dependents before the owner, Background after, Orphan
 *   unlinks them; a Namespace takes its objects along); an object with finalizers only gets a
 *   `deletionTimestamp` and goes when `removeFinalizer`/`mergePatch` empties them; no new
 *   finalizer may be added to an object being deleted (422, as kube-apiserver);
 * - `mergePatch` (RFC 7386) of the object (status ignored) or of its `status` subresource;
 * - `watch`: ADDED/MODIFIED/DELETED (list first, or replay from a resourceVersion; selectors, an
 *   object leaving the selection is DELETED), delivered asynchronously in order; `stop`, signal;
 * - `waitFor`: the predicate on the current object and every change; `DeadlineExceededError`
 *   naming what was awaited and the last object seen, `AbortedError` on the signal or `close()`,
 *   `InvalidInputError` for `timeoutMs <= 0` — the same types the real client raises;
 * - `resourceInfo`: built-in kinds (Pod, Service, ConfigMap, Secret, ServiceAccount, Namespace,
 *   Deployment, Job, Role, …), `options.kinds`, and the kinds of Established CRDs; cached per
 *   apiVersion until `invalidateDiscovery()`, so a new CRD's kind needs it, as with the real client;
 * - minimal controllers: a created Job gets a running Pod (`<job>-xxxxx`, job-name labels, owner
 *   reference) and runs until `completeJob` (or completes at once with `jobs: 'succeed' | 'fail'`);
 *   a bare Pod is Pending; a CRD is Established; a Namespace is Active; pod logs per container.
 *
 * Not modelled: admission, RBAC, defaulting other than the above, schema validation and
 * immutable fields (a Job's template), managed fields and apply conflicts between field
 * managers (the field manager is only recorded in `calls`), removal of fields dropped from an
 * applied config, real controllers (a Deployment has no status until a test sets one; a Job
 * applied over an existing one does not run again), Job retries, graceful deletion and the
 * `foregroundDeletion` finalizer, several versions of one kind, the client's retries and rate
 * limit, the periodic re-read of the real `waitFor`. The errors the real client would raise for
 * those (and for anything else) are injected with `failNext`/`failAlways` and `kubeErrors`.
 * `setStatus` drives status explicitly; `waiting()`/`expireWaits()` let a test act while a step
 * waits and time a wait out without sleeping.
 *
 * Files: this one (the client: calls, faults, test controls), `memory-cluster-server.ts`
 * (discovery, controllers, deletion, logs, watches, waits), `memory-cluster-store.ts` (objects,
 * selectors, merges, errors).
 */
import { InvalidInputError, KubeApiError } from '../../src/cluster/index.js';
import type { ApiResourceInfo, ClusterClient, DeleteOutcome, ObjectRef } from '../../src/cluster/index.js';
import type { KubeObject } from '../../src/manifests/index.js';
import { AbortedError } from '../../src/util/index.js';
import { MemoryServer } from './memory-cluster-server.js';
import type { JobCompletion } from './memory-cluster-server.js';
import { applyMerge, describeTarget, isRecord, keyOf, kubeErrors, mergePatchJson, selects } from './memory-cluster-store.js';

export { kubeErrors } from './memory-cluster-store.js';
export type { JobCompletion } from './memory-cluster-server.js';

export type Verb = 'apply' | 'create' | 'replace' | 'get' | 'list' | 'delete' | 'removeFinalizer' | 'mergePatch' | 'watch' | 'waitFor' | 'podLogs' | 'resourceInfo' | 'listableResources' | 'invalidateDiscovery';
const WRITES: ReadonlySet<Verb> = new Set<Verb>(['apply', 'create', 'replace', 'delete', 'removeFinalizer', 'mergePatch']);

/** One call of a `ClusterClient` method, as the test sees it. `namespace` is resolved (default namespace filled in). */
export interface Call {
  verb: Verb;
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  options?: Record<string, unknown>;
  /** apply/create: the object sent; mergePatch: the patch. */
  body?: unknown;
  /** Set when the call failed. */
  error?: string;
}

export type CallMatch = Partial<Pick<Call, 'apiVersion' | 'kind' | 'namespace' | 'name'>> | ((call: Call) => boolean);

export interface MemoryClusterOptions {
  /** Clock of timestamps. @defaultValue Date.now */
  now?: () => number;
  /** Namespaces that exist from the start. @defaultValue ['default'] */
  namespaces?: string[];
  /** The namespace of refs and objects that name none (namespaced kinds). @defaultValue 'default' */
  defaultNamespace?: string;
  /** A created Job runs until `completeJob` ('manual'), or completes at once. @defaultValue 'manual' */
  jobs?: 'manual' | 'succeed' | 'fail';
  /** The log of auto-completed Jobs. @defaultValue '' */
  jobLogs?: string;
  /** Served kinds besides the built-in ones. */
  kinds?: ApiResourceInfo[];
}

export interface PendingWait extends ObjectRef {
  description: string;
  timeoutMs: number;
}

export interface MemoryCluster extends ClusterClient {
  /** Every call, in order (failed ones with `error`). */
  readonly calls: Call[];
  /** The calls that change something: apply, create, delete, removeFinalizer, mergePatch. */
  writes(): Call[];
  objects(filter?: Partial<ObjectRef>): KubeObject[];
  object(ref: ObjectRef): KubeObject | undefined;
  /** Store an object as if it had been created earlier: status, deletionTimestamp and creationTimestamp as given; no call recorded, no controller. */
  seed(obj: KubeObject): KubeObject;
  setStatus(ref: ObjectRef, status: Record<string, unknown>): KubeObject;
  /** Finish a Job (its Pod terminates, conditions Complete or Failed) or a bare Pod. */
  completeJob(ref: ObjectRef, completion: JobCompletion): KubeObject;
  setLogs(namespace: string, pod: string, logs: string | Record<string, string>): void;
  /** The next matching call (verb or '*') throws `error`. */
  failNext(verb: Verb | '*', match: CallMatch, error: Error): void;
  /** Every matching call throws `error` until the returned function is called. */
  failAlways(verb: Verb | '*', match: CallMatch, error: Error): () => void;
  clearFaults(): void;
  pendingWaits(): PendingWait[];
  /**
   * Resolves once at least `count` waitFor calls (matching `match`; a string or RegExp matches the
   * description) are pending. Rejects after 2 s of real time, listing the calls made.
   */
  waiting(count?: number, match?: CallMatch | string | RegExp): Promise<void>;
  /** Time out pending waits now (all, or the matching ones), as their deadline would; returns how many. */
  expireWaits(match?: CallMatch): number;
}

interface Fault {
  verb: Verb | '*';
  match: CallMatch;
  error: Error;
  once: boolean;
}

function matches(match: CallMatch | undefined, call: Call): boolean {
  if (!match) return true;
  if (typeof match === 'function') return match(call);
  return Object.entries(match).every(([k, v]) => v === undefined || call[k as keyof Call] === v);
}

function check(ok: boolean, message: string, field: string): void {
  if (!ok) throw new InvalidInputError(message, field);
}

function checkRef(ref: ObjectRef, verb: string): void {
  for (const f of ['apiVersion', 'kind', 'name'] as const) check(typeof ref[f] === 'string' && ref[f] !== '', `${verb}: ref.${f} is required`, `ref.${f}`);
}

function checkObject(o: KubeObject, verb: string, needsName: boolean): void {
  check(typeof o.apiVersion === 'string' && o.apiVersion !== '', `${verb}: apiVersion is required`, 'apiVersion');
  check(typeof o.kind === 'string' && o.kind !== '', `${verb}: kind is required`, 'kind');
  check(isRecord(o.metadata), `${verb}: metadata is required`, 'metadata');
  const named = typeof o.metadata.name === 'string' && o.metadata.name !== '';
  check(named || (!needsName && !!o.metadata.generateName), `${verb} ${o.kind}: metadata.name${needsName ? '' : ' or metadata.generateName'} is required`, 'metadata.name');
}

export function createMemoryCluster(options: MemoryClusterOptions = {}): MemoryCluster {
  const server = new MemoryServer<Call>({ now: options.now ?? Date.now, defaultNamespace: options.defaultNamespace ?? 'default', jobs: options.jobs ?? 'manual', jobLogs: options.jobLogs ?? '', kinds: options.kinds ?? [] });
  const { store } = server;
  const calls: Call[] = [];
  const faults: Fault[] = [];
  let closed = false;

  function callFor(verb: Verb, apiVersion: string | undefined, kind: string | undefined, namespace: string | undefined, name: string | undefined, opts?: object, body?: unknown): Call {
    const i = apiVersion && kind ? server.info(apiVersion, kind) : undefined;
    // A collection without a namespace is all namespaces; an object without one is in the default namespace.
    const collection = verb === 'list' || verb === 'watch';
    const ns = !i ? namespace : collection ? (i.namespaced ? namespace : undefined) : server.nsOf(i, namespace);
    const call: Call = { verb, ...(apiVersion ? { apiVersion } : {}), ...(kind ? { kind } : {}), ...(ns ? { namespace: ns } : {}), ...(name ? { name } : {}) };
    if (opts) call.options = { ...opts };
    if (body !== undefined) call.body = structuredClone(body);
    return call;
  }

  function inject(call: Call): void {
    const at = faults.findIndex((f) => (f.verb === '*' || f.verb === call.verb) && matches(f.match, call));
    const fault = faults[at];
    if (!fault) return;
    if (fault.once) faults.splice(at, 1);
    throw fault.error;
  }

  /** As the real client: API errors name the request (`apply jobs.batch app/x: Invalid (422): …`). */
  function withRequest(err: unknown, call: Call): unknown {
    if (!(err instanceof KubeApiError) || err.request || !call.apiVersion || !call.kind) return err;
    const i = server.info(call.apiVersion, call.kind);
    const target = i ? describeTarget(i, call.namespace, call.name) : `${call.kind}.${call.apiVersion}`;
    return new KubeApiError(err.status, { request: { verb: call.verb === 'mergePatch' ? 'patch' : call.verb, target }, ...(err.retryAfterSeconds !== undefined ? { retryAfterSeconds: err.retryAfterSeconds } : {}), cause: err });
  }

  function failed(call: Call, err: unknown): unknown {
    const thrown = withRequest(err, call);
    call.error = thrown instanceof Error ? thrown.message : String(thrown);
    return thrown;
  }

  async function run<T>(call: Call, fn: () => T | Promise<T>): Promise<T> {
    calls.push(call);
    try {
      inject(call);
      return await fn();
    } catch (err) {
      throw failed(call, err);
    }
  }

  const liveOf = (ref: ObjectRef): KubeObject | undefined => (server.info(ref.apiVersion, ref.kind) ? store.get(server.keyFor(ref)) : undefined);

  const cluster: MemoryCluster = {
    calls,
    apply(object, opts = {}) {
      const m = object?.metadata;
      const call = callFor('apply', object?.apiVersion, object?.kind, m?.namespace, m?.name, { fieldManager: opts.fieldManager ?? 'hookrunner', force: opts.force ?? true, dryRun: opts.dryRun ?? false, ...(opts.fieldValidation ? { fieldValidation: opts.fieldValidation } : {}) }, object);
      return run(call, () => {
        checkObject(object, 'apply', true);
        const next = server.body(object, object.metadata.name ?? '');
        const live = store.get(keyOf(next));
        if (!live) return opts.dryRun ? server.dryRunCreated(next) : server.create(next);
        if (next.metadata.resourceVersion && next.metadata.resourceVersion !== live.metadata.resourceVersion) throw kubeErrors.conflict();
        const merged = applyMerge(live, next) as KubeObject;
        server.checkFinalizers(live, merged);
        return opts.dryRun ? merged : store.update(merged);
      });
    },
    create(object, opts = {}) {
      const m = object?.metadata;
      const call = callFor('create', object?.apiVersion, object?.kind, m?.namespace, m?.name || m?.generateName, { dryRun: opts.dryRun ?? false, adoptOnConflict: opts.adoptOnConflict ?? false }, object);
      return run(call, () => {
        checkObject(object, 'create', opts.adoptOnConflict === true);
        const next = server.body(object, object.metadata.name || `${object.metadata.generateName ?? ''}${server.suffix()}`);
        delete next.metadata.resourceVersion;
        const live = store.get(keyOf(next));
        if (live) {
          const labels = live.metadata.labels ?? {};
          if (opts.adoptOnConflict && Object.entries(object.metadata.labels ?? {}).every(([k, v]) => labels[k] === v)) return live;
          throw kubeErrors.alreadyExists(server.served(object.apiVersion, object.kind), next.metadata.name ?? '');
        }
        return opts.dryRun ? server.dryRunCreated(next) : server.create(next);
      });
    },
    replace(object, opts = {}) {
      const m = object?.metadata;
      const call = callFor('replace', object?.apiVersion, object?.kind, m?.namespace, m?.name, { dryRun: opts.dryRun ?? false, ...(opts.fieldValidation ? { fieldValidation: opts.fieldValidation } : {}) }, object);
      return run(call, () => {
        checkObject(object, 'replace', true);
        const next = server.body(object, object.metadata.name ?? '');
        const live = store.get(keyOf(next));
        if (!live) throw kubeErrors.notFound(server.served(object.apiVersion, object.kind), next.metadata.name ?? '');
        if (next.metadata.resourceVersion && next.metadata.resourceVersion !== live.metadata.resourceVersion) throw kubeErrors.conflict();
        // The main resource's PUT keeps the status (a status subresource), as the API server does.
        const replaced: KubeObject = { ...next, ...(live['status'] !== undefined ? { status: live['status'] } : {}) };
        if (live.metadata.deletionTimestamp) replaced.metadata.deletionTimestamp = live.metadata.deletionTimestamp;
        server.checkFinalizers(live, replaced);
        return opts.dryRun ? replaced : store.update(replaced);
      });
    },
    get(ref) {
      return run(callFor('get', ref.apiVersion, ref.kind, ref.namespace, ref.name), () => {
        checkRef(ref, 'get');
        return liveOf(ref);
      });
    },
    list(ref, selectors = {}) {
      return run(callFor('list', ref.apiVersion, ref.kind, ref.namespace, undefined, selectors), () => {
        for (const f of ['apiVersion', 'kind'] as const) check(typeof ref[f] === 'string' && ref[f] !== '', `list: ref.${f} is required`, `ref.${f}`);
        const i = server.served(ref.apiVersion, ref.kind);
        const items = store
          .all()
          .filter((o) => o.apiVersion === ref.apiVersion && o.kind === ref.kind && (!ref.namespace || !i.namespaced || o.metadata.namespace === ref.namespace) && selects(o, selectors))
          .sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
        return { items, resourceVersion: String(store.resourceVersion) };
      });
    },
    delete(ref, opts = {}) {
      return run(callFor('delete', ref.apiVersion, ref.kind, ref.namespace, ref.name, opts), (): DeleteOutcome => {
        checkRef(ref, 'delete');
        const live = liveOf(ref);
        // A failed uid precondition is 'notFound', as the real client maps the 409.
        if (!live || (opts.uid !== undefined && live.metadata.uid !== opts.uid)) return 'notFound';
        server.delete(live, opts.propagationPolicy ?? 'Background');
        return 'deleted';
      });
    },
    removeFinalizer(ref, finalizer) {
      return run(callFor('removeFinalizer', ref.apiVersion, ref.kind, ref.namespace, ref.name, { finalizer }), () => {
        checkRef(ref, 'removeFinalizer');
        const live = liveOf(ref);
        if (!live?.metadata.finalizers?.includes(finalizer)) return;
        store.update({ ...live, metadata: { ...live.metadata, finalizers: live.metadata.finalizers.filter((f) => f !== finalizer) } });
      });
    },
    mergePatch(ref, patch, opts = {}) {
      return run(callFor('mergePatch', ref.apiVersion, ref.kind, ref.namespace, ref.name, opts, patch), () => {
        checkRef(ref, 'mergePatch');
        check(isRecord(patch), 'mergePatch: patch must be an object', 'patch');
        const i = server.served(ref.apiVersion, ref.kind);
        const live = store.get(server.keyFor(ref));
        if (!live) throw kubeErrors.notFound(i, ref.name);
        let next: KubeObject;
        if (opts.subresource === 'status') {
          next = { ...live, status: mergePatchJson(live['status'], patch['status'] ?? {}) };
        } else {
          const { status: _ignored, ...rest } = patch;
          const rv = (rest['metadata'] as { resourceVersion?: unknown } | undefined)?.resourceVersion;
          if (rv !== undefined && rv !== live.metadata.resourceVersion) throw kubeErrors.conflict();
          const merged = mergePatchJson(live, rest) as KubeObject;
          next = { ...merged, apiVersion: live.apiVersion, kind: live.kind, metadata: { ...merged.metadata, name: live.metadata.name, namespace: live.metadata.namespace } };
          if (live['status'] !== undefined) next['status'] = live['status'];
        }
        server.checkFinalizers(live, next);
        return store.update(next);
      });
    },
    watch(ref, opts, onEvent) {
      const call = callFor('watch', ref.apiVersion, ref.kind, ref.namespace, undefined, { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, resourceVersion: opts.resourceVersion });
      calls.push(call);
      const handle = server.watch(ref, opts, onEvent, () => inject(call), (err) => failed(call, err));
      if (closed) handle.stop();
      return handle;
    },
    waitFor(ref, predicate, opts) {
      const call = callFor('waitFor', ref.apiVersion, ref.kind, ref.namespace, ref.name, { timeoutMs: opts.timeoutMs, description: opts.description });
      return run(call, () => {
        checkRef(ref, 'waitFor');
        check(opts.timeoutMs > 0, 'waitFor: timeoutMs must be > 0', 'timeoutMs');
        if (closed) throw new AbortedError('the cluster client is closed');
        return server.waitFor(call, server.keyFor(ref), predicate, opts);
      });
    },
    podLogs(namespace, pod, opts = {}) {
      return run(callFor('podLogs', 'v1', 'Pod', namespace, pod, opts), () => {
        check(!!namespace, 'podLogs: namespace is required', 'namespace');
        check(!!pod, 'podLogs: pod is required', 'pod');
        for (const f of ['tailLines', 'limitBytes'] as const) {
          const v = opts[f];
          check(v === undefined || (Number.isInteger(v) && v >= 0), `podLogs: ${f} must be an integer ≥ 0 (got ${v})`, f);
        }
        return server.podLogs(namespace, pod, opts);
      });
    },
    resourceInfo(apiVersion, kind) {
      return run(callFor('resourceInfo', apiVersion, kind, undefined, undefined), () => server.info(apiVersion, kind));
    },
    listableResources() {
      return run(callFor('listableResources', undefined, undefined, undefined, undefined), () => ({ resources: server.listable(), unavailable: [] }));
    },
    invalidateDiscovery() {
      calls.push({ verb: 'invalidateDiscovery' });
      server.invalidate();
    },
    close() {
      closed = true;
      server.close();
    },

    writes: () => calls.filter((c) => WRITES.has(c.verb)),
    objects: (filter = {}) =>
      store
        .all()
        .filter((o) => Object.entries(filter).every(([k, v]) => v === undefined || (k === 'namespace' || k === 'name' ? o.metadata[k] === v : o[k] === v)))
        .sort((a, b) => keyOf(a).localeCompare(keyOf(b))),
    object: (ref) => store.get(server.keyFor(ref)),
    seed(obj) {
      const next = structuredClone(obj);
      const ns = server.nsOf(server.info(obj.apiVersion, obj.kind), obj.metadata.namespace);
      if (ns) next.metadata.namespace = ns;
      const stored = store.get(keyOf(next)) ? store.update(next) : store.insert(next, true);
      return obj.metadata.deletionTimestamp ? store.update({ ...stored, metadata: { ...stored.metadata, deletionTimestamp: obj.metadata.deletionTimestamp } }) : stored;
    },
    setStatus(ref, status) {
      const live = store.get(server.keyFor(ref));
      if (!live) throw new Error(`memory cluster: setStatus: no object ${server.keyFor(ref)}`);
      return store.update({ ...live, status: structuredClone(status) });
    },
    completeJob: (ref, completion) => server.completeJob(ref, completion),
    setLogs: (namespace, pod, logs) => server.setLogs(namespace, pod, logs),
    failNext: (verb, match, error) => void faults.push({ verb, match, error, once: true }),
    failAlways(verb, match, error) {
      const fault: Fault = { verb, match, error, once: false };
      faults.push(fault);
      return () => void (faults.includes(fault) && faults.splice(faults.indexOf(fault), 1));
    },
    clearFaults: () => void faults.splice(0),
    pendingWaits: () =>
      [...server.waits].map(({ tag }) => ({ apiVersion: tag.apiVersion ?? '', kind: tag.kind ?? '', ...(tag.namespace ? { namespace: tag.namespace } : {}), name: tag.name ?? '', description: String(tag.options?.['description']), timeoutMs: Number(tag.options?.['timeoutMs']) })),
    waiting(count = 1, match) {
      const description = (tag: Call): string => String(tag.options?.['description'] ?? '');
      const accept = (tag: Call): boolean =>
        typeof match === 'string' ? description(tag).includes(match) : match instanceof RegExp ? match.test(description(tag)) : matches(match, tag);
      return server.waiting(count, accept, () => `calls: ${calls.map((c) => `${c.verb} ${c.kind ?? ''}/${c.name ?? ''}`).join(', ')}`);
    },
    expireWaits(match) {
      const hit = [...server.waits].filter((w) => matches(match, w.tag));
      for (const w of hit) w.expire();
      return hit.length;
    },
  };
  for (const ns of options.namespaces ?? ['default']) server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  return cluster;
}
