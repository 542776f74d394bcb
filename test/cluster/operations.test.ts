import { describe, expect, it } from 'vitest';
import { InvalidInputError, isNotFound, KubeApiError } from '../../src/cluster/index.js';
import type { ApiResourceInfo } from '../../src/cluster/index.js';
import { noKindMatch } from '../../src/cluster/discovery.js';
import {
  applyObject,
  createObject,
  deleteObject,
  getObject,
  listObjects,
  mergePatchObject,
  readPodLogs,
  removeFinalizer,
} from '../../src/cluster/operations.js';
import type { OperationContext } from '../../src/cluster/operations.js';
import type { ApiRequest } from '../../src/cluster/transport.js';
import type { KubeObject } from '../../src/manifests/index.js';

/**
 * The client methods over an in-memory transport and discovery: which requests each sends, and
 * how it reads answers and failures. No network.
 */
const KINDS: Record<string, ApiResourceInfo> = {
  'v1/ConfigMap': { group: '', version: 'v1', kind: 'ConfigMap', resource: 'configmaps', namespaced: true },
  'v1/Namespace': { group: '', version: 'v1', kind: 'Namespace', resource: 'namespaces', namespaced: false },
  'batch/v1/Job': { group: 'batch', version: 'v1', kind: 'Job', resource: 'jobs', namespaced: true },
};

type Answer = (req: ApiRequest) => unknown;

interface Fake {
  ctx: OperationContext;
  requests: ApiRequest[];
  debug: string[];
}

/** Answers each request with the next of `answers` (a body, or a thrown error); the last repeats. */
function fake(...answers: Answer[]): Fake {
  const requests: ApiRequest[] = [];
  const debug: string[] = [];
  const answer = async (req: ApiRequest): Promise<unknown> => {
    requests.push(req);
    const next = answers[Math.min(requests.length - 1, answers.length - 1)];
    return next ? next(req) : {};
  };
  const ctx: OperationContext = {
    transport: {
      requestJson: answer,
      request: async (req) => {
        const body = await answer(req);
        return { status: 200, text: typeof body === 'string' ? body : JSON.stringify(body) };
      },
    },
    discovery: {
      require: async (apiVersion, kind) => {
        const info = KINDS[`${apiVersion}/${kind}`];
        if (!info) throw noKindMatch(apiVersion, kind);
        return info;
      },
    },
    namespace: 'default',
    fieldManager: 'hookrunner',
    logger: { debug: (m) => debug.push(m), info: () => undefined, warn: () => undefined, error: () => undefined },
  };
  return { ctx, requests, debug };
}

const fail = (code: number, reason: string): Answer => () => {
  throw new KubeApiError({ code, reason, message: reason });
};
const ok = (body: unknown): Answer => () => body;
const cmRef = { apiVersion: 'v1', kind: 'ConfigMap', name: 'cm' };
const cm = (metadata: KubeObject['metadata']): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata, data: { a: '1' } });

