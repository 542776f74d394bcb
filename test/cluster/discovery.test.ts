import { describe, expect, it } from 'vitest';
import { isNotFound, KubeApiError } from '../../src/cluster/index.js';
import {
  collectionPath,
  createDiscovery,
  describeTarget,
  discoveryPath,
  findResource,
  objectPath,
  parseResourceList,
} from '../../src/cluster/discovery.js';
import type { ApiRequest } from '../../src/cluster/transport.js';

/** Discovery: its pure parts, and its cache over an in-memory transport. */
const batch = {
  resources: [
    { name: 'jobs/status', kind: 'Job', namespaced: true },
    { name: 'jobs', kind: 'Job', namespaced: true },
    { name: 'cronjobs', kind: 'CronJob', namespaced: true },
  ],
};

describe('when reading discovery answers', () => {
  it('should ask /api for the core group and /apis for the others', () => {
    expect(discoveryPath('v1')).toBe('/api/v1');
    expect(discoveryPath('batch/v1')).toBe('/apis/batch/v1');
  });

  it('should skip malformed entries and default namespaced to false', () => {
    expect(parseResourceList({ resources: [{ name: 'a', kind: 'A' }, { name: 1, kind: 'B' }, null, { kind: 'C' }] })).toEqual([{ name: 'a', kind: 'A', namespaced: false, verbs: [] }]);
    expect(parseResourceList(null)).toEqual([]);
    expect(parseResourceList({ resources: 'x' })).toEqual([]);
  });

  it('should find the main resource of a kind, not a subresource', () => {
    expect(findResource(parseResourceList(batch), 'batch/v1', 'Job')).toEqual({ group: 'batch', version: 'v1', kind: 'Job', resource: 'jobs', namespaced: true });
    expect(findResource(parseResourceList(batch), 'batch/v1', 'Pod')).toBeUndefined();
    expect(findResource(undefined, 'batch/v1', 'Job')).toBeUndefined();
  });

  it('should build paths and kubectl-style names', () => {
    const jobs = { group: 'batch', version: 'v1', kind: 'Job', resource: 'jobs', namespaced: true };
    expect(collectionPath(jobs, 'a b')).toBe('/apis/batch/v1/namespaces/a%20b/jobs');
    expect(objectPath(jobs, undefined, 'x')).toBe('/apis/batch/v1/jobs/x');
    expect(describeTarget(jobs, 'app', 'x')).toBe('jobs.batch app/x');
    expect(describeTarget(jobs, 'app')).toBe('jobs.batch in app');
  });
});

function fakeTransport(answer: (req: ApiRequest) => unknown): { requests: string[]; requestJson(req: ApiRequest): Promise<unknown> } {
  const requests: string[] = [];
  return {
    requests,
    async requestJson(req) {
      requests.push(req.path);
      return answer(req);
    },
  };
}

describe('when discovery is cached', () => {
  it('should ask once per apiVersion, concurrent callers included', async () => {
    const t = fakeTransport(() => batch);
    const discovery = createDiscovery(t);
    const [a, b] = await Promise.all([discovery.resourceInfo('batch/v1', 'Job'), discovery.resourceInfo('batch/v1', 'CronJob')]);
    expect([a?.resource, b?.resource]).toEqual(['jobs', 'cronjobs']);
    await discovery.require('batch/v1', 'Job');
    expect(t.requests).toEqual(['/apis/batch/v1']);
  });

  it('should ask again after invalidate', async () => {
    const t = fakeTransport(() => batch);
    const discovery = createDiscovery(t);
    await discovery.resourceInfo('batch/v1', 'Job');
    discovery.invalidate();
    await discovery.resourceInfo('batch/v1', 'Job');
    expect(t.requests).toHaveLength(2);
  });

  it('should cache an unserved group as undefined, and require() says so as kubectl does', async () => {
    const t = fakeTransport(() => {
      throw new KubeApiError({ code: 404, reason: 'NotFound', message: 'the server could not find the requested resource' });
    });
    const discovery = createDiscovery(t);
    expect(await discovery.resourceInfo('example.com/v1', 'Widget')).toBeUndefined();
    const err = await discovery.require('example.com/v1', 'Widget').catch((e: unknown) => e);
    expect(isNotFound(err)).toBe(true);
    expect((err as Error).message).toContain('no matches for kind "Widget" in version "example.com/v1"');
    expect(t.requests).toHaveLength(1);
  });

  it('should not cache a failure', async () => {
    let calls = 0;
    const t = fakeTransport(() => {
      calls++;
      if (calls === 1) throw new KubeApiError({ code: 503, reason: 'ServiceUnavailable', message: 'later' });
      return batch;
    });
    const discovery = createDiscovery(t);
    await expect(discovery.resourceInfo('batch/v1', 'Job')).rejects.toThrow(/ServiceUnavailable/);
    expect((await discovery.resourceInfo('batch/v1', 'Job'))?.resource).toBe('jobs');
  });
});

describe('when listing every listable kind (live state, §9.11)', () => {
  const core = { resources: [{ name: 'configmaps', kind: 'ConfigMap', namespaced: true, verbs: ['get', 'list', 'watch', 'create'] }, { name: 'bindings', kind: 'Binding', namespaced: true, verbs: ['create'] }, { name: 'pods/log', kind: 'Pod', namespaced: true, verbs: ['get'] }] };
  const groups = { groups: [{ name: 'batch', preferredVersion: { groupVersion: 'batch/v1' } }, { name: 'metrics.k8s.io', preferredVersion: { groupVersion: 'metrics.k8s.io/v1beta1' } }, { name: 'broken' }] };
  const listable = { resources: [{ name: 'jobs', kind: 'Job', namespaced: true, verbs: ['list'] }, { name: 'jobs/status', kind: 'Job', namespaced: true, verbs: ['get', 'list'] }] };

  it('should take each group at its preferred version, main resources with the list verb only (those without watch marked), and report the group versions that failed', async () => {
    const t = fakeTransport((req) => {
      if (req.path === '/apis') return groups;
      if (req.path === '/api/v1') return core;
      if (req.path === '/apis/batch/v1') return listable;
      throw new KubeApiError({ code: 503, reason: 'ServiceUnavailable', message: 'the server is currently unable to handle the request' });
    });
    const discovery = createDiscovery(t);
    expect(await discovery.listable()).toEqual({
      resources: [
        { group: '', version: 'v1', kind: 'ConfigMap', resource: 'configmaps', namespaced: true },
        { group: 'batch', version: 'v1', kind: 'Job', resource: 'jobs', namespaced: true, watchable: false },
      ],
      unavailable: ['metrics.k8s.io/v1beta1'],
    });
    expect(t.requests.sort()).toEqual(['/api/v1', '/apis', '/apis/batch/v1', '/apis/metrics.k8s.io/v1beta1']);
  });
});
