/** PATCH over HTTP: merge, strategic merge, JSON patch and server-side apply with managedFields. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevCluster } from '../../src/devcluster/index.js';
import type { DevCluster } from '../../src/devcluster/index.js';
import { at, call, list, namespace } from './helpers.js';

let cluster: DevCluster;
beforeAll(async () => {
  cluster = await startDevCluster({ port: 0 });
  await namespace(cluster, 'patch');
});
afterAll(async () => {
  await cluster?.stop();
});

const CMS = '/api/v1/namespaces/patch/configmaps';
let seq = 0;

/** A suspended pod-less object to patch: a Deployment is built-in, has a pod template and no runtime. */
async function deployment(): Promise<string> {
  const name = `d${++seq}`;
  const r = await call(cluster, 'POST', '/apis/apps/v1/namespaces/patch/deployments', {
    body: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, labels: { base: 'x' }, finalizers: ['a.example.com/f'] },
      spec: {
        paused: true,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: {
            tolerations: [{ key: 'k1', operator: 'Exists' }],
            containers: [
              {
                name: 'web',
                image: 'nginx:1',
                env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }],
                ports: [{ containerPort: 80 }],
                volumeMounts: [{ name: 'v', mountPath: '/data' }],
              },
              { name: 'side', image: 'busybox:1' },
            ],
            volumes: [{ name: 'v', emptyDir: {} }],
          },
        },
      },
    },
  });
  if (r.status !== 201) throw new Error(r.text);
  return `/apis/apps/v1/namespaces/patch/deployments/${name}`;
}

const podSpec = (r: { json: unknown }): unknown => at(r.json, 'spec.template.spec');

describe('when patching with application/strategic-merge-patch+json', () => {
  it('should merge containers by name, env by name, ports by containerPort and volumeMounts by mountPath', async () => {
    const path = await deployment();
    const r = await call(cluster, 'PATCH', path, {
      contentType: 'application/strategic-merge-patch+json',
      body: {
        spec: {
          template: {
            spec: {
              containers: [
                { name: 'web', image: 'nginx:2', env: [{ name: 'B', value: 'two' }, { name: 'C', value: '3' }], ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443 }], volumeMounts: [{ mountPath: '/data', readOnly: true }] },
              ],
            },
          },
        },
      },
    });
    expect(r.status).toBe(200);
    const containers = list(podSpec(r), 'containers');
    expect(containers.map((c) => at(c, 'name'))).toEqual(['web', 'side']);
    expect(at(containers[0], 'image')).toBe('nginx:2');
    expect(at(containers[0], 'env')).toEqual([{ name: 'A', value: '1' }, { name: 'B', value: 'two' }, { name: 'C', value: '3' }]);
    expect(at(containers[0], 'ports')).toEqual([{ containerPort: 80, name: 'http', protocol: 'TCP' }, { containerPort: 443, protocol: 'TCP' }]);
    expect(at(containers[0], 'volumeMounts')).toEqual([{ name: 'v', mountPath: '/data', readOnly: true }]);
    expect(at(r.json, 'metadata.generation')).toBe(2);
  });

  it('should replace tolerations, merge finalizers, delete with $patch: delete and null', async () => {
    const path = await deployment();
    const r = await call(cluster, 'PATCH', path, {
      contentType: 'application/strategic-merge-patch+json',
      body: {
        metadata: { finalizers: ['b.example.com/f'] },
        spec: { template: { spec: { tolerations: [{ key: 'k2', operator: 'Exists' }], containers: [{ name: 'side', $patch: 'delete' }], volumes: null } } },
      },
    });
    expect(r.status).toBe(200);
    expect(at(podSpec(r), 'tolerations')).toEqual([{ key: 'k2', operator: 'Exists' }]);
    expect(at(r.json, 'metadata.finalizers')).toEqual(['a.example.com/f', 'b.example.com/f']);
    expect(list(podSpec(r), 'containers').map((c) => at(c, 'name'))).toEqual(['web']);
    expect(at(podSpec(r), 'volumes')).toBeUndefined();
  });

  it('should answer 415 for strategic merge patch on a custom resource and for an unknown patch type', async () => {
    await call(cluster, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
      body: {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'widgets.example.com' },
        spec: { group: 'example.com', scope: 'Namespaced', names: { plural: 'widgets', singular: 'widget', kind: 'Widget' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }] },
      },
    });
    const crds = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
    const { openWatch } = await import('./helpers.js');
    const w = await openWatch(cluster, `${crds}?watch=true&fieldSelector=metadata.name%3Dwidgets.example.com`);
    try {
      for (let i = 1; !w.events.some((e) => list(e.object, 'status.conditions').some((c) => at(c, 'type') === 'Established')); i++) await w.next(i);
    } finally {
      w.close();
    }
    const widgets = '/apis/example.com/v1/namespaces/patch/widgets';
    expect((await call(cluster, 'POST', widgets, { body: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 1 } } })).status).toBe(201);
    const smp = await call(cluster, 'PATCH', `${widgets}/w`, { contentType: 'application/strategic-merge-patch+json', body: { spec: { size: 2 } } });
    expect(smp.status).toBe(415);
    expect(smp.json).toMatchObject({ reason: 'UnsupportedMediaType', code: 415 });
    const merge = await call(cluster, 'PATCH', `${widgets}/w`, { contentType: 'application/merge-patch+json', body: { spec: { size: 2 } } });
    expect(at(merge.json, 'spec.size')).toBe(2);
    const unknown = await call(cluster, 'PATCH', `${CMS}/x`, { contentType: 'text/plain', body: 'x' });
    expect(unknown.status).toBe(415);
  });
});

