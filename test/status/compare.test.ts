import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/manifests/index.js';
import { manifest } from '../helpers/builders.js';
import { applicationHealth, compareApplication, desiredState, diffApplication, resourceTree } from '../../src/status/index.js';
import type { ScopeOf } from '../../src/status/index.js';
import { decorateForApply } from '../../src/sync/index.js';

const scopeOf: ScopeOf = (_apiVersion, kind) => (kind === 'Namespace' || kind === 'ClusterRole' ? 'cluster' : 'namespaced');


const deployment = (replicas: number, extra: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', ...extra },
  spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } },
});
const config: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { mode: 'a' } };
const hook: KubeObject = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'post', annotations: { 'argocd.argoproj.io/hook': 'PostSync' } }, spec: { template: { spec: { containers: [{ name: 'main', image: 'busybox' }], restartPolicy: 'Never' } } } };
const role: KubeObject = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'reader' }, rules: [] };
const skipped: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'manual', annotations: { 'argocd.argoproj.io/hook': 'Skip' } } };

const desired = desiredState({ app: 'shop', namespace: 'shop', revision: 'abc', manifests: [deployment(1), config, hook, role, skipped].map((o) => manifest(o)), scopeOf });

/** A live copy as the API server would return it: decorated, with status and server fields. */
function live(obj: KubeObject, patch: (o: KubeObject) => void = () => undefined, status?: Record<string, unknown>): KubeObject {
  const copy = structuredClone(decorateForApply(obj.kind === 'ClusterRole' ? obj : { ...obj, metadata: { ...obj.metadata, namespace: 'shop' } }, { app: 'shop' }));
  copy.metadata.uid = `uid-${obj.kind}-${obj.metadata.name ?? ''}`;
  copy.metadata.resourceVersion = '7';
  patch(copy);
  if (status) copy['status'] = status;
  return copy;
}
const readyDeployment = (replicas: number): Record<string, unknown> => ({ observedGeneration: 1, replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas });

describe('desiredState', () => {
  it('should keep plain resources (no hooks, no Skip), decorated, cluster-scoped kinds without a namespace, and note skipped identities', () => {
    expect(desired.objects.map((o) => `${o.kind}/${o.metadata.namespace ?? '-'}/${o.metadata.name ?? ''}`).sort()).toEqual(['ClusterRole/-/reader', 'ConfigMap/shop/settings', 'Deployment/shop/web']);
    expect(desired.objects.every((o) => o.metadata.labels?.['hookrunner.io/app'] === 'shop')).toBe(true);
    expect([...desired.skipped]).toEqual(['/ConfigMap/shop/manual']);
  });
});

