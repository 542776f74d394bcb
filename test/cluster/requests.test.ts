import { describe, expect, it } from 'vitest';
import type { ApiResourceInfo } from '../../src/cluster/index.js';
import {
  applyRequest,
  createRequest,
  deleteOptionsBody,
  deleteRequest,
  effectiveNamespace,
  getRequest,
  hasFinalizer,
  inNamespace,
  labelsMatch,
  listPageRequest,
  mergePatchRequest,
  objectTarget,
  podLogsRequest,
  readListPage,
  removeFinalizerRequest,
  withKind,
  withoutFinalizer,
} from '../../src/cluster/requests.js';
import type { KubeObject } from '../../src/manifests/index.js';

/** Request building (pure): paths, queries, bodies and descriptions of every client method. */
const jobs: ApiResourceInfo = { group: 'batch', version: 'v1', kind: 'Job', resource: 'jobs', namespaced: true };
const namespaces: ApiResourceInfo = { group: '', version: 'v1', kind: 'Namespace', resource: 'namespaces', namespaced: false };
const job = (metadata: KubeObject['metadata'] = { name: 'pre', namespace: 'other' }): KubeObject => ({ apiVersion: 'batch/v1', kind: 'Job', metadata, spec: {} });

describe('when locating an object', () => {
  it('should use the namespace asked for, else the default, and none for a cluster-scoped kind', () => {
    expect(effectiveNamespace(jobs, 'app', 'default')).toBe('app');
    expect(effectiveNamespace(jobs, undefined, 'default')).toBe('default');
    expect(effectiveNamespace(jobs, '', 'default')).toBe('default');
    expect(effectiveNamespace(namespaces, 'app', 'default')).toBeUndefined();
  });

  it('should build the path and description, with a subresource when given', () => {
    const t = objectTarget(jobs, 'app', 'pre job', 'status');
    expect(t.path).toBe('/apis/batch/v1/namespaces/app/jobs/pre%20job/status');
    expect(t.describe('patch')).toEqual({ verb: 'patch', target: 'jobs.batch app/pre job/status' });
    const ns = objectTarget(namespaces, undefined, 'app');
    expect(ns.path).toBe('/api/v1/namespaces/app');
    expect(getRequest(ns)).toEqual({ method: 'GET', path: '/api/v1/namespaces/app', describe: { verb: 'get', target: 'namespaces app' }, signal: undefined });
  });
});

describe('when rewriting objects', () => {
  it('should set the namespace of a namespaced kind and drop it for a cluster-scoped one, leaving the input alone', () => {
    const input = job();
    expect(inNamespace(input, 'app').metadata).toEqual({ name: 'pre', namespace: 'app' });
    expect(inNamespace(input, undefined).metadata).toEqual({ name: 'pre' });
    expect(input.metadata.namespace).toBe('other');
  });

  it('should fill in apiVersion, kind and metadata the server left out', () => {
    expect(withKind({ metadata: { name: 'a' } }, 'v1', 'ConfigMap')).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } });
    expect(withKind({ apiVersion: 'v2', kind: 'K' }, 'v1', 'ConfigMap')).toEqual({ apiVersion: 'v2', kind: 'K', metadata: {} });
  });

  it('should match labels only when every wanted label is on the live object', () => {
    const live = job({ name: 'pre', labels: { a: '1', b: '2' } });
    expect(labelsMatch(live, job({ name: 'pre', labels: { a: '1' } }))).toBe(true);
    expect(labelsMatch(live, job({ name: 'pre' }))).toBe(true);
    expect(labelsMatch(live, job({ name: 'pre', labels: { a: '2' } }))).toBe(false);
    expect(labelsMatch(job({ name: 'pre' }), job({ name: 'pre', labels: { a: '1' } }))).toBe(false);
  });

  it('should remove one finalizer and keep the rest, resourceVersion included', () => {
    const live = job({ name: 'pre', resourceVersion: '7', finalizers: ['a', 'b'] });
    expect(hasFinalizer(live, 'a')).toBe(true);
    expect(hasFinalizer(job(), 'a')).toBe(false);
    expect(withoutFinalizer(live, 'a').metadata).toEqual({ name: 'pre', resourceVersion: '7', finalizers: ['b'] });
    expect(live.metadata.finalizers).toEqual(['a', 'b']);
    const t = objectTarget(jobs, 'app', 'pre');
    expect(removeFinalizerRequest(t, live, 'a')).toMatchObject({ method: 'PUT', describe: { verb: 'remove finalizer from', target: 'jobs.batch app/pre' } });
  });
});