describe('when reading', () => {
  it('should get an object in the default namespace and fill in its kind', async () => {
    const f = fake(ok({ metadata: { name: 'cm', namespace: 'default' } }));
    const got = await getObject(f.ctx, cmRef);
    expect(got).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'default' } });
    expect(f.requests[0]).toMatchObject({ method: 'GET', path: '/api/v1/namespaces/default/configmaps/cm' });
  });

  it('should answer undefined for a missing object or an unknown kind, and throw other failures', async () => {
    expect(await getObject(fake(fail(404, 'NotFound')).ctx, cmRef)).toBeUndefined();
    const f = fake();
    expect(await getObject(f.ctx, { apiVersion: 'example.com/v1', kind: 'Widget', name: 'w' })).toBeUndefined();
    expect(f.requests).toHaveLength(0);
    await expect(getObject(fake(fail(403, 'Forbidden')).ctx, cmRef)).rejects.toThrow(/Forbidden/);
  });

  it('should list every page and keep the first page resourceVersion', async () => {
    const f = fake(
      ok({ metadata: { resourceVersion: '10', continue: 'next' }, items: [{ metadata: { name: 'a' } }] }),
      ok({ metadata: { resourceVersion: '11' }, items: [{ metadata: { name: 'b' } }] }),
    );
    const { items, resourceVersion } = await listObjects(f.ctx, { apiVersion: 'v1', kind: 'ConfigMap' }, { labelSelector: 'x=1' });
    expect(items.map((i) => `${i.kind} ${i.metadata.name}`)).toEqual(['ConfigMap a', 'ConfigMap b']);
    expect(resourceVersion).toBe('10');
    expect(f.requests.map((r) => [r.path, r.query?.['continue']])).toEqual([
      ['/api/v1/configmaps', undefined],
      ['/api/v1/configmaps', 'next'],
    ]);
  });

  it('should refuse a collection ref without a kind before any request', async () => {
    const f = fake();
    await expect(listObjects(f.ctx, { apiVersion: 'v1', kind: '' })).rejects.toBeInstanceOf(InvalidInputError);
    expect(f.requests).toHaveLength(0);
  });
});

describe('when creating', () => {
  it('should POST to the collection of the default namespace', async () => {
    const f = fake(ok({ metadata: { name: 'cm', namespace: 'default', uid: 'u' } }));
    const created = await createObject(f.ctx, cm({ name: 'cm' }));
    expect(created.metadata.uid).toBe('u');
    expect(f.requests[0]).toMatchObject({ method: 'POST', path: '/api/v1/namespaces/default/configmaps', query: { fieldManager: 'hookrunner' } });
  });

  it('should throw AlreadyExists unless asked to adopt', async () => {
    await expect(createObject(fake(fail(409, 'AlreadyExists')).ctx, cm({ name: 'cm' }))).rejects.toThrow(/AlreadyExists/);
  });

  it('should adopt an existing object that carries our labels', async () => {
    const existing = { metadata: { name: 'cm', namespace: 'default', labels: { app: 'x' }, uid: 'old' } };
    const f = fake(fail(409, 'AlreadyExists'), ok(existing));
    const got = await createObject(f.ctx, cm({ name: 'cm', labels: { app: 'x' } }), { adoptOnConflict: true });
    expect(got.metadata.uid).toBe('old');
    expect(f.requests.map((r) => r.method)).toEqual(['POST', 'GET']);
    expect(f.debug).toContain('create met AlreadyExists; adopted the existing object');
  });

  it('should refuse an existing object without our labels', async () => {
    const f = fake(fail(409, 'AlreadyExists'), ok({ metadata: { name: 'cm', labels: { app: 'other' } } }));
    await expect(createObject(f.ctx, cm({ name: 'cm', labels: { app: 'x' } }), { adoptOnConflict: true })).rejects.toThrow(/AlreadyExists/);
  });

  it('should try again while the object exists, then does not, up to three creates', async () => {
    const f = fake((req) => (req.method === 'POST' ? fail(409, 'AlreadyExists')(req) : fail(404, 'NotFound')(req)));
    await expect(createObject(f.ctx, cm({ name: 'cm' }), { adoptOnConflict: true })).rejects.toThrow(/AlreadyExists/);
    expect(f.requests.map((r) => r.method)).toEqual(['POST', 'GET', 'POST', 'GET', 'POST', 'GET']);
  });
});

