/**
 * The server side of the in-memory cluster (`memory-cluster.ts` documents what is modelled):
 * discovery, the checks of a write, the few modelled controllers (Job → Pod, bare Pod Pending,
 * CRD Established, Namespace Active), deletion with propagation and finalizers, pod logs, watches
 * and waits. For unit tests only.
 */
import { describeObject } from '../../src/cluster/index.js';
import type { ApiResourceInfo, CollectionRef, LogOptions, ObjectRef, PropagationPolicy, WaitOptions, WatchEvent, WatchEventType, WatchHandle, WatchOptions } from '../../src/cluster/index.js';
import type { KubeObject } from '../../src/manifests/index.js';
import { AbortedError, DeadlineExceededError } from '../../src/util/index.js';
import { BUILT_IN_KINDS, ObjectStore, crdKinds, isRecord, keyOf, kubeErrors, objectKey, rfc3339, selects } from './memory-cluster-store.js';
import type { StoreEvent } from './memory-cluster-store.js';

export interface ServerOptions {
  now: () => number;
  defaultNamespace: string;
  jobs: 'manual' | 'succeed' | 'fail';
  jobLogs: string;
  kinds: ApiResourceInfo[];
}

export interface JobCompletion {
  outcome: 'succeeded' | 'failed';
  /** The log of the first container, or one per container name. */
  logs?: string | Record<string, string>;
  /** The Failed condition's message. @defaultValue 'Job has reached the specified backoff limit' */
  message?: string;
  /** The containers' termination message. */
  terminationMessage?: string;
  /** @defaultValue 0 when succeeded, 1 when failed */
  exitCode?: number;
}

/** A pending `waitFor`, tagged with what the client recorded for it. */
interface Wait<Tag> {
  tag: Tag;
  expire(): void;
  abort(err: Error): void;
}

const MAX_TIMER = 2 ** 31 - 1;
const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const SUFFIX = 'bcdfghjklmnpqrstvwxz2456789';

function containersOf(pod: KubeObject, withInit = false): string[] {
  const spec = (pod['spec'] ?? {}) as { containers?: { name?: string }[]; initContainers?: { name?: string }[] };
  return [...(withInit ? (spec.initContainers ?? []) : []), ...(spec.containers ?? [])].map((c) => c.name ?? '');
}

export class MemoryServer<Tag> {
  readonly store: ObjectStore;
  readonly waits = new Set<Wait<Tag>>();
  private readonly waiters: { count: number; match: (tag: Tag) => boolean; resolve: () => void }[] = [];
  private readonly watchStops = new Set<() => void>();
  private readonly discovery = new Map<string, ApiResourceInfo[]>();
  private readonly logs = new Map<string, Record<string, string>>();
  private generated = 0;

  constructor(private readonly options: ServerOptions) {
    this.store = new ObjectStore(options.now);
  }

  /** Discovery, cached per apiVersion until `invalidate()` (as the real client caches it). */
  info(apiVersion: string, kind: string): ApiResourceInfo | undefined {
    let served = this.discovery.get(apiVersion);
    if (!served) {
      const crds = this.store.all().filter((o) => o.kind === 'CustomResourceDefinition').flatMap(crdKinds);
      served = [...BUILT_IN_KINDS, ...this.options.kinds, ...crds].filter((i) => (i.group ? `${i.group}/${i.version}` : i.version) === apiVersion);
      this.discovery.set(apiVersion, served);
    }
    return served.find((i) => i.kind === kind);
  }

  invalidate(): void {
    this.discovery.clear();
  }

  /** Every served kind (all are listable here), as `listableResources()` reports them. */
  listable(): ApiResourceInfo[] {
    const crds = this.store.all().filter((o) => o.kind === 'CustomResourceDefinition').flatMap(crdKinds);
    return [...BUILT_IN_KINDS, ...this.options.kinds, ...crds];
  }

  /** Like `info`, but a kind that is not served is the real client's 404 `no matches for kind`. */
  served(apiVersion: string, kind: string): ApiResourceInfo {
    const i = this.info(apiVersion, kind);
    if (!i) throw kubeErrors.noKindMatch(apiVersion, kind);
    return i;
  }