describe('when patching with application/merge-patch+json', () => {
  it('should merge maps, replace lists and delete with null', async () => {
    const path = await deployment();
    const r = await call(cluster, 'PATCH', path, {
      contentType: 'application/merge-patch+json',
      body: { metadata: { labels: { added: 'yes' } }, spec: { template: { spec: { containers: [{ name: 'only', image: 'x:1' }], tolerations: null } } } },
    });
    expect(r.status).toBe(200);
    expect(at(r.json, 'metadata.labels.added')).toBe('yes');
    expect(list(podSpec(r), 'containers').map((c) => at(c, 'name'))).toEqual(['only']);
    expect(at(podSpec(r), 'tolerations')).toBeUndefined();
  });

  it('should treat a resourceVersion in the patch as a precondition (409 when stale)', async () => {
    const path = await deployment();
    const r = await call(cluster, 'PATCH', path, { contentType: 'application/merge-patch+json', body: { metadata: { resourceVersion: '1', labels: { a: 'b' } } } });
    expect(r.status).toBe(409);
    expect(at(r.json, 'reason')).toBe('Conflict');
  });
});

describe('when patching with application/json-patch+json', () => {
  it('should apply add, replace, remove, copy, move and a passing test', async () => {
    const path = await deployment();
    const r = await call(cluster, 'PATCH', path, {
      contentType: 'application/json-patch+json',
      body: [
        { op: 'test', path: '/spec/template/spec/containers/0/name', value: 'web' },
        { op: 'add', path: '/metadata/labels/new', value: 'v' },
        { op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'nginx:3' },
        { op: 'remove', path: '/spec/template/spec/containers/1' },
        { op: 'copy', from: '/metadata/labels/new', path: '/metadata/labels/copied' },
        { op: 'move', from: '/metadata/labels/copied', path: '/metadata/labels/moved' },
        { op: 'add', path: '/metadata/finalizers/-', value: 'c.example.com/f' },
      ],
    });
    expect(r.status).toBe(200);
    expect(at(r.json, 'metadata.labels')).toMatchObject({ new: 'v', moved: 'v' });
    expect(at(r.json, 'metadata.labels.copied')).toBeUndefined();
    expect(list(podSpec(r), 'containers').map((c) => `${String(at(c, 'name'))}=${String(at(c, 'image'))}`)).toEqual(['web=nginx:3']);
    expect(at(r.json, 'metadata.finalizers')).toEqual(['a.example.com/f', 'c.example.com/f']);
  });

  it('should refuse the whole patch when a test fails (422), leaving the object unchanged', async () => {
    const path = await deployment();
    const before = await call(cluster, 'GET', path);
    const r = await call(cluster, 'PATCH', path, {
      contentType: 'application/json-patch+json',
      body: [
        { op: 'add', path: '/metadata/labels/x', value: '1' },
        { op: 'test', path: '/spec/template/spec/containers/0/image', value: 'wrong' },
      ],
    });
    expect(r.status).toBe(422);
    expect(r.json).toMatchObject({ reason: 'Invalid', code: 422 });
    expect(String(at(r.json, 'message'))).toContain('test failed');
    expect(at((await call(cluster, 'GET', path)).json, 'metadata.resourceVersion')).toBe(at(before.json, 'metadata.resourceVersion'));
  });
});

