/**
 * Protobuf request bodies over HTTP: the Go-encoded fixtures (what kubectl sends) create, update
 * and delete objects through the same path as JSON, and bad bodies get a `Status` 400 or 415.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevCluster } from '../../../src/devcluster/index.js';
import type { DevCluster } from '../../../src/devcluster/index.js';
import { PROTOBUF_MEDIA_TYPE } from '../../../src/devcluster/protobuf/index.js';
import { at, call, list, namespace, openWatch } from '../helpers.js';
import { fixture } from './fixtures.js';

let cluster: DevCluster;
const NS = 'proto';

beforeAll(async () => {
  cluster = await startDevCluster({ port: 0 });
  await namespace(cluster, NS);
});
afterAll(async () => {
  await cluster?.stop();
});

async function send(method: string, path: string, body: Uint8Array, contentType = PROTOBUF_MEDIA_TYPE): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${cluster.url}${path}`, { method, headers: { 'content-type': contentType }, body, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, json: (await res.json()) as unknown };
}

describe('when kubectl-style protobuf bodies are posted', () => {
  it('should create each object as its JSON would', async () => {
    const ns = await send('POST', '/api/v1/namespaces?fieldManager=kubectl-create&fieldValidation=Strict', fixture('namespace').pb);
    expect(ns.status, JSON.stringify(ns.json)).toBe(201);
    expect(at(ns.json, 'metadata.name')).toBe('ns1');
    const secret = await send('POST', `/api/v1/namespaces/default/secrets?fieldValidation=Strict`, fixture('secret').pb);
    expect(secret.status, JSON.stringify(secret.json)).toBe(201);
    expect(at(secret.json, 'data')).toEqual({ a: 'Yg==', bin: 'AAEC//4=', empty: '' });
    const job = await send('POST', `/apis/batch/v1/namespaces/${NS}/jobs?fieldValidation=Strict`, fixture('job').pb);
    expect(job.status, JSON.stringify(job.json)).toBe(201);
    expect(at(job.json, 'spec.backoffLimit')).toBe(0);
    expect(at(list(job.json, 'spec.template.spec.containers')[0], 'command')).toEqual(['sh', '-c', 'echo hi']);
    const deploy = await send('POST', `/apis/apps/v1/namespaces/${NS}/deployments?fieldValidation=Strict`, fixture('deployment').pb);
    expect(deploy.status, JSON.stringify(deploy.json)).toBe(201);
    expect(at(deploy.json, 'spec.replicas')).toBe(1);
    for (const [name, path] of [
      ['serviceaccount', `/api/v1/namespaces/${NS}/serviceaccounts`],
      ['role', `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/roles`],
      ['configmap', `/api/v1/namespaces/${NS}/configmaps`],
    ] as const) {
      const r = await send('POST', `${path}?fieldValidation=Strict`, fixture(name).pb);
      expect(r.status, `${name}: ${JSON.stringify(r.json)}`).toBe(201);
    }
    expect(at((await call(cluster, 'GET', `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/roles/r`)).json, 'rules.1.resourceNames')).toEqual(['d']);
  });

  it('should update with PUT and delete with protobuf DeleteOptions', async () => {
    const path = `/api/v1/namespaces/${NS}/configmaps`;
    const created = await send('POST', path, fixture('configmap').pb);
    expect([201, 409]).toContain(created.status);
    await call(cluster, 'PATCH', `${path}/c`, { contentType: 'application/merge-patch+json', body: { data: { k: 'changed' } } });
    const put = await send('PUT', `${path}/c`, fixture('configmap').pb);
    expect(put.status, JSON.stringify(put.json)).toBe(200);
    expect(at(put.json, 'data.k')).toBe('v');
    expect(at(put.json, 'binaryData.b')).toBe('3q2+7w==');
    const del = await send('DELETE', `${path}/c`, fixture('deleteoptions').pb);
    expect(del.status, JSON.stringify(del.json)).toBe(200);
    expect((await call(cluster, 'GET', `${path}/c`)).status).toBe(404);
  });
});

describe('when a protobuf body cannot be decoded', () => {
  it('should answer 400 with a Status that says why', async () => {
    const garbage = await send('POST', `/api/v1/namespaces/${NS}/configmaps`, Uint8Array.from([0x6b, 0x38, 0x73, 0x00, 0x0a, 0xff]));
    expect(garbage).toMatchObject({ status: 400, json: { kind: 'Status', reason: 'BadRequest', code: 400 } });
    expect(at(garbage.json, 'message')).toMatch(/^the body of the request could not be decoded: /);
    const json = await send('POST', `/api/v1/namespaces/${NS}/configmaps`, Buffer.from('{"kind":"ConfigMap"}'));
    expect(at(json.json, 'message')).toContain('magic bytes');
    const renamed = Buffer.from(Buffer.from(fixture('namespace').pb).toString('latin1').replace('Namespace', 'Namesp4ce'), 'latin1');
    const unknown = await send('POST', '/api/v1/namespaces', renamed);
    expect(unknown.status).toBe(400);
    expect(at(unknown.json, 'message')).toContain('no kind "Namesp4ce" is registered for version "v1"');
  });

  it('should answer 415 for a protobuf body on a custom resource', async () => {
    const crds = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
    await call(cluster, 'POST', crds, {
      body: {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'gadgets.example.com' },
        spec: { group: 'example.com', scope: 'Namespaced', names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }] },
      },
    });
    const w = await openWatch(cluster, `${crds}?watch=true&fieldSelector=metadata.name%3Dgadgets.example.com`);
    try {
      for (let i = 1; !w.events.some((e) => list(e.object, 'status.conditions').some((c) => at(c, 'type') === 'Established')); i++) await w.next(i);
    } finally {
      w.close();
    }
    const r = await send('POST', `/apis/example.com/v1/namespaces/${NS}/gadgets`, fixture('configmap').pb);
    expect(r).toMatchObject({ status: 415, json: { reason: 'UnsupportedMediaType', code: 415 } });
  });
});
