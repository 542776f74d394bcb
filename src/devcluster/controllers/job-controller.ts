/**
 * The Job controller (`pkg/controller/job`, Kubernetes ≥ 1.31 conditions): one Pod per attempt
 * (`<job>-<5 chars>`, owned by the Job), `backoffLimit` over failed Pods (restartPolicy Never) or
 * container restarts (OnFailure), `activeDeadlineSeconds`, `suspend`, then `SuccessCriteriaMet` →
 * `Complete` or `FailureTarget` → `Failed` once every Pod has terminated, and
 * `ttlSecondsAfterFinished` (deleted with Foreground propagation, as the TTL controller does).
 * Driven by Job and Pod events; timers only for deadlines, backoff and TTLs.
 */
import type { EventRecorder } from '../events.js';
import type { KubeObject } from '../../manifests/index.js';
import { backoffDelay } from '../../util/index.js';
import { clone, asArray, asNumber, isRecord } from '../json.js';
import type { JsonObject } from '../json.js';
import { nowRfc3339 } from '../api/metadata.js';
import type { ObjectApi } from '../api/object-api.js';
import type { StoreEvent } from '../api/object-store.js';
import type { ResourceType } from '../api/resource-types.js';
import { objectKey, splitObjectKey, Timers, WorkQueue } from './work-queue.js';

export interface JobControllerOptions {
  api: ObjectApi;
  jobType: ResourceType;
  podType: ResourceType;
  /** Delay before a failed Pod is replaced; doubles per failure (Kubernetes: 10 s, capped at 6 min). */
  podFailureBackoffMs: number;
  /** Records SuccessfulCreate, Completed and BackoffLimitExceeded/DeadlineExceeded, as the job controller does. */
  events?: EventRecorder;
  onError: (err: unknown, context: string) => void;
}

interface Tracking {
  succeeded: Set<string>;
  failed: Set<string>;
  /** Pods seen active or terminating on the last sync (a vanished one counts as failed). */
  live: Set<string>;
  startedMs?: number;
  finishedMs?: number;
  lastFailureMs?: number;
}

type Condition = { type: string; status: string; reason?: string; message?: string; lastProbeTime?: string; lastTransitionTime?: string };

function conditionsOf(status: JsonObject): Condition[] {
  return (asArray(status.conditions) ?? []).filter(isRecord) as Condition[];
}

function hasTrue(conditions: readonly Condition[], type: string): boolean {
  return conditions.some((c) => c.type === type && c.status === 'True');
}

function condition(type: string, reason: string, message: string, status = 'True'): Condition {
  const now = nowRfc3339();
  return { type, status, lastProbeTime: now, lastTransitionTime: now, reason, message };
}

function phaseOf(pod: KubeObject): string | undefined {
  return isRecord(pod.status) && typeof pod.status.phase === 'string' ? pod.status.phase : undefined;
}

function isReadyPod(pod: KubeObject): boolean {
  const conds = isRecord(pod.status) ? (asArray(pod.status.conditions) ?? []) : [];
  return conds.some((c) => isRecord(c) && c.type === 'Ready' && c.status === 'True');
}

function restartsOf(pod: KubeObject): number {
  if (!isRecord(pod.status)) return 0;
  let n = 0;
  for (const list of [pod.status.initContainerStatuses, pod.status.containerStatuses]) {
    for (const s of asArray(list) ?? []) if (isRecord(s)) n += asNumber(s.restartCount) ?? 0;
  }
  return n;
}

export class JobController {
  private readonly queue: WorkQueue;
  private readonly timers = new Timers();
  private readonly tracking = new Map<string, Tracking>();

  constructor(private readonly options: JobControllerOptions) {
    this.queue = new WorkQueue((key) => this.sync(key), (err, key) => options.onError(err, `job ${key}`));
  }

  onEvent(event: StoreEvent): void {
    const obj = event.object;
    if (event.key === 'batch/jobs') {
      const key = objectKey(obj.metadata.namespace, obj.metadata.name ?? '');
      if (event.type === 'DELETED') {
        for (const t of ['deadline', 'ttl', 'backoff']) this.timers.clear(`${t}:${key}`);
        this.tracking.delete(obj.metadata.uid ?? '');
      } else this.queue.add(key);
      return;
    }
    if (event.key === '/pods') {
      for (const ref of obj.metadata.ownerReferences ?? []) {
        if (ref.kind === 'Job' && ref.controller === true) this.queue.add(objectKey(obj.metadata.namespace, ref.name));
      }
    }
  }

  stop(): void {
    this.queue.stop();
    this.timers.clearAll();
  }

