/** Desired against live (src/diff, docs/semantics.md §9.12): what counts as a difference, and what is ignored. */
import { describe, expect, it } from 'vitest';
import { compareObjects, managedPaths, parsePointer, respectIgnoredFields } from '../../src/diff/index.js';
import type { KubeObject } from '../../src/manifests/index.js';

const deployment = (replicas: number, image = 'nginx:1.27', extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } },
  spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image, resources: { limits: { cpu: '500m', memory: '1Gi' } } }] } }, ...extra },
});

/** As the API server returns it: defaults filled in, server metadata, status, managed fields. */
interface Container {
  name: string;
  image: string;
  imagePullPolicy?: string;
  resources?: { limits: Record<string, string> };
}
interface LiveShape {
  metadata: Record<string, unknown>;
  spec: { replicas: number; strategy?: unknown; template: { spec: { containers: Container[] } } };
  status?: unknown;
}

function liveOf(desired: KubeObject, edit: (o: LiveShape) => void = () => undefined): KubeObject {
  const live = structuredClone(desired) as unknown as LiveShape;
  Object.assign(live.metadata, { uid: 'u1', resourceVersion: '42', generation: 3, creationTimestamp: '2026-01-01T00:00:00Z', annotations: { 'deployment.kubernetes.io/revision': '2' } });
  live.metadata.managedFields = [
    { manager: 'hookrunner', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {} } } } } } } },
    { manager: 'kube-controller-manager', operation: 'Update', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
  ];
  live.spec.strategy = { type: 'RollingUpdate' };
  const [web] = live.spec.template.spec.containers;
  if (web?.resources) {
    web.imagePullPolicy = 'IfNotPresent';
    web.resources.limits['cpu'] = '0.5';
  }
  live.status = { replicas: 3, readyReplicas: 3 };
  edit(live);
  return live as unknown as KubeObject;
}

describe('compareObjects', () => {
  it('should find nothing when only defaults, server metadata, status and equal quantities differ', () => {
    const desired = deployment(3);
    expect(compareObjects(desired, liveOf(desired))).toEqual({ modified: false, differences: [] });
  });

  it('should name each field the manifest sets differently, by JSON pointer', () => {
    const desired = deployment(3, 'nginx:1.28');
    const result = compareObjects(desired, liveOf(deployment(3), (l) => (l.spec.replicas = 5)));
    expect(result.modified).toBe(true);
    expect(result.differences).toEqual([
      { path: '/spec/replicas', desired: 3, live: 5 },
      { path: '/spec/template/spec/containers/0/image', desired: 'nginx:1.28', live: 'nginx:1.27' },
    ]);
  });

  it('should compare a list as a whole when its length differs, and a missing field as undefined', () => {
    const desired = deployment(3, 'nginx:1.27', { minReadySeconds: 5 });
    const live = liveOf(deployment(3), (l) => l.spec.template.spec.containers.push({ name: 'sidecar', image: 'envoy' }));
    expect(compareObjects(desired, live).differences.map((d) => d.path)).toEqual(['/spec/template/spec/containers', '/spec/minReadySeconds']);
  });

  it('should read a Secret’s stringData as its base64 data, and take empty values as absent', () => {
    const desired: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', labels: {} }, stringData: { password: 'hunter2' }, data: {} };
    const live: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { password: Buffer.from('hunter2').toString('base64') }, type: 'Opaque' };
    expect(compareObjects(desired, live).modified).toBe(false);
  });

  it('should leave out what ignoreDifferences names: JSON pointers, and fields owned by a manager — for the matching kind, group and name only', () => {
    const desired = deployment(3);
    const live = liveOf(desired, (l) => (l.spec.replicas = 7));
    expect(compareObjects(desired, live, { ignore: [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] }] }).modified).toBe(false);
    expect(compareObjects(desired, live, { ignore: [{ kind: 'Deployment', managedFieldsManagers: ['kube-controller-manager'] }] }).modified).toBe(false);
    expect(compareObjects(desired, live, { ignore: [{ kind: 'Deployment', name: 'other', jsonPointers: ['/spec/replicas'] }] }).modified).toBe(true);
    expect(compareObjects(desired, live, { ignore: [{ group: '', kind: 'Deployment', jsonPointers: ['/spec/replicas'] }] }).modified).toBe(true);
  });
});

describe('managedPaths and pointers', () => {
  it('should resolve fieldsV1 keys (f:, k:, v:) to paths into the live object', () => {
    const live = liveOf(deployment(3));
    expect(managedPaths(live, ['hookrunner'])).toEqual([['spec', 'template', 'spec', 'containers', '0', 'image']]);
    expect(managedPaths(live, ['nobody'])).toEqual([]);
    expect(parsePointer('/metadata/annotations/a~1b~0c')).toEqual(['metadata', 'annotations', 'a/b~c']);
    expect(() => parsePointer('spec')).toThrow('"spec" is not a JSON pointer: it must start with "/"');
  });
});

describe('respectIgnoredFields (RespectIgnoreDifferences=true)', () => {
  it('should keep the live values of ignored fields in the object to apply, and leave out those the live object lacks', () => {
    const desired = deployment(3);
    const live = liveOf(desired, (l) => {
      l.spec.replicas = 7;
      delete l.metadata['labels'];
    });
    const rules = [{ kind: 'Deployment', jsonPointers: ['/spec/replicas', '/metadata/labels', '/status'] }];
    const out = respectIgnoredFields(desired, live, rules);
    expect((out['spec'] as { replicas: number }).replicas).toBe(7);
    expect(out.metadata.labels).toBeUndefined();
    expect(out['status']).toBeUndefined();
    expect((desired['spec'] as { replicas: number }).replicas).toBe(3);
  });
});