describe('when applying and patching', () => {
  it('should apply server-side at the object path, the namespace set in the body', async () => {
    const f = fake(ok({ metadata: { name: 'pre', namespace: 'app' } }));
    const job: KubeObject = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'pre', namespace: 'app' } };
    expect((await applyObject(f.ctx, job, { dryRun: true })).kind).toBe('Job');
    expect(f.requests[0]).toMatchObject({ method: 'PATCH', path: '/apis/batch/v1/namespaces/app/jobs/pre', query: { force: true, dryRun: 'All' } });
  });

  it('should drop the namespace of a cluster-scoped object', async () => {
    const f = fake(ok({ metadata: { name: 'app' } }));
    await applyObject(f.ctx, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'app', namespace: 'x' } });
    expect(f.requests[0]?.path).toBe('/api/v1/namespaces/app');
    expect((f.requests[0]?.body as KubeObject).metadata).toEqual({ name: 'app' });
  });

  it('should merge-patch the status subresource, and refuse a patch that is not an object', async () => {
    const f = fake(ok({ metadata: { name: 'cm' } }));
    await mergePatchObject(f.ctx, cmRef, { status: {} }, { subresource: 'status' });
    expect(f.requests[0]).toMatchObject({ path: '/api/v1/namespaces/default/configmaps/cm/status', contentType: 'application/merge-patch+json' });
    await expect(mergePatchObject(f.ctx, cmRef, [] as unknown as Record<string, unknown>)).rejects.toBeInstanceOf(InvalidInputError);
    expect(f.requests).toHaveLength(1);
  });
});

describe('when deleting', () => {
  it('should answer deleted, or notFound for a missing object or kind', async () => {
    expect(await deleteObject(fake(ok({})).ctx, cmRef)).toBe('deleted');
    expect(await deleteObject(fake(fail(404, 'NotFound')).ctx, cmRef)).toBe('notFound');
    expect(await deleteObject(fake().ctx, { apiVersion: 'example.com/v1', kind: 'Widget', name: 'w' })).toBe('notFound');
  });

  it('should read a Conflict as notFound only under a uid precondition', async () => {
    const f = fake(fail(409, 'Conflict'));
    expect(await deleteObject(f.ctx, cmRef, { uid: 'u1' })).toBe('notFound');
    expect(f.requests[0]?.body).toMatchObject({ preconditions: { uid: 'u1' } });
    await expect(deleteObject(fake(fail(409, 'Conflict')).ctx, cmRef)).rejects.toThrow(/Conflict/);
  });
});

describe('when removing a finalizer', () => {
  const live = (finalizers: string[]): Answer => ok({ metadata: { name: 'cm', namespace: 'default', resourceVersion: '5', finalizers } });

  it('should send nothing when the finalizer or the object is gone', async () => {
    const f = fake(live(['other']));
    await removeFinalizer(f.ctx, cmRef, 'mine');
    expect(f.requests.map((r) => r.method)).toEqual(['GET']);
    await removeFinalizer(fake(fail(404, 'NotFound')).ctx, cmRef, 'mine');
  });

  it('should re-read and try again after a Conflict', async () => {
    const f = fake(live(['mine', 'other']), fail(409, 'Conflict'), live(['mine', 'other']), ok({}));
    await removeFinalizer(f.ctx, cmRef, 'mine');
    expect(f.requests.map((r) => r.method)).toEqual(['GET', 'PUT', 'GET', 'PUT']);
    expect((f.requests[3]?.body as KubeObject).metadata.finalizers).toEqual(['other']);
  });

  it('should count NotFound on the update as done and throw other failures', async () => {
    await removeFinalizer(fake(live(['mine']), fail(404, 'NotFound')).ctx, cmRef, 'mine');
    const err = await removeFinalizer(fake(live(['mine']), fail(403, 'Forbidden')).ctx, cmRef, 'mine').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect(isNotFound(err)).toBe(false);
  });
});

describe('when reading pod logs', () => {
  it('should return the text, and check the arguments first', async () => {
    const f = fake(() => 'line 1\nline 2\n');
    expect(await readPodLogs(f.ctx, 'app', 'p', { tailLines: 2 })).toBe('line 1\nline 2\n');
    expect(f.requests[0]).toMatchObject({ path: '/api/v1/namespaces/app/pods/p/log', query: { tailLines: 2 } });
    await expect(readPodLogs(f.ctx, 'app', '')).rejects.toBeInstanceOf(InvalidInputError);
    expect(f.requests).toHaveLength(1);
  });
});
