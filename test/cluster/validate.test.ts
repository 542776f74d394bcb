import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/cluster/index.js';
import { checkCollectionRef, checkObject, checkPatch, checkPodLogs, checkRef, checkWaitOptions } from '../../src/cluster/validate.js';
import type { KubeObject } from '../../src/manifests/index.js';

/** The argument checks of the client methods: an `InvalidInputError` naming the method and field. */
function fieldOf(fn: () => void): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidInputError) return `${err.field}: ${err.message}`;
    throw err;
  }
  return undefined;
}

const cm = (metadata: KubeObject['metadata']): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata });

describe('when checking an object', () => {
  it('should require apiVersion, kind and metadata, in that order', () => {
    expect(fieldOf(() => checkObject(null as unknown as KubeObject, 'apply', true))).toBe('object: apply: the object must be an object');
    expect(fieldOf(() => checkObject({ kind: 'ConfigMap', metadata: {} } as unknown as KubeObject, 'apply', true))).toBe('apiVersion: apply: apiVersion is required');
    expect(fieldOf(() => checkObject({ apiVersion: 'v1', kind: '', metadata: {} }, 'apply', true))).toBe('kind: apply: kind is required');
    expect(fieldOf(() => checkObject({ apiVersion: 'v1', kind: 'ConfigMap' } as unknown as KubeObject, 'apply', true))).toBe('metadata: apply: metadata is required');
  });

  it('should require a name when asked, else a name or a generateName', () => {
    expect(fieldOf(() => checkObject(cm({ generateName: 'x-' }), 'apply', true))).toBe('metadata.name: apply ConfigMap: metadata.name is required');
    expect(fieldOf(() => checkObject(cm({ generateName: 'x-' }), 'create', false))).toBeUndefined();
    expect(fieldOf(() => checkObject(cm({}), 'create', false))).toBe('metadata.name: create ConfigMap: metadata.name or metadata.generateName is required');
    expect(fieldOf(() => checkObject(cm({ name: 'a' }), 'create', true))).toBeUndefined();
  });
});

describe('when checking refs and other arguments', () => {
  it('should require apiVersion, kind and name of an object ref', () => {
    expect(fieldOf(() => checkRef({ apiVersion: 'v1', kind: 'Pod', name: '' }, 'get'))).toBe('ref.name: get: ref.name is required');
    expect(fieldOf(() => checkRef({ apiVersion: '', kind: 'Pod', name: 'p' }, 'delete'))).toBe('ref.apiVersion: delete: ref.apiVersion is required');
    expect(fieldOf(() => checkRef({ apiVersion: 'v1', kind: 'Pod', name: 'p' }, 'get'))).toBeUndefined();
  });

  it('should require apiVersion and kind of a collection ref, not a namespace', () => {
    expect(fieldOf(() => checkCollectionRef({ apiVersion: 'v1', kind: '' }, 'list'))).toBe('ref.kind: list: ref.kind is required');
    expect(fieldOf(() => checkCollectionRef({ apiVersion: 'v1', kind: 'Pod' }, 'list'))).toBeUndefined();
  });

  it('should take only a JSON object as a merge patch', () => {
    for (const bad of [null, [], 'x', 3]) expect(fieldOf(() => checkPatch(bad, 'mergePatch'))).toBe('patch: mergePatch: patch must be an object');
    expect(fieldOf(() => checkPatch({}, 'mergePatch'))).toBeUndefined();
  });

  it('should require a positive wait deadline', () => {
    for (const bad of [0, -1, Number.NaN]) expect(fieldOf(() => checkWaitOptions({ timeoutMs: bad }, 'waitFor'))).toBe('timeoutMs: waitFor: timeoutMs must be > 0');
    expect(fieldOf(() => checkWaitOptions({ timeoutMs: 1 }, 'waitFor'))).toBeUndefined();
  });

  it('should require a namespace, a pod and whole counts ≥ 0 for pod logs', () => {
    expect(fieldOf(() => checkPodLogs('', 'p', {}))).toBe('namespace: podLogs: namespace is required');
    expect(fieldOf(() => checkPodLogs('app', '', {}))).toBe('pod: podLogs: pod is required');
    expect(fieldOf(() => checkPodLogs('app', 'p', { tailLines: 1.5 }))).toBe('tailLines: podLogs: tailLines must be an integer ≥ 0 (got 1.5)');
    expect(fieldOf(() => checkPodLogs('app', 'p', { limitBytes: -1 }))).toBe('limitBytes: podLogs: limitBytes must be an integer ≥ 0 (got -1)');
    expect(fieldOf(() => checkPodLogs('app', 'p', { tailLines: 0, limitBytes: 10 }))).toBeUndefined();
  });
});
