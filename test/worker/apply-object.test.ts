/**
 * Reading the API server's refusals that decide a strategy's next move (src/worker/apply-object.ts):
 * an immutable field (Replace re-creates), a field owned by another manager (ServerSideApply reports it).
 */
import { describe, expect, it } from 'vitest';
import { KubeApiError } from '../../src/cluster/index.js';
import { fieldConflicts, immutableFields } from '../../src/worker/apply-object.js';

describe('when the API server refuses an apply', () => {
  it('should name the immutable fields of a 422, and nothing for another failure', () => {
    const invalid = new KubeApiError({ code: 422, reason: 'Invalid', message: 'Job.batch "m" is invalid: spec.template: Invalid value: …: field is immutable', details: { causes: [{ reason: 'FieldValueInvalid', field: 'spec.template', message: 'Invalid value: …: field is immutable' }, { reason: 'FieldValueRequired', field: 'spec.selector', message: 'Required value' }] } });
    expect(immutableFields(invalid)).toBe('spec.template immutable');
    expect(immutableFields(new KubeApiError({ code: 422, reason: 'Invalid', message: 'Job.batch "m" is invalid: spec.template: field is immutable' }))).toBe('a field is immutable');
    expect(immutableFields(new KubeApiError({ code: 422, reason: 'Invalid', message: 'spec.replicas: Invalid value: -1' }))).toBeUndefined();
    expect(immutableFields(new Error('field is immutable'))).toBeUndefined();
  });

  it('should name each field and manager of a server-side apply conflict, and nothing for a resourceVersion conflict', () => {
    const conflict = new KubeApiError({ code: 409, reason: 'Conflict', message: 'Apply failed with 2 conflicts', details: { causes: [{ reason: 'FieldManagerConflict', field: '.data.mode', message: 'conflict with "kubectl-edit" using v1' }, { reason: 'FieldManagerConflict', field: '.data.size', message: 'conflict with "helm"' }] } });
    expect(fieldConflicts(conflict)).toBe('.data.mode from "kubectl-edit", .data.size from "helm"');
    expect(fieldConflicts(new KubeApiError({ code: 409, reason: 'Conflict', message: 'the object has been modified' }))).toBeUndefined();
  });
});
