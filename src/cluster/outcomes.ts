/**
 * What a failed request means for the `ClusterClient` method that made it (pure): which errors
 * are an answer (NotFound on delete), which are retried (a Conflict on a finalizer update), and
 * when a create that met AlreadyExists adopts the object it found.
 */
import type { KubeObject } from '../manifests/index.js';
import { backoffDelay } from '../util/index.js';
import type { BackoffOptions } from '../util/index.js';
import { isAlreadyExists, isConflict, isNotFound } from './errors.js';
import { labelsMatch } from './requests.js';
import type { CreateOptions, DeleteOptions, DeleteOutcome } from './types.js';

/** Creates in all (the first included) while the object exists, then does not, then exists again. */
export const ADOPT_ATTEMPTS = 3;
/** Finalizer updates in all (the first included) while each meets a Conflict. */
export const REMOVE_FINALIZER_ATTEMPTS = 10;
/** Backoff between finalizer updates that met a Conflict. */
export const FINALIZER_BACKOFF: Readonly<BackoffOptions> = { initialMs: 50, maxMs: 1_000 };

/**
 * A failed DELETE: `notFound` when there was nothing to delete, or when a uid precondition failed
 * (the object we meant is gone, another took its name); `undefined` when the error stands.
 */
export function deleteFailureOutcome(err: unknown, options: Pick<DeleteOptions, 'uid'>): DeleteOutcome | undefined {
  if (isNotFound(err)) return 'notFound';
  if (options.uid !== undefined && isConflict(err)) return 'notFound';
  return undefined;
}

/** Whether a failed create may look for an object to adopt: asked for, and the error is AlreadyExists. */
export function mayAdopt(err: unknown, options: Pick<CreateOptions, 'adoptOnConflict'>): boolean {
  return Boolean(options.adoptOnConflict) && isAlreadyExists(err);
}

/** What to do after AlreadyExists, given what a read found. */
export type Adoption = 'adopt' | 'retry' | 'fail';

/**
 * `adopt` the existing object when it carries every label of `wanted`, `fail` when it does not;
 * when it is gone again (deleted between the two calls) `retry` the create, until `attempt`
 * (1-based) reaches `ADOPT_ATTEMPTS`.
 */
export function adoption(existing: KubeObject | undefined, wanted: KubeObject, attempt: number): Adoption {
  if (existing) return labelsMatch(existing, wanted) ? 'adopt' : 'fail';
  return attempt >= ADOPT_ATTEMPTS ? 'fail' : 'retry';
}

/** What to do after a failed finalizer update. */
export type FinalizerFailure = 'done' | 'retry' | 'fail';

/** NotFound is `done`; a Conflict is retried (re-read, update) until `attempt` (0-based) is the last. */
export function finalizerFailure(err: unknown, attempt: number): FinalizerFailure {
  if (isNotFound(err)) return 'done';
  if (!isConflict(err) || attempt + 1 >= REMOVE_FINALIZER_ATTEMPTS) return 'fail';
  return 'retry';
}

/** The pause before finalizer update number `attempt + 1`. */
export function finalizerRetryDelay(attempt: number, random: () => number = Math.random): number {
  return backoffDelay(attempt, FINALIZER_BACKOFF, random);
}
