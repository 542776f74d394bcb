/**
 * One object to the API server by its {@link ApplyStrategy} (docs/semantics.md §9.5, §9.6):
 * server-side apply (field manager `hookrunner`), `Replace=true` as `kubectl replace` (create when
 * missing; CRDs and Namespaces updated in place), `Force=true` as `apply --force` / `replace --force`
 * (delete, wait until gone, create), `ServerSideApply=true` reporting the fields taken over from
 * other managers, `Validate=false` by create or merge patch with `fieldValidation=Ignore`
 * (`Strict` otherwise, kubectl's default). Returns the object as stored and kubectl's verb.
 */
import { KubeApiError, isConflict, isInvalid } from '../cluster/index.js';
import type { FieldValidation, ObjectRef } from '../cluster/index.js';
import type { KubeObject } from '../manifests/index.js';
import type { ApplyStrategy } from '../sync/index.js';
import { errorMessage } from '../util/index.js';
import { MIN_WAIT_MS } from './deps.js';
import type { StepDeps } from './deps.js';
import { isInfrastructureError } from './failures.js';

export interface ObjectApplied {
  object: KubeObject;
  /** `created`, `configured`, `unchanged`, `replaced`, `updated`, `serverside-applied`, with what happened on the way. */
  verb: string;
}

/** The run-once kinds Replace=true deletes and re-creates when a changed field is immutable. */
const RECREATE_ON_REPLACE: ReadonlySet<string> = new Set(['batch/v1/Job', 'v1/Pod']);

/** kubectl refuses this combination before sending anything (`kubectl apply --server-side --force`). */
export class ApplyOptionsError extends Error {
  override readonly name = 'ApplyOptionsError';
}

export interface ApplyObjectInput {
  /** The decorated object to send. */
  object: KubeObject;
  /** The live object before this apply, if any. */
  before: KubeObject | undefined;
  strategy: ApplyStrategy;
  /** Epoch ms: a delete-and-create waits for the deletion until then (D3). */
  deadlineAt: number;
}

export async function applyObject(input: ApplyObjectInput, deps: StepDeps): Promise<ObjectApplied> {
  const { object, before, strategy } = input;
  const fieldValidation: FieldValidation = strategy.validate ? 'Strict' : 'Ignore';
  const { cluster } = deps;
  if (strategy.replace) {
    if (!before) return { object: await cluster.create(object, { fieldValidation }), verb: 'created' };
    // gitops-engine: a CRD or Namespace is never deleted by a replace; it is updated in place.
    if (isCrdOrNamespace(object)) {
      const update = { ...object, metadata: { ...object.metadata, resourceVersion: before.metadata.resourceVersion ?? '' } };
      return { object: await cluster.replace(update, { fieldValidation }), verb: 'updated' };
    }
    if (strategy.force) return recreate(input, fieldValidation, 'Force=true', deps);
    try {
      return { object: await cluster.replace(object, { fieldValidation }), verb: 'replaced' };
    } catch (err) {
      // Beyond Argo CD (which needs Force=true too), for run-once kinds only: a Job or Pod whose
      // immutable template changed is re-created. Anything else (a PVC, a Service…) fails, saying so.
      const immutable = immutableFields(err);
      if (immutable && RECREATE_ON_REPLACE.has(`${object.apiVersion}/${object.kind}`)) return recreate(input, fieldValidation, immutable, deps);
      if (immutable) throw new ApplyOptionsError(`${errorMessage(err)} (Replace=true re-creates only Jobs and Pods by itself; add Force=true to delete and re-create this object)`);
      throw err;
    }
  }
  if (strategy.serverSideApply) {
    if (strategy.force) throw new ApplyOptionsError('error validating options: --force cannot be used with --server-side');
    try {
      return { object: await cluster.apply(object, { force: false, fieldValidation }), verb: 'serverside-applied' };
    } catch (err) {
      const conflicts = fieldConflicts(err);
      if (!conflicts) throw err;
      // Argo CD forces conflicts with server-side apply; hookrunner does too, and says which fields it took.
      return { object: await cluster.apply(object, { force: true, fieldValidation }), verb: `serverside-applied (took over ${conflicts})` };
    }
  }
  if (!strategy.validate) return applyUnvalidated(input, deps);
  try {
    const applied = await cluster.apply(object, { fieldValidation });
    const verb = !before ? 'created' : before.metadata.resourceVersion === applied.metadata.resourceVersion ? 'unchanged' : 'configured';
    return { object: applied, verb };
  } catch (err) {
    // `kubectl apply --force`: a Conflict or an Invalid change is made by deleting and re-creating.
    if (strategy.force && before && (isConflict(err) || isInvalid(err))) return recreate(input, fieldValidation, 'Force=true', deps);
    throw err;
  }
}

