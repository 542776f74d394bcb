/** The API surface over HTTP: create, get, list with selectors, update, status subresource, errors as Kubernetes words them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevCluster } from '../../src/devcluster/index.js';
import type { DevCluster } from '../../src/devcluster/index.js';
import { at, call, list, namespace } from './helpers.js';

let cluster: DevCluster;
beforeAll(async () => {
  cluster = await startDevCluster({ port: 0 });
  await namespace(cluster, 'crud');
});
afterAll(async () => {
  await cluster?.stop();
});

const cm = (name: string, labels: Record<string, string> = {}, data: Record<string, string> = { a: '1' }): Record<string, unknown> => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, labels },
  data,
});
const CMS = '/api/v1/namespaces/crud/configmaps';

describe('when creating objects', () => {
  it('should set uid, resourceVersion, generation 1 and creationTimestamp, and answer 201', async () => {
    const r = await call(cluster, 'POST', CMS, { body: cm('created') });
    expect(r.status).toBe(201);
    expect(at(r.json, 'metadata.uid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(at(r.json, 'metadata.resourceVersion'))).toBeGreaterThan(0);
    expect(at(r.json, 'metadata.generation')).toBe(1);
    expect(at(r.json, 'metadata.creationTimestamp')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(at(r.json, 'metadata.namespace')).toBe('crud');
  });

  it('should generate a name from generateName', async () => {
    const r = await call(cluster, 'POST', CMS, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'gen-' } } });
    expect(r.status).toBe(201);
    expect(at(r.json, 'metadata.name')).toMatch(/^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('should not store anything on dryRun=All', async () => {
    const r = await call(cluster, 'POST', `${CMS}?dryRun=All`, { body: cm('dry') });
    expect(r.status).toBe(201);
    expect((await call(cluster, 'GET', `${CMS}/dry`)).status).toBe(404);
  });

  it.each([
    ['a duplicate name', CMS, cm('created'), 409, 'AlreadyExists', 'configmaps "created" already exists'],
    ['a missing namespace', '/api/v1/namespaces/nowhere/configmaps', cm('x'), 404, 'NotFound', 'namespaces "nowhere" not found'],
    ['a namespace differing from the URL', CMS, { ...cm('x'), metadata: { name: 'x', namespace: 'other' } }, 400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request'],
    ['an invalid name', CMS, cm('Not_Valid'), 422, 'Invalid', 'ConfigMap "Not_Valid" is invalid: metadata.name: Invalid value: "Not_Valid": a lowercase RFC 1123 subdomain'],
    ['no name at all', CMS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }, 422, 'Invalid', 'metadata.name: Required value: name or generateName is required'],
    ['a bad label value', CMS, cm('lbl', { app: 'has space' }), 422, 'Invalid', 'metadata.labels: Invalid value: "has space"'],
    ['an owner reference without uid', CMS, { ...cm('orphan'), metadata: { name: 'orphan', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x' }] } }, 422, 'Invalid', 'metadata.ownerReferences[0].uid: Invalid value: "": uid must not be empty'],
    ['a kind that does not match the URL', CMS, { ...cm('x'), kind: 'Secret' }, 400, 'BadRequest', 'does not match the expected kind'],
  ])('should refuse %s with the right Status', async (_what, path, body, code, reason, message) => {
    const r = await call(cluster, 'POST', path, { body });
    expect(r.status).toBe(code);
    expect(r.json).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, code });
    expect(String(at(r.json, 'message'))).toContain(message);
  });

  it('should refuse the lab\'s invalid Pod while decoding it, as kube-apiserver does: 400 BadRequest "cannot be handled as a Pod"', async () => {
    const r = await call(cluster, 'POST', '/api/v1/namespaces/crud/pods', {
      body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'quick-fail-pod' }, spec: { containers: [{ name: 'nginx', image: 'nginx', resources: { limits: { memory: 'invalid-value' } } }] } },
    });
    expect(r.status).toBe(400);
    expect(at(r.json, 'reason')).toBe('BadRequest');
    expect(at(r.json, 'message')).toBe(`Pod in version "v1" cannot be handled as a Pod: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`);
  });

  it('should refuse a negative quantity with 422 naming spec.containers[0].resources.limits[memory]', async () => {
    const r = await call(cluster, 'POST', '/api/v1/namespaces/crud/pods', {
      body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'negative-pod' }, spec: { containers: [{ name: 'nginx', image: 'nginx', resources: { limits: { memory: '-1Gi' } } }] } },
    });
    expect(r.status).toBe(422);
    expect(at(r.json, 'message')).toBe('Pod "negative-pod" is invalid: spec.containers[0].resources.limits[memory]: Invalid value: "-1Gi": must be greater than or equal to 0');
  });

  it.each([
    ['requests above limits', { requests: { cpu: '2' }, limits: { cpu: '1' } }, 'spec.template.spec.containers[0].resources.requests[cpu]: Invalid value: "2": must be less than or equal to cpu limit of 1'],
    ['restartPolicy Always (Kubernetes rejects it for Jobs)', undefined, 'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'],
  ])('should refuse a Job with %s', async (_what, resources, message) => {
    const r = await call(cluster, 'POST', '/apis/batch/v1/namespaces/crud/jobs', {
      body: {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'bad-job' },
        spec: { template: { spec: { ...(resources ? { restartPolicy: 'Never' } : {}), containers: [{ name: 'c', image: 'busybox', ...(resources ? { resources } : {}) }] } } },
      },
    });
    expect(r.status).toBe(422);
    expect(String(at(r.json, 'message'))).toContain(message);
  });

  it('should refuse a Deployment whose selector does not match its template labels', async () => {
    const r = await call(cluster, 'POST', '/apis/apps/v1/namespaces/crud/deployments', {
      body: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'b' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } },
    });
    expect(r.status).toBe(422);
    expect(String(at(r.json, 'message'))).toContain('spec.template.metadata.labels: Invalid value');
    expect(String(at(r.json, 'message'))).toContain('`selector` does not match template `labels`');
  });

  it('should refuse unknown fields with fieldValidation=Strict (400), and otherwise warn (Warn) and drop them as the API server does', async () => {
    const strict = await call(cluster, 'POST', `${CMS}?fieldValidation=Strict`, { body: { ...cm('strict'), datta: {} } });
    expect(strict.status).toBe(400);
    expect(at(strict.json, 'message')).toBe('ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "datta"');
    const warn = await call(cluster, 'POST', `${CMS}?fieldValidation=Warn`, { body: { ...cm('warned'), datta: {} } });
    expect(warn.status).toBe(201);
    expect(warn.headers.get('warning')).toContain('unknown field');
    expect(at(warn.json, 'datta')).toBeUndefined();
    const ignore = await call(cluster, 'POST', `${CMS}?fieldValidation=Ignore`, { body: { ...cm('ignored'), datta: {} } });
    expect(ignore.status).toBe(201);
    expect(ignore.headers.get('warning')).toBeNull();
    expect(at(ignore.json, 'datta')).toBeUndefined();
  });
});

describe('when reading objects', () => {
  beforeAll(async () => {
    await namespace(cluster, 'sel');
    for (const [name, labels] of [
      ['one', { app: 'web', tier: 'front' }],
      ['two', { app: 'web', tier: 'back' }],
      ['three', { app: 'db' }],
      ['four', {}],
    ] as const) {
      await call(cluster, 'POST', '/api/v1/namespaces/sel/configmaps', { body: cm(name, labels) });
    }
  });

  it.each([
    ['app=web', ['one', 'two']],
    ['app==web', ['one', 'two']],
    ['app!=web', ['four', 'three']],
    ['tier in (front,back)', ['one', 'two']],
    ['tier notin (front)', ['four', 'three', 'two']],
    ['tier', ['one', 'two']],
    ['!tier', ['four', 'three']],
    ['app=web,tier=back', ['two']],
  ])('should list with labelSelector %s', async (selector, names) => {
    const r = await call(cluster, 'GET', `/api/v1/namespaces/sel/configmaps?labelSelector=${encodeURIComponent(selector)}`);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ kind: 'ConfigMapList', apiVersion: 'v1' });
    expect(list(r.json, 'items').map((i) => at(i, 'metadata.name'))).toEqual(names);
  });

  it('should list with fieldSelector on name and namespace, and across namespaces', async () => {
    const byName = await call(cluster, 'GET', `/api/v1/namespaces/sel/configmaps?fieldSelector=${encodeURIComponent('metadata.name=three')}`);
    expect(list(byName.json, 'items').map((i) => at(i, 'metadata.name'))).toEqual(['three']);
    const all = await call(cluster, 'GET', `/api/v1/configmaps?fieldSelector=${encodeURIComponent('metadata.namespace=sel')}&labelSelector=app`);
    expect(list(all.json, 'items').map((i) => at(i, 'metadata.name'))).toEqual(['one', 'three', 'two']);
    const bad = await call(cluster, 'GET', `/api/v1/configmaps?fieldSelector=${encodeURIComponent('spec.foo=1')}`);
    expect(bad.status).toBe(400);
    expect(at(bad.json, 'message')).toBe('field label not supported: spec.foo');
  });

  it('should answer 404 NotFound with the group-qualified resource', async () => {
    const r = await call(cluster, 'GET', '/apis/batch/v1/namespaces/sel/jobs/missing');
    expect(r.status).toBe(404);
    expect(r.json).toMatchObject({ reason: 'NotFound', message: 'jobs.batch "missing" not found', details: { name: 'missing', group: 'batch', kind: 'jobs' }, code: 404 });
  });

  it('should answer 405 for a method a path does not take, and 404 for an unknown resource', async () => {
    expect((await call(cluster, 'POST', '/api/v1/namespaces/sel/configmaps/one', { body: cm('one') })).json).toMatchObject({ reason: 'MethodNotAllowed', code: 405 });
    expect((await call(cluster, 'GET', '/apis/batch/v1/namespaces/sel/widgets')).json).toMatchObject({ reason: 'NotFound', code: 404 });
  });
});

describe('when updating objects', () => {
  it('should refuse a stale resourceVersion with 409 Conflict, accept the current one, and not bump generation for metadata', async () => {
    const created = await call(cluster, 'POST', CMS, { body: cm('upd') });
    const rv = String(at(created.json, 'metadata.resourceVersion'));
    const ok = await call(cluster, 'PUT', `${CMS}/upd`, { body: { ...cm('upd', { x: 'y' }), metadata: { name: 'upd', labels: { x: 'y' }, resourceVersion: rv } } });
    expect(ok.status).toBe(200);
    expect(at(ok.json, 'metadata.generation')).toBe(1);
    const stale = await call(cluster, 'PUT', `${CMS}/upd`, { body: { ...cm('upd', {}, { a: '2' }), metadata: { name: 'upd', resourceVersion: rv } } });
    expect(stale.status).toBe(409);
    expect(stale.json).toMatchObject({
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on configmaps "upd": the object has been modified; please apply your changes to the latest version and try again',
    });
    const spec = await call(cluster, 'PUT', `${CMS}/upd`, { body: cm('upd', {}, { a: '3' }) });
    expect(at(spec.json, 'metadata.generation')).toBe(2);
  });

  it('should answer 400 when the body names another object than the URL', async () => {
    const r = await call(cluster, 'PUT', `${CMS}/upd`, { body: cm('other') });
    expect(r.status).toBe(400);
    expect(at(r.json, 'message')).toBe('the name of the object (other) does not match the name on the URL (upd)');
  });

  it('should keep status on a main-resource update and spec on a status update (status subresource)', async () => {
    const path = '/apis/apps/v1/namespaces/crud/deployments';
    const dep = (image: string): Record<string, unknown> => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } } },
      status: { replicas: 99 },
    });
    const created = await call(cluster, 'POST', path, { body: dep('nginx:1') });
    expect(at(created.json, 'status')).toBeUndefined();
    const status = await call(cluster, 'PUT', `${path}/web/status`, { body: { ...dep('ignored:9'), status: { replicas: 7, observedGeneration: 5 } } });
    expect(status.status).toBe(200);
    expect(at(status.json, 'status.replicas')).toBe(7);
    expect(at(status.json, 'spec.template.spec.containers.0.image')).toBe('nginx:1');
    expect(at(status.json, 'metadata.generation')).toBe(1);
    const main = await call(cluster, 'PUT', `${path}/web`, { body: dep('nginx:2') });
    expect(at(main.json, 'status.replicas')).toBe(7);
    expect(at(main.json, 'spec.template.spec.containers.0.image')).toBe('nginx:2');
    expect(at(main.json, 'metadata.generation')).toBe(2);
    const read = await call(cluster, 'GET', `${path}/web/status`);
    expect(at(read.json, 'status.replicas')).toBe(7);
  });

  it('should refuse a change to a Job template with 422 field is immutable', async () => {
    const path = '/apis/batch/v1/namespaces/crud/jobs';
    const body = (cmd: string): Record<string, unknown> => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'immut' },
      spec: { suspend: true, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', cmd] }] } } },
    });
    expect((await call(cluster, 'POST', path, { body: body('true') })).status).toBe(201);
    const r = await call(cluster, 'PATCH', `${path}/immut`, {
      body: { spec: { template: { spec: { containers: [{ name: 'c', command: ['sh', '-c', 'false'] }] } } } },
      contentType: 'application/strategic-merge-patch+json',
    });
    expect(r.status).toBe(422);
    expect(String(at(r.json, 'message'))).toMatch(/^Job\.batch "immut" is invalid: spec\.template: Invalid value: .*: field is immutable$/);
    expect(at(r.json, 'details.causes.0.field')).toBe('spec.template');
  });

  it('should default a Job selector to its controller-uid and label the template, as the API server does', async () => {
    const r = await call(cluster, 'POST', '/apis/batch/v1/namespaces/crud/jobs', {
      body: { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'sel' }, spec: { suspend: true, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } },
    });
    const uid = String(at(r.json, 'metadata.uid'));
    expect(at(r.json, 'spec.selector')).toEqual({ matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
    expect(at(r.json, 'spec.template.metadata.labels')).toEqual({
      'batch.kubernetes.io/controller-uid': uid,
      'batch.kubernetes.io/job-name': 'sel',
      'controller-uid': uid,
      'job-name': 'sel',
    });
    expect(at(r.json, 'spec.backoffLimit')).toBe(6);
    expect(at(r.json, 'spec.completions')).toBe(1);
    expect(at(r.json, 'spec.parallelism')).toBe(1);
  });
});

describe('when a namespace is being deleted', () => {
  it('should refuse new objects in it with 403 Forbidden', async () => {
    await namespace(cluster, 'closing');
    await call(cluster, 'POST', '/api/v1/namespaces/closing/configmaps', {
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', finalizers: ['example.com/hold'] } },
    });
    const del = await call(cluster, 'DELETE', '/api/v1/namespaces/closing');
    expect(del.status).toBe(200);
    expect(at(del.json, 'status.phase')).toBe('Terminating');
    const r = await call(cluster, 'POST', '/api/v1/namespaces/closing/configmaps', { body: cm('late') });
    expect(r.status).toBe(403);
    expect(r.json).toMatchObject({ reason: 'Forbidden', message: 'configmaps "late" is forbidden: unable to create new content in namespace closing because it is being terminated' });
  });
});
