/** Contract tests of the in-memory ClusterClient: it must answer as the Kubernetes API (and the real client) does where the worker relies on it. */
import { describe, expect, it } from 'vitest';
import { ClusterUnreachableError, InvalidInputError, KubeApiError, isAlreadyExists, isConflict, isInvalid, isNotFound, resourceHealth } from '../../src/cluster/index.js';
import type { WatchEvent } from '../../src/cluster/index.js';
import type { KubeObject } from '../../src/manifests/index.js';
import { AbortedError, DeadlineExceededError } from '../../src/util/index.js';
import { createMemoryCluster, kubeErrors } from './memory-cluster.js';

const NOW = Date.UTC(2025, 0, 2, 3, 4, 5);
const cm = (name: string, extra: Partial<KubeObject['metadata']> = {}, data: Record<string, string> = { a: '1' }): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'app', ...extra }, data });
const cmRef = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'app', name });
const jobRef = (name: string) => ({ apiVersion: 'batch/v1', kind: 'Job', namespace: 'app', name });
const job = (name: string, containers = ['main']): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, namespace: 'app' },
  spec: { backoffLimit: 0, template: { metadata: { labels: { team: 'a' } }, spec: { restartPolicy: 'Never', containers: containers.map((c) => ({ name: c, image: 'busybox' })) } } },
});
const newCluster = (options: Parameters<typeof createMemoryCluster>[0] = {}) => createMemoryCluster({ now: () => NOW, namespaces: ['default', 'app'], ...options });
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('memory cluster: create, apply, get, list', () => {
  it('should create with uid, resourceVersion, generation and creationTimestamp, and refuse a second create as AlreadyExists', async () => {
    const c = newCluster();
    const created = await c.create(cm('x'));
    expect(created.metadata).toMatchObject({ name: 'x', namespace: 'app', uid: expect.stringMatching(/^uid-/), generation: 1, creationTimestamp: '2025-01-02T03:04:05Z' });
    expect(Number(created.metadata.resourceVersion)).toBeGreaterThan(0);
    const err = await c.create(cm('x')).catch((e: unknown) => e);
    expect(isAlreadyExists(err)).toBe(true);
    expect((err as Error).message).toBe('create configmaps app/x: AlreadyExists (409): configmaps "x" already exists');
    expect(c.calls.map((k) => [k.verb, k.error !== undefined])).toEqual([['create', false], ['create', true]]);
  });

  it('should name a generateName object, and adopt on conflict only when the labels match', async () => {
    const c = newCluster();
    const a = await c.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'gen-', namespace: 'app' } });
    expect(a.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
    await c.create(cm('own', { labels: { app: 'x' } }));
    expect((await c.create(cm('own', { labels: { app: 'x' } }), { adoptOnConflict: true })).metadata.name).toBe('own');
    await expect(c.create(cm('own', { labels: { app: 'y' } }), { adoptOnConflict: true })).rejects.toSatisfy(isAlreadyExists);
  });

  it('should refuse writes into a missing namespace (404) and invalid names (422)', async () => {
    const c = newCluster();
    const err = await c.apply(cm('x', { namespace: 'nope' })).catch((e: unknown) => e);
    expect(isNotFound(err)).toBe(true);
    expect((err as Error).message).toContain('namespaces "nope" not found');
    await expect(c.apply(cm('Bad_Name'))).rejects.toSatisfy(isInvalid);
    expect(c.objects({ kind: 'ConfigMap' })).toEqual([]);
  });

  it('should merge an apply into the live object, keep the resourceVersion of a no-op, ignore status and honour dry run', async () => {
    const c = newCluster();
    const first = await c.apply({ ...cm('x', { labels: { a: '1' } }), status: { ignored: true } });
    expect(first['status']).toBeUndefined();
    const same = await c.apply(cm('x', { labels: { a: '1' } }));
    expect(same.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
    const changed = await c.apply(cm('x', { labels: { b: '2' } }, { a: '2' }));
    expect(changed.metadata.labels).toEqual({ a: '1', b: '2' });
    expect(changed['data']).toEqual({ a: '2' });
    expect(changed.metadata.generation).toBe(2);
    expect(Number(changed.metadata.resourceVersion)).toBeGreaterThan(Number(first.metadata.resourceVersion));
    const dry = await c.apply(cm('x', {}, { a: '3' }), { dryRun: true });
    expect(dry['data']).toEqual({ a: '3' });
    expect(c.object(cmRef('x'))?.['data']).toEqual({ a: '2' });
    await expect(c.apply(cm('x', { resourceVersion: '1' }))).rejects.toSatisfy(isConflict);
    expect(c.calls[0]?.options).toEqual({ fieldManager: 'hookrunner', force: true, dryRun: false });
  });

  it('should get undefined for a missing object or an unserved kind, and list with label and field selectors', async () => {
    const c = newCluster();
    expect(await c.get(cmRef('none'))).toBeUndefined();
    expect(await c.get({ apiVersion: 'example.com/v1', kind: 'Widget', name: 'w' })).toBeUndefined();
    await c.apply(cm('a', { labels: { tier: 'web', env: 'prod' } }));
    await c.apply(cm('b', { labels: { tier: 'db' } }));
    await c.apply(cm('c', { namespace: 'default', labels: { tier: 'web' } }));
    const names = async (labelSelector?: string, fieldSelector?: string, namespace?: string) =>
      (await c.list({ apiVersion: 'v1', kind: 'ConfigMap', ...(namespace ? { namespace } : {}) }, { ...(labelSelector ? { labelSelector } : {}), ...(fieldSelector ? { fieldSelector } : {}) })).items.map((o) => o.metadata.name);
    expect(await names()).toEqual(['a', 'b', 'c']);
    expect(await names(undefined, undefined, 'app')).toEqual(['a', 'b']);
    expect(await names('tier=web')).toEqual(['a', 'c']);
    expect(await names('tier!=web')).toEqual(['b']);
    expect(await names('tier in (db, web),env')).toEqual(['a']);
    expect(await names('tier notin (web),!env')).toEqual(['b']);
    expect(await names(undefined, 'metadata.name=b')).toEqual(['b']);
    await expect(names(undefined, 'spec.x=1')).rejects.toThrow(/field label not supported: spec.x/);
    await expect(c.list({ apiVersion: 'example.com/v1', kind: 'Widget' })).rejects.toThrow(/no matches for kind "Widget" in version "example.com\/v1"/);
  });
});