/**
 * `Validate=false`: kube-apiserver's server-side apply refuses a field its schema does not declare
 * whatever `fieldValidation` says, so the object is created, or merge-patched (`kubectl apply`'s
 * client-side way), with `fieldValidation=Ignore`: unknown fields are dropped. A field removed from
 * the manifest stays on the live object (a merge patch only sets what it names).
 */
async function applyUnvalidated(input: ApplyObjectInput, deps: StepDeps): Promise<ObjectApplied> {
  const { object, before } = input;
  if (!before) return { object: await deps.cluster.create(object, { fieldValidation: 'Ignore' }), verb: 'created' };
  const ref: ObjectRef = { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name ?? '', ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}) };
  const patched = await deps.cluster.mergePatch(ref, object, { fieldManager: 'hookrunner', fieldValidation: 'Ignore' });
  return { object: patched, verb: before.metadata.resourceVersion === patched.metadata.resourceVersion ? 'unchanged' : 'configured' };
}

function isCrdOrNamespace(obj: KubeObject): boolean {
  return (obj.kind === 'CustomResourceDefinition' && obj.apiVersion.startsWith('apiextensions.k8s.io/')) || (obj.kind === 'Namespace' && obj.apiVersion === 'v1');
}

/** The fields a 422 says are immutable (`spec.template: … field is immutable`), or undefined for any other failure. */
export function immutableFields(err: unknown): string | undefined {
  if (!(err instanceof KubeApiError) || !isInvalid(err)) return undefined;
  const causes = (err.status.details?.causes ?? []).filter((c) => /immutable/i.test(c.message ?? ''));
  if (causes.length > 0) return `${causes.map((c) => c.field ?? '(field)').join(', ')} immutable`;
  return /field is immutable/i.test(err.status.message) ? 'a field is immutable' : undefined;
}

/** `.spec.replicas from "kubectl-edit"` for each conflict of a refused server-side apply, or undefined for any other failure. */
export function fieldConflicts(err: unknown): string | undefined {
  if (!(err instanceof KubeApiError) || !isConflict(err)) return undefined;
  const causes = (err.status.details?.causes ?? []).filter((c) => c.reason === 'FieldManagerConflict');
  if (causes.length === 0) return undefined;
  return causes
    .map((c) => {
      const manager = /conflict with "([^"]+)"/.exec(c.message ?? '')?.[1];
      return `${c.field ?? '(field)'}${manager ? ` from "${manager}"` : ''}`;
    })
    .join(', ');
}

/**
 * `kubectl replace --force`: delete the live object (its uid), wait until it is gone, create. When
 * the create is refused, the object as it was is created again (as `kubectl apply --force` does)
 * and the step reports the refusal.
 */
async function recreate(input: ApplyObjectInput, fieldValidation: FieldValidation, why: string, deps: StepDeps): Promise<ObjectApplied> {
  const { object, before } = input;
  const ref: ObjectRef = { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name ?? '', ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}) };
  const uid = before?.metadata.uid;
  await deps.cluster.delete(ref, { propagationPolicy: 'Background', ...(uid ? { uid } : {}) });
  await deps.cluster.waitFor(ref, (obj) => obj === undefined || (uid !== undefined && obj.metadata.uid !== uid), {
    timeoutMs: Math.max(MIN_WAIT_MS, input.deadlineAt - deps.now()),
    description: `${object.kind} ${object.metadata.name} to be deleted before it is re-created (${why})`,
    signal: deps.cancel.signal,
  });
  try {
    return { object: await deps.cluster.create(withoutServerFields(object), { fieldValidation }), verb: `replaced (deleted and re-created: ${why})` };
  } catch (err) {
    if (!before || isInfrastructureError(err)) throw err;
    try {
      await deps.cluster.create(withoutServerFields(before));
    } catch (restoreErr) {
      throw new ApplyOptionsError(`${errorMessage(err)}; the object deleted to re-create it could not be restored either: ${errorMessage(restoreErr)}`);
    }
    throw new ApplyOptionsError(`${errorMessage(err)}; the object as it was has been created again`);
  }
}

/** A copy that can be created: no uid, resourceVersion, timestamps, managed fields or status. */
function withoutServerFields(obj: KubeObject): KubeObject {
  const { uid: _uid, resourceVersion: _rv, creationTimestamp: _ct, deletionTimestamp: _dt, managedFields: _mf, generation: _g, ...metadata } = obj.metadata;
  const { status: _status, ...rest } = obj;
  return { ...rest, metadata } as KubeObject;
}
