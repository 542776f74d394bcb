/**
 * The API end to end: the real Redis, the dev cluster over HTTP, the Kubernetes adapter, the
 * orchestrator and step workers, with applications read from local bare git repositories.
 */
import { createHmac } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenApi } from '../../src/api/index.js';
import { orderedResults } from '../../src/sync/index.js';
import type { Operation } from '../../src/sync/index.js';
import { DeadlineExceededError, sleep } from '../../src/util/index.js';
import type { ApiOperationDocument, ApiServer } from '../../src/api/index.js';
import type { TestRepo } from '../sources/git-fixture.js';
import { AUTH, labApplication, startApiHarness } from './api-harness.js';
import type { ApiHarness } from './api-harness.js';
import { LAB_PATH, createLabRepo } from './lab-repo.js';
import { openSse } from './sse-client.js';

const SECRET = 'e2e-webhook-secret-0123';
const rows = (doc: ApiOperationDocument): string[] => doc.resources.map((r) => `${r.syncPhase} ${r.wave} ${r.kind} ${r.name} ${r.displayStatus}`);
const configMap = (value: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\n  annotations:\n    argocd.argoproj.io/sync-wave: "1"\ndata:\n  version: ${value}\n`;

const orderedKinds = (op: Operation): string[] => orderedResults(op).map((r) => `${r.syncPhase} ${r.kind}`);

describe('the API end to end (dev cluster, workers, git)', () => {
  let h: ApiHarness;
  let repo: TestRepo;
  beforeAll(async () => {
    h = await startApiHarness({ cluster: true, webhookSecret: SECRET });
    repo = await createLabRepo({ preJob: 'echo "Mattermost is up and Running at revision $HOOKRUNNER_REVISION"' }, { [`${LAB_PATH}/config.yaml`]: configMap('v1') });
  });
  afterAll(async () => {
    await h?.close();
    await repo?.remove();
  });

  const create = async (manifest: string): Promise<void> => {
    const res = await request(h.app).post('/api/v1/applications').set(AUTH).type('application/yaml').send(manifest);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  };
  const sync = async (app: string, body: Record<string, unknown> = {}): Promise<string> => {
    const res = await request(h.app).post(`/api/v1/applications/${app}/sync`).set(AUTH).send(body);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return res.body.operation.id as string;
  };
  /** The id of the application's first operation, once the background start has made it. */
  const nthOperation = async (app: string, count: number): Promise<string> => {
    const started = Date.now();
    for (;;) {
      const ids = await h.engine.store.history(app);
      if (ids.length >= count) return ids[0] as string;
      if (Date.now() - started > 20_000) throw new DeadlineExceededError(`operation ${count} of ${app}`, Date.now() - started, `${ids.length} operations`);
      await sleep(50);
    }
  };
  const firstOperation = (app: string): Promise<string> => nthOperation(app, 1);
  const signedPush = (body: string) =>
    request(h.app)
      .post('/api/v1/webhooks/git')
      .set({ 'Content-Type': 'application/json', 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` })
      .send(body);
  const document = async (id: string): Promise<ApiOperationDocument> => (await request(h.app).get(`/api/v1/operations/${id}`).set(AUTH)).body as ApiOperationDocument;
  const configVersion = async (namespace: string): Promise<unknown> => (await h.client?.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: 'app-config' }))?.['data'];

  it('should create the lab Application from a local bare repository and sync it to Succeeded, with hook logs (§12.2, D4)', async () => {
    await create(labApplication({ repoURL: repo.url, path: LAB_PATH }));
    const head = await h.cache.resolve({ repoURL: repo.url, targetRevision: 'main' });
    const id = await sync('app-sync-phase-1');
    const op = await h.waitFor(id);
    expect(op.phase, op.message).toBe('Succeeded');
    const doc = await document(id);
    expect(doc.operation).toMatchObject({ phase: 'Succeeded', revision: head.sha, initiatedBy: 'api' });
    expect(rows(doc)).toEqual([
      'PreSync 0 Namespace app-sync-phases Synced',
      'PreSync 0 Job health-check-pre-job Succeeded',
      'Sync -2 Service nginx Synced',
      'Sync -1 ServiceAccount nginx Synced',
      'Sync 0 Deployment nginx Synced',
      'Sync 1 ConfigMap app-config Synced',
      'PostSync 0 Job mattermost-post-job-success Succeeded',
    ]);
    const pre = doc.resources.find((r) => r.name === 'health-check-pre-job');
    expect(pre?.logs?.[0]?.log).toContain(`Mattermost is up and Running at revision ${head.sha}`);
    expect(doc.resources.find((r) => r.kind === 'Deployment')?.health?.status).toBe('Healthy');
    expect(await configVersion('app-sync-phases')).toEqual({ version: 'v1' });
    const terminate = await request(h.app).post(`/api/v1/operations/${id}/terminate`).set(AUTH);
    expect(terminate.status).toBe(409);
    const listed = await request(h.app).get('/api/v1/applications/app-sync-phase-1').set(AUTH);
    expect(listed.body.lastOperation).toMatchObject({ id, phase: 'Succeeded', revision: head.sha });
  });

  it('should delete an application: its resources go, the record goes once the deletion succeeded (§11)', async () => {
    await create(labApplication({ repoURL: repo.url, path: LAB_PATH, name: 'doomed', namespace: 'doomed-ns' }));
    expect((await h.waitFor(await sync('doomed'))).phase).toBe('Succeeded');
    expect(await configVersion('doomed-ns')).toEqual({ version: 'v1' });
    const res = await request(h.app).delete('/api/v1/applications/doomed').set(AUTH);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const op = await h.waitFor(res.body.operation.id as string);
    expect(op.phase, op.message).toBe('Succeeded');
    // The highest wave first (§11): the ConfigMap (1), the Deployment and the hook Jobs kept from the sync (0), the ServiceAccount (-1), the Service (-2).
    expect(op.plan?.map((t) => `${t.phase} ${t.kind}`)).toEqual(['Delete ConfigMap', 'Delete Deployment', 'Delete Job', 'Delete Job', 'Delete ServiceAccount', 'Delete Service']);
    expect(orderedKinds(op).sort()).toEqual(['Delete ConfigMap', 'Delete Deployment', 'Delete Job', 'Delete Job', 'Delete Service', 'Delete ServiceAccount']);
    expect(await configVersion('doomed-ns')).toBeUndefined();
    const started = Date.now();
    while ((await request(h.app).get('/api/v1/applications/doomed').set(AUTH)).status !== 404) {
      if (Date.now() - started > 10_000) throw new Error('the application record was not removed after its deletion succeeded');
      await sleep(50);
    }
  });

  it('should keep an application whose PreDelete hook fails, with its resources, and say why (§11)', async () => {
    const hook = `apiVersion: batch/v1\nkind: Job\nmetadata: { name: backup, annotations: { argocd.argoproj.io/hook: PreDelete } }\nspec: { backoffLimit: 0, template: { spec: { restartPolicy: Never, containers: [{ name: main, image: busybox, command: [sh, -c, 'echo backup target unreachable; exit 3'] }] } } }\n`;
    await repo.commit({ 'guarded/app.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: app-config }\ndata: { version: v1 }\n---\n${hook}` }, { message: 'guarded app' });
    await create(labApplication({ repoURL: repo.url, path: 'guarded', name: 'guarded', namespace: 'guarded-ns' }));
    expect((await h.waitFor(await sync('guarded'))).phase).toBe('Succeeded');
    const res = await request(h.app).delete('/api/v1/applications/guarded').set(AUTH);
    expect(res.status).toBe(202);
    const op = await h.waitFor(res.body.operation.id as string);
    expect(op.phase).toBe('Failed');
    expect(op.message).toContain('Job backup');
    const doc = await document(op.id);
    expect(doc.operation.kind).toBe('deletion');
    expect(doc.resources.find((r) => r.name === 'backup')?.logs?.[0]?.log).toContain('backup target unreachable');
    expect(await configVersion('guarded-ns')).toEqual({ version: 'v1' });
    const app = await request(h.app).get('/api/v1/applications/guarded').set(AUTH);
    expect(app.status).toBe(200);
    expect(app.body.lastOperation).toMatchObject({ id: op.id, phase: 'Failed' });
  });

  it('should hold a prune of a Prune=confirm object as waiting until POST …/confirm, then prune it (§9.1)', async () => {
    const cm = (name: string, options = ''): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${options ? `  annotations: { argocd.argoproj.io/sync-options: ${options} }\n` : ''}data: { k: v }\n`;
    await repo.commit({ 'confirm/keep.yaml': cm('keep'), 'confirm/old.yaml': cm('old', 'Prune=confirm') }, { message: 'confirm app' });
    await create(labApplication({ repoURL: repo.url, path: 'confirm', name: 'confirm-app', namespace: 'confirm-ns' }));
    expect((await h.waitFor(await sync('confirm-app'))).phase).toBe('Succeeded');
    await repo.commit({ 'confirm/old.yaml': null }, { message: 'drop old' });
    const id = await sync('confirm-app', { prune: true });
    const early = await request(h.app).post(`/api/v1/operations/${id}/confirm`).set(AUTH);
    const started = Date.now();
    let doc = await document(id);
    while (!doc.operation.awaitingConfirmation) {
      if (Date.now() - started > 15_000) throw new Error(`the operation did not wait for a confirmation: ${doc.operation.phase} ${doc.operation.message}`);
      await sleep(50);
      doc = await document(id);
    }
    // Before the operation reached the prune, there was nothing to confirm.
    if (early.status !== 202) expect(early.body.detail).toBe(`operation ${id} is not waiting for a confirmation`);
    expect(doc.operation).toMatchObject({ phase: 'Running', message: 'waiting for pruning confirmation of /ConfigMap/old', awaitingConfirmation: { kind: 'pruning', resources: ['/ConfigMap/confirm-ns/old'] } });
    expect(await h.client?.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'confirm-ns', name: 'old' })).toBeDefined();
    const confirmed = await request(h.app).post(`/api/v1/operations/${id}/confirm`).set(AUTH);
    expect(confirmed.status).toBe(202);
    const op = await h.waitFor(id);
    expect(op.phase, op.message).toBe('Succeeded');
    expect(op.confirmed?.by).toBe('api');
    expect(await h.client?.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'confirm-ns', name: 'old' })).toBeUndefined();
    const again = await request(h.app).post(`/api/v1/operations/${id}/confirm`).set(AUTH);
    expect(again.status).toBe(409);
  });

  it('should apply a pushed commit on the next sync: the new sha is the revision', async () => {
    await create(labApplication({ repoURL: repo.url, path: LAB_PATH, name: 'push-app', namespace: 'push-ns' }));
    const first = await h.waitFor(await sync('push-app'));
    expect(first.phase, first.message).toBe('Succeeded');
    expect(await configVersion('push-ns')).toEqual({ version: 'v1' });
    const pushed = await repo.commit({ [`${LAB_PATH}/config.yaml`]: configMap('v2') }, { message: 'v2' });
    const second = await h.waitFor(await sync('push-app'));
    expect(second.phase, second.message).toBe('Succeeded');
    expect(second.revision).toBe(pushed);
    expect(second.revision).not.toBe(first.revision);
    expect(await configVersion('push-ns')).toEqual({ version: 'v2' });
    const history = await request(h.app).get('/api/v1/applications/push-app/operations').set(AUTH);
    expect(history.body.items.map((o: { revision: string }) => o.revision)).toEqual([pushed, first.revision]);
  });

  it('should answer 409 naming the running operation to a concurrent sync (D6), and stream task changes until Succeeded', async () => {
    const slow = await createLabRepo({ preJob: 'sleep 1; echo slow check done' });
    let server: ApiServer | undefined;
    try {
      await create(labApplication({ repoURL: slow.url, path: LAB_PATH, name: 'slow-app', namespace: 'slow-ns' }));
      // The harness owns the API (its close() ends the streams and background syncs); this server only lends it a port.
      server = await listenApi({ api: { app: h.api.app, close: () => Promise.resolve() }, port: 0, host: '127.0.0.1' });
      const stream = await openSse(`${server.url}/api/v1/events?app=slow-app`, AUTH);
      await stream.waitFor((e) => e.event === 'ready', 'the ready event');
      const id = await sync('slow-app');
      const second = await request(h.app).post('/api/v1/applications/slow-app/sync').set(AUTH);
      expect(second.status).toBe(409);
      expect(second.body.runningOperation).toBe(id);
      expect(second.body.detail).toBe(`application slow-app already has a running operation: ${id}`);
      const done = await stream.waitFor((e) => e.event === 'operation' && (e.data as { operation: { phase: string } }).operation.phase === 'Succeeded', 'the Succeeded operation event');
      expect((done.data as { operation: { id: string } }).operation.id).toBe(id);
      const tasks = stream.events.filter((e) => e.event === 'task').map((e) => e.data as { resource: { name: string; displayStatus: string } });
      expect(tasks.filter((t) => t.resource.name === 'health-check-pre-job').map((t) => t.resource.displayStatus)).toEqual(expect.arrayContaining(['Running', 'Succeeded']));
      stream.close();
    } finally {
      await server?.close();
      await slow.remove();
    }
  });

  it('should sync only the matching automated applications on a signed push, to Succeeded', async () => {
    await create(labApplication({ repoURL: repo.url, path: LAB_PATH, name: 'hook-main', namespace: 'hook-main', automated: true }));
    await create(labApplication({ repoURL: repo.url, path: LAB_PATH, name: 'hook-dev', namespace: 'hook-dev', targetRevision: 'dev', automated: true }));
    await create(labApplication({ repoURL: repo.url, path: LAB_PATH, name: 'hook-manual', namespace: 'hook-manual' }));
    const pushed = await repo.commit({ [`${LAB_PATH}/config.yaml`]: configMap('v3') }, { message: 'v3' });
    const body = JSON.stringify({ ref: 'refs/heads/main', after: pushed, repository: { clone_url: repo.url, default_branch: 'main' } });
    const bad = await request(h.app).post('/api/v1/webhooks/git').set({ 'Content-Type': 'application/json', 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': 'sha256=00' }).send(body);
    expect(bad.status).toBe(401);
    const res = await request(h.app)
      .post('/api/v1/webhooks/git')
      .set({ 'Content-Type': 'application/json', 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` })
      .send(body);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    // app-sync-phase-1 and push-app follow main but are not automated.
    expect(res.body.applications).toEqual([{ app: 'hook-main', status: 'starting' }]);
    const op = await h.waitFor(await firstOperation('hook-main'));
    expect(op.phase, op.message).toBe('Succeeded');
    expect(op.revision).toBe(pushed);
    expect(await configVersion('hook-main')).toEqual({ version: 'v3' });
    expect(await h.engine.store.history('hook-dev')).toEqual([]);
    expect(await h.engine.store.history('hook-manual')).toEqual([]);
  });
  it('should sync again after the running operation when a push arrives during it (C4: the push was answered 409 and dropped)', async () => {
    const slow = await createLabRepo({ preJob: 'sleep 1; echo slow check done' });
    try {
      await create(labApplication({ repoURL: slow.url, path: LAB_PATH, name: 'resync-app', namespace: 'resync-ns', automated: true }));
      const first = await sync('resync-app');
      const pushed = await slow.commit({ [`${LAB_PATH}/config.yaml`]: configMap('v9') }, { message: 'v9' });
      const res = await signedPush(JSON.stringify({ ref: 'refs/heads/main', after: pushed, repository: { clone_url: slow.url, default_branch: 'main' } }));
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      expect(res.body.applications).toEqual([{ app: 'resync-app', status: 'queued', runningOperation: first }]);
      const firstDone = await h.waitFor(first);
      expect(firstDone.phase, firstDone.message).toBe('Succeeded');
      expect(firstDone.revision).not.toBe(pushed);
      // The end of the first operation starts the queued sync, at the pushed commit.
      const second = await nthOperation('resync-app', 2);
      expect(second).not.toBe(first);
      const secondDone = await h.waitFor(second);
      expect(secondDone.phase, secondDone.message).toBe('Succeeded');
      expect(secondDone.revision).toBe(pushed);
      expect(secondDone.spec.initiatedBy).toBe(`webhook (a push arrived while ${first} ran)`);
      expect(await configVersion('resync-ns')).toEqual({ version: 'v9' });
      expect(await h.engine.bus.redis.sismember(`${h.prefix}:applications:resync`, 'resync-app')).toBe(0);
    } finally {
      await slow.remove();
    }
  });
});
