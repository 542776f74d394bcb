import { describe, expect, it } from 'vitest';
import { KubeApiError } from '../../src/cluster/index.js';
import type { ApiResourceInfo, CollectionRef, WatchEvent, WatchOptions } from '../../src/cluster/index.js';
import type { KubeObject } from '../../src/manifests/index.js';
import { createLiveCache } from '../../src/status/index.js';

const KINDS: ApiResourceInfo[] = [
  { group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments', namespaced: true },
  { group: '', version: 'v1', kind: 'Pod', resource: 'pods', namespaced: true },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole', resource: 'clusterroles', namespaced: false },
  { group: '', version: 'v1', kind: 'Event', resource: 'events', namespaced: true },
  { group: '', version: 'v1', kind: 'ComponentStatus', resource: 'componentstatuses', namespaced: false, watchable: false },
];

/** A cluster whose watches are recorded; cluster-wide watches of namespaced kinds and ClusterRoles are refused when `forbidClusterWide`. */
function fakeCluster(forbidClusterWide: boolean) {
  const watches: { ref: CollectionRef; options: WatchOptions; emit: (e: WatchEvent) => void }[] = [];
  return {
    watches,
    cluster: {
      listableResources: async () => ({ resources: KINDS, unavailable: [] }),
      invalidateDiscovery: () => undefined,
      watch(ref: CollectionRef, options: WatchOptions, onEvent: (e: WatchEvent) => void) {
        watches.push({ ref, options, emit: onEvent });
        const refused = forbidClusterWide && !ref.namespace;
        return { stop: () => undefined, ready: refused ? Promise.reject(new KubeApiError({ code: 403, reason: 'Forbidden', message: `cannot watch ${ref.kind} at the cluster scope` })) : Promise.resolve() };
      },
    },
  };
}

const obj = (kind: string, name: string, extra: Partial<KubeObject['metadata']> = {}): KubeObject => ({ apiVersion: kind === 'Deployment' ? 'apps/v1' : 'v1', kind, metadata: { name, namespace: 'a', uid: `uid-${name}`, ...extra } });

describe('the live cache', () => {
  it('should watch each watchable kind once across namespaces (label-filtered, Pods unfiltered), leaving out high-churn kinds', async () => {
    const fake = fakeCluster(false);
    const cache = createLiveCache({ cluster: fake.cluster, onChange: () => undefined });
    await cache.start();
    expect(fake.watches.map((w) => [w.ref.kind, w.ref.namespace ?? '*', w.options.labelSelector ?? '-'])).toEqual([
      ['Deployment', '*', 'hookrunner.io/app'],
      ['Pod', '*', '-'],
      ['ClusterRole', '*', 'hookrunner.io/app'],
    ]);
    cache.close();
  });

  it('should index objects by app and owner, and name the apps an event touches, through owners too', async () => {
    const fake = fakeCluster(false);
    const touched: string[][] = [];
    const cache = createLiveCache({ cluster: fake.cluster, onChange: (apps) => touched.push([...apps]) });
    await cache.start();
    const [deployments, pods] = [fake.watches[0], fake.watches[1]];
    const web = obj('Deployment', 'web', { labels: { 'hookrunner.io/app': 'shop' }, annotations: { 'hookrunner.io/tracking-id': 'shop:apps/Deployment:a/web' } });
    deployments?.emit({ type: 'ADDED', object: web });
    pods?.emit({ type: 'ADDED', object: obj('Pod', 'web-1', { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'uid-web' }] }) });
    pods?.emit({ type: 'ADDED', object: obj('Pod', 'stray') });
    expect(touched).toEqual([['shop'], ['shop']]);
    expect(cache.objectsOf('shop').map((o) => o.metadata.name)).toEqual(['web']);
    expect(cache.childrenOf('uid-web').map((o) => o.metadata.name)).toEqual(['web-1']);
    pods?.emit({ type: 'DELETED', object: obj('Pod', 'web-1', { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'uid-web' }] }) });
    expect(cache.childrenOf('uid-web')).toEqual([]);
    expect(cache.scopeOf('rbac.authorization.k8s.io/v1', 'ClusterRole')).toBe('cluster');
    expect(cache.scopeOf('example.com/v1', 'Widget')).toBeUndefined();
    cache.close();
  });

  it('should watch namespaced kinds per given namespace, and report a refused watch (retried later) as unwatched', async () => {
    const fake = fakeCluster(true);
    const cache = createLiveCache({ cluster: fake.cluster, namespaces: ['a', 'b'], onChange: () => undefined, retryInitialMs: 60_000 });
    await cache.start();
    expect(fake.watches.map((w) => `${w.ref.kind}@${w.ref.namespace ?? '*'}`)).toEqual(['Deployment@a', 'Deployment@b', 'Pod@a', 'Pod@b', 'ClusterRole@*']);
    await new Promise((r) => setTimeout(r, 0));
    expect(cache.unwatched()).toEqual([{ kind: 'rbac.authorization.k8s.io/ClusterRole', error: 'Forbidden (403): cannot watch ClusterRole at the cluster scope' }]);
    cache.close();
  });
});
