/**
 * `hookrunner app …` against a running service: the API on an ephemeral port (real Redis, the
 * dev cluster, step workers, applications from a local bare git repository), and the built CLI
 * run as a process (`node bin/hookrunner app …`) with HOOKRUNNER_SERVER and HOOKRUNNER_API_TOKEN.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenApi } from '../../src/api/index.js';
import type { ApiOperationDocument, ApiServer } from '../../src/api/index.js';
import { sleep } from '../../src/util/index.js';
import { AUTH, TOKEN, labApplication, startApiHarness } from '../api/api-harness.js';
import type { ApiHarness } from '../api/api-harness.js';
import { LAB_PATH, createLabRepo } from '../api/lab-repo.js';
import { jobYaml } from '../helpers/lab.js';
import { createTestRepo } from '../sources/git-fixture.js';
import type { TestRepo } from '../sources/git-fixture.js';
import { spawnApp } from './app-spawn.js';

interface ArgoApp {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: { project: string; source: { repoURL: string; path: string; targetRevision: string }; destination: { namespace: string }; syncPolicy: { syncOptions?: string[] } };
  status: {
    sync: { status: string; revision: string | null };
    health: { status: string };
    resources: { group: string; kind: string; namespace?: string; name: string; status?: string; health?: { status: string } }[];
    operationState?: { phase: string; message: string; startedAt: string; finishedAt?: string; operationId: string; syncResult?: { revision: string; resources: { kind: string; name: string; status: string | null; hookPhase: string | null; syncPhase: string }[] } };
  };
}

describe('hookrunner app against a running service', () => {
  let h: ApiHarness;
  let server: ApiServer;
  let repo: TestRepo;
  let home: string;
  let env: Record<string, string>;
  const app = (...args: string[]) => spawnApp(args, { env });

  beforeAll(async () => {
    h = await startApiHarness({ cluster: true, status: true });
    server = await listenApi({ api: h.api, port: 0, host: '127.0.0.1' });
    repo = await createLabRepo({ preJob: 'echo "Mattermost is up and Running"; sleep 1' });
    home = await mkdtemp(join(tmpdir(), 'hookrunner-app-home-'));
    env = { HOOKRUNNER_SERVER: server.url, HOOKRUNNER_API_TOKEN: TOKEN, HOME: home, TZ: 'UTC', NO_COLOR: '1' };
    for (const name of ['lab', 'broken']) {
      const manifest = labApplication({ repoURL: repo.url, path: LAB_PATH, name, namespace: name });
      const created = await request(h.app).post('/api/v1/applications').set(AUTH).type('application/yaml').send(manifest);
      expect(created.status, JSON.stringify(created.body)).toBe(201);
    }
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await h?.close();
    await repo?.remove();
    if (home) await rm(home, { recursive: true, force: true });
  });

  /** Wait until the server compared the application with the cluster (status.reconciledAt set), and found it `sync` when given. */
  const reconciled = async (name: string, sync?: string): Promise<void> => {
    let last: unknown;
    for (let i = 0; i < 100; i++) {
      const res = await request(h.app).get(`/api/v1/applications/${name}`).set(AUTH);
      const status = (res.body as { status?: { reconciledAt?: string | null; sync: { status: string } } }).status;
      last = status;
      if (status?.reconciledAt && (sync === undefined || status.sync.status === sync)) return;
      await sleep(200);
    }
    throw new Error(`${name} was not compared${sync ? ` as ${sync}` : ''} within 20 s; last status: ${JSON.stringify(last)}`);
  };

  it('should list the applications, never synced (OutOfSync, Missing), as a table and as Argo CD Applications in json', async () => {
    await reconciled('lab');
    const head = await h.cache.resolve({ repoURL: repo.url, targetRevision: 'main' });
    const table = await app('list');
    expect(table.stderr).toBe('');
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+NAMESPACE\s+SYNC STATUS\s+HEALTH STATUS\s+SYNC POLICY\s+REVISION\s+LAST OPERATION$/);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/)[0])).toEqual(['broken', 'lab']);
    expect(lines[2]).toMatch(new RegExp(`^lab\\s+lab\\s+OutOfSync\\s+Missing\\s+Manual\\s+${head.sha.slice(0, 7)}\\s+never synced$`));

    const json = await app('list', '-o', 'json');
    expect(json.code).toBe(0);
    const apps = JSON.parse(json.stdout) as ArgoApp[];
    expect(apps.map((a) => `${a.apiVersion} ${a.kind} ${a.metadata.name}`)).toEqual(['argoproj.io/v1alpha1 Application broken', 'argoproj.io/v1alpha1 Application lab']);
    expect(apps[1]?.spec).toMatchObject({ project: 'default', source: { repoURL: repo.url, path: LAB_PATH, targetRevision: 'main' }, destination: { namespace: 'lab' }, syncPolicy: { syncOptions: ['CreateNamespace=true'] } });
    expect(apps[1]?.status.operationState).toBeUndefined();
    expect(apps[1]?.status).toMatchObject({ sync: { status: 'OutOfSync', revision: head.sha }, health: { status: 'Missing' } });
  });

  it('should sync with --wait: a progress line per change, then the result table; exit 0', async () => {
    const run = await app('sync', 'lab', '--wait');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    // The terminal view's plain lines (stdout is a pipe): the operation's phase, each task's status as it changes.
    expect(run.stdout).toMatch(/^\d\d:\d\d:\d\d {2}op-\S+ {2}Running/m);
    expect(run.stdout).toMatch(/^\d\d:\d\d:\d\d {2}PreSync {2}wave 0 {2}Job lab\/health-check-pre-job {2}Succeeded$/m);
    expect(run.stdout).toMatch(/^PHASE:\s+Succeeded$/m);
    const table = run.stdout.slice(run.stdout.indexOf('SYNC WAVE'));
    expect(table.trimEnd().split('\n').map((l) => l.split(/\s{2,}/).slice(0, 6).join(' | '))).toEqual([
      'SYNC WAVE | PHASE | KIND | NAMESPACE | NAME | STATUS',
      '0 | PreSync | Namespace | - | lab | Synced',
      '0 | PreSync | Job | lab | health-check-pre-job | Succeeded',
      '-2 | Sync | Service | lab | nginx | Synced',
      '-1 | Sync | ServiceAccount | lab | nginx | Synced',
      '0 | Sync | Deployment | lab | nginx | Synced',
      '0 | PostSync | Job | lab | mattermost-post-job-success | Succeeded',
    ]);
    const id = /^OPERATION:\s+(\S+)$/m.exec(run.stdout)?.[1] ?? '';
    expect((await h.engine.store.getOperation(id))?.phase).toBe('Succeeded');
  });

  it('should get the application: summary, last operation, resources; -o json in Argo CD shape with operationState', async () => {
    const [id] = await h.engine.store.history('lab', 1);
    const text = await app('get', 'lab');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Name:\s+lab$/m);
    expect(text.stdout).toMatch(/^Repo:\s+file:\/\//m);
    expect(text.stdout).toMatch(new RegExp(`^Last Operation:\\s+${id} \\(initiated by api\\)$`, 'm'));
    expect(text.stdout).toMatch(/^Phase:\s+Succeeded$/m);
    expect(text.stdout).toMatch(/^Finished At:\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+00:00 \(took /m);
    expect(text.stdout).toMatch(/^GROUP\s+KIND\s+NAMESPACE\s+NAME\s+STATUS\s+HEALTH\s+HOOK\s+MESSAGE$/m);
    expect(text.stdout).toMatch(/^apps\s+Deployment\s+lab\s+nginx\s+Synced\s+Healthy\s/m);
    expect(text.stdout).toMatch(/^batch\s+Job\s+lab\s+health-check-pre-job\s+Succeeded\s+\S+\s+PreSync\s/m);

    const json = await app('get', 'lab', '-o', 'json');
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout) as ArgoApp;
    expect(doc.metadata.name).toBe('lab');
    expect(typeof doc.status.sync.status).toBe('string');
    expect(typeof doc.status.health.status).toBe('string');
    const op = await h.engine.store.getOperation(id ?? '');
    expect(doc.status.operationState).toMatchObject({ phase: 'Succeeded', operationId: id, startedAt: op?.startedAt, finishedAt: op?.finishedAt });
    expect(doc.status.operationState?.syncResult?.revision).toBe(op?.revision);
    expect(doc.status.operationState?.syncResult?.resources.map((r) => `${r.syncPhase} ${r.kind} ${r.name} ${r.hookPhase}`)).toContain('PreSync Job health-check-pre-job Succeeded');

    const yaml = await app('get', 'lab', '-o', 'yaml');
    expect(yaml.stdout).toMatch(/^apiVersion: argoproj.io\/v1alpha1$/m);
  });

  it("should report the status API's Synced and Healthy after the sync (app get, app list)", async () => {
    await reconciled('lab', 'Synced');
    const json = await app('get', 'lab', '-o', 'json');
    const doc = JSON.parse(json.stdout) as ArgoApp;
    expect(doc.status.sync.status).toBe('Synced');
    expect(doc.status.health.status).toBe('Healthy');
    expect(doc.status.sync.revision).toMatch(/^[0-9a-f]{40}$/);
    expect(doc.status.resources).toContainEqual(expect.objectContaining({ group: 'apps', kind: 'Deployment', namespace: 'lab', name: 'nginx', status: 'Synced', health: expect.objectContaining({ status: 'Healthy' }) }));
    const text = await app('get', 'lab');
    expect(text.stdout).toMatch(new RegExp(`^Sync Status:\\s+Synced to main \\(${doc.status.sync.revision?.slice(0, 7)}\\)$`, 'm'));
    expect(text.stdout).toMatch(/^Health Status:\s+Healthy/m);
    const list = await app('list');
    expect(list.stdout).toMatch(new RegExp(`^lab\\s+lab\\s+Synced\\s+Healthy\\s+Manual\\s+${doc.status.sync.revision?.slice(0, 7)}\\s+Succeeded \\d+s ago$`, 'm'));
  });

  it('should diff against the real endpoint: exit 0 right after the sync, 1 with a unified diff once the live Deployment changed', async () => {
    const clean = await app('diff', 'lab');
    expect(clean.stderr).toBe('');
    expect(clean.code).toBe(0);
    expect(clean.stdout).toBe('');
    await h.client?.mergePatch({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'lab', name: 'nginx' }, { spec: { replicas: 3 } });
    const changed = await app('diff', 'lab');
    expect(changed.code).toBe(1);
    expect(changed.stdout).toContain('--- live/apps/Deployment lab/nginx\n+++ desired/apps/Deployment lab/nginx\n');
    expect(changed.stdout).toMatch(/^-\s+replicas: 3$/m);
    expect(changed.stdout).toMatch(/^\+\s+replicas: 1$/m);
    const json = await app('diff', 'lab', '-o', 'json');
    expect(json.code).toBe(1);
    expect((JSON.parse(json.stdout) as { items: { kind: string; action: string }[] }).items.map((i) => `${i.action} ${i.kind}`)).toEqual(['change Deployment']);
  });

  it('should show the history with time zones, and the hook logs of the last operation', async () => {
    const [id] = await h.engine.store.history('lab', 1);
    const history = await app('history', 'lab');
    expect(history.code).toBe(0);
    const lines = history.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+STARTED\s+FINISHED\s+PHASE\s+REVISION\s+INITIATED BY$/);
    expect(lines[1]).toMatch(new RegExp(`^${id}\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\+00:00\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\+00:00\\s+Succeeded\\s+[0-9a-f]{7}\\s+api$`));

    const logs = await app('logs', 'lab');
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/^==> Job lab\/health-check-pre-job \(PreSync, Succeeded\) — pod \S+, container main, exit code 0, reason Completed <==\nMattermost is up and Running\n/m);
    expect(logs.stdout).toContain('The last sync is: Sync OK');
    const one = await app('logs', 'lab', '--hook', 'mattermost-post-job-success', '--operation', id ?? '');
    expect(one.code).toBe(0);
    expect(one.stdout).not.toContain('health-check-pre-job');
    expect(one.stdout).toContain('The last sync is: Sync OK');
    const none = await app('logs', 'lab', '--hook', 'no-such-hook');
    expect(none.code).toBe(4);
    expect(none.stderr).toContain(`ran no hook named no-such-hook (its hooks: health-check-pre-job, mattermost-post-job-success)`);
  });

  it('should start a sync without --wait: the operation id on stdout, exit 0', async () => {
    const run = await app('sync', 'lab');
    expect(run.code).toBe(0);
    const id = run.stdout.trim();
    expect(id).toMatch(/^op-\S+$/);
    expect(run.stderr).toContain(`sync of lab started as operation ${id}`);
    expect((await h.waitFor(id)).phase).toBe('Succeeded');
  });

  it('should exit 1 when the operation fails (a failing PreSync hook), the document on stdout and progress on stderr with -o json', async () => {
    await repo.commit({ [`${LAB_PATH}/pre-job.yaml`]: jobYaml('health-check-pre-job', 'echo "Mattermost is down"; exit 1', { 'argocd.argoproj.io/hook': 'PreSync' }) }, { branch: 'broken' });
    const run = await app('sync', 'broken', '--revision', 'broken', '--wait', '-o', 'json');
    expect(run.code).toBe(1);
    const doc = JSON.parse(run.stdout) as ApiOperationDocument;
    expect(doc.operation.phase).toBe('Failed');
    expect(doc.resources.map((r) => `${r.syncPhase} ${r.name} ${r.displayStatus}`)).toContain('PreSync health-check-pre-job Failed');
    expect(run.stderr).toMatch(/^\d\d:\d\d:\d\d {2}op-\S+ {2}Running/m);
    expect(run.stderr).toMatch(/^\d\d:\d\d:\d\d {2}SyncFail {2}wave 0 {2}Job broken\/mattermost-post-job-failure {2}\S+/m);
    expect(run.stderr).not.toContain('SYNC WAVE');
  });

  it('should confirm a prune that Prune=confirm holds (app confirm), and say when nothing waits', async () => {
    const cm = (name: string, options?: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${options ? `  annotations:\n    argocd.argoproj.io/sync-options: ${options}\n` : ''}data: { a: "1" }\n`;
    const pruneRepo = await createTestRepo({ 'app/keep.yaml': cm('keep'), 'app/old.yaml': cm('old', 'Prune=confirm') });
    try {
      const manifest = `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: { name: pruned }\nspec:\n  source: { repoURL: ${pruneRepo.url}, path: app, targetRevision: main }\n  destination: { namespace: pruned }\n  syncPolicy: { syncOptions: [CreateNamespace=true] }\n`;
      expect((await request(h.app).post('/api/v1/applications').set(AUTH).type('application/yaml').send(manifest)).status).toBe(201);
      expect((await app('sync', 'pruned', '--wait')).code).toBe(0);
      await pruneRepo.commit({ 'app/old.yaml': null });
      const started = await app('sync', 'pruned', '--prune');
      const id = started.stdout.trim();
      await expect.poll(async () => (await h.engine.store.getOperation(id))?.awaitingConfirmation?.kind, { timeout: 30_000 }).toBe('pruning');
      const confirmed = await app('confirm', 'pruned');
      expect(confirmed.code, confirmed.stderr).toBe(0);
      expect(confirmed.stdout).toBe(`operation ${id} of pruned: confirmed the pruning of /ConfigMap/pruned/old; it goes on (Running)\n`);
      expect((await h.waitFor(id)).phase).toBe('Succeeded');
      expect(await h.client?.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'pruned', name: 'old' })).toBeUndefined();
      const nothing = await app('confirm', 'pruned');
      expect(nothing.code).toBe(1);
      expect(nothing.stderr).toBe(`hookrunner app confirm: pruned has no running operation to confirm (the last, ${id}, Succeeded)\n`);
    } finally {
      await pruneRepo.remove();
    }
  });

  it('should delete: refused without --yes off a terminal (exit 2), done with --yes --wait; then get exits 4', async () => {
    const refused = await app('delete', 'broken');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe('hookrunner app delete: deleting broken needs --yes when stdin is not a terminal (nobody can be asked)\n');
    expect(await h.applications.getApplication('broken')).toBeDefined();

    const deleted = await app('delete', 'broken', '--yes', '--wait', '--cascade', 'foreground');
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toMatch(/^PHASE:\s+Succeeded$/m);
    expect(deleted.stderr).toContain('application broken deleted');
    expect(await h.applications.getApplication('broken')).toBeUndefined();
    const gone = await app('get', 'broken');
    expect(gone.code).toBe(4);
    expect(gone.stderr).toBe('hookrunner app get: application broken not found\n');
  });
});