describe('when listing', () => {
  it('should page 500 at a time with the selectors and the continue token', () => {
    const req = listPageRequest(jobs, 'app', { labelSelector: 'a=1' }, 'tok');
    expect(req).toMatchObject({ method: 'GET', path: '/apis/batch/v1/namespaces/app/jobs', describe: { verb: 'list', target: 'jobs.batch in app' } });
    expect(req.query).toEqual({ labelSelector: 'a=1', fieldSelector: undefined, limit: 500, continue: 'tok' });
    expect(listPageRequest(jobs, undefined, {}, undefined).path).toBe('/apis/batch/v1/jobs');
  });

  it('should read items, resourceVersion and the continue token of a page', () => {
    expect(readListPage({ items: [1], metadata: { resourceVersion: '9', continue: 'c' } })).toEqual({ items: [1], resourceVersion: '9', continueToken: 'c' });
    expect(readListPage({ metadata: { continue: '' } })).toEqual({ items: [], resourceVersion: '', continueToken: undefined });
  });
});

describe('when writing', () => {
  it('should create in the collection with the default field manager, dry run when asked', () => {
    const req = createRequest(jobs, 'app', job(), { dryRun: true }, 'hookrunner');
    expect(req).toMatchObject({ method: 'POST', path: '/apis/batch/v1/namespaces/app/jobs', describe: { verb: 'create', target: 'jobs.batch app/pre' } });
    expect(req.query).toEqual({ fieldManager: 'hookrunner', dryRun: 'All' });
    expect((req.body as KubeObject).metadata.namespace).toBe('app');
    const generated = createRequest(jobs, 'app', job({ generateName: 'pre-' }), { fieldManager: 'me' }, 'hookrunner');
    expect(generated.query).toEqual({ fieldManager: 'me', dryRun: undefined });
    expect(generated.describe.target).toBe('jobs.batch app/pre-');
  });

  it('should apply server-side with force unless told otherwise', () => {
    const t = objectTarget(jobs, 'app', 'pre');
    const req = applyRequest(t, job(), {}, 'hookrunner');
    expect(req).toMatchObject({ method: 'PATCH', path: t.path, contentType: 'application/apply-patch+yaml', describe: { verb: 'apply' } });
    expect(req.query).toEqual({ fieldManager: 'hookrunner', force: true, dryRun: undefined });
    expect(applyRequest(t, job(), { force: false, fieldManager: 'x', dryRun: true }, 'hookrunner').query).toEqual({ fieldManager: 'x', force: false, dryRun: 'All' });
  });

  it('should delete in the background unless told otherwise, with a grace period and uid precondition when given', () => {
    expect(deleteOptionsBody({})).toEqual({ apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background' });
    expect(deleteOptionsBody({ propagationPolicy: 'Foreground', gracePeriodSeconds: 0, uid: 'u1' })).toEqual({
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      propagationPolicy: 'Foreground',
      gracePeriodSeconds: 0,
      preconditions: { uid: 'u1' },
    });
    expect(deleteRequest(objectTarget(jobs, 'app', 'pre'), {})).toMatchObject({ method: 'DELETE', describe: { verb: 'delete', target: 'jobs.batch app/pre' } });
  });

  it('should merge-patch as JSON merge patch', () => {
    const req = mergePatchRequest(objectTarget(jobs, 'app', 'pre', 'status'), { status: { active: 1 } });
    expect(req).toEqual({
      method: 'PATCH',
      path: '/apis/batch/v1/namespaces/app/jobs/pre/status',
      body: { status: { active: 1 } },
      contentType: 'application/merge-patch+json',
      describe: { verb: 'patch', target: 'jobs.batch app/pre/status' },
    });
  });
});

describe('when reading pod logs', () => {
  it('should ask the log subresource with only the options given', () => {
    expect(podLogsRequest('app', 'p-1', {})).toEqual({
      method: 'GET',
      path: '/api/v1/namespaces/app/pods/p-1/log',
      query: { container: undefined, tailLines: undefined, limitBytes: undefined, previous: undefined },
      describe: { verb: 'read logs of', target: 'pods app/p-1' },
    });
    const req = podLogsRequest('app', 'p-1', { container: 'main', tailLines: 0, limitBytes: 10, previous: true });
    expect(req.query).toEqual({ container: 'main', tailLines: 0, limitBytes: 10, previous: 'true' });
    expect(req.describe.target).toBe('pods app/p-1 container main');
  });
});
