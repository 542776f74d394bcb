/**
 * Application status against both cluster backends (docs/semantics.md §17): sync and health kept
 * current by watches, the resource tree by owner references, the diff, the `application` event and
 * the `hookrunner_app_info` metric; a live edit turning an application OutOfSync.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenApi } from '../../src/api/index.js';
import type { ApiServer } from '../../src/api/index.js';
import type { ApplicationStatus, ResourceNode } from '../../src/status/index.js';
import { testBackends } from '../helpers/backends.js';
import type { Kubectl } from '../helpers/kubectl.js';
import { createTestRepo } from '../sources/git-fixture.js';
import type { TestRepo } from '../sources/git-fixture.js';
import { AUTH, startApiHarness } from './api-harness.js';
import type { ApiHarness } from './api-harness.js';
import { openSse } from './sse-client.js';
import { kubectlFor, scaleWeb, statusApplication, statusRepoFiles, statusUntil } from './status-fixtures.js';

describe.each(testBackends())('application status (%s backend)', (backend) => {
  let h: ApiHarness;
  let repo: TestRepo;
  let server: ApiServer;
  let kubectl: Kubectl;
  let removeKubectl: (() => Promise<void>) | undefined;
  const ns = `status-${backend}`;

  beforeAll(async () => {
    h = await startApiHarness({ cluster: backend, status: true });
    repo = await createTestRepo(statusRepoFiles());
    server = await listenApi({ api: h.api, port: 0, host: '127.0.0.1' });
    ({ kubectl, remove: removeKubectl } = await kubectlFor(h));
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    await h?.close();
    await repo?.remove();
    await removeKubectl?.();
  });

  it('should say OutOfSync with Missing resources before the first sync, then Synced and Healthy after it', async () => {
    const events = await openSse(`${server.url}/api/v1/events?app=shop`, AUTH);
    try {
      const created = await request(h.app).post('/api/v1/applications').set(AUTH).type('application/yaml').send(statusApplication({ name: 'shop', repoURL: repo.url, namespace: ns }));
      expect(created.status).toBe(201);
      const before = await statusUntil(h, 'shop', (s) => s.reconciledAt !== null, 'a first comparison');
      expect(before.sync.status).toBe('OutOfSync');
      expect(before.sync.revision).toMatch(/^[0-9a-f]{40}$/);
      expect(before.health.status).toBe('Missing');
      expect(before.resources.map((r) => [r.kind, r.name, r.status, r.health?.status])).toEqual([
        ['ConfigMap', 'settings', 'OutOfSync', 'Missing'],
        ['Deployment', 'web', 'OutOfSync', 'Missing'],
      ]);
      await events.waitFor((e) => e.event === 'application' && (e.data as { name: string }).name === 'shop', 'an application event for shop');

      const sync = await request(h.app).post('/api/v1/applications/shop/sync').set(AUTH).send({});
      expect(sync.status).toBe(202);
      const op = await h.waitFor((sync.body as { operation: { id: string } }).operation.id, 120_000);
      expect(op.phase).toBe('Succeeded');
      const after = await statusUntil(h, 'shop', (s) => s.sync.status === 'Synced' && s.health.status === 'Healthy', 'Synced and Healthy');
      expect(after.sync.revision).toBe(before.sync.revision);
      expect(op.revision).toBe(before.sync.revision);
      // The PostSync hook is live, but hooks never count.
      expect(after.resources.map((r) => r.kind).sort()).toEqual(['ConfigMap', 'Deployment']);
      await events.waitFor((e) => e.event === 'application' && (e.data as { status: ApplicationStatus }).status.sync.status === 'Synced', 'an application event saying Synced');
      const metrics = await request(h.app).get('/metrics');
      expect(metrics.text).toMatch(/hookrunner_app_info\{name="shop",sync_status="Synced",health_status="Healthy"\} 1/);
    } finally {
      events.close();
    }
  }, 180_000);

  it('should show the resource tree: the hook Job and its Pod, and (real) Deployment → ReplicaSet → Pod', async () => {
    const deadline = Date.now() + 60_000;
    let nodes: ResourceNode[] = [];
    const byKind = (kind: string): ResourceNode[] => nodes.filter((n) => n.kind === kind);
    for (;;) {
      nodes = ((await request(h.app).get('/api/v1/applications/shop/resource-tree').set(AUTH)).body as { nodes: ResourceNode[] }).nodes;
      const complete = byKind('Pod').length >= (backend === 'real' ? 2 : 1);
      if (complete || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const deployment = nodes.find((n) => n.kind === 'Deployment');
    expect(deployment).toMatchObject({ name: 'web', status: 'Synced', health: { status: 'Healthy' }, parentRefs: [] });
    const hook = nodes.find((n) => n.kind === 'Job' && n.name === 'post');
    expect(hook).toMatchObject({ hook: true, parentRefs: [] });
    expect(hook?.status).toBeUndefined();
    const hookPod = nodes.find((n) => n.kind === 'Pod' && n.parentRefs[0]?.uid === hook?.uid);
    expect(hookPod?.name).toMatch(/^post-/);
    if (backend === 'real') {
      const rs = nodes.find((n) => n.kind === 'ReplicaSet');
      expect(rs?.parentRefs).toEqual([{ group: 'apps', kind: 'Deployment', namespace: ns, name: 'web', uid: deployment?.uid }]);
      expect(nodes.some((n) => n.kind === 'Pod' && n.parentRefs[0]?.uid === rs?.uid)).toBe(true);
    }
  }, 90_000);

  it('should turn OutOfSync when the Deployment is scaled live, with a diff naming /spec/replicas, and list an extraneous object as requiring pruning', async () => {
    await scaleWeb(kubectl, backend, ns, 3);
    const drifted = await statusUntil(h, 'shop', (s) => s.sync.status === 'OutOfSync', 'OutOfSync after the live edit');
    expect(drifted.resources.find((r) => r.kind === 'Deployment')?.status).toBe('OutOfSync');
    expect(drifted.resources.find((r) => r.kind === 'ConfigMap')?.status).toBe('Synced');
    const diff = await request(h.app).get('/api/v1/applications/shop/diff').set(AUTH);
    expect(diff.status).toBe(200);
    const items = (diff.body as { items: { kind: string; action: string; differences: { path: string; desired: unknown; live: unknown }[]; diff: string }[] }).items;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ kind: 'Deployment', action: 'change', differences: [{ path: '/spec/replicas', desired: 1, live: 3 }] });
    expect(items[0]?.diff).toMatch(/^- {2}replicas: 3$/m);
    expect(items[0]?.diff).toMatch(/^\+ {2}replicas: 1$/m);

    await kubectl.ok(['apply', '-n', ns, '-f', '-'], `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: leftover\n  labels: { hookrunner.io/app: shop }\n  annotations: { hookrunner.io/tracking-id: "shop:/ConfigMap:${ns}/leftover" }\n`);
    const extra = await statusUntil(h, 'shop', (s) => s.resources.some((r) => r.name === 'leftover'), 'the leftover ConfigMap listed');
    expect(extra.resources.find((r) => r.name === 'leftover')).toMatchObject({ status: 'OutOfSync', requiresPruning: true });
  }, 90_000);

  it('should answer 404 for the tree and diff of an unknown application', async () => {
    expect((await request(h.app).get('/api/v1/applications/nope/diff').set(AUTH)).status).toBe(404);
    expect((await request(h.app).get('/api/v1/applications/nope/resource-tree').set(AUTH)).status).toBe(404);
  });
});
