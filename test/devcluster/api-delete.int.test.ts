/** DELETE over HTTP: propagation policies, garbage collection through ownerReferences, finalizers, preconditions. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevCluster } from '../../src/devcluster/index.js';
import type { DevCluster } from '../../src/devcluster/index.js';
import { at, call, namespace, waitFor } from './helpers.js';

let cluster: DevCluster;
beforeAll(async () => {
  cluster = await startDevCluster({ port: 0 });
  await namespace(cluster, 'del');
});
afterAll(async () => {
  await cluster?.stop();
});

const CMS = '/api/v1/namespaces/del/configmaps';

async function cm(name: string, extra: Record<string, unknown> = {}): Promise<{ uid: string }> {
  const r = await call(cluster, 'POST', CMS, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...extra } } });
  if (r.status !== 201) throw new Error(r.text);
  return { uid: String(at(r.json, 'metadata.uid')) };
}

function ownedBy(name: string, uid: string, kind = 'ConfigMap', apiVersion = 'v1'): Record<string, unknown> {
  return { apiVersion, kind, name, uid, blockOwnerDeletion: true };
}

const gone = (name: string): Promise<unknown> => waitFor(cluster, `${CMS}/${name}`, (o) => o === undefined, `${name} to be deleted`, 5_000);

describe('when deleting with a propagation policy', () => {
  it('should remove the owner at once and its dependents after (Background)', async () => {
    const owner = await cm('bg-owner');
    await cm('bg-dep', { ownerReferences: [ownedBy('bg-owner', owner.uid)] });
    const r = await call(cluster, 'DELETE', `${CMS}/bg-owner`, { body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' } });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'bg-owner', kind: 'configmaps', uid: owner.uid } });
    expect((await call(cluster, 'GET', `${CMS}/bg-owner`)).status).toBe(404);
    await gone('bg-dep');
  });

  it('should delete dependents first and keep the owner (foregroundDeletion) until they are gone (Foreground)', async () => {
    const owner = await cm('fg-owner');
    await cm('fg-dep', { ownerReferences: [ownedBy('fg-owner', owner.uid)], finalizers: ['example.com/hold'] });
    const r = await call(cluster, 'DELETE', `${CMS}/fg-owner?propagationPolicy=Foreground`);
    expect(r.status).toBe(200);
    expect(at(r.json, 'metadata.finalizers')).toEqual(['foregroundDeletion']);
    expect(at(r.json, 'metadata.deletionTimestamp')).toEqual(expect.any(String));
    const dep = await waitFor(cluster, `${CMS}/fg-dep`, (o) => !!o?.metadata.deletionTimestamp, 'fg-dep to be deleting', 5_000);
    expect(dep?.metadata.deletionTimestamp).toEqual(expect.any(String));
    expect((await call(cluster, 'GET', `${CMS}/fg-owner`)).status).toBe(200);
    const release = await call(cluster, 'PATCH', `${CMS}/fg-dep`, { contentType: 'application/merge-patch+json', body: { metadata: { finalizers: null } } });
    expect(release.status).toBe(200);
    await gone('fg-dep');
    await gone('fg-owner');
  });

  it('should leave dependents without the ownerReference (Orphan)', async () => {
    const owner = await cm('or-owner');
    await cm('or-dep', { ownerReferences: [ownedBy('or-owner', owner.uid)] });
    expect((await call(cluster, 'DELETE', `${CMS}/or-owner?propagationPolicy=Orphan`)).status).toBe(200);
    const dep = await call(cluster, 'GET', `${CMS}/or-dep`);
    expect(dep.status).toBe(200);
    expect(at(dep.json, 'metadata.ownerReferences')).toBeUndefined();
  });

  it('should orphan a batch/v1 Job\'s dependents by default, as Kubernetes does', async () => {
    const j = await call(cluster, 'POST', '/apis/batch/v1/namespaces/del/jobs', {
      body: { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { suspend: true, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } },
    });
    await cm('job-dep', { ownerReferences: [ownedBy('j', String(at(j.json, 'metadata.uid')), 'Job', 'batch/v1')] });
    expect((await call(cluster, 'DELETE', '/apis/batch/v1/namespaces/del/jobs/j')).status).toBe(200);
    const dep = await call(cluster, 'GET', `${CMS}/job-dep`);
    expect(dep.status).toBe(200);
    expect(at(dep.json, 'metadata.ownerReferences')).toBeUndefined();
  });

  it('should keep a dependent that still has a live owner, dropping only the dangling reference', async () => {
    const a = await cm('two-a');
    const b = await cm('two-b');
    await cm('two-dep', { ownerReferences: [ownedBy('two-a', a.uid), ownedBy('two-b', b.uid)] });
    await call(cluster, 'DELETE', `${CMS}/two-a`);
    const dep = await waitFor(cluster, `${CMS}/two-dep`, (o) => (o?.metadata.ownerReferences ?? []).length === 1, 'two-dep to lose one owner', 5_000);
    expect(dep?.metadata.ownerReferences?.map((r) => r.name)).toEqual(['two-b']);
  });

  it('should refuse an unknown policy with 422', async () => {
    await cm('bad-policy');
    const r = await call(cluster, 'DELETE', `${CMS}/bad-policy?propagationPolicy=Sideways`);
    expect(r.status).toBe(422);
    expect(String(at(r.json, 'message'))).toContain('propagationPolicy: Unsupported value: "Sideways"');
  });
});

describe('when deleting an object with finalizers', () => {
  it('should set deletionTimestamp, keep it until the last finalizer is removed, and refuse new finalizers meanwhile', async () => {
    await cm('fin', { finalizers: ['example.com/a', 'example.com/b'] });
    const del = await call(cluster, 'DELETE', `${CMS}/fin`);
    expect(del.status).toBe(200);
    expect(at(del.json, 'metadata.deletionTimestamp')).toEqual(expect.any(String));
    expect(at(del.json, 'metadata.deletionGracePeriodSeconds')).toBe(0);
    const again = await call(cluster, 'DELETE', `${CMS}/fin`);
    expect(at(again.json, 'metadata.deletionTimestamp')).toBe(at(del.json, 'metadata.deletionTimestamp'));
    const add = await call(cluster, 'PATCH', `${CMS}/fin`, { contentType: 'application/json-patch+json', body: [{ op: 'add', path: '/metadata/finalizers/-', value: 'example.com/c' }] });
    expect(add.status).toBe(422);
    expect(String(at(add.json, 'message'))).toContain('metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted');
    await call(cluster, 'PATCH', `${CMS}/fin`, { contentType: 'application/json-patch+json', body: [{ op: 'remove', path: '/metadata/finalizers/0' }] });
    expect((await call(cluster, 'GET', `${CMS}/fin`)).status).toBe(200);
    const last = await call(cluster, 'PATCH', `${CMS}/fin`, { contentType: 'application/json-patch+json', body: [{ op: 'remove', path: '/metadata/finalizers/0' }] });
    expect(last.status).toBe(200);
    expect((await call(cluster, 'GET', `${CMS}/fin`)).status).toBe(404);
  });
});

describe('when deleting with preconditions or dryRun', () => {
  it('should answer 409 Conflict when the uid precondition does not match', async () => {
    const { uid } = await cm('pre');
    const r = await call(cluster, 'DELETE', `${CMS}/pre`, { body: { preconditions: { uid: 'not-the-uid' } } });
    expect(r.status).toBe(409);
    expect(at(r.json, 'message')).toBe(`Operation cannot be fulfilled on configmaps "pre": Precondition failed: UID in precondition: not-the-uid, UID in object meta: ${uid}`);
    expect((await call(cluster, 'DELETE', `${CMS}/pre`, { body: { preconditions: { uid } } })).status).toBe(200);
  });

  it('should keep the object on dryRun=All', async () => {
    await cm('dry');
    expect((await call(cluster, 'DELETE', `${CMS}/dry?dryRun=All`)).status).toBe(200);
    expect((await call(cluster, 'GET', `${CMS}/dry`)).status).toBe(200);
  });

  it('should refuse to delete the default namespace (403)', async () => {
    const r = await call(cluster, 'DELETE', '/api/v1/namespaces/default');
    expect(r.json).toMatchObject({ reason: 'Forbidden', code: 403, message: 'namespaces "default" is forbidden: this namespace may not be deleted' });
  });

  it('should answer 404 for a missing object', async () => {
    const r = await call(cluster, 'DELETE', `${CMS}/never`);
    expect(r.json).toMatchObject({ reason: 'NotFound', code: 404, message: 'configmaps "never" not found' });
  });
});