describe('memory cluster: delete, finalizers, merge patch', () => {
  it('should keep an object with finalizers until the last one is removed, and refuse new finalizers meanwhile', async () => {
    const c = newCluster();
    await c.apply(cm('x', { finalizers: ['a/b', 'c/d'] }));
    expect(await c.delete(cmRef('x'))).toBe('deleted');
    expect(c.object(cmRef('x'))?.metadata.deletionTimestamp).toBe('2025-01-02T03:04:05Z');
    const err = await c.apply(cm('x', { finalizers: ['e/f'] })).catch((e: unknown) => e);
    expect(isInvalid(err)).toBe(true);
    expect((err as Error).message).toContain('no new finalizers can be added if the object is being deleted');
    await c.removeFinalizer(cmRef('x'), 'a/b');
    expect(c.object(cmRef('x'))?.metadata.finalizers).toEqual(['c/d']);
    await c.removeFinalizer(cmRef('x'), 'c/d');
    expect(c.object(cmRef('x'))).toBeUndefined();
    await c.removeFinalizer(cmRef('x'), 'c/d'); // NotFound counts as done
    expect(await c.delete(cmRef('x'))).toBe('notFound');
  });

  it('should treat a failed uid precondition as notFound, and propagate deletion to dependents as asked', async () => {
    const c = newCluster();
    await c.apply(cm('x'));
    expect(await c.delete(cmRef('x'), { uid: 'other' })).toBe('notFound');
    expect(c.object(cmRef('x'))).toBeDefined();
    await c.apply(job('fg'));
    await c.apply(job('orphan'));
    expect(c.objects({ kind: 'Pod' })).toHaveLength(2);
    await c.delete(jobRef('fg'), { propagationPolicy: 'Foreground' });
    const pods = c.objects({ kind: 'Pod' });
    expect(pods.map((p) => p.metadata.labels?.['job-name'])).toEqual(['orphan']);
    await c.delete(jobRef('orphan'), { propagationPolicy: 'Orphan' });
    expect(c.objects({ kind: 'Pod' })[0]?.metadata.ownerReferences).toEqual([]);
    await c.delete({ apiVersion: 'v1', kind: 'Namespace', name: 'app' });
    expect(c.objects({ namespace: 'app' })).toEqual([]);
  });

  it('should merge-patch the object (status untouched, null deletes) or its status subresource', async () => {
    const c = newCluster();
    await c.apply(cm('x', {}, { a: '1', b: '2' }));
    const patched = await c.mergePatch(cmRef('x'), { data: { a: null, c: '3' }, status: { no: true } });
    expect(patched['data']).toEqual({ b: '2', c: '3' });
    expect(patched['status']).toBeUndefined();
    const status = await c.mergePatch(cmRef('x'), { status: { phase: 'Done' } }, { subresource: 'status' });
    expect(status['status']).toEqual({ phase: 'Done' });
    expect(status['data']).toEqual({ b: '2', c: '3' });
    await expect(c.mergePatch(cmRef('none'), {})).rejects.toSatisfy(isNotFound);
  });
});

