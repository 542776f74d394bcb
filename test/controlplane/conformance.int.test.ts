/**
 * The dev cluster checked against the real API server: the same requests through the adapter
 * (client-node) to both backends, and the answers compared — Status bodies of refused writes,
 * and the status shapes of a completed Job and its Pod. Runs when the real backend is built.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeApiError } from '../../src/cluster/index.js';
import type { KubeObject } from '../../src/manifests/index.js';
import { hasCondition, shJob } from '../cluster/dev-cluster.js';
import { connectCluster } from '../cluster/dev-cluster.js';
import type { Connected } from '../cluster/dev-cluster.js';
import { testBackends } from '../helpers/backends.js';
import type { TestCluster } from '../helpers/backends.js';

type Both = { embedded: Connected<TestCluster>; real: Connected<TestCluster> };

/** The parts of a Status both servers must agree on. */
async function refusal(write: () => Promise<unknown>): Promise<Record<string, unknown>> {
  const err = await write().then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof KubeApiError)) return { error: String(err) };
  const s = err.status;
  return { code: s.code, reason: s.reason, message: s.message, causes: s.details?.causes?.map((c) => ({ reason: c.reason, field: c.field })) };
}

/** Keys and value types of a JSON object, recursively (timestamps and names vary; shapes must not). */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, shape(v)]));
  return typeof value;
}

describe.runIf(testBackends().includes('real'))('conformance: the dev cluster answers as kube-apiserver 1.34 does', () => {
  let both: Both;
  const ns: Record<keyof Both, string> = { embedded: '', real: '' };
  beforeAll(async () => {
    both = { embedded: await connectCluster('embedded'), real: await connectCluster('real') };
    ns.embedded = await both.embedded.namespace();
    ns.real = await both.real.namespace();
  });
  afterAll(async () => {
    await both?.embedded.close();
    await both?.real.close();
  });

  /** Run the same request on both and return both answers, with each namespace name replaced by NS. */
  async function onBoth<T>(fn: (c: Connected<TestCluster>, namespace: string) => Promise<T>): Promise<{ embedded: unknown; real: unknown }> {
    const norm = (v: T, n: string): unknown => JSON.parse(JSON.stringify(v ?? null).split(n).join('NS')) as unknown;
    return { embedded: norm(await fn(both.embedded, ns.embedded), ns.embedded), real: norm(await fn(both.real, ns.real), ns.real) };
  }

  const cm = (name: string, namespace: string, extra: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { a: '1' }, ...extra });

  it.each([
    ['AlreadyExists', async (c: Connected<TestCluster>, n: string) => {
      await c.client.create(cm('dup', n));
      return refusal(() => c.client.create(cm('dup', n)));
    }],
    ['an invalid name (422 with causes)', (c: Connected<TestCluster>, n: string) => refusal(() => c.client.create(cm('Not_Valid', n)))],
    ['an invalid ConfigMap key', (c: Connected<TestCluster>, n: string) => refusal(() => c.client.create(cm('keys', n, { data: { 'bad key': 'x' } })))],
    ['a Conflict on a stale resourceVersion', async (c: Connected<TestCluster>, n: string) => {
      const live = await c.client.create(cm('rv', n));
      await c.client.mergePatch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: n, name: 'rv' }, { data: { a: '2' } });
      return refusal(() => c.client.mergePatch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: n, name: 'rv' }, { metadata: { resourceVersion: live.metadata.resourceVersion }, data: { a: '3' } }));
    }],
    ['a create into a missing namespace', (c: Connected<TestCluster>) => refusal(() => c.client.create(cm('x', 'no-such-namespace')))],
    ['an unparseable quantity on create', (c: Connected<TestCluster>, n: string) =>
      refusal(() => c.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'q', namespace: n }, spec: { containers: [{ name: 'c', image: 'busybox', resources: { limits: { memory: 'invalid-value' } } }] } }))],
    ['an unparseable quantity on server-side apply', (c: Connected<TestCluster>, n: string) =>
      refusal(() => c.client.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'q', namespace: n }, spec: { containers: [{ name: 'c', image: 'busybox', resources: { limits: { memory: 'invalid-value' } } }] } }))],
    ['a Job with restartPolicy Always', (c: Connected<TestCluster>, n: string) => refusal(() => c.client.create(shJob('always', n, 'true', { restartPolicy: 'Always' })))],
    ['a changed Job template (immutable)', async (c: Connected<TestCluster>, n: string) => {
      await c.client.create(shJob('imm', n, 'sleep 30'));
      return refusal(() => c.client.mergePatch({ apiVersion: 'batch/v1', kind: 'Job', namespace: n, name: 'imm' }, { spec: { template: { spec: { containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'true'] }] } } } }));
    }],
  ])('refuses %s with the same Status', async (_what, request) => {
    // An immutable field's value is printed from Go's internal struct by kube-apiserver (a documented difference).
    const goValue = (r: unknown): unknown => JSON.parse(JSON.stringify(r).replace(/Invalid value: .*?: field is immutable/g, 'Invalid value: …: field is immutable')) as unknown;
    const raw = await onBoth(request);
    const answers = { embedded: goValue(raw.embedded), real: goValue(raw.real) };
    expect(answers.embedded).toEqual(answers.real);
  });

  it('gives a completed Job and its Pod the same status shape', async () => {
    const shapes = await onBoth(async (c, n) => {
      await c.client.create(shJob('done', n, 'echo done'));
      const job = await c.client.waitFor({ apiVersion: 'batch/v1', kind: 'Job', namespace: n, name: 'done' }, (o) => hasCondition(o, 'Complete'), { timeoutMs: 60_000, description: `Job ${n}/done to complete` });
      const pods = await c.client.list({ apiVersion: 'v1', kind: 'Pod', namespace: n }, { labelSelector: 'batch.kubernetes.io/job-name=done' });
      const pod = pods.items[0];
      const conditions = (o: KubeObject | undefined): string[] => ((o?.['status'] as { conditions?: { type: string; status: string }[] }).conditions ?? []).map((x) => `${x.type}=${x.status}`).sort();
      const status = (o: KubeObject | undefined): Record<string, unknown> => (o?.['status'] ?? {}) as Record<string, unknown>;
      const container = ((status(pod).containerStatuses ?? []) as Record<string, unknown>[])[0] ?? {};
      return {
        jobConditions: conditions(job),
        jobCounts: { succeeded: status(job).succeeded, active: status(job).active, failed: status(job).failed, ready: status(job).ready, terminating: status(job).terminating },
        jobStatusKeys: Object.keys(status(job)).sort(),
        podPhase: status(pod).phase,
        podConditions: conditions(pod),
        terminated: shape((container.state as Record<string, unknown> | undefined)?.terminated),
        terminatedReason: ((container.state as { terminated?: { reason?: string; exitCode?: number } } | undefined)?.terminated ?? {}).reason,
        exitCode: ((container.state as { terminated?: { exitCode?: number } } | undefined)?.terminated ?? {}).exitCode,
      };
    });
    expect(shapes.embedded).toEqual(shapes.real);
  });
});
