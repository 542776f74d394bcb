import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlreadyExists, isConflict, isInvalid, isNotFound, KubeApiError, toKubeApiError } from '../../src/cluster/index.js';
import type { KubeObject } from '../../src/manifests/index.js';
import { connectCluster, hasCondition, shJob } from './dev-cluster.js';
import type { Connected } from './dev-cluster.js';
import type { TestCluster } from '../helpers/backends.js';
import { testBackends } from '../helpers/backends.js';

describe.each(testBackends())('the adapter on the %s cluster', (backend) => {

  /** Every port method over HTTP against the dev cluster (ARCHITECTURE "How it is tested"). */
  let dev: Connected<TestCluster>;
  beforeAll(async () => {
    dev = await connectCluster(backend);
  });
  afterAll(async () => {
    await dev?.close();
  });

  const cm = (name: string, namespace: string, data: Record<string, string>, labels?: Record<string, string>): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace, ...(labels ? { labels } : {}) },
    data,
  });

  describe('when applying, creating, reading and listing', () => {
    it('should server-side apply as the hookrunner field manager, and apply again idempotently', async () => {
      const ns = await dev.namespace();
      const first = await dev.client.apply(cm('settings', ns, { a: '1' }));
      expect(first.metadata.uid).toBeTruthy();
      const managers = (first.metadata['managedFields'] as { manager?: string; operation?: string }[] | undefined) ?? [];
      expect(managers).toContainEqual(expect.objectContaining({ manager: 'hookrunner', operation: 'Apply' }));
      const second = await dev.client.apply(cm('settings', ns, { a: '2' }));
      expect(second.metadata.uid).toBe(first.metadata.uid);
      expect(second['data']).toEqual({ a: '2' });
    });

    it('should not persist a dry-run apply or create', async () => {
      const ns = await dev.namespace();
      await dev.client.apply(cm('dry', ns, { a: '1' }), { dryRun: true });
      await dev.client.create(cm('dry2', ns, { a: '1' }), { dryRun: true });
      expect(await dev.client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'dry' })).toBeUndefined();
      expect(await dev.client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'dry2' })).toBeUndefined();
    });

    it('should create, get (undefined when missing) and list with selectors', async () => {
      const ns = await dev.namespace();
      await dev.client.create(cm('one', ns, { k: 'v' }, { tier: 'a' }));
      await dev.client.create(cm('two', ns, { k: 'v' }, { tier: 'b' }));
      const generated = await dev.client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'gen-', namespace: ns } });
      expect(generated.metadata.name).toMatch(/^gen-/);
      const got = await dev.client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'one' });
      expect(got).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', data: { k: 'v' } });
      expect(await dev.client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'nope' })).toBeUndefined();
      const byLabel = await dev.client.list({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns }, { labelSelector: 'tier=b' });
      expect(byLabel.items.map((i) => i.metadata.name)).toEqual(['two']);
      expect(byLabel.items[0]?.kind).toBe('ConfigMap');
      expect(byLabel.resourceVersion).toMatch(/^\d+$/);
      const byField = await dev.client.list({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns }, { fieldSelector: 'metadata.name=one' });
      expect(byField.items.map((i) => i.metadata.name)).toEqual(['one']);
      const everywhere = await dev.client.list({ apiVersion: 'v1', kind: 'ConfigMap' }, { labelSelector: 'tier' });
      expect(everywhere.items.filter((i) => i.metadata.namespace === ns)).toHaveLength(2);
    });

    it('should drop a namespace given to a cluster-scoped object, and not touch the caller\'s object', async () => {
      const input: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `cs-${process.pid}`, namespace: 'ignored' } };
      const before = structuredClone(input);
      const applied = await dev.client.apply(input);
      expect(applied.metadata.namespace).toBeUndefined();
      expect(input).toEqual(before);
      expect(await dev.client.delete({ apiVersion: 'v1', kind: 'Namespace', name: input.metadata.name ?? '' })).toBe('deleted');
    });

    it('should report AlreadyExists, and adopt the existing object with adoptOnConflict', async () => {
      const ns = await dev.namespace();
      const created = await dev.client.create(cm('dup', ns, { a: '1' }, { app: 'x' }));
      const err = await dev.client.create(cm('dup', ns, { a: '1' }, { app: 'x' })).catch((e: unknown) => e);
      expect(isAlreadyExists(err)).toBe(true);
      expect((err as KubeApiError).status).toMatchObject({ code: 409, reason: 'AlreadyExists', message: 'configmaps "dup" already exists' });
      const adopted = await dev.client.create(cm('dup', ns, { a: 'other' }, { app: 'x' }), { adoptOnConflict: true });
      expect(adopted.metadata.uid).toBe(created.metadata.uid);
    });

    it("should turn the lab's invalid Pod into the API server's decoding errors: 400 on create, a 500 on apply that is not retried", async () => {
      const ns = await dev.namespace();
      const pod: KubeObject = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'quick-fail-pod', namespace: ns },
        spec: { containers: [{ name: 'nginx', image: 'nginx', resources: { limits: { memory: 'invalid-value' } } }] },
      };
      const quantity = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
      const created = await dev.client.create(pod).catch((e: unknown) => e);
      expect(created).toBeInstanceOf(KubeApiError);
      expect((created as KubeApiError).status.code).toBe(400);
      expect((created as KubeApiError).status.message).toBe(`Pod in version "v1" cannot be handled as a Pod: ${quantity}`);
      // kube-apiserver 1.34 answers server-side apply with a 500 (no reason) while converting the object.
      const applied = await dev.client.apply(pod).catch((e: unknown) => e);
      expect(applied).toBeInstanceOf(KubeApiError);
      expect((applied as KubeApiError).status.code).toBe(500);
      expect((applied as KubeApiError).status.message).toBe(
        `failed to convert new object (${ns}/quick-fail-pod; /v1, Kind=Pod) to proper version: unable to convert unstructured object to /v1, Kind=Pod: ${quantity}`,
      );
      const applies = (await dev.cluster.audit()).filter((e) => e.verb === 'patch' && e.namespace === ns && e.name === 'quick-fail-pod');
      expect(applies.map((e) => e.code)).toEqual([500]);
    });

    it('should turn a decodable but invalid Pod into KubeApiError 422 Invalid naming the field (D10)', async () => {
      const ns = await dev.namespace();
      const pod: KubeObject = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'negative-pod', namespace: ns },
        spec: { containers: [{ name: 'nginx', image: 'nginx', resources: { limits: { memory: '-1Gi' } } }] },
      };
      for (const write of [() => dev.client.create(pod), () => dev.client.apply(pod)]) {
        const err = await write().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(KubeApiError);
        expect(isInvalid(err)).toBe(true);
        const status = (err as KubeApiError).status;
        expect(status.code).toBe(422);
        expect(status.details?.causes?.map((c) => c.field)).toContain('spec.containers[0].resources.limits[memory]');
        expect((err as Error).message).toMatch(/^(create|apply) pods .*negative-pod: Invalid \(422\): Pod "negative-pod" is invalid/);
      }
    });

    it("should map client-node's own ApiException (its body a JSON string) from a typed API call", async () => {
      const kc = new KubeConfig();
      kc.loadFromFile(dev.kubeconfig);
      // client-node refuses plain http without skipTLSVerify; the adapter itself does not need this.
      kc.clusters = kc.clusters.map((c) => ({ ...c, skipTLSVerify: true }));
      const core = kc.makeApiClient(CoreV1Api);
      const raw = await core.readNamespacedPod({ name: 'missing', namespace: 'default' }).catch((e: unknown) => e);
      expect(typeof (raw as { body?: unknown }).body).toBe('string');
      const err = toKubeApiError(raw);
      expect(isNotFound(err)).toBe(true);
      expect(err?.status).toMatchObject({ code: 404, reason: 'NotFound', message: 'pods "missing" not found', details: { name: 'missing', kind: 'pods' } });
    });

    it('should say NotFound for a kind the server does not serve', async () => {
      const err = await dev.client.create({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'default' } }).catch((e: unknown) => e);
      expect(isNotFound(err)).toBe(true);
      expect((err as Error).message).toContain('no matches for kind "Widget" in version "example.com/v1"');
      expect(await dev.client.get({ apiVersion: 'example.com/v1', kind: 'Widget', name: 'w' })).toBeUndefined();
    });
  });

  describe('when deleting', () => {
    it('should delete a Job with Background propagation so its Pods go too (APIS.md §E)', async () => {
      const ns = await dev.namespace();
      await dev.client.create(shJob('sleeper', ns, 'sleep 30'));
      await dev.client.waitFor({ apiVersion: 'batch/v1', kind: 'Job', namespace: ns, name: 'sleeper' }, (o) => (o?.['status'] as { active?: number } | undefined)?.active === 1, {
        timeoutMs: 10_000,
        description: 'Job sleeper to have an active Pod',
      });
      const { items } = await dev.client.list({ apiVersion: 'v1', kind: 'Pod', namespace: ns }, { labelSelector: 'batch.kubernetes.io/job-name=sleeper' });
      const podName = items[0]?.metadata.name;
      expect(podName).toBeDefined();
      expect(await dev.client.delete({ apiVersion: 'batch/v1', kind: 'Job', namespace: ns, name: 'sleeper' })).toBe('deleted');
      const gone = await dev.client.waitFor({ apiVersion: 'v1', kind: 'Pod', namespace: ns, name: podName ?? '' }, (o) => o === undefined, {
        timeoutMs: 10_000,
        description: 'the Job pod to be garbage-collected',
      });
      expect(gone).toBeUndefined();
      expect(await dev.client.delete({ apiVersion: 'batch/v1', kind: 'Job', namespace: ns, name: 'sleeper' })).toBe('notFound');
    });

    it('should not delete a re-created object when the uid precondition names the old one', async () => {
      const ns = await dev.namespace();
      const old = await dev.client.create(cm('twice', ns, {}));
      await dev.client.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'twice' });
      const fresh = await dev.client.create(cm('twice', ns, {}));
      expect(await dev.client.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'twice' }, { uid: old.metadata.uid })).toBe('notFound');
      expect((await dev.client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'twice' }))?.metadata.uid).toBe(fresh.metadata.uid);
    });
  });

  describe('when removing a finalizer (§6.3, D7)', () => {
    it('should remove one finalizer, re-reading on Conflict when two removals race', async () => {
      const ns = await dev.namespace();
      const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'held' };
      await dev.client.create({ ...cm('held', ns, {}), metadata: { name: 'held', namespace: ns, finalizers: ['hookrunner.io/hook-finalizer', 'example.com/other'] } });
      expect(await dev.client.delete(ref)).toBe('deleted');
      const deleting = await dev.client.get(ref);
      expect(deleting?.metadata.deletionTimestamp).toBeTruthy();
      await Promise.all([dev.client.removeFinalizer(ref, 'hookrunner.io/hook-finalizer'), dev.client.removeFinalizer(ref, 'example.com/other')]);
      expect(await dev.client.get(ref)).toBeUndefined();
      // The dev cluster answers the two reads before either write, so one removal meets a Conflict and re-reads;
      // on the real API server the interleaving is up to timing, so only the outcome is certain there.
      if (backend === 'embedded') expect((await dev.cluster.audit()).some((e) => e.verb === 'update' && e.name === 'held' && e.code === 409)).toBe(true);
    });

    it('should treat a missing object or an absent finalizer as done', async () => {
      const ns = await dev.namespace();
      await dev.client.removeFinalizer({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'ghost' }, 'hookrunner.io/hook-finalizer');
      await dev.client.create(cm('plain', ns, { a: '1' }));
      await dev.client.removeFinalizer({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'plain' }, 'hookrunner.io/hook-finalizer');
      expect((await dev.cluster.audit()).filter((e) => e.verb === 'update' && e.namespace === ns)).toEqual([]);
    });
  });

  describe('when merge-patching', () => {
    it('should patch the object, and the status subresource when asked', async () => {
      const ns = await dev.namespace();
      await dev.client.create(cm('p', ns, { a: '1' }));
      const patched = await dev.client.mergePatch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'p' }, { data: { b: '2' } });
      expect(patched['data']).toEqual({ a: '1', b: '2' });
      await dev.client.create({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', namespace: ns },
        spec: { type: 'ClusterIP', selector: { app: 'web' }, ports: [{ port: 80 }] },
      });
      // A load-balancer address on a ClusterIP Service: refused, as kube-apiserver does.
      const refused = await dev.client
        .mergePatch({ apiVersion: 'v1', kind: 'Service', namespace: ns, name: 'web' }, { status: { loadBalancer: { ingress: [{ ip: '203.0.113.7' }] } } }, { subresource: 'status' })
        .catch((e: unknown) => e);
      expect(isInvalid(refused)).toBe(true);
      expect((refused as KubeApiError).status.message).toBe("Service \"web\" is invalid: status.loadBalancer.ingress: Forbidden: may only be used when `spec.type` is 'LoadBalancer'");
      await dev.client.mergePatch({ apiVersion: 'v1', kind: 'Service', namespace: ns, name: 'web' }, { spec: { type: 'LoadBalancer' } });
      const svc = await dev.client.mergePatch(
        { apiVersion: 'v1', kind: 'Service', namespace: ns, name: 'web' },
        { status: { loadBalancer: { ingress: [{ ip: '203.0.113.7' }] } } },
        { subresource: 'status' },
      );
      expect((svc['status'] as { loadBalancer?: unknown }).loadBalancer).toEqual({ ingress: [{ ip: '203.0.113.7', ipMode: 'VIP' }] });
      expect((await dev.cluster.audit()).some((e) => e.kind === 'Service' && e.subresource === 'status' && e.code === 200)).toBe(true);
    });

    it('should report a Conflict from a patch that carries a stale resourceVersion', async () => {
      const ns = await dev.namespace();
      const live = await dev.client.create(cm('rv', ns, { a: '1' }));
      await dev.client.mergePatch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'rv' }, { data: { a: '2' } });
      const err = await dev.client
        .mergePatch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'rv' }, { metadata: { resourceVersion: live.metadata.resourceVersion }, data: { a: '3' } })
        .catch((e: unknown) => e);
      expect(isConflict(err)).toBe(true);
    });
  });

  describe('when reading pod logs', () => {
    it('should honour tailLines, limitBytes, container and previous', async () => {
      const ns = await dev.namespace();
      // First run fails after printing "first"; the restarted container prints the lines and succeeds.
      const script = 'if [ -f "$HOME/ran" ]; then for i in 1 2 3 4 5; do echo line-$i; done; else touch "$HOME/ran"; echo first; exit 1; fi';
      await dev.client.create(shJob('logs', ns, script, { restartPolicy: 'OnFailure', backoffLimit: 3 }));
      const job = await dev.client.waitFor({ apiVersion: 'batch/v1', kind: 'Job', namespace: ns, name: 'logs' }, (o) => hasCondition(o, 'Complete'), {
        timeoutMs: 15_000,
        description: 'Job logs to complete',
      });
      expect(hasCondition(job, 'Complete')).toBe(true);
      const { items } = await dev.client.list({ apiVersion: 'v1', kind: 'Pod', namespace: ns }, { labelSelector: 'batch.kubernetes.io/job-name=logs' });
      const pod = items[0]?.metadata.name ?? '';
      expect(await dev.client.podLogs(ns, pod)).toBe('line-1\nline-2\nline-3\nline-4\nline-5\n');
      expect(await dev.client.podLogs(ns, pod, { tailLines: 2 })).toBe('line-4\nline-5\n');
      expect(await dev.client.podLogs(ns, pod, { limitBytes: 7, container: 'main' })).toBe('line-1\n');
      expect(await dev.client.podLogs(ns, pod, { previous: true })).toBe('first\n');
      const err = await dev.client.podLogs(ns, pod, { container: 'nope' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KubeApiError);
    });
  });

  describe('when discovering kinds', () => {
    it('should describe served kinds, cache them, and see a new CRD after invalidateDiscovery', async () => {
      expect(await dev.client.resourceInfo('batch/v1', 'Job')).toEqual({ group: 'batch', version: 'v1', kind: 'Job', resource: 'jobs', namespaced: true });
      expect(await dev.client.resourceInfo('v1', 'Namespace')).toEqual({ group: '', version: 'v1', kind: 'Namespace', resource: 'namespaces', namespaced: false });
      expect(await dev.client.resourceInfo('stable.example.com/v1', 'Gadget')).toBeUndefined();
      await dev.client.create({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'gadgets.stable.example.com' },
        spec: {
          group: 'stable.example.com',
          scope: 'Namespaced',
          names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
          versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
        },
      });
      await dev.client.waitFor(
        { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: 'gadgets.stable.example.com' },
        (o) => hasCondition(o, 'Established'),
        { timeoutMs: 5_000, description: 'the CRD to be established' },
      );
      expect(await dev.client.resourceInfo('stable.example.com/v1', 'Gadget')).toBeUndefined(); // still cached
      dev.client.invalidateDiscovery();
      // kube-apiserver lists the new kind in discovery a moment after Established: read again until it does (bounded).
      const deadline = Date.now() + 10_000;
      while (!(await dev.client.resourceInfo('stable.example.com/v1', 'Gadget')) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        dev.client.invalidateDiscovery();
      }
      expect(await dev.client.resourceInfo('stable.example.com/v1', 'Gadget')).toEqual({
        group: 'stable.example.com',
        version: 'v1',
        kind: 'Gadget',
        resource: 'gadgets',
        namespaced: true,
      });
    });
  });
});