describe('compareApplication', () => {
  it('should be Synced and Healthy when every resource matches (server fields, status and defaults aside), hooks and Skip objects not counted', () => {
    const objects = [live(deployment(1), (o) => ((o['spec'] as Record<string, unknown>)['strategy'] = { type: 'RollingUpdate' }), readyDeployment(1)), live(config), live(role), live(hook), live(skipped)];
    const result = compareApplication({ desired, live: objects });
    expect(result.status).toBe('Synced');
    expect(result.health).toEqual({ status: 'Healthy' });
    expect(result.resources.map((r) => `${r.kind}:${r.status}:${r.health?.status ?? '-'}`)).toEqual(['ConfigMap:Synced:-', 'Deployment:Synced:Healthy', 'ClusterRole:Synced:-']);
  });

  it('should say OutOfSync for a changed field, Missing (with a health check) for an absent Deployment, and requiresPruning for an extraneous object', () => {
    const extra = live({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'old' }, data: {} });
    const result = compareApplication({ desired, live: [live(config, (o) => ((o['data'] as Record<string, string>)['mode'] = 'b')), live(role), extra] });
    expect(result.status).toBe('OutOfSync');
    expect(result.health.status).toBe('Missing');
    expect(result.resources.find((r) => r.name === 'settings')?.status).toBe('OutOfSync');
    expect(result.resources.find((r) => r.kind === 'Deployment')).toMatchObject({ status: 'OutOfSync', health: { status: 'Missing' } });
    expect(result.resources.find((r) => r.name === 'old')).toMatchObject({ status: 'OutOfSync', requiresPruning: true });
  });

  it('should leave an extraneous object marked IgnoreExtraneous out of the sync status', () => {
    const extra = live({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'old', annotations: { 'argocd.argoproj.io/compare-options': 'IgnoreExtraneous' } }, data: {} });
    const result = compareApplication({ desired, live: [live(deployment(1), undefined, readyDeployment(1)), live(config), live(role), extra] });
    expect(result.status).toBe('Synced');
    expect(result.resources.find((r) => r.name === 'old')?.requiresPruning).toBe(true);
  });

  it('should honour ignoreDifferences', () => {
    const scaled = live(deployment(5), undefined, readyDeployment(5));
    const objects = [scaled, live(config), live(role)];
    expect(compareApplication({ desired, live: objects }).status).toBe('OutOfSync');
    expect(compareApplication({ desired, live: objects, ignore: [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] }] }).status).toBe('Synced');
  });

  it('should say Unknown without a readable source, and for resources of a kind that cannot be watched', () => {
    const unreadable = compareApplication({ desired: undefined, live: [live(config)] });
    expect(unreadable.status).toBe('Unknown');
    expect(unreadable.resources).toMatchObject([{ kind: 'ConfigMap', status: 'Unknown' }]);
    const unseen = compareApplication({ desired, live: [live(config), live(role)], unseenKinds: new Set(['apps/Deployment']) });
    expect(unseen.status).toBe('Unknown');
    expect(unseen.resources.find((r) => r.kind === 'Deployment')).toEqual({ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'shop', name: 'web', status: 'Unknown' });
  });
});

describe('applicationHealth', () => {
  it('should take the worst health, skipping Missing objects of kinds without a health check (Argo CD)', () => {
    expect(applicationHealth([{ group: '', version: 'v1', kind: 'ConfigMap', namespace: 'a', name: 'c', status: 'OutOfSync', health: { status: 'Missing' } }])).toEqual({ status: 'Healthy' });
    expect(
      applicationHealth([
        { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'a', name: 'd', status: 'Synced', health: { status: 'Progressing', message: 'rolling' } },
        { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'a', name: 'e', status: 'Synced', health: { status: 'Degraded', message: 'crash' } },
      ]),
    ).toEqual({ status: 'Degraded', message: 'Deployment a/e: crash' });
  });
});

describe('diffApplication', () => {
  it('should list changes with their fields, objects to create and to prune, nothing for equal ones', () => {
    const items = diffApplication({ desired, live: [live(deployment(3)), live(role), live({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'old' } })] });
    expect(items.map((i) => `${i.action} ${i.kind}/${i.name}`)).toEqual(['create ConfigMap/settings', 'change Deployment/web', 'prune ConfigMap/old']);
    expect(items[1]?.differences).toEqual([{ path: '/spec/replicas', desired: 1, live: 3 }]);
    expect(items[1]?.diff).toContain('-  replicas: 3');
  });
});

describe('resourceTree', () => {
  it('should put the app objects at the top (sync badges, hooks marked) and their owned objects below, by owner uid', () => {
    const dep = live(deployment(1), undefined, readyDeployment(1));
    const job = live(hook);
    const rs: KubeObject = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-1', namespace: 'shop', uid: 'rs', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: dep.metadata.uid ?? '' }] } };
    const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1-x', namespace: 'shop', uid: 'pod', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'rs' }] }, status: { phase: 'Running' } };
    const owned = new Map<string, KubeObject[]>([[dep.metadata.uid ?? '', [rs]], ['rs', [pod]], [pod.metadata.uid ?? '', [dep]]]);
    const nodes = resourceTree({ roots: [dep, job], childrenOf: (uid) => owned.get(uid) ?? [], resources: compareApplication({ desired, live: [dep] }).resources });
    expect(nodes.map((n) => `${n.kind}/${n.name}<${n.parentRefs.map((p) => p.name).join(',')}>${n.status ?? ''}${n.hook ? ' hook' : ''}`)).toEqual(['Deployment/web<>Synced', 'Job/post<> hook', 'ReplicaSet/web-1<web>', 'Pod/web-1-x<web-1>']);
  });
});