describe('memory cluster: watch and waitFor', () => {
  it('should list then watch ADDED/MODIFIED/DELETED, replay from a resourceVersion, and stop', async () => {
    const c = newCluster();
    await c.apply(cm('a', { labels: { w: 'yes' } }));
    const events: string[] = [];
    const handle = c.watch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'app' }, { labelSelector: 'w=yes' }, (e: WatchEvent) => events.push(`${e.type} ${e.object.metadata.name}`));
    await handle.ready;
    const rv = c.objects({ kind: 'ConfigMap' })[0]?.metadata.resourceVersion ?? '';
    await c.apply(cm('a', { labels: { w: 'yes' } }, { a: '2' }));
    await c.apply(cm('b', { labels: { w: 'no' } }));
    await c.apply(cm('b', { labels: { w: 'yes' } }));
    await c.apply(cm('a', { labels: { w: 'no' } }));
    await c.delete(cmRef('b'));
    await flush();
    expect(events).toEqual(['ADDED a', 'MODIFIED a', 'ADDED b', 'DELETED a', 'DELETED b']);
    handle.stop();
    await c.apply(cm('c', { labels: { w: 'yes' } }));
    await flush();
    expect(events).toHaveLength(5);
    const replay: string[] = [];
    c.watch({ apiVersion: 'v1', kind: 'ConfigMap' }, { resourceVersion: rv }, (e) => replay.push(`${e.type} ${e.object.metadata.name}`));
    await flush();
    expect(replay).toEqual(['MODIFIED a', 'ADDED b', 'MODIFIED b', 'MODIFIED a', 'DELETED b', 'ADDED c']);
    c.close();
  });

  it('should resolve waitFor on a later change, and with undefined when the predicate accepts absence', async () => {
    const c = newCluster();
    await c.apply(cm('x'));
    const changed = c.waitFor(cmRef('x'), (o) => o?.['data'] !== undefined && (o['data'] as Record<string, string>)['a'] === '2', { timeoutMs: 60_000, description: 'x to change' });
    await c.waiting();
    expect(c.pendingWaits()).toEqual([{ ...cmRef('x'), description: 'x to change', timeoutMs: 60_000 }]);
    await c.apply(cm('x', {}, { a: '2' }));
    expect((await changed)?.['data']).toEqual({ a: '2' });
    const gone = c.waitFor(cmRef('x'), (o) => o === undefined, { timeoutMs: 60_000, description: 'x to be deleted' });
    await c.delete(cmRef('x'));
    expect(await gone).toBeUndefined();
    expect(c.pendingWaits()).toEqual([]);
  });

  it('should time out with a DeadlineExceededError naming what was awaited and the last object seen', async () => {
    const c = newCluster();
    await c.apply(job('slow'));
    const err = await c.waitFor(jobRef('slow'), () => false, { timeoutMs: 5, description: 'Job app/slow to complete' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlineExceededError);
    expect((err as Error).message).toBe('timed out after 5ms waiting for Job app/slow to complete; last seen: Job app/slow: conditions none; active 1, succeeded 0, failed 0');
    const pending = c.waitFor(jobRef('slow'), () => false, { timeoutMs: 30 * 60_000, description: 'slow' });
    await c.waiting();
    expect(c.expireWaits({ name: 'other' })).toBe(0);
    expect(c.expireWaits({ name: 'slow' })).toBe(1);
    await expect(pending).rejects.toThrow('timed out after 30m waiting for slow; last seen: Job app/slow');
  });

  it('should reject waitFor with AbortedError on the signal and on close, and InvalidInputError without a timeout', async () => {
    const c = newCluster();
    const controller = new AbortController();
    const aborted = c.waitFor(cmRef('x'), () => false, { timeoutMs: 60_000, description: 'x', signal: controller.signal });
    await c.waiting();
    controller.abort();
    await expect(aborted).rejects.toBeInstanceOf(AbortedError);
    await expect(c.waitFor(cmRef('x'), () => false, { timeoutMs: 0, description: 'x' })).rejects.toBeInstanceOf(InvalidInputError);
    const closing = c.waitFor(cmRef('x'), () => false, { timeoutMs: 60_000, description: 'x' });
    await c.waiting();
    c.close();
    await expect(closing).rejects.toThrow('the cluster client was closed');
    await expect(c.waitFor(cmRef('x'), () => true, { timeoutMs: 1_000, description: 'x' })).rejects.toBeInstanceOf(AbortedError);
  });
});

