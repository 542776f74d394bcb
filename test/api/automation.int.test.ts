/**
 * Automated sync driven by application status (docs/semantics.md §17.4), on both backends: an
 * automated application syncs when created; with `selfHeal` a live edit is undone after the
 * debounce, and a loop of edits stops self-heal with a SelfHealLoop condition; git polling picks
 * up a new commit without any webhook.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperationSummary } from '../../src/api/index.js';
import { testBackends } from '../helpers/backends.js';
import type { Kubectl } from '../helpers/kubectl.js';
import { createTestRepo } from '../sources/git-fixture.js';
import type { TestRepo } from '../sources/git-fixture.js';
import { AUTH, startApiHarness } from './api-harness.js';
import type { ApiHarness } from './api-harness.js';
import { configMap, kubectlFor, scaleWeb, statusApplication, statusRepoFiles, statusUntil } from './status-fixtures.js';

const SELF_HEAL_MS = 1_000;
/** An automated application's first sync, started when it was created (or by the poller, when it read the new application first). */
const FIRST_SYNC = /^automated: (application created|git poll \(every 1s\)): new revision [0-9a-f]{7} \(never synced\)$/;

async function operations(h: ApiHarness, app: string): Promise<OperationSummary[]> {
  const res = await request(h.app).get(`/api/v1/applications/${app}/operations`).set(AUTH);
  return (res.body as { items: OperationSummary[] }).items;
}

