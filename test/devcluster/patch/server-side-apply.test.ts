import { describe, expect, it } from 'vitest';
import { fieldsOf, fromFieldsV1, toFieldsV1 } from '../../../src/devcluster/patch/field-set.js';
import { recordUpdate, serverSideApply } from '../../../src/devcluster/patch/server-side-apply.js';

const ctx = { builtIn: true, kind: 'Deployment' };
const dep = (containers: unknown[], replicas?: number): Record<string, unknown> => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'd' },
  spec: { ...(replicas === undefined ? {} : { replicas }), template: { spec: { containers } } },
});

describe('when computing field sets', () => {
  it('should round-trip through FieldsV1 with keyed list items and set members', () => {
    const obj = { metadata: { name: 'x', finalizers: ['a'], labels: { l: '1' } }, spec: { template: { spec: { containers: [{ name: 'c', image: 'i', args: ['1'] }] } } } };
    const set = fieldsOf(obj, { builtIn: true, kind: 'Pod' }, 'main');
    const v1 = toFieldsV1(set);
    expect(v1).toEqual({
      'f:metadata': { 'f:finalizers': { '.': {}, 'v:"a"': {} }, 'f:labels': { '.': {}, 'f:l': {} } },
      'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:args': {}, 'f:image': {}, 'f:name': {} } } } } },
    });
    expect(fromFieldsV1(v1)).toEqual(set);
  });
});

describe('when applying server-side', () => {
  it('should remove a keyed list item the manager stops applying, keeping what another manager owns', () => {
    const first = serverSideApply({ live: undefined, applied: dep([{ name: 'a', image: '1' }, { name: 'b', image: '1' }]), manager: 'm', force: false, ctx, apiVersion: 'apps/v1', now: 't1' });
    const withOther = serverSideApply({ live: first, applied: dep([], 3), manager: 'other', force: false, ctx, apiVersion: 'apps/v1', now: 't2' });
    const second = serverSideApply({ live: withOther, applied: dep([{ name: 'a', image: '1' }]), manager: 'm', force: false, ctx, apiVersion: 'apps/v1', now: 't3' });
    expect(second.spec).toEqual({ replicas: 3, template: { spec: { containers: [{ name: 'a', image: '1' }] } } });
  });

  it('should list every conflicting field by manager', () => {
    const live = serverSideApply({ live: undefined, applied: dep([{ name: 'a', image: '1' }], 1), manager: 'm', force: false, ctx, apiVersion: 'apps/v1', now: 't' });
    expect(() => serverSideApply({ live, applied: dep([{ name: 'a', image: '2' }], 2), manager: 'n', force: false, ctx, apiVersion: 'apps/v1', now: 't' })).toThrow(
      'Apply failed with 2 conflicts: conflicts with "m" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name="a"].image',
    );
  });

  it('should keep the manager\'s time when its fields did not change', () => {
    const a = serverSideApply({ live: undefined, applied: dep([], 1), manager: 'm', force: false, ctx, apiVersion: 'apps/v1', now: 't1' });
    const b = serverSideApply({ live: a, applied: dep([], 1), manager: 'm', force: false, ctx, apiVersion: 'apps/v1', now: 't2' });
    expect(b).toEqual(a);
  });
});

describe('when recording an update', () => {
  it('should give the writer the fields it changed and take them from the others', () => {
    const applied = serverSideApply({ live: undefined, applied: dep([], 1), manager: 'm', force: false, ctx, apiVersion: 'apps/v1', now: 't' });
    const updated = { ...applied, spec: { replicas: 5, template: { spec: { containers: [] } } } };
    const managed = recordUpdate({ old: applied, updated, manager: 'scaler', ctx, apiVersion: 'apps/v1', now: 't2' });
    expect(managed.map((m) => [m.manager, m.operation, m.fieldsV1])).toEqual([
      ['m', 'Apply', { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': {} } } } }],
      ['scaler', 'Update', { 'f:spec': { 'f:replicas': {} } }],
    ]);
  });
});