describe('memory cluster: Jobs, pods and logs', () => {
  it('should run a created Job with one Pod until completeJob, then report it Complete with the pod logs', async () => {
    const c = newCluster();
    const applied = await c.apply(job('pre'));
    expect(applied['status']).toBeUndefined(); // as created, before the controller
    expect(resourceHealth(c.object(jobRef('pre')) as KubeObject)?.status).toBe('Progressing');
    const [pod] = c.objects({ kind: 'Pod' });
    expect(pod?.metadata.name).toMatch(/^pre-[a-z0-9]{5}$/);
    expect(pod?.metadata.labels).toMatchObject({ team: 'a', 'batch.kubernetes.io/job-name': 'pre', 'job-name': 'pre' });
    expect(pod?.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Job', name: 'pre', controller: true });
    c.completeJob(jobRef('pre'), { outcome: 'succeeded', logs: 'line1\nline2\nline3\n' });
    expect(resourceHealth(c.object(jobRef('pre')) as KubeObject)).toEqual({ status: 'Healthy', message: 'Reached expected number of succeeded pods' });
    const podName = pod?.metadata.name ?? '';
    expect(await c.podLogs('app', podName)).toBe('line1\nline2\nline3\n');
    expect(await c.podLogs('app', podName, { tailLines: 2 })).toBe('line2\nline3\n');
    expect(await c.podLogs('app', podName, { limitBytes: 3 })).toBe('lin');
    await expect(c.podLogs('app', 'none')).rejects.toSatisfy(isNotFound);
  });

  it('should fail a Job with its message and the container exit code, and complete Jobs at once with jobs: fail', async () => {
    const c = newCluster({ jobs: 'fail', jobLogs: 'boom' });
    await c.apply(job('f', ['a', 'b']));
    expect(resourceHealth(c.object(jobRef('f')) as KubeObject)).toEqual({ status: 'Degraded', message: 'Job has reached the specified backoff limit' });
    const pod = c.objects({ kind: 'Pod' })[0] as KubeObject;
    expect((pod['status'] as { phase: string }).phase).toBe('Failed');
    await expect(c.podLogs('app', pod.metadata.name ?? '')).rejects.toThrow(/a container name must be specified for pod f-\w+, choose one of: \[a b\]/);
    expect(await c.podLogs('app', pod.metadata.name ?? '', { container: 'a' })).toBe('boom');
    await expect(c.podLogs('app', pod.metadata.name ?? '', { container: 'zz' })).rejects.toThrow(/container zz is not valid/);
  });
});

describe('memory cluster: discovery', () => {
  it('should serve built-in kinds, not unknown ones, and a CRD kind only after invalidateDiscovery', async () => {
    const c = newCluster();
    expect(await c.resourceInfo('batch/v1', 'Job')).toEqual({ group: 'batch', version: 'v1', kind: 'Job', resource: 'jobs', namespaced: true });
    expect(await c.resourceInfo('v1', 'Namespace')).toMatchObject({ namespaced: false });
    expect(await c.resourceInfo('rbac.authorization.k8s.io/v1', 'Role')).toMatchObject({ resource: 'roles', namespaced: true });
    expect(await c.resourceInfo('example.com/v1', 'Widget')).toBeUndefined();
    await c.apply({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: { group: 'example.com', scope: 'Namespaced', names: { kind: 'Widget', plural: 'widgets' }, versions: [{ name: 'v1', served: true, storage: true }] },
    });
    const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'app' } };
    await expect(c.apply(widget)).rejects.toThrow(/no matches for kind "Widget"/); // discovery is cached, as in the real client
    c.invalidateDiscovery();
    expect(await c.resourceInfo('example.com/v1', 'Widget')).toEqual({ group: 'example.com', version: 'v1', kind: 'Widget', resource: 'widgets', namespaced: true });
    expect((await c.apply(widget)).metadata.uid).toBeDefined();
  });
});

