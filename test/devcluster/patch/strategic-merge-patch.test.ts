import { describe, expect, it } from 'vitest';
import { strategicMergePatch } from '../../../src/devcluster/patch/strategic-merge-patch.js';
import { jsonPatch } from '../../../src/devcluster/patch/json-patch.js';
import { mergePatch } from '../../../src/devcluster/patch/merge-patch.js';

const pod = { builtIn: true, kind: 'Pod' };

describe('when applying a strategic merge patch', () => {
  it('should not change its input', () => {
    const target = { spec: { containers: [{ name: 'a', image: 'x' }] } };
    const copy = structuredClone(target);
    strategicMergePatch(target, { spec: { containers: [{ name: 'a', image: 'y' }] } }, pod);
    expect(target).toEqual(copy);
  });

  it.each([
    ['$patch: replace on a map', { spec: { a: 1, b: 2 } }, { spec: { $patch: 'replace', c: 3 } }, { spec: { c: 3 } }],
    ['$patch: delete on a map', { spec: { a: 1 }, x: 1 }, { spec: { $patch: 'delete' } }, { x: 1 }],
    ['$retainKeys', { spec: { a: 1, b: 2 } }, { spec: { $retainKeys: ['b', 'c'], c: 3 } }, { spec: { b: 2, c: 3 } }],
    ['$deleteFromPrimitiveList', { metadata: { finalizers: ['a', 'b'] } }, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }, { metadata: { finalizers: ['b'] } }],
    ['$setElementOrder', { spec: { containers: [{ name: 'a' }, { name: 'b' }] } }, { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }] } }, { spec: { containers: [{ name: 'b' }, { name: 'a' }] } }],
    ['a list replaced with $patch: replace', { spec: { containers: [{ name: 'a' }, { name: 'b' }] } }, { spec: { containers: [{ name: 'c' }, { $patch: 'replace' }] } }, { spec: { containers: [{ name: 'c' }] } }],
    ['args (atomic)', { spec: { containers: [{ name: 'a', args: ['1', '2'] }] } }, { spec: { containers: [{ name: 'a', args: ['3'] }] } }, { spec: { containers: [{ name: 'a', args: ['3'] }] } }],
    ['imagePullSecrets by name', { spec: { imagePullSecrets: [{ name: 'a' }] } }, { spec: { imagePullSecrets: [{ name: 'b' }] } }, { spec: { imagePullSecrets: [{ name: 'a' }, { name: 'b' }] } }],
  ])('should handle %s', (_what, target, patch, expected) => {
    expect(strategicMergePatch(target, patch, pod)).toEqual(expected);
  });

  it('should replace lists of custom resources (no merge keys)', () => {
    expect(strategicMergePatch({ spec: { containers: [{ name: 'a' }] } }, { spec: { containers: [{ name: 'b' }] } }, { builtIn: false, kind: 'Widget' })).toEqual({ spec: { containers: [{ name: 'b' }] } });
  });

  it('should merge Service ports by port', () => {
    const svc = { builtIn: true, kind: 'Service' };
    expect(strategicMergePatch({ spec: { ports: [{ port: 80, name: 'a' }] } }, { spec: { ports: [{ port: 80, name: 'b' }, { port: 81 }] } }, svc)).toEqual({ spec: { ports: [{ port: 80, name: 'b' }, { port: 81 }] } });
  });
});

describe('when applying a JSON merge patch (RFC 7386)', () => {
  it('should merge objects, replace arrays and delete nulls', () => {
    expect(mergePatch({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3], e: null }, d: null, f: { g: 1 } })).toEqual({ a: { b: 1, c: [3] }, f: { g: 1 } });
  });
});

describe('when applying a JSON patch (RFC 6902)', () => {
  it('should escape ~0 and ~1 in pointers', () => {
    expect(jsonPatch({ metadata: { labels: { 'a/b': '1', 'c~d': '2' } } }, [
      { op: 'remove', path: '/metadata/labels/a~1b' },
      { op: 'replace', path: '/metadata/labels/c~0d', value: '3' },
    ])).toEqual({ metadata: { labels: { 'c~d': '3' } } });
  });

  it.each([
    [[{ op: 'remove', path: '/nope' }], /unable to remove nonexistent key/],
    [[{ op: 'replace', path: '/nope', value: 1 }], /replace operation does not apply/],
    [[{ op: 'add', path: '/list/5', value: 1 }], /index out of bounds/],
    [[{ op: 'jump', path: '/x' }], /unexpected operation/],
    [{ op: 'add' }, /must be a JSON array/],
  ])('should refuse %j', (ops, message) => {
    expect(() => jsonPatch({ list: [] }, ops)).toThrow(message);
  });
});
