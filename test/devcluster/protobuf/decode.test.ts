/**
 * The protobuf decoder on real encodings (fixtures written by Go with k8s.io/api's Marshal): each
 * decodes to the JSON Go writes for the same object, and the values that matter to hooks survive.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeEnvelope, kubeProto } from '../../../src/devcluster/protobuf/index.js';
import type { ProtoIndex } from '../../../src/devcluster/protobuf/index.js';
import { fixture, fixtureNames, withoutNulls } from './fixtures.js';

let index: ProtoIndex;

beforeAll(async () => {
  index = await kubeProto();
});

function decode(name: string): Record<string, unknown> {
  const { pb } = fixture(name);
  return decodeEnvelope(index, pb, { apiVersion: '', kind: '' });
}

describe('when a Go-encoded object is decoded', () => {
  it.each(fixtureNames())('should give the JSON Go writes for %s', (name) => {
    const f = fixture(name);
    expect(decodeEnvelope(index, f.pb, { apiVersion: '', kind: '' })).toEqual(withoutNulls(f.json));
  });

  it('should keep a pointer set to zero and drop empty omitempty values', () => {
    const job = decode('job');
    expect(job).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job', spec: { backoffLimit: 0 } });
    const container = (job as { spec: { template: { spec: { containers: Record<string, unknown>[] } } } }).spec.template.spec.containers[0];
    expect(container).toEqual({ name: 'j', image: 'busybox', command: ['sh', '-c', 'echo hi'], resources: {} });
    expect(decode('deployment')).toMatchObject({ spec: { replicas: 1, template: { metadata: { labels: { app: 'd' } } } } });
  });

  it('should write bytes as base64 and keep maps, inline structs and special types', () => {
    expect(decode('secret')).toMatchObject({ data: { a: 'Yg==', bin: 'AAEC//4=', empty: '' }, type: 'Opaque' });
    const pod = decode('pod') as { metadata: Record<string, unknown>; spec: { volumes: unknown[]; containers: Record<string, unknown>[] } };
    expect(pod.spec.volumes[0]).toEqual({ name: 'cm', configMap: { name: 'c', defaultMode: 420, optional: false } });
    expect(pod.spec.containers[0]?.resources).toEqual({ limits: { cpu: '500m', memory: '1Gi' }, requests: { cpu: '0' } });
    expect(pod.metadata.deletionTimestamp).toBe('2025-03-14T15:09:26Z');
    expect(Object.getPrototypeOf(pod.metadata.labels)).toBe(Object.prototype);
    expect(Object.keys(pod.metadata.labels as object).sort()).toEqual(['__proto__', 'app']);
    expect(decode('event')).toMatchObject({ eventTime: '2025-03-14T15:09:26.535897Z', series: { lastObservedTime: '1970-01-01T00:00:00.000000Z' } });
    expect(decode('service')).toMatchObject({ spec: { ports: [{ targetPort: 'http' }, { targetPort: 0 }] } });
    expect(decode('controllerrevision')).toMatchObject({ data: { spec: { template: { a: [1, 2.5, 'x', true, { b: {} }] } } }, revision: -9007199254740991 });
    expect(decode('csr')).toMatchObject({ spec: { extra: { groups: ['a', 'b'] } } });
  });

  it('should take apiVersion and kind from the URL when the envelope leaves them out', () => {
    // namespace.pb's typeMeta is bytes 6..22; rebuild the envelope without it (Unknown field 1)
    const { pb } = fixture('namespace');
    const withoutTypeMeta = Uint8Array.from([...pb.subarray(0, 4), ...pb.subarray(4 + 2 + (pb[5] ?? 0))]);
    expect(decodeEnvelope(index, withoutTypeMeta, { apiVersion: 'v1', kind: 'Namespace' })).toMatchObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns1' } });
  });
});

describe('when the generated tables are read', () => {
  it('should know every served kind of k8s.io/api v0.34.4 by its apiVersion', () => {
    expect(index.tables.modules).toEqual({ 'k8s.io/api': 'v0.34.4', 'k8s.io/apimachinery': 'v0.34.4' });
    for (const [apiVersion, kind] of [
      ['v1', 'Secret'],
      ['apps/v1', 'Deployment'],
      ['batch/v1', 'CronJob'],
      ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding'],
      ['networking.k8s.io/v1', 'Ingress'],
      ['policy/v1', 'PodDisruptionBudget'],
      ['apps/v1', 'DeleteOptions'],
      ['meta.k8s.io/v1', 'DeleteOptions'],
    ] as const) {
      expect(index.kind(apiVersion, kind)?.name, `${apiVersion} ${kind}`).toMatch(new RegExp(`\\.${kind}$`));
    }
    expect(index.kind('apps/v1', 'Secret')).toBeUndefined();
    expect(index.kind('example.com/v1', 'DeleteOptions')?.name).toBe('k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions');
    expect(index.kind('example.com/v1', 'Widget')).toBeUndefined();
  });
});
