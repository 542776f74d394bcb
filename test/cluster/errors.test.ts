import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { isAlreadyExists, isConflict, isGone, isInvalid, isNotFound, KubeApiError, parseStatus, toKubeApiError } from '../../src/cluster/index.js';

const invalidPod = {
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message: 'Pod "quick-fail-pod" is invalid: spec.containers[0].resources.limits[memory]: Invalid value: "invalid-value": quantities must match the regular expression',
  reason: 'Invalid',
  details: {
    name: 'quick-fail-pod',
    kind: 'Pod',
    causes: [{ reason: 'FieldValueInvalid', message: 'Invalid value: "invalid-value"', field: 'spec.containers[0].resources.limits[memory]' }],
  },
  code: 422,
};

describe('when parsing a failure Status', () => {
  it('should parse the JSON text client-node 1.x puts in ApiException.body (APIS.md §E)', () => {
    const err = toKubeApiError(new ApiException(422, 'HTTP-Code: 422', JSON.stringify(invalidPod), { 'content-type': 'application/json' }));
    expect(err).toBeInstanceOf(KubeApiError);
    expect(err?.status).toEqual({
      code: 422,
      reason: 'Invalid',
      message: invalidPod.message,
      details: { name: 'quick-fail-pod', kind: 'Pod', causes: invalidPod.details.causes },
    });
    expect(err?.cause).toBeInstanceOf(ApiException);
    expect(isInvalid(err)).toBe(true);
  });

  it('should read Retry-After from the headers of an ApiException', () => {
    const err = toKubeApiError(new ApiException(429, 'x', '{"kind":"Status","reason":"TooManyRequests","code":429,"message":"slow down"}', { 'Retry-After': '3' }));
    expect(err?.retryAfterSeconds).toBe(3);
  });

  it('should make a Status from a body that is not one', () => {
    expect(parseStatus(401, undefined)).toEqual({ code: 401, reason: 'Unauthorized', message: 'HTTP 401' });
    expect(parseStatus(502, '<html>bad gateway</html>')).toEqual({ code: 502, reason: 'InternalError', message: '<html>bad gateway</html>' });
  });

  it('should leave other errors alone', () => {
    expect(toKubeApiError(new Error('boom'))).toBeUndefined();
    expect(isNotFound(new Error('NotFound'))).toBe(false);
  });

  it.each([
    [404, 'NotFound', isNotFound],
    [409, 'AlreadyExists', isAlreadyExists],
    [409, 'Conflict', isConflict],
    [422, 'Invalid', isInvalid],
    [410, 'Expired', isGone],
  ] as const)('should recognise %i %s', (code, reason, predicate) => {
    const err = new KubeApiError({ code, reason, message: 'm' });
    expect(predicate(err)).toBe(true);
    for (const other of [isNotFound, isAlreadyExists, isConflict, isInvalid, isGone].filter((p) => p !== predicate)) {
      expect(other(err)).toBe(false);
    }
  });
});