/** Wait for an operation of `app` whose initiatedBy matches, and for it to finish. */
async function operationBy(h: ApiHarness, app: string, initiatedBy: RegExp, timeoutMs = 90_000, revision?: string): Promise<OperationSummary> {
  const started = Date.now();
  for (;;) {
    const op = (await operations(h, app)).find((o) => initiatedBy.test(o.initiatedBy) && (revision === undefined || o.revision === revision));
    if (op) {
      const done = await h.waitFor(op.id, timeoutMs);
      return { ...op, phase: done.phase, finishedAt: done.finishedAt ?? null };
    }
    if (Date.now() - started > timeoutMs) throw new Error(`no operation of ${app} initiated by ${initiatedBy} within ${timeoutMs} ms; have: ${(await operations(h, app)).map((o) => o.initiatedBy).join(' | ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each(testBackends())('automated sync (%s backend)', (backend) => {
  let h: ApiHarness;
  let healRepo: TestRepo;
  let pollRepo: TestRepo;
  let kubectl: Kubectl;
  let removeKubectl: (() => Promise<void>) | undefined;
  const ns = `auto-${backend}`;

  beforeAll(async () => {
    h = await startApiHarness({
      cluster: backend,
      status: true,
      api: { status: { gitPollIntervalMs: 1_000, selfHeal: { timeoutMs: SELF_HEAL_MS, factor: 2, loopLimit: 2, loopWindowMs: 300_000 } } },
    });
    healRepo = await createTestRepo(statusRepoFiles());
    pollRepo = await createTestRepo(statusRepoFiles());
    ({ kubectl, remove: removeKubectl } = await kubectlFor(h));
  }, 180_000);

  afterAll(async () => {
    await h?.close();
    await healRepo?.remove();
    await pollRepo?.remove();
    await removeKubectl?.();
  });

  const scale = (replicas: number): Promise<string> => scaleWeb(kubectl, backend, ns, replicas);
  const liveReplicas = async (): Promise<number> => Number(await kubectl.ok(['get', 'deployment/web', '-n', ns, '-o', 'jsonpath={.spec.replicas}']));

  it('should sync an automated application once it is created, saying what started it', async () => {
    const created = await request(h.app).post('/api/v1/applications').set(AUTH).type('application/yaml').send(statusApplication({ name: 'healer', repoURL: healRepo.url, namespace: ns, automated: '{ selfHeal: true }' }));
    expect(created.status).toBe(201);
    // The poller (every 1 s) may read the new application first: then it names the trigger.
    const first = await operationBy(h, 'healer', FIRST_SYNC);
    expect(first.phase).toBe('Succeeded');
    await statusUntil(h, 'healer', (s) => s.sync.status === 'Synced', 'Synced after the automated sync');
  }, 120_000);

  it('should undo a live edit (selfHeal) after the debounce, syncing only the drifted Deployment', async () => {
    const editedAt = Date.now();
    await scale(3);
    await statusUntil(h, 'healer', (s) => s.sync.status === 'OutOfSync', 'OutOfSync after the edit');
    const heal = await operationBy(h, 'healer', /^automated: self-heal #1 \(Deployment [\w-]+\/web drifted from [0-9a-f]{7}\)$/);
    expect(heal.phase).toBe('Succeeded');
    // Not before the debounce: the edit is seen by the watch, then self-heal waits SELF_HEAL_MS.
    expect(Date.parse(heal.startedAt) - editedAt).toBeGreaterThanOrEqual(SELF_HEAL_MS);
    const doc = (await request(h.app).get(`/api/v1/operations/${heal.id}`).set(AUTH)).body as { resources: { kind: string; name: string }[] };
    expect(doc.resources.map((r) => `${r.kind}/${r.name}`)).toEqual(['Deployment/web']); // selective: no hooks, not the ConfigMap
    await statusUntil(h, 'healer', (s) => s.sync.status === 'Synced', 'Synced after self-heal');
    expect(await liveReplicas()).toBe(1);
  }, 120_000);

  it('should stop self-heal with a SelfHealLoop condition when the edits keep coming back', async () => {
    await scale(4);
    const second = await operationBy(h, 'healer', /^automated: self-heal #2 /);
    expect(second.phase).toBe('Succeeded');
    await statusUntil(h, 'healer', (s) => s.sync.status === 'Synced', 'Synced after the second self-heal');
    const lastEdit = Date.now();
    await scale(5);
    const stopped = await statusUntil(h, 'healer', (s) => s.conditions.some((c) => c.type === 'SelfHealLoop'), 'a SelfHealLoop condition');
    expect(stopped.sync.status).toBe('OutOfSync');
    // Stopped for this edit (after its debounce), not for a moment of OutOfSync right after the second self-heal.
    expect(Date.parse(stopped.conditions.find((c) => c.type === 'SelfHealLoop')?.lastTransitionTime ?? '')).toBeGreaterThanOrEqual(lastEdit + SELF_HEAL_MS);
    expect(stopped.conditions.find((c) => c.type === 'SelfHealLoop')?.message).toMatch(/^self-heal stopped: Deployment [\w-]+\/web drifted again after each of 2 self-heal syncs within 5m/);
    // Longer than the next self-heal would have waited (2 s): nothing more starts.
    await new Promise((r) => setTimeout(r, SELF_HEAL_MS * 3));
    expect((await operations(h, 'healer')).filter((o) => o.initiatedBy.includes('self-heal'))).toHaveLength(2);
    expect(await liveReplicas()).toBe(5);
  }, 120_000);

  it('should pick up a new commit by git polling, without a webhook', async () => {
    const created = await request(h.app).post('/api/v1/applications').set(AUTH).type('application/yaml').send(statusApplication({ name: 'polled', repoURL: pollRepo.url, namespace: `${ns}-poll`, automated: '{ prune: true }' }));
    expect(created.status).toBe(201);
    const first = await operationBy(h, 'polled', FIRST_SYNC);
    expect(first.phase).toBe('Succeeded');
    const sha = await pollRepo.commit({ 'app/config.yaml': configMap('b') }, { message: 'mode b' });
    const polled = await operationBy(h, 'polled', /^automated: git poll \(every 1s\): new revision/, 90_000, sha);
    expect(polled.revision).toBe(sha);
    expect(polled.initiatedBy).toBe(`automated: git poll (every 1s): new revision ${sha.slice(0, 7)} (last synced ${first.revision.slice(0, 7)})`);
    expect(polled.phase).toBe('Succeeded');
    const status = await statusUntil(h, 'polled', (s) => s.sync.status === 'Synced' && s.sync.revision === sha, 'Synced at the new commit');
    expect(status.resources.find((r) => r.kind === 'ConfigMap')?.status).toBe('Synced');
    expect(await kubectl.ok(['get', 'configmap/settings', '-n', `${ns}-poll`, '-o', 'jsonpath={.data.mode}'])).toBe('b');
  }, 120_000);
});