  /** The namespace of an object of this kind: none when cluster-scoped, else the given or default one. */
  nsOf(i: ApiResourceInfo | undefined, namespace: string | undefined): string | undefined {
    return i && !i.namespaced ? undefined : namespace || this.options.defaultNamespace;
  }

  keyFor(ref: ObjectRef): string {
    return objectKey(ref.apiVersion, ref.kind, this.nsOf(this.info(ref.apiVersion, ref.kind), ref.namespace), ref.name);
  }

  /** The `xxxxx` of generated names (deterministic per cluster). */
  suffix(): string {
    let n = ++this.generated * 7_919;
    let out = '';
    for (let i = 0; i < 5; i++, n = Math.floor(n / SUFFIX.length)) out += SUFFIX[n % SUFFIX.length];
    return out;
  }

  /** The body of a write: a copy in the right namespace, without status; its name and namespace checked. */
  body(object: KubeObject, name: string): KubeObject {
    const i = this.served(object.apiVersion, object.kind);
    const out = structuredClone(object);
    delete out['status'];
    const ns = this.nsOf(i, object.metadata.namespace);
    out.metadata = { ...out.metadata, name };
    if (ns) out.metadata.namespace = ns;
    else delete out.metadata.namespace;
    if (name.length > 253 || !NAME.test(name)) {
      throw kubeErrors.invalid(object.kind, name, [{ field: 'metadata.name', message: `Invalid value: ${JSON.stringify(name)}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character` }]);
    }
    if (ns && !this.store.get(objectKey('v1', 'Namespace', undefined, ns))) throw kubeErrors.notFound(this.served('v1', 'Namespace'), ns);
    return out;
  }

