/** The shared live index (src/worker/live.ts, docs/semantics.md §9.11): one scan serves the operations that started before it. */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/manifests/index.js';
import { createLiveIndex } from '../../src/worker/index.js';
import { createMemoryCluster } from '../helpers/memory-cluster.js';

const tracked = (app: string, name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'shop', labels: { 'hookrunner.io/app': app }, annotations: { 'hookrunner.io/tracking-id': `${app}:/ConfigMap:shop/${name}` } } });

describe('createLiveIndex', () => {
  it('should share one scan between operations that started before it, and scan again for one that started later', async () => {
    let clock = 1_000;
    const c = createMemoryCluster({ now: () => clock, namespaces: ['default', 'shop'] });
    await c.apply(tracked('a', 'one'));
    await c.apply(tracked('b', 'two'));
    const index = createLiveIndex(c, { now: () => clock, clockMarginMs: 0 });
    const configMapLists = (): number => c.calls.filter((k) => k.verb === 'list' && k.kind === 'ConfigMap').length;

    const [a, b] = await Promise.all([index.objectsOf('a', { namespace: 'shop', notBefore: 999 }), index.objectsOf('b', { namespace: 'shop', notBefore: 999 })]);
    expect(a.map((o) => o.metadata.name)).toEqual(['one']);
    expect(b.map((o) => o.metadata.name)).toEqual(['two']);
    expect(configMapLists()).toBe(1);

    await c.apply(tracked('a', 'three'));
    clock = 2_000;
    expect((await index.objectsOf('a', { namespace: 'shop', notBefore: 1_500 })).map((o) => o.metadata.name).sort()).toEqual(['one', 'three']);
    expect(configMapLists()).toBe(2);
  });

  it('should not keep a failed scan', async () => {
    const c = createMemoryCluster({ namespaces: ['default', 'shop'] });
    const index = createLiveIndex(c, { now: () => 5, clockMarginMs: 0 });
    c.failNext('list', { kind: 'ConfigMap' }, new Error('connection reset'));
    await expect(index.objectsOf('a', { namespace: 'shop', notBefore: 1 })).rejects.toThrow('connection reset');
    await expect(index.objectsOf('a', { namespace: 'shop', notBefore: 1 })).resolves.toEqual([]);
  });
});
