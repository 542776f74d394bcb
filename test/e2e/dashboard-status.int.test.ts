/**
 * Application status in the dashboard, in Debian's Chromium, against the real status API
 * (GET /applications with `status`, /resource-tree, /diff, the `application` event): the list's
 * sync and health badges, updated live when a live object drifts; the resource tree by owner
 * references (Deployment → ReplicaSet → Pod, Job → Pod); the diff of the drifted Deployment,
 * and "No differences" for an application that matches its source until it drifts, live.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, labApplication } from '../api/api-harness.js';
import { LAB_PATH } from '../api/lab-repo.js';
import { ARTIFACTS, ZONE_OFFSET, signIn, startDashboardRig } from './dashboard-browser.js';
import type { DashboardRig } from './dashboard-browser.js';

interface TreeNode {
  kind: string;
  name: string;
  namespace?: string;
  uid?: string;
  parentRefs: { kind: string; name: string; namespace?: string; uid?: string }[];
  status?: string;
  health?: { status: string };
}

/** `kind name depth` of every node, the depth by following parentRefs up to a top-level resource. */
function expectedTree(nodes: TreeNode[]): string[] {
  const byUid = new Map(nodes.map((n) => [n.uid, n]));
  const depth = (n: TreeNode, seen = 0): number => {
    const parent = n.parentRefs.map((p) => byUid.get(p.uid) ?? nodes.find((m) => m.kind === p.kind && m.name === p.name)).find(Boolean);
    return parent && seen < 10 ? 1 + depth(parent, seen + 1) : 0;
  };
  return nodes.map((n) => `${n.kind} ${n.name} ${depth(n)}`).sort();
}

