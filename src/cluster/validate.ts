/**
 * Argument checks of the `ClusterClient` methods (pure). Each failure is an `InvalidInputError`
 * naming the method and the field, thrown before any request is made.
 */
import type { KubeObject } from '../manifests/index.js';
import { InvalidInputError } from './errors.js';
import type { CollectionRef, LogOptions, ObjectRef, WaitOptions } from './types.js';

/**
 * An object with apiVersion, kind and metadata; with a name when `needsName`, else with a name or
 * a generateName.
 */
export function checkObject(object: KubeObject, verb: string, needsName: boolean): void {
  if (object === null || typeof object !== 'object') throw new InvalidInputError(`${verb}: the object must be an object`, 'object');
  if (typeof object.apiVersion !== 'string' || object.apiVersion === '') throw new InvalidInputError(`${verb}: apiVersion is required`, 'apiVersion');
  if (typeof object.kind !== 'string' || object.kind === '') throw new InvalidInputError(`${verb}: kind is required`, 'kind');
  if (object.metadata === null || typeof object.metadata !== 'object') throw new InvalidInputError(`${verb}: metadata is required`, 'metadata');
  const name = object.metadata.name;
  if (needsName && (typeof name !== 'string' || name === '')) {
    throw new InvalidInputError(`${verb} ${object.kind}: metadata.name is required`, 'metadata.name');
  }
  if (!needsName && !name && !object.metadata.generateName) {
    throw new InvalidInputError(`${verb} ${object.kind}: metadata.name or metadata.generateName is required`, 'metadata.name');
  }
}

/** A ref with a non-empty apiVersion, kind and name. */
export function checkRef(ref: ObjectRef, verb: string): void {
  for (const field of ['apiVersion', 'kind', 'name'] as const) {
    if (typeof ref[field] !== 'string' || ref[field] === '') throw new InvalidInputError(`${verb}: ref.${field} is required`, `ref.${field}`);
  }
}

/** A collection ref with a non-empty apiVersion and kind. */
export function checkCollectionRef(ref: CollectionRef, verb: string): void {
  for (const field of ['apiVersion', 'kind'] as const) {
    if (typeof ref[field] !== 'string' || ref[field] === '') throw new InvalidInputError(`${verb}: ref.${field} is required`, `ref.${field}`);
  }
}

/** A merge patch is a JSON object (not null, not an array). */
export function checkPatch(patch: unknown, verb: string): void {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) throw new InvalidInputError(`${verb}: patch must be an object`, 'patch');
}

/** A deadline > 0 (every long wait has one). */
export function checkWaitOptions(options: Pick<WaitOptions, 'timeoutMs'>, verb: string): void {
  if (!(options.timeoutMs > 0)) throw new InvalidInputError(`${verb}: timeoutMs must be > 0`, 'timeoutMs');
}

/** A namespace, a pod, and counts that are integers ≥ 0. */
export function checkPodLogs(namespace: string, pod: string, options: LogOptions): void {
  if (!namespace) throw new InvalidInputError('podLogs: namespace is required', 'namespace');
  if (!pod) throw new InvalidInputError('podLogs: pod is required', 'pod');
  for (const field of ['tailLines', 'limitBytes'] as const) {
    const v = options[field];
    if (v !== undefined && !(Number.isInteger(v) && v >= 0)) throw new InvalidInputError(`podLogs: ${field} must be an integer ≥ 0 (got ${v})`, field);
  }
}