  /** kube-apiserver refuses new finalizers on an object being deleted (422). */
  checkFinalizers(live: KubeObject, next: KubeObject): void {
    const added = (next.metadata.finalizers ?? []).filter((f) => !(live.metadata.finalizers ?? []).includes(f));
    if (!live.metadata.deletionTimestamp || added.length === 0) return;
    const group = this.info(live.apiVersion, live.kind)?.group;
    throw kubeErrors.invalid(`${live.kind}${group ? `.${group}` : ''}`, live.metadata.name ?? '', [
      { field: 'metadata.finalizers', message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}` },
    ]);
  }

  /** Store a new object and run the modelled controllers; returns the object as created (before them). */
  create(obj: KubeObject): KubeObject {
    const out = this.store.insert(obj);
    const now = rfc3339(this.options.now());
    const status = (s: Record<string, unknown>): KubeObject => this.store.update({ ...(this.store.get(keyOf(out)) ?? out), status: s });
    if (out.kind === 'Job' && out.apiVersion === 'batch/v1') {
      const job = status({ startTime: now, active: 1, ready: 0, terminating: 0 });
      this.startPod(job);
      const ref = { apiVersion: job.apiVersion, kind: job.kind, namespace: job.metadata.namespace ?? '', name: job.metadata.name ?? '' };
      if (this.options.jobs !== 'manual') this.completeJob(ref, { outcome: this.options.jobs === 'succeed' ? 'succeeded' : 'failed', logs: this.options.jobLogs });
    } else if (out.kind === 'Pod' && !out.metadata.ownerReferences?.length) {
      status({ phase: 'Pending' });
    } else if (out.kind === 'CustomResourceDefinition') {
      status({ conditions: ['NamesAccepted', 'Established'].map((type) => ({ type, status: 'True', reason: type === 'Established' ? 'InitialNamesAccepted' : 'NoConflicts', message: '', lastTransitionTime: now })) });
    } else if (out.kind === 'Namespace') {
      status({ phase: 'Active' });
    }
    return out;
  }

  dryRunCreated(obj: KubeObject): KubeObject {
    return { ...obj, metadata: { ...obj.metadata, uid: 'dry-run', generation: 1, creationTimestamp: rfc3339(this.options.now()) } };
  }

  /**
   * Delete with propagation: Foreground removes dependents before the owner, Background after,
   * Orphan unlinks them; a Namespace takes its objects. Finalizers keep an object (deletionTimestamp set).
   */
  delete(target: KubeObject, policy: PropagationPolicy): void {
    const { store } = this;
    const uid = target.metadata.uid;
    const isNamespace = target.kind === 'Namespace' && target.apiVersion === 'v1';
    const dependents = store.all().filter((o) => o.metadata.ownerReferences?.some((r) => r.uid === uid) || (isNamespace && o.metadata.namespace === target.metadata.name));
    const owner = (): void => {
      const live = store.get(keyOf(target));
      if (!live) return;
      if (!live.metadata.finalizers?.length) store.remove(keyOf(live));
      else if (!live.metadata.deletionTimestamp) store.update({ ...live, metadata: { ...live.metadata, deletionTimestamp: rfc3339(this.options.now()), deletionGracePeriodSeconds: 0 } });
    };
    const children = (): void => {
      for (const d of dependents) {
        const live = store.get(keyOf(d));
        if (!live) continue;
        if (policy === 'Orphan' && !isNamespace) store.update({ ...live, metadata: { ...live.metadata, ownerReferences: (live.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid) } });
        else this.delete(live, 'Background');
      }
    };
    if (policy === 'Foreground') children();
    owner();
    if (policy !== 'Foreground') children();
  }

  private startPod(job: KubeObject): KubeObject {
    const template = (job['spec'] as { template?: { metadata?: { labels?: Record<string, string> }; spec?: Record<string, unknown> } } | undefined)?.template ?? {};
    const uid = job.metadata.uid ?? '';
    const jobName = job.metadata.name ?? '';
    const labels = { ...(template.metadata?.labels ?? {}), 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': jobName, 'controller-uid': uid, 'job-name': jobName };
    const ownerReferences = [{ apiVersion: job.apiVersion, kind: job.kind, name: jobName, uid, controller: true, blockOwnerDeletion: true }];
    const metadata = { name: `${jobName}-${this.suffix()}`, namespace: job.metadata.namespace ?? this.options.defaultNamespace, labels, ownerReferences };
    const pod = this.store.insert({ apiVersion: 'v1', kind: 'Pod', metadata, spec: structuredClone(template.spec ?? {}) });
    const startedAt = rfc3339(this.options.now());
    const containerStatuses = containersOf(pod).map((name) => ({ name, ready: true, restartCount: 0, state: { running: { startedAt } } }));
    return this.store.update({ ...pod, status: { phase: 'Running', startTime: startedAt, containerStatuses } });
  }

  private finishPod(pod: KubeObject, c: JobCompletion): KubeObject {
    const ok = c.outcome === 'succeeded';
    const terminated = { exitCode: c.exitCode ?? (ok ? 0 : 1), reason: ok ? 'Completed' : 'Error', ...(c.terminationMessage ? { message: c.terminationMessage } : {}), finishedAt: rfc3339(this.options.now()) };
    const containerStatuses = containersOf(pod).map((name) => ({ name, ready: false, restartCount: 0, state: { terminated } }));
    if (c.logs !== undefined) this.setLogs(pod.metadata.namespace ?? '', pod.metadata.name ?? '', c.logs);
    return this.store.update({ ...pod, status: { ...(isRecord(pod['status']) ? pod['status'] : {}), phase: ok ? 'Succeeded' : 'Failed', containerStatuses } });
  }

  /** Finish a Job (its newest Pod terminates; conditions as the job controller writes them) or a bare Pod. */
  completeJob(ref: ObjectRef, c: JobCompletion): KubeObject {
    const live = this.store.get(this.keyFor(ref));
    if (!live || (live.kind !== 'Job' && live.kind !== 'Pod')) throw new Error(`memory cluster: completeJob: no Job or Pod ${this.keyFor(ref)}`);
    if (live.kind === 'Pod') return this.finishPod(live, c);
    const pods = this.store.all().filter((o) => o.kind === 'Pod' && o.metadata.ownerReferences?.some((r) => r.uid === live.metadata.uid));
    this.finishPod(pods[pods.length - 1] ?? this.startPod(live), c);
    const at = rfc3339(this.options.now());
    const cond = (type: string, reason: string, message: string) => ({ type, status: 'True', reason, message, lastProbeTime: at, lastTransitionTime: at });
    const message = c.message ?? 'Job has reached the specified backoff limit';
    const { active: _active, ...status } = (isRecord(live['status']) ? live['status'] : {}) as Record<string, unknown>;
    const reached = 'Reached expected number of succeeded pods';
    const done =
      c.outcome === 'succeeded'
        ? { conditions: [cond('SuccessCriteriaMet', 'CompletionsReached', reached), cond('Complete', 'CompletionsReached', reached)], succeeded: 1, completionTime: at }
        : { conditions: [cond('FailureTarget', 'BackoffLimitExceeded', message), cond('Failed', 'BackoffLimitExceeded', message)], failed: 1 };
    return this.store.update({ ...live, status: { ...status, ...done, ready: 0, terminating: 0 } });
  }

  setLogs(namespace: string, pod: string, text: string | Record<string, string>): void {
    const live = this.store.get(objectKey('v1', 'Pod', namespace, pod));
    const byContainer = typeof text === 'string' ? { [(live ? containersOf(live)[0] : undefined) ?? 'main']: text } : text;
    this.logs.set(`${namespace}/${pod}`, { ...(this.logs.get(`${namespace}/${pod}`) ?? {}), ...byContainer });
  }

  /** A container's log as the log subresource answers: 404 for a missing Pod, 400 for a bad or unstarted container. */
  podLogs(namespace: string, pod: string, opts: LogOptions): string {
    const live = this.store.get(objectKey('v1', 'Pod', namespace, pod));
    if (!live) throw kubeErrors.notFound(this.served('v1', 'Pod'), pod);
    const containers = containersOf(live);
    const container = opts.container ?? (containers.length === 1 ? containers[0] : undefined);
    if (!container) throw kubeErrors.badRequest(`a container name must be specified for pod ${pod}, choose one of: [${containers.join(' ')}]`);
    if (!containersOf(live, true).includes(container)) throw kubeErrors.badRequest(`container ${container} is not valid for pod ${pod}`);
    if ((live['status'] as { phase?: string } | undefined)?.phase === 'Pending') throw kubeErrors.badRequest(`container "${container}" in pod "${pod}" is waiting to start: ContainerCreating`);
    let text = this.logs.get(`${namespace}/${pod}`)?.[container] ?? '';
    if (opts.tailLines !== undefined) {
      const nl = text.endsWith('\n');
      const lines = (nl ? text.slice(0, -1) : text).split('\n');
      text = opts.tailLines === 0 || text === '' ? '' : lines.slice(-opts.tailLines).join('\n') + (nl ? '\n' : '');
    }
    return opts.limitBytes === undefined ? text : Buffer.from(text, 'utf8').subarray(0, opts.limitBytes).toString('utf8');
  }

  /** A watch: list (or replay from a resourceVersion), then every change; delivered asynchronously, in order. */
  watch(ref: CollectionRef, opts: WatchOptions, onEvent: (event: WatchEvent) => void, start: () => void, failed: (err: unknown) => void): WatchHandle {
    let stopped = false;
    let unsubscribe = (): void => undefined;
    let resolveReady = (): void => undefined;
    let rejectReady: (err: unknown) => void = () => undefined;
    const ready = new Promise<void>((resolve, reject) => {
      resolveReady = resolve;
      rejectReady = reject;
    });
    ready.catch(() => undefined);
    const stop = (): void => {
      if (stopped) return;
      stopped = true;
      unsubscribe();
      this.watchStops.delete(stop);
      opts.signal?.removeEventListener('abort', stop);
      rejectReady(new AbortedError(`watch of ${ref.kind}.${ref.apiVersion} stopped`));
    };
    try {
      start();
      this.served(ref.apiVersion, ref.kind);
      selects({ apiVersion: '', kind: '', metadata: {} }, opts);
    } catch (err) {
      stopped = true;
      failed(err);
      rejectReady(err);
      return { stop, ready };
    }
    if (opts.signal?.aborted) {
      stop();
      return { stop, ready };
    }
    const chosen = (o: KubeObject): boolean => o.apiVersion === ref.apiVersion && o.kind === ref.kind && (!ref.namespace || o.metadata.namespace === ref.namespace) && selects(o, opts);
    const deliver = (type: WatchEventType, object: KubeObject): void =>
      queueMicrotask(() => {
        if (stopped) return;
        try {
          onEvent({ type, object });
        } catch {
          // the real watch logs a failing handler and goes on
        }
      });
    const translate = (e: StoreEvent): void => {
      const was = e.previous !== undefined && chosen(e.previous);
      const is = e.type !== 'DELETED' && chosen(e.object);
      if (e.type === 'DELETED' ? was || chosen(e.object) : was && !is) deliver('DELETED', e.object);
      else if (is) deliver(was ? 'MODIFIED' : 'ADDED', e.object);
    };
    if (opts.resourceVersion === undefined) for (const o of this.store.all().filter(chosen).sort((a, b) => keyOf(a).localeCompare(keyOf(b)))) deliver('ADDED', o);
    else for (const e of this.store.history) if (e.resourceVersion > Number(opts.resourceVersion)) translate(e);
    unsubscribe = this.store.subscribe(translate);
    this.watchStops.add(stop);
    opts.signal?.addEventListener('abort', stop, { once: true });
    queueMicrotask(() => resolveReady());
    return { stop, ready };
  }

  /** `waitFor` on one object: the predicate on its state now and after every change, until it holds, the deadline, or the signal. */
  waitFor(tag: Tag, key: string, predicate: (obj: KubeObject | undefined) => boolean, opts: WaitOptions): Promise<KubeObject | undefined> {
    const describe = opts.describe ?? describeObject;
    return new Promise((resolve, reject) => {
      let settled = false;
      let current: KubeObject | undefined;
      let lastSeen: KubeObject | undefined;
      let unsubscribe = (): void => undefined;
      const lastSeenText = (): string => (current ? describe(current) : lastSeen ? `${describe(undefined)} (deleted; before that: ${describe(lastSeen)})` : describe(undefined));
      const finish = (outcome: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        unsubscribe();
        this.waits.delete(wait);
        opts.signal?.removeEventListener('abort', onAbort);
        outcome();
      };
      // The elapsed time reported is the timeout itself, so messages do not depend on the machine's speed.
      const wait: Wait<Tag> = {
        tag,
        expire: () => finish(() => reject(new DeadlineExceededError(opts.description, opts.timeoutMs, lastSeenText()))),
        abort: (err) => finish(() => reject(err)),
      };
      const consider = (obj: KubeObject | undefined): void => {
        if (settled) return;
        current = obj;
        if (obj) lastSeen = obj;
        try {
          if (predicate(obj)) finish(() => resolve(obj));
        } catch (err) {
          finish(() => reject(err));
        }
      };
      const onAbort = (): void => finish(() => reject(new AbortedError(`waiting for ${opts.description} was aborted`, { cause: opts.signal?.reason })));
      const timer = setTimeout(wait.expire, Math.min(opts.timeoutMs, MAX_TIMER));
      timer.unref();
      if (opts.signal?.aborted) return onAbort();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const initial = this.store.get(key);
      unsubscribe = this.store.subscribe((e) => {
        if (keyOf(e.object) !== key) return;
        const obj = e.type === 'DELETED' ? undefined : e.object;
        queueMicrotask(() => consider(obj));
      });
      queueMicrotask(() => consider(initial));
      this.waits.add(wait);
      for (const w of this.waiters.filter((x) => this.pending(x.match) >= x.count)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve();
      }
    });
  }

  private pending(match: (tag: Tag) => boolean): number {
    return [...this.waits].filter((w) => match(w.tag)).length;
  }

  /** Resolves once at least `count` matching waits are pending; rejects after 2 s of real time with `context`. */
  waiting(count: number, match: (tag: Tag) => boolean, context: () => string): Promise<void> {
    if (this.pending(match) >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`memory cluster: fewer than ${count} matching waitFor pending after 2 s (${context()})`)), 2_000);
      timer.unref();
      this.waiters.push({ count, match, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  close(): void {
    for (const w of [...this.waits]) w.abort(new AbortedError('the cluster client was closed'));
    for (const stop of [...this.watchStops]) stop();
  }
}