describe('memory cluster: fault injection', () => {
  it('should fail the next matching call once with the API error, named as the real client names it', async () => {
    const c = newCluster();
    c.failNext('apply', { kind: 'ConfigMap', name: 'x' }, kubeErrors.internal());
    const err = await c.apply(cm('x')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).code).toBe(500);
    expect((err as Error).message).toBe('apply configmaps app/x: InternalError (500): Internal error occurred: etcdserver: request timed out');
    expect(c.calls[0]?.error).toBe((err as Error).message);
    expect((await c.apply(cm('x'))).metadata.name).toBe('x');
  });

  it('should fail every matching call until removed: 403, 422 with causes, and an unreachable server', async () => {
    const c = newCluster();
    const forbidden = c.failAlways('get', { kind: 'Namespace' }, kubeErrors.forbidden({ verb: 'get', resource: 'namespaces', name: 'app' }));
    for (let i = 0; i < 2; i++) await expect(c.get({ apiVersion: 'v1', kind: 'Namespace', name: 'app' })).rejects.toMatchObject({ code: 403, reason: 'Forbidden' });
    forbidden();
    expect(await c.get({ apiVersion: 'v1', kind: 'Namespace', name: 'app' })).toBeDefined();
    c.failNext('*', (call) => call.verb === 'apply', kubeErrors.invalid('Pod', 'p', [{ field: 'spec.containers[0].image', message: 'Required value' }]));
    const invalid = (await c.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'app' } }).catch((e: unknown) => e)) as KubeApiError;
    expect(isInvalid(invalid)).toBe(true);
    expect(invalid.status.details?.causes).toEqual([{ reason: 'FieldValueInvalid', field: 'spec.containers[0].image', message: 'Required value' }]);
    expect(invalid.message).toBe('apply pods app/p: Invalid (422): Pod "p" is invalid: spec.containers[0].image: Required value');
    c.failAlways('list', {}, kubeErrors.unreachable());
    await expect(c.list({ apiVersion: 'v1', kind: 'Pod' })).rejects.toBeInstanceOf(ClusterUnreachableError);
    c.clearFaults();
    expect((await c.list({ apiVersion: 'v1', kind: 'Pod' })).items).toEqual([]);
    expect(c.writes().map((w) => w.verb)).toEqual(['apply']);
  });
});

describe('memory cluster: test controls', () => {
  it('should seed objects as given (status, creationTimestamp, deletionTimestamp) without recording a call', () => {
    const c = newCluster();
    const seeded = c.seed({ ...cm('old', { creationTimestamp: '2024-01-01T00:00:00Z', deletionTimestamp: '2024-01-02T00:00:00Z', finalizers: ['x/y'] }), status: { phase: 'Kept' } });
    expect(seeded.metadata).toMatchObject({ creationTimestamp: '2024-01-01T00:00:00Z', deletionTimestamp: '2024-01-02T00:00:00Z', uid: expect.any(String) });
    expect(c.object(cmRef('old'))?.['status']).toEqual({ phase: 'Kept' });
    expect(c.calls).toEqual([]);
  });

  it('should wait for matching waits only, and record a collection call without a namespace as all namespaces', async () => {
    const c = newCluster({ jobs: 'succeed' });
    void c.waitFor(cmRef('a'), () => false, { timeoutMs: 60_000, description: 'a to be ready' }).catch(() => undefined);
    let matched = false;
    const waited = c.waiting(1, /to be deleted/).then(() => (matched = true));
    await flush();
    expect(matched).toBe(false);
    void c.waitFor(cmRef('b'), () => false, { timeoutMs: 60_000, description: 'b to be deleted' }).catch(() => undefined);
    await waited;
    expect(c.pendingWaits().map((w) => w.name)).toEqual(['a', 'b']);
    expect(c.expireWaits()).toBe(2);
    await c.list({ apiVersion: 'v1', kind: 'Pod' });
    await c.get({ apiVersion: 'v1', kind: 'Pod', name: 'p' });
    expect(c.calls.slice(-2).map((k) => [k.verb, k.namespace])).toEqual([['list', undefined], ['get', 'default']]);
  });

  it('should complete Jobs at once with jobs: succeed, the apply still answering the object as created', async () => {
    const c = newCluster({ jobs: 'succeed', jobLogs: 'auto' });
    const applied = await c.apply(job('auto'));
    expect(applied['status']).toBeUndefined();
    expect(resourceHealth(c.object(jobRef('auto')) as KubeObject)?.status).toBe('Healthy');
    const pod = c.objects({ kind: 'Pod' })[0];
    expect(await c.podLogs('app', pod?.metadata.name ?? '')).toBe('auto');
  });
});
