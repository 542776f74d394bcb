/**
 * Infrastructure failures vs per-resource failures (src/worker/failures.ts): the same line the
 * transport draws for its own retries (src/cluster/transport.ts), and `settleAll`.
 */
import { describe, expect, it } from 'vitest';
import { ClusterUnreachableError, KubeApiError } from '../../src/cluster/index.js';
import { DeadlineExceededError } from '../../src/util/index.js';
import { isInfrastructureError, settleAll } from '../../src/worker/failures.js';
import { kubeErrors } from '../helpers/memory-cluster.js';

const status = (code: number, reason: string, message = 'x') => new KubeApiError({ code, reason, message });

describe('isInfrastructureError', () => {
  it('should count an unreachable server and the answers the client retries (429, 500, 502, 503, 504) as infrastructure', () => {
    for (const err of [kubeErrors.unreachable(), new ClusterUnreachableError('https://k:6443', 1), kubeErrors.internal(), kubeErrors.tooManyRequests(), status(502, 'BadGateway'), status(503, 'ServiceUnavailable'), status(504, 'Timeout')]) {
      expect(isInfrastructureError(err), err.message).toBe(true);
    }
  });

  it('should count answers about the object, the permanent conversion 500 (D10) and a wait deadline as per-resource', () => {
    const errs = [
      kubeErrors.conversion(),
      status(500, 'InternalError', 'unable to convert unstructured object to apps/v1, Kind=Deployment: cannot decode'),
      kubeErrors.invalid('ConfigMap', 'c', [{ field: 'data', message: 'Invalid value' }]),
      kubeErrors.forbidden({ verb: 'get', resource: 'jobs' }),
      kubeErrors.conflict(),
      kubeErrors.badRequest('bad'),
      status(404, 'NotFound'),
      status(401, 'Unauthorized'),
      new DeadlineExceededError('job.batch/x to complete', 1_000),
      new Error('anything else'),
    ];
    for (const err of errs) expect(isInfrastructureError(err), err.message).toBe(false);
    expect(isInfrastructureError('a string')).toBe(false);
  });
});

describe('settleAll', () => {
  it('should resolve in order, and reject with the first rejection only once every promise has settled', async () => {
    expect(await settleAll([Promise.resolve(1), Promise.resolve(2)])).toEqual([1, 2]);
    let lateDone = false;
    const late = new Promise<number>((resolve) =>
      setTimeout(() => {
        lateDone = true;
        resolve(3);
      }, 20),
    );
    await expect(settleAll([Promise.reject(new Error('first')), late, Promise.reject(new Error('second'))])).rejects.toThrow('first');
    expect(lateDone).toBe(true);
  });
});
