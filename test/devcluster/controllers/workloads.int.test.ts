/** Workload status, Services, PVCs, namespace deletion and CRDs. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevCluster } from '../../../src/devcluster/index.js';
import type { DevCluster } from '../../../src/devcluster/index.js';
import { alive, at, call, hasCondition, list, namespace, openWatch, waitFor } from '../helpers.js';

let cluster: DevCluster;
beforeAll(async () => {
  cluster = await startDevCluster({ port: 0, workloadReadyDelayMs: 100 });
  await namespace(cluster, 'wl');
});
afterAll(async () => {
  await cluster?.stop();
});

const template = (app: string, image = 'nginx:1'): Record<string, unknown> => ({ metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image }] } });

function workload(kind: string, name: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'apps/v1', kind, metadata: { name }, spec: { selector: { matchLabels: { app: name } }, template: template(name), ...spec } };
}

describe('when a Deployment changes (§8.2 Deployment health)', () => {
  it('should lag observedGeneration behind a new generation, then report every replica ready', async () => {
    const path = '/apis/apps/v1/namespaces/wl/deployments';
    const w = await openWatch(cluster, `${path}?watch=true&fieldSelector=metadata.name%3Dweb`);
    try {
      const created = await call(cluster, 'POST', path, { body: workload('Deployment', 'web', { replicas: 2 }) });
      expect(at(created.json, 'status')).toBeUndefined();
      const ready = await waitFor(cluster, `${path}/web`, (o) => at(o, 'status.observedGeneration') === 1, 'generation 1 observed');
      expect(at(ready, 'status')).toMatchObject({ replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 });
      expect(list(ready, 'status.conditions').map((c) => `${String(at(c, 'type'))}=${String(at(c, 'reason'))}`)).toEqual(['Available=MinimumReplicasAvailable', 'Progressing=NewReplicaSetAvailable']);
      const patched = await call(cluster, 'PATCH', `${path}/web`, { contentType: 'application/strategic-merge-patch+json', body: { spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } } } });
      expect(at(patched.json, 'metadata.generation')).toBe(2);
      expect(at(patched.json, 'status.observedGeneration')).toBe(1);
      await waitFor(cluster, `${path}/web`, (o) => at(o, 'status.observedGeneration') === 2, 'generation 2 observed');
      const seen = w.events.map((e) => `${String(e.object.metadata.generation)}/${String(at(e.object, 'status.observedGeneration') ?? '-')}`);
      expect(seen).toEqual(['1/-', '1/1', '2/1', '2/2']);
    } finally {
      w.close();
    }
  });

  it('should leave a paused Deployment as it is', async () => {
    const path = '/apis/apps/v1/namespaces/wl/deployments';
    await call(cluster, 'POST', path, { body: workload('Deployment', 'paused', { paused: true }) });
    // Another workload created after it settles first; the paused one still has no status.
    await call(cluster, 'POST', path, { body: workload('Deployment', 'after') });
    await waitFor(cluster, `${path}/after`, (o) => at(o, 'status.observedGeneration') === 1, 'the later Deployment to settle');
    expect(at((await call(cluster, 'GET', `${path}/paused`)).json, 'status')).toBeUndefined();
  });

  it.each([
    ['StatefulSet', 'statefulsets', (s: unknown) => at(s, 'currentRevision') === at(s, 'updateRevision') && at(s, 'readyReplicas') === 1],
    ['DaemonSet', 'daemonsets', (s: unknown) => at(s, 'desiredNumberScheduled') === 1 && at(s, 'numberAvailable') === 1 && at(s, 'updatedNumberScheduled') === 1],
    ['ReplicaSet', 'replicasets', (s: unknown) => at(s, 'availableReplicas') === 1],
  ])('should roll out a %s', async (kind, plural, check) => {
    const name = kind.toLowerCase();
    await call(cluster, 'POST', `/apis/apps/v1/namespaces/wl/${plural}`, { body: workload(kind, name) });
    const done = await waitFor(cluster, `/apis/apps/v1/namespaces/wl/${plural}/${name}`, (o) => at(o, 'status.observedGeneration') === 1, `${kind} to settle`);
    expect(check(at(done, 'status'))).toBe(true);
  });
});

describe('when creating Services and claims', () => {
  it('should give a Service a cluster IP, and a LoadBalancer an ingress address after the delay', async () => {
    const path = '/api/v1/namespaces/wl/services';
    const lb = await call(cluster, 'POST', path, { body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'lb' }, spec: { type: 'LoadBalancer', selector: { app: 'x' }, ports: [{ port: 80 }] } } });
    expect(at(lb.json, 'spec.clusterIP')).toMatch(/^10\.96\./);
    expect(at(lb.json, 'spec.ports.0')).toMatchObject({ port: 80, targetPort: 80, protocol: 'TCP', nodePort: expect.any(Number) as unknown });
    const ready = await waitFor(cluster, `${path}/lb`, (o) => list(o, 'status.loadBalancer.ingress').length > 0, 'an ingress address');
    expect(at(ready, 'status.loadBalancer.ingress.0.ip')).toEqual(expect.any(String));
    const headless = await call(cluster, 'POST', path, { body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'headless' }, spec: { clusterIP: 'None', selector: { app: 'x' } } } });
    expect(at(headless.json, 'spec.clusterIP')).toBe('None');
    const noPorts = await call(cluster, 'POST', path, { body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'noports' }, spec: { selector: { app: 'x' } } } });
    expect(noPorts.status).toBe(422);
    expect(String(at(noPorts.json, 'message'))).toContain('spec.ports: Required value');
  });

  it('should bind a PersistentVolumeClaim', async () => {
    const path = '/api/v1/namespaces/wl/persistentvolumeclaims';
    await call(cluster, 'POST', path, { body: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } } });
    const bound = await waitFor(cluster, `${path}/data`, (o) => at(o, 'status.phase') === 'Bound', 'the claim to bind');
    expect(at(bound, 'status.capacity.storage')).toBe('1Gi');
  });
});

describe('when a namespace is deleted', () => {
  it('should go Terminating, delete everything in it (stopping processes), then go', async () => {
    const ns = await namespace(cluster, 'doomed');
    await call(cluster, 'POST', `/api/v1/namespaces/${ns}/configmaps`, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } } });
    await call(cluster, 'POST', `/api/v1/namespaces/${ns}/pods`, {
      body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'sleeper' }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'busybox', command: ['sleep', '30'] }] } },
    });
    await waitFor(cluster, `/api/v1/namespaces/${ns}/pods/sleeper`, (o) => hasCondition(o, 'Ready'), 'the sleeper to run');
    const pid = cluster.audit().find((e) => e.verb === 'process-started' && e.namespace === ns)?.pid ?? -1;
    expect(alive(pid)).toBe(true);
    const del = await call(cluster, 'DELETE', `/api/v1/namespaces/${ns}`);
    expect(at(del.json, 'status.phase')).toBe('Terminating');
    await waitFor(cluster, `/api/v1/namespaces/${ns}`, (o) => o === undefined, 'the namespace to be gone');
    expect(alive(pid)).toBe(false);
    expect(list((await call(cluster, 'GET', `/api/v1/namespaces/${ns}/configmaps`)).json, 'items')).toEqual([]);
  });
});

describe('when a CustomResourceDefinition is created', () => {
  const crds = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
  const crd = (scope: 'Namespaced' | 'Cluster', plural: string, kind: string): Record<string, unknown> => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.demo.io` },
    spec: { group: 'demo.io', scope, names: { plural, singular: kind.toLowerCase(), kind, shortNames: [plural.slice(0, 2)] }, versions: [{ name: 'v1', served: true, storage: true, subresources: { status: {} }, schema: { openAPIV3Schema: { type: 'object' } } }] },
  });

  it('should be Established, serve its kind (namespaced or cluster-scoped) and clean up when deleted', async () => {
    await call(cluster, 'POST', crds, { body: crd('Namespaced', 'gadgets', 'Gadget') });
    await call(cluster, 'POST', crds, { body: crd('Cluster', 'realms', 'Realm') });
    const est = await waitFor(cluster, `${crds}/gadgets.demo.io`, (o) => hasCondition(o, 'Established') && hasCondition(o, 'NamesAccepted'), 'the CRD to be established');
    expect(at(est, 'status.acceptedNames.kind')).toBe('Gadget');
    await waitFor(cluster, `${crds}/realms.demo.io`, (o) => hasCondition(o, 'Established'), 'the cluster-scoped CRD');
    const discovery = await call(cluster, 'GET', '/apis/demo.io/v1');
    expect(list(discovery.json, 'resources').map((r) => `${String(at(r, 'name'))}:${String(at(r, 'namespaced'))}`)).toEqual(['gadgets:true', 'gadgets/status:true', 'realms:false', 'realms/status:false']);
    const g = await call(cluster, 'POST', '/apis/demo.io/v1/namespaces/wl/gadgets', { body: { apiVersion: 'demo.io/v1', kind: 'Gadget', metadata: { name: 'g' }, spec: { anything: [1, 2] }, status: { ignored: true } } });
    expect(g.status).toBe(201);
    expect(at(g.json, 'status')).toBeUndefined();
    expect((await call(cluster, 'POST', '/apis/demo.io/v1/realms', { body: { apiVersion: 'demo.io/v1', kind: 'Realm', metadata: { name: 'r' } } })).status).toBe(201);
    expect((await call(cluster, 'GET', '/apis/demo.io/v1/namespaces/wl/realms/r')).status).toBe(404);
    expect((await call(cluster, 'DELETE', `${crds}/gadgets.demo.io`)).status).toBe(200);
    await waitFor(cluster, `${crds}/gadgets.demo.io`, (o) => o === undefined, 'the CRD to be gone');
    expect((await call(cluster, 'GET', '/apis/demo.io/v1/namespaces/wl/gadgets/g')).status).toBe(404);
    expect(list((await call(cluster, 'GET', '/apis/demo.io/v1')).json, 'resources').map((r) => at(r, 'name'))).toEqual(['realms', 'realms/status']);
  });
});