describe('when applying server-side (application/apply-patch+yaml)', () => {
  const apply = (name: string, manager: string, body: string, force?: boolean): ReturnType<typeof call> =>
    call(cluster, 'PATCH', `${CMS}/${name}?fieldManager=${manager}${force === undefined ? '' : `&force=${String(force)}`}`, { contentType: 'application/apply-patch+yaml', body });

  it('should create the object, record the manager\'s fields and remove fields it no longer applies', async () => {
    const first = await apply('ssa', 'tool-a', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\n  labels:\n    l: "1"\ndata:\n  x: "1"\n  y: "2"\n');
    expect(first.status).toBe(201);
    expect(at(first.json, 'metadata.managedFields')).toEqual([
      expect.objectContaining({ manager: 'tool-a', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { '.': {}, 'f:x': {}, 'f:y': {} }, 'f:metadata': { 'f:labels': { '.': {}, 'f:l': {} } } } }),
    ]);
    const second = await apply('ssa', 'tool-a', '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ssa"},"data":{"x":"1"}}');
    expect(second.status).toBe(200);
    expect(at(second.json, 'data')).toEqual({ x: '1' });
    expect(at(second.json, 'metadata.labels')).toBeUndefined();
  });

  it('should conflict (409) on another manager\'s field with a different value, co-own equal values, and take over with force', async () => {
    await apply('owned', 'tool-a', '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"owned"},"data":{"x":"1","y":"2"}}');
    const conflict = await apply('owned', 'tool-b', '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"owned"},"data":{"x":"changed"}}', false);
    expect(conflict.status).toBe(409);
    expect(conflict.json).toMatchObject({ reason: 'Conflict', message: 'Apply failed with 1 conflict: conflict with "tool-a" using v1: .data.x' });
    expect(at(conflict.json, 'details.causes')).toEqual([{ reason: 'FieldManagerConflict', message: 'conflict with "tool-a" using v1', field: '.data.x' }]);
    const shared = await apply('owned', 'tool-b', '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"owned"},"data":{"y":"2"}}', false);
    expect(shared.status).toBe(200);
    expect(list(shared.json, 'metadata.managedFields').map((m) => at(m, 'manager'))).toEqual(['tool-a', 'tool-b']);
    const forced = await apply('owned', 'tool-b', '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"owned"},"data":{"x":"changed","y":"2"}}', true);
    expect(forced.status).toBe(200);
    expect(at(forced.json, 'data.x')).toBe('changed');
    const a = list(forced.json, 'metadata.managedFields').find((m) => at(m, 'manager') === 'tool-a');
    expect(at(a, 'fieldsV1')).toEqual({ 'f:data': { '.': {}, 'f:y': {} } });
    // tool-a drops y: tool-b still owns it, so it stays.
    const dropped = await apply('owned', 'tool-a', '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"owned"}}');
    expect(at(dropped.json, 'data')).toEqual({ x: 'changed', y: '2' });
  });

  it('should conflict with a field set by an Update (kubectl create) and name both the manager and the path', async () => {
    await call(cluster, 'POST', `${CMS}?fieldManager=kubectl-create`, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'created' }, data: { k: 'v' } } });
    const r = await apply('created', 'kubectl', '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"created"},"data":{"k":"other"}}', false);
    expect(r.status).toBe(409);
    expect(at(r.json, 'message')).toBe('Apply failed with 1 conflict: conflict with "kubectl-create" using v1: .data.k');
  });

  it('should merge keyed lists and track their items', async () => {
    const path = '/api/v1/namespaces/patch/services/svc?fieldManager=m';
    const body = (ports: string): string => `{"apiVersion":"v1","kind":"Service","metadata":{"name":"svc"},"spec":{"selector":{"app":"a"},"ports":[${ports}]}}`;
    const first = await call(cluster, 'PATCH', path, { contentType: 'application/apply-patch+yaml', body: body('{"name":"http","port":80},{"name":"https","port":443}') });
    expect(first.status).toBe(201);
    expect(at(first.json, 'spec.clusterIP')).toMatch(/^10\.96\.\d+\.\d+$/);
    const second = await call(cluster, 'PATCH', path, { contentType: 'application/apply-patch+yaml', body: body('{"name":"http","port":80}') });
    expect(list(second.json, 'spec.ports').map((p) => at(p, 'port'))).toEqual([80]);
    const fields = at(list(second.json, 'metadata.managedFields')[0], 'fieldsV1');
    expect(at(fields, 'f:spec.f:ports')).toEqual({ 'k:{"port":80}': { '.': {}, 'f:name': {}, 'f:port': {} } });
  });

  it('should require a fieldManager (422) and refuse force on other patch types', async () => {
    const r = await call(cluster, 'PATCH', `${CMS}/nomgr`, { contentType: 'application/apply-patch+yaml', body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"nomgr"}}' });
    expect(r.status).toBe(422);
    expect(String(at(r.json, 'message'))).toContain('fieldManager: Required value: is required for apply patch');
    const f = await call(cluster, 'PATCH', `${CMS}/owned?force=true`, { contentType: 'application/merge-patch+json', body: {} });
    expect(f.status).toBe(422);
    expect(String(at(f.json, 'message'))).toContain('force: Forbidden: may not be specified for non-apply patch');
  });
});