  private sync(key: string): void {
    const { namespace, name } = splitObjectKey(key);
    const api = this.options.api;
    const job = api.store.peek('batch/jobs', namespace, name);
    if (!job || job.metadata.deletionTimestamp) return;
    const uid = job.metadata.uid ?? '';
    const spec = isRecord(job.spec) ? job.spec : {};
    const status: JsonObject = isRecord(job.status) ? clone(job.status) : {};
    const conditions = conditionsOf(status);
    if (hasTrue(conditions, 'Complete') || hasTrue(conditions, 'Failed')) {
      this.scheduleTtl(key, job);
      return;
    }
    let tracking = this.tracking.get(uid);
    if (!tracking) {
      tracking = { succeeded: new Set(), failed: new Set(), live: new Set() };
      this.tracking.set(uid, tracking);
    }
    const pods = api.store
      .dependentsOf(uid)
      .filter((r) => r.key === '/pods' && (r.object.metadata.ownerReferences ?? []).some((o) => o.uid === uid && o.controller === true))
      .map((r) => r.object);
    const now = Date.now();
    const present = new Set<string>();
    for (const pod of pods) {
      const podUid = pod.metadata.uid ?? '';
      present.add(podUid);
      const phase = phaseOf(pod);
      if (phase === 'Succeeded') tracking.succeeded.add(podUid);
      if (phase === 'Failed' && !tracking.failed.has(podUid)) {
        tracking.failed.add(podUid);
        tracking.lastFailureMs = now;
      }
    }
    for (const gone of tracking.live) {
      if (!present.has(gone) && !tracking.succeeded.has(gone) && !tracking.failed.has(gone)) {
        tracking.failed.add(gone);
        tracking.lastFailureMs = now;
      }
    }
    const running = pods.filter((p) => phaseOf(p) !== 'Succeeded' && phaseOf(p) !== 'Failed');
    const active = running.filter((p) => !p.metadata.deletionTimestamp);
    const terminating = running.filter((p) => p.metadata.deletionTimestamp);
    tracking.live = new Set(running.map((p) => p.metadata.uid ?? ''));
    const succeeded = tracking.succeeded.size;
    const failed = tracking.failed.size;
    const completions = asNumber(spec.completions) ?? 1;
    const parallelism = asNumber(spec.parallelism) ?? 1;
    const backoffLimit = asNumber(spec.backoffLimit) ?? 6;
    const deadline = asNumber(spec.activeDeadlineSeconds);
    const suspended = spec.suspend === true;

    if (status.startTime === undefined && !suspended) {
      status.startTime = nowRfc3339();
      tracking.startedMs = now;
    }
    const startedMs = tracking.startedMs ?? (typeof status.startTime === 'string' ? Date.parse(status.startTime) : now);
    let target = conditions.find((c) => c.type === 'FailureTarget' && c.status === 'True');
    let success = conditions.find((c) => c.type === 'SuccessCriteriaMet' && c.status === 'True');
    if (!target && !success) {
      if (succeeded >= completions) {
        success = condition('SuccessCriteriaMet', 'CompletionsReached', 'Reached expected number of succeeded pods');
        conditions.push(success);
      } else if (failed > backoffLimit || this.pastBackoffLimitOnFailure(spec, running, backoffLimit)) {
        target = condition('FailureTarget', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit');
        conditions.push(target);
      } else if (deadline !== undefined && status.startTime !== undefined && !suspended && now >= startedMs + deadline * 1000) {
        target = condition('FailureTarget', 'DeadlineExceeded', 'Job was active longer than specified deadline');
        conditions.push(target);
      }
    }
    const finishing = target ?? success;
    if (finishing) {
      this.deletePods(namespace, active);
      if (running.length === 0) {
        if (success && !target) {
          conditions.push(condition('Complete', success.reason ?? 'CompletionsReached', success.message ?? ''));
          status.completionTime = nowRfc3339();
          this.options.events?.record({ involved: job, reason: 'Completed', message: 'Job completed', component: 'job-controller' });
        } else if (target) {
          conditions.push(condition('Failed', target.reason ?? 'BackoffLimitExceeded', target.message ?? ''));
          this.options.events?.record({ involved: job, type: 'Warning', reason: target.reason ?? 'BackoffLimitExceeded', message: target.message ?? '', component: 'job-controller' });
        }
        tracking.finishedMs = now;
        for (const t of ['deadline', 'backoff']) this.timers.clear(`${t}:${key}`);
      }
    } else if (suspended) {
      this.deletePods(namespace, active);
      if (!hasTrue(conditions, 'Suspended')) {
        const i = conditions.findIndex((c) => c.type === 'Suspended');
        const c = condition('Suspended', 'JobSuspended', 'Job suspended');
        if (i >= 0) conditions[i] = c;
        else conditions.push(c);
      }
      this.timers.clear(`deadline:${key}`);
    } else {
      const i = conditions.findIndex((c) => c.type === 'Suspended' && c.status === 'True');
      if (i >= 0) conditions[i] = condition('Suspended', 'JobResumed', 'Job resumed', 'False');
      const want = Math.min(parallelism, completions - succeeded) - active.length;
      if (want > 0) {
        const wait = failed > 0 && tracking.lastFailureMs !== undefined ? tracking.lastFailureMs + this.failureBackoff(failed) - now : 0;
        if (wait > 0) this.timers.set(`backoff:${key}`, wait, () => this.queue.add(key));
        else for (let n = 0; n < want; n++) this.createPod(job, spec);
      }
      if (deadline !== undefined) this.timers.set(`deadline:${key}`, startedMs + deadline * 1000 - now, () => this.queue.add(key));
    }
    if (conditions.length > 0) status.conditions = conditions;
    for (const [field, n] of [['active', active.length], ['succeeded', succeeded], ['failed', failed]] as const) {
      if (n > 0) status[field] = n;
      else delete status[field];
    }
    status.ready = active.filter(isReadyPod).length;
    status.terminating = terminating.length;
    status.uncountedTerminatedPods = {};
    const written = api.mutate(this.options.jobType, namespace, name, (draft) => {
      draft.status = status;
    });
    if (written && tracking.finishedMs !== undefined) this.scheduleTtl(key, written);
  }

  /** `pastBackoffLimitOnFailure`: container restarts of running Pods reach the limit (OnFailure only). */
  private pastBackoffLimitOnFailure(spec: JsonObject, running: readonly KubeObject[], backoffLimit: number): boolean {
    const template = isRecord(spec.template) && isRecord(spec.template.spec) ? spec.template.spec : {};
    if (template.restartPolicy !== 'OnFailure') return false;
    const restarts = running.reduce((sum, p) => sum + restartsOf(p), 0);
    return backoffLimit === 0 ? restarts > 0 : restarts >= backoffLimit;
  }

  private failureBackoff(failed: number): number {
    const base = this.options.podFailureBackoffMs;
    return backoffDelay(failed - 1, { initialMs: base, factor: 2, maxMs: base * 36, jitter: 0 });
  }

  private createPod(job: KubeObject, spec: JsonObject): void {
    const template = isRecord(spec.template) ? spec.template : {};
    const meta = isRecord(template.metadata) ? template.metadata : {};
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${job.metadata.name ?? 'job'}-`,
        namespace: job.metadata.namespace,
        ...(isRecord(meta.labels) ? { labels: clone(meta.labels) } : {}),
        ...(isRecord(meta.annotations) ? { annotations: clone(meta.annotations) } : {}),
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: job.metadata.name ?? '', uid: job.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }],
      },
      spec: clone(template.spec ?? {}),
    };
    try {
      const created = this.options.api.create({ type: this.options.podType, namespace: job.metadata.namespace ?? '' }, pod);
      this.options.events?.record({ involved: job, reason: 'SuccessfulCreate', message: `Created pod: ${created.metadata.name ?? ''}`, component: 'job-controller' });
    } catch (err) {
      this.options.onError(err, `creating a pod for job ${job.metadata.namespace ?? ''}/${job.metadata.name ?? ''}`);
    }
  }

  private deletePods(namespace: string, pods: readonly KubeObject[]): void {
    for (const pod of pods) {
      try {
        this.options.api.delete({ type: this.options.podType, namespace }, pod.metadata.name ?? '', { propagationPolicy: 'Background' });
      } catch (err) {
        this.options.onError(err, `deleting pod ${namespace}/${pod.metadata.name ?? ''}`);
      }
    }
  }

  private scheduleTtl(key: string, job: KubeObject): void {
    const spec = isRecord(job.spec) ? job.spec : {};
    const ttl = asNumber(spec.ttlSecondsAfterFinished);
    if (ttl === undefined || this.timers.has(`ttl:${key}`)) return;
    const uid = job.metadata.uid ?? '';
    const status = isRecord(job.status) ? job.status : {};
    const finished = conditionsOf(status).find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
    const finishedMs = this.tracking.get(uid)?.finishedMs ?? Date.parse(finished?.lastTransitionTime ?? '') ?? Date.now();
    this.timers.set(`ttl:${key}`, (Number.isNaN(finishedMs) ? Date.now() : finishedMs) + ttl * 1000 - Date.now(), () => {
      const { namespace, name } = splitObjectKey(key);
      const current = this.options.api.store.peek('batch/jobs', namespace, name);
      if (!current || current.metadata.uid !== uid || current.metadata.deletionTimestamp) return;
      try {
        this.options.api.delete({ type: this.options.jobType, namespace }, name, { propagationPolicy: 'Foreground', preconditions: { uid } });
      } catch (err) {
        this.options.onError(err, `deleting finished job ${key} after its TTL`);
      }
    });
  }
}
