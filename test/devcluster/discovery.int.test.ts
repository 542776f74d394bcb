/** Discovery, OpenAPI v3 as kubectl reads it (docs/KUBECTL-WIRE.md), health endpoints, the bearer token and the kubeconfig. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startDevCluster } from '../../src/devcluster/index.js';
import type { DevCluster } from '../../src/devcluster/index.js';
import { at, call, list } from './helpers.js';

let cluster: DevCluster;
beforeAll(async () => {
  cluster = await startDevCluster({ port: 0 });
});
afterAll(async () => {
  await cluster?.stop();
});

const resource = (doc: unknown, name: string): unknown => list(doc, 'resources').find((r) => at(r, 'name') === name);

describe('when a client discovers the API', () => {
  it('should answer /version, /api and /apis in their legacy forms, even when aggregated discovery is asked for', async () => {
    expect((await call(cluster, 'GET', '/version')).json).toMatchObject({ major: '1', minor: '34' });
    const accept = { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' };
    expect((await call(cluster, 'GET', '/api', { headers: accept })).json).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const groups = (await call(cluster, 'GET', '/apis', { headers: accept })).json;
    expect(at(groups, 'kind')).toBe('APIGroupList');
    expect(list(groups, 'groups').map((g) => at(g, 'preferredVersion.groupVersion'))).toEqual([
      'apps/v1',
      'batch/v1',
      'rbac.authorization.k8s.io/v1',
      'networking.k8s.io/v1',
      'policy/v1',
      'autoscaling/v2',
      'apiextensions.k8s.io/v1',
      'coordination.k8s.io/v1',
    ]);
    expect((await call(cluster, 'GET', '/apis/batch')).json).toMatchObject({ kind: 'APIGroup', name: 'batch', versions: [{ groupVersion: 'batch/v1', version: 'v1' }] });
  });

  it.each([
    ['/api/v1', 'pods', { kind: 'Pod', namespaced: true, singularName: 'pod', shortNames: ['po'] }],
    ['/api/v1', 'pods/log', { kind: 'Pod', namespaced: true, verbs: ['get'] }],
    ['/api/v1', 'namespaces', { kind: 'Namespace', namespaced: false, shortNames: ['ns'] }],
    ['/api/v1', 'services', { kind: 'Service', shortNames: ['svc'] }],
    ['/apis/apps/v1', 'deployments', { kind: 'Deployment', shortNames: ['deploy'], categories: ['all'] }],
    ['/apis/apps/v1', 'deployments/status', { kind: 'Deployment', verbs: ['get', 'patch', 'update'] }],
    ['/apis/batch/v1', 'jobs', { kind: 'Job', namespaced: true, verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] }],
    ['/apis/rbac.authorization.k8s.io/v1', 'clusterroles', { kind: 'ClusterRole', namespaced: false }],
    ['/apis/autoscaling/v2', 'horizontalpodautoscalers', { kind: 'HorizontalPodAutoscaler', shortNames: ['hpa'] }],
    ['/apis/apiextensions.k8s.io/v1', 'customresourcedefinitions', { kind: 'CustomResourceDefinition', namespaced: false, shortNames: ['crd', 'crds'] }],
    ['/apis/coordination.k8s.io/v1', 'leases', { kind: 'Lease' }],
  ])('should describe %s %s', async (path, name, expected) => {
    const doc = (await call(cluster, 'GET', path)).json;
    expect(at(doc, 'kind')).toBe('APIResourceList');
    expect(resource(doc, name)).toMatchObject(expected);
  });

  it('should answer 404 for a group or version it does not serve', async () => {
    expect((await call(cluster, 'GET', '/apis/nothing.example.com/v1')).status).toBe(404);
    expect((await call(cluster, 'GET', '/apis/batch/v2')).status).toBe(404);
  });
});

describe('when kubectl reads OpenAPI v3', () => {
  it('should list every group-version with a hashed URL, each with PATCH operations carrying a GVK object and fieldValidation', async () => {
    const root = (await call(cluster, 'GET', '/openapi/v3')).json;
    const url = String(at(root, 'paths.apis/batch/v1.serverRelativeURL'));
    expect(url).toMatch(/^\/openapi\/v3\/apis\/batch\/v1\?hash=[0-9A-F]+$/);
    expect(at(root, 'paths.api/v1.serverRelativeURL')).toEqual(expect.stringMatching(/^\/openapi\/v3\/api\/v1\?hash=/));
    const doc = (await call(cluster, 'GET', url)).json;
    const patch = at(at(doc, 'paths') as Record<string, unknown>, '/apis/batch/v1/namespaces/{namespace}/jobs/{name}');
    expect(at(patch, 'patch.x-kubernetes-group-version-kind')).toEqual({ group: 'batch', version: 'v1', kind: 'Job' });
    expect(list(patch, 'patch.parameters').map((p) => at(p, 'name'))).toContain('fieldValidation');
    const core = (await call(cluster, 'GET', '/openapi/v3/api/v1')).json;
    expect(Object.keys(at(core, 'paths') as object)).toContain('/api/v1/namespaces/{namespace}/configmaps/{name}');
    expect(Object.keys(at(core, 'paths') as object)).toContain('/api/v1/namespaces/{name}');
  });
});

describe('when checking health and credentials', () => {
  it.each(['/healthz', '/readyz', '/livez'])('should answer %s with ok', async (path) => {
    const r = await call(cluster, 'GET', path);
    expect([r.status, r.text]).toEqual([200, 'ok']);
  });

  it('should write a kubeconfig with a dev-cluster context, the server URL and a token user', () => {
    const config = parse(cluster.kubeconfig()) as unknown;
    expect(at(config, 'current-context')).toBe('dev-cluster');
    expect(at(list(config, 'clusters')[0], 'cluster.server')).toBe(cluster.url);
    expect(cluster.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(at(list(config, 'users')[0], 'user.token')).toEqual(expect.any(String));
  });

  it('should require the bearer token when one is set (401 otherwise), but not for health and version', async () => {
    const guarded = await startDevCluster({ port: 0, token: 'sekret' });
    try {
      expect((await call(guarded, 'GET', '/api/v1/namespaces')).json).toMatchObject({ reason: 'Unauthorized', code: 401 });
      expect((await call(guarded, 'GET', '/api/v1/namespaces', { headers: { authorization: 'Bearer sekret' } })).status).toBe(200);
      expect((await call(guarded, 'GET', '/healthz')).status).toBe(200);
      expect(at(list(parse(guarded.kubeconfig()) as unknown, 'users')[0], 'user.token')).toBe('sekret');
    } finally {
      await guarded.stop();
    }
  });

  it('should refuse bad options with an error naming the field', async () => {
    await expect(startDevCluster({ port: 70000 })).rejects.toThrow(/port/);
    await expect(startDevCluster({ workloadReadyDelayMs: -1 })).rejects.toThrow(/workloadReadyDelayMs/);
    await expect(startDevCluster({ images: { 'x:*': { entrypoint: [] } } })).rejects.toThrow(/"x:\*"\.entrypoint/);
    await expect(startDevCluster({ faults: 'rate=2' })).rejects.toThrow(/rate/);
  });
});
