import { describe, expect, it } from 'vitest';
import { KubeApiError } from '../../src/cluster/index.js';
import {
  ADOPT_ATTEMPTS,
  adoption,
  deleteFailureOutcome,
  finalizerFailure,
  finalizerRetryDelay,
  mayAdopt,
  REMOVE_FINALIZER_ATTEMPTS,
} from '../../src/cluster/outcomes.js';
import type { KubeObject } from '../../src/manifests/index.js';

/** What failed requests mean for the client methods (pure). */
const apiError = (code: number, reason: string): KubeApiError => new KubeApiError({ code, reason, message: 'm' });
const notFound = apiError(404, 'NotFound');
const conflict = apiError(409, 'Conflict');
const exists = apiError(409, 'AlreadyExists');
const job = (labels?: Record<string, string>): KubeObject => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'pre', labels } });

describe('when a delete fails', () => {
  it('should count NotFound as notFound, and a Conflict only under a uid precondition', () => {
    expect(deleteFailureOutcome(notFound, {})).toBe('notFound');
    expect(deleteFailureOutcome(conflict, { uid: 'u' })).toBe('notFound');
    expect(deleteFailureOutcome(conflict, {})).toBeUndefined();
    expect(deleteFailureOutcome(apiError(403, 'Forbidden'), { uid: 'u' })).toBeUndefined();
    expect(deleteFailureOutcome(new Error('boom'), {})).toBeUndefined();
  });
});

describe('when a create meets AlreadyExists', () => {
  it('should look for an object to adopt only when asked and only on AlreadyExists', () => {
    expect(mayAdopt(exists, { adoptOnConflict: true })).toBe(true);
    expect(mayAdopt(exists, {})).toBe(false);
    expect(mayAdopt(conflict, { adoptOnConflict: true })).toBe(false);
  });

  it('should adopt an object with our labels and refuse one without them', () => {
    expect(adoption(job({ app: 'x', extra: 'y' }), job({ app: 'x' }), 1)).toBe('adopt');
    expect(adoption(job({ app: 'other' }), job({ app: 'x' }), 1)).toBe('fail');
  });

  it('should retry when the object vanished meanwhile, up to the last attempt', () => {
    expect(ADOPT_ATTEMPTS).toBe(3);
    expect(adoption(undefined, job(), 1)).toBe('retry');
    expect(adoption(undefined, job(), ADOPT_ATTEMPTS - 1)).toBe('retry');
    expect(adoption(undefined, job(), ADOPT_ATTEMPTS)).toBe('fail');
  });
});

describe('when a finalizer update fails', () => {
  it('should be done on NotFound, retry a Conflict until the last attempt, and fail on anything else', () => {
    expect(finalizerFailure(notFound, 0)).toBe('done');
    expect(finalizerFailure(conflict, 0)).toBe('retry');
    expect(finalizerFailure(conflict, REMOVE_FINALIZER_ATTEMPTS - 2)).toBe('retry');
    expect(finalizerFailure(conflict, REMOVE_FINALIZER_ATTEMPTS - 1)).toBe('fail');
    expect(finalizerFailure(apiError(500, 'InternalError'), 0)).toBe('fail');
  });

  it('should back off from 50 ms, doubling, up to 1 s, with jitter', () => {
    expect(finalizerRetryDelay(0, () => 1)).toBe(50);
    expect(finalizerRetryDelay(0, () => 0)).toBe(25);
    expect(finalizerRetryDelay(2, () => 1)).toBe(200);
    expect(finalizerRetryDelay(20, () => 1)).toBe(1_000);
  });
});
