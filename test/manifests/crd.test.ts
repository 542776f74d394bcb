import { describe, expect, it } from 'vitest';
import { crdDefinition } from '../../src/manifests/index.js';
import type { KubeObject } from '../../src/manifests/index.js';

const crd = (spec: unknown): KubeObject => ({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' }, spec });

describe('crdDefinition', () => {
  it('should give the group, kind and served versions, leaving out those marked served: false', () => {
    const spec = { group: 'example.com', names: { kind: 'Widget' }, versions: [{ name: 'v1', served: true }, { name: 'v1beta1', served: false }, { name: 'v2' }] };
    expect(crdDefinition(crd(spec))).toEqual({ group: 'example.com', kind: 'Widget', servedApiVersions: ['example.com/v1', 'example.com/v2'] });
  });

  it('should be undefined without a string group or kind, and have no versions when they are not a list', () => {
    expect(crdDefinition(crd({ names: { kind: 'Widget' } }))).toBeUndefined();
    expect(crdDefinition(crd({ group: 'example.com', names: {} }))).toBeUndefined();
    expect(crdDefinition(crd(undefined))).toBeUndefined();
    expect(crdDefinition(crd({ group: 'example.com', names: { kind: 'Widget' }, versions: 'v1' }))).toEqual({ group: 'example.com', kind: 'Widget', servedApiVersions: [] });
  });
});