describe('application status in the dashboard (headless Chromium)', () => {
  let rig: DashboardRig;
  let page: Page;
  const api = (path: string) => request(rig.h.app).get(`/api/v1${path}`).set(AUTH);

  async function register(name: string, sync: boolean): Promise<void> {
    const created = await request(rig.h.app).put(`/api/v1/applications/${name}`).set(AUTH).type('application/yaml').send(labApplication({ repoURL: rig.repo.url, path: LAB_PATH, name, namespace: name }));
    expect(created.status).toBe(201);
    if (!sync) return;
    const started = await request(rig.h.app).post(`/api/v1/applications/${name}/sync`).set(AUTH).send({});
    expect(started.status).toBe(202);
    expect((await rig.h.waitFor(started.body.operation.id as string)).phase).toBe('Succeeded');
  }

  beforeAll(async () => {
    rig = await startDashboardRig({}, { status: true });
    page = rig.page;
    await register('drift-lab', true);
    await register('calm-lab', true);
    await register('idle-lab', false);
    // What a Deployment controller makes (the embedded cluster has none): a ReplicaSet and its Pod, by owner references.
    const client = rig.h.client;
    if (!client) throw new Error('the harness has no cluster');
    const deployment = await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'drift-lab', name: 'nginx' });
    const owner = (kind: string, obj: { metadata: { name?: string; uid?: string } } | undefined, apiVersion: string) => [{ apiVersion, kind, name: obj?.metadata.name ?? '', uid: obj?.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }];
    const rs = await client.create({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'nginx-5d9c7b', namespace: 'drift-lab', labels: { 'app.kubernetes.io/name': 'nginx' }, ownerReferences: owner('Deployment', deployment, 'apps/v1') },
      spec: { replicas: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'nginx' } }, template: { metadata: { labels: { 'app.kubernetes.io/name': 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } } },
    });
    await client.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'nginx-5d9c7b-x2k4p', namespace: 'drift-lab', labels: { 'app.kubernetes.io/name': 'nginx' }, ownerReferences: owner('ReplicaSet', rs, 'apps/v1') },
      spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox', command: ['/bin/sh', '-c'], args: ['exit 0'] }] },
    });
    await signIn(rig);
  }, 90_000);

  afterAll(async () => {
    await rig?.close();
  });

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail' && page) await page.screenshot({ path: join(ARTIFACTS, `dashboard-failure-${task.name.slice(0, 40).replace(/\W+/g, '-')}.png`), fullPage: true });
  });

  /** `<sync> <health>` as the list's badges say for an application. */
  const badges = async (app: string): Promise<string> => {
    const row = `#applications tr[data-app="${app}"]`;
    return `${await page.getAttribute(`${row} [data-col="sync"] [data-sync]`, 'data-sync')} ${await page.getAttribute(`${row} [data-col="health"] [data-health]`, 'data-health')}`;
  };

  it('should list each application with the sync status and health the API gives, and turn OutOfSync live when a live object drifts', async () => {
    await page.goto(`${rig.server.url}/#/`);
    await page.waitForSelector('#applications tr[data-app="drift-lab"] [data-sync="Synced"]', { timeout: 30_000 });
    const listed = (await api('/applications')).body.items as { name: string; status: { sync: { status: string }; health: { status: string } } }[];
    for (const app of listed) await expect.poll(() => badges(app.name)).toBe(`${app.status.sync.status} ${app.status.health.status}`);
    expect(await badges('drift-lab')).toBe('Synced Healthy');
    expect(await badges('calm-lab')).toBe('Synced Healthy');
    // Never synced: its resources are not in the cluster.
    expect((await badges('idle-lab')).startsWith('OutOfSync ')).toBe(true);

    await page.evaluate("window.hookrunnerMarker = 'same page'");
    await rig.h.client?.mergePatch({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'drift-lab', name: 'nginx' }, { spec: { replicas: 3 } });
    await page.waitForSelector('#applications tr[data-app="drift-lab"] [data-col="sync"] [data-sync="OutOfSync"]', { timeout: 30_000 });
    expect(await page.evaluate('window.hookrunnerMarker')).toBe('same page');
    expect(await badges('calm-lab')).toBe('Synced Healthy');
    await rig.screenshot('dashboard-status-list.png', false);
    expect(rig.errors).toEqual([]);
  });

  it('should draw the resource tree by owner references, each node with its sync status and health', async () => {
    await page.goto(`${rig.server.url}/#/applications/drift-lab`);
    await page.waitForSelector('#tree li[data-kind="Deployment"][data-name="nginx"] > ul > li[data-kind="ReplicaSet"] > ul > li[data-kind="Pod"]', { timeout: 20_000 });
    const nodes = (await api('/applications/drift-lab/resource-tree')).body.nodes as TreeNode[];
    const shown = await page.$$eval('#tree li.tree-item', (lis) => lis.map((li) => `${li.getAttribute('data-kind')} ${li.getAttribute('data-name')} ${li.getAttribute('data-depth')}`).sort());
    expect(shown).toEqual(expectedTree(nodes));
    expect(shown).toEqual(expect.arrayContaining(['Deployment nginx 0', 'ReplicaSet nginx-5d9c7b 1', 'Pod nginx-5d9c7b-x2k4p 2', 'Service nginx 0', 'Job health-check-pre-job 0']));
    // Job → Pod: the hook's pod under its Job.
    expect(await page.$$('#tree li[data-kind="Job"][data-name="health-check-pre-job"] > ul > li[data-kind="Pod"]')).toHaveLength(1);
    for (const node of nodes.filter((n) => n.parentRefs.length === 0 || n.health)) {
      const item = `#tree li[data-kind="${node.kind}"][data-name="${node.name}"] > .tree-node`;
      if (node.status) expect(await page.getAttribute(`${item} [data-sync]`, 'data-sync')).toBe(node.status);
      if (node.health) expect(await page.getAttribute(`${item} [data-health]`, 'data-health')).toBe(node.health.status);
    }
    const deployment = nodes.find((n) => n.kind === 'Deployment');
    expect(deployment?.status).toBe('OutOfSync');
    // When the status was computed, with the browser's zone.
    expect(await page.textContent('[data-fact="RECONCILED AT"] time')).toMatch(new RegExp(` ${ZONE_OFFSET.replace('+', '\\+')}$`));
    await page.locator('#tree').screenshot({ path: join(ARTIFACTS, 'dashboard-tree.png') });
    expect(rig.errors).toEqual([]);
  });

  it("should show the drifted Deployment's diff, lines coloured, per object collapsible, and No differences for an application in sync", async () => {
    await page.goto(`${rig.server.url}/#/applications/drift-lab`);
    const block = '#diff details[data-kind="Deployment"][data-name="nginx"]';
    await page.waitForSelector(`${block}[open] pre.diff`, { timeout: 20_000 });
    const doc = (await api('/applications/drift-lab/diff')).body as { items: { kind: string; name: string; action: string; diff: string }[] };
    const item = doc.items.find((i) => i.kind === 'Deployment' && i.name === 'nginx');
    expect(item?.action).toBe('change');
    expect(await page.$$eval(`${block} pre.diff .dl`, (spans) => spans.map((s) => s.textContent))).toEqual(item?.diff.replace(/\n$/, '').split('\n').map((l) => l || ' '));
    expect(await page.textContent(`${block} pre.diff .dl-del:has-text("replicas")`)).toMatch(/^-\s+replicas: 3$/);
    expect(await page.textContent(`${block} pre.diff .dl-add:has-text("replicas")`)).toMatch(/^\+\s+replicas: 1$/);
    expect(await page.$$eval('#diff details', (ds) => ds.map((d) => `${d.getAttribute('data-kind')}/${d.getAttribute('data-name')}`))).toEqual(doc.items.map((i) => `${i.kind}/${i.name}`));
    await page.locator('#diff').screenshot({ path: join(ARTIFACTS, 'dashboard-diff.png') });
    // Collapsible per object.
    await page.click(`${block} > summary`);
    expect(await page.getAttribute(block, 'open')).toBeNull();
    await page.click(`${block} > summary`);
    expect(await page.getAttribute(block, 'open')).toBe('');

    await page.goto(`${rig.server.url}/#/applications/calm-lab`);
    await page.waitForSelector('#diff .no-diff', { timeout: 20_000 });
    expect((await api('/applications/calm-lab/diff')).body.items).toEqual([]);
    expect(await page.textContent('#diff .no-diff')).toMatch(/^No differences: the cluster matches the source/);
    expect(await page.getAttribute('#tree li[data-kind="Deployment"] > .tree-node [data-sync]', 'data-sync')).toBe('Synced');

    // A drift while the page is open: the application event brings the diff and the tree's new status, without a reload.
    await page.evaluate("window.hookrunnerMarker = 'same page'");
    await rig.h.client?.mergePatch({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'calm-lab', name: 'nginx' }, { spec: { replicas: 2 } });
    await page.waitForSelector('#diff details[data-kind="Deployment"][data-name="nginx"] .dl-del:has-text("replicas: 2")', { timeout: 30_000 });
    await page.waitForSelector('#tree li[data-kind="Deployment"] > .tree-node [data-sync="OutOfSync"]');
    await page.waitForSelector('[data-fact="SYNC STATUS"] [data-sync="OutOfSync"]');
    expect(await page.isHidden('#diff .no-diff')).toBe(true);
    expect(await page.evaluate('window.hookrunnerMarker')).toBe('same page');
    expect(rig.errors).toEqual([]);
  });
});
