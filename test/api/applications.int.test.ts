/**
 * The REST API in-process (supertest) against the real Redis and a real orchestrator. No step
 * workers run here, so an operation stays Running after it is started: exactly what the D6
 * (409) and termination cases need. Full runs are in sync-e2e.int.test.ts.
 */
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sleep } from '../../src/util/index.js';
import type { TestRepo } from '../sources/git-fixture.js';
import { AUTH, LAB_APPLICATION, OTHER_TOKEN, TOKEN, labApplication, startApiHarness } from './api-harness.js';
import type { ApiHarness } from './api-harness.js';
import { LAB_PATH, createLabRepo } from './lab-repo.js';
import { createTestRepo } from '../sources/git-fixture.js';
import type { Manifest } from '../../src/manifests/index.js';

describe('the applications API', () => {
  let h: ApiHarness;
  let repo: TestRepo;
  let seq = 0;
  let name: string;
  beforeAll(async () => {
    h = await startApiHarness();
    repo = await createLabRepo();
  });
  afterAll(async () => {
    await h?.close();
    await repo?.remove();
  });
  beforeEach(() => {
    name = `lab-${++seq}`;
  });

  const create = (manifest: string) => request(h.app).post('/api/v1/applications').set(AUTH).type('application/yaml').send(manifest);

  describe('when no token or a wrong token is sent', () => {
    it('should answer 401 problem details without a token, and 403 for a token that is not accepted', async () => {
      const none = await request(h.app).get('/api/v1/applications');
      expect(none.status).toBe(401);
      expect(none.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(none.headers['www-authenticate']).toBe('Bearer realm="hookrunner"');
      expect(none.body).toMatchObject({ type: 'urn:hookrunner:problem:unauthenticated', title: 'Unauthorized', status: 401, instance: '/api/v1/applications' });
      expect((await request(h.app).get('/api/v1/applications').set('Authorization', 'Basic dXNlcjpwYXNz')).status).toBe(401);
      const wrong = await request(h.app).get('/api/v1/applications').set('Authorization', 'Bearer not-the-right-token-at-all');
      expect(wrong.status).toBe(403);
      expect(wrong.body.detail).toBe('the API token is not accepted');
    });

    it('should accept each configured token', async () => {
      expect((await request(h.app).get('/api/v1/applications').set(AUTH)).status).toBe(200);
      expect((await request(h.app).get('/api/v1/applications').set('Authorization', `Bearer ${OTHER_TOKEN}`)).status).toBe(200);
    });

    it('should guard every /api/v1 route, sync and events included', async () => {
      for (const [method, path] of [['post', '/api/v1/applications/x/sync'], ['get', '/api/v1/events'], ['get', '/api/v1/operations/x'], ['delete', '/api/v1/applications/x']] as const) {
        expect((await request(h.app)[method](path)).status, `${method} ${path}`).toBe(401);
      }
    });
  });

  describe('when the lab Application manifest is posted', () => {
    it('should create it unchanged (YAML with tabs and comments) → 201 and list it', async () => {
      const res = await create(LAB_APPLICATION);
      expect(res.status).toBe(201);
      expect(res.headers['location']).toBe('/api/v1/applications/app-sync-phase-1');
      expect(res.body).toMatchObject({ name: 'app-sync-phase-1', destination: { namespace: 'app-sync-phases' }, syncPolicy: { syncOptions: ['CreateNamespace=true'] } });
      expect(res.body.manifest.spec.project).toBe('default');
      const list = await request(h.app).get('/api/v1/applications').set(AUTH);
      expect(list.body.items.map((a: { name: string }) => a.name)).toContain('app-sync-phase-1');
      expect((await create(LAB_APPLICATION)).status).toBe(409);
    });

    it('should take the same manifest as JSON', async () => {
      const res = await request(h.app)
        .post('/api/v1/applications')
        .set(AUTH)
        .send({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name }, spec: { destination: { namespace: 'ns-json' }, source: { repoURL: repo.url, path: LAB_PATH } } });
      expect(res.status).toBe(201);
      expect(res.body.source).toEqual({ repoURL: repo.url, path: LAB_PATH, targetRevision: 'HEAD' });
    });
  });

  describe('when the same application is posted twice at once', () => {
    it('should create it once: 201 for one, 409 for the other (C7: check-then-write let both win)', async () => {
      // Hold every lookup until both requests have made one, so a check-then-write route would see "absent" twice.
      let arrived = 0;
      let release = (): void => undefined;
      const bothArrived = new Promise<void>((resolve) => (release = resolve));
      const giveUp = new AbortController();
      const racing = await startApiHarness({
        wrapApplications: (store) => ({
          ...store,
          async getApplication(app) {
            if (++arrived >= 2) release();
            await Promise.race([bothArrived, sleep(2_000, giveUp.signal).catch(() => undefined)]);
            return store.getApplication(app);
          },
        }),
      });
      try {
        const manifest = labApplication({ repoURL: repo.url, name: 'twice', path: LAB_PATH });
        const post = () => request(racing.app).post('/api/v1/applications').set(AUTH).type('application/yaml').send(manifest);
        const statuses = (await Promise.all([post(), post()])).map((r) => r.status).sort();
        expect(statuses).toEqual([201, 409]);
      } finally {
        giveUp.abort();
        await racing.close();
      }
    });
  });

  describe('when a bad manifest is posted', () => {
    it('should answer 400 naming the field', async () => {
      const res = await create(LAB_APPLICATION.replace(/ {4}namespace: app-sync-phases.*\n/, ''));
      expect(res.status).toBe(400);
      expect(res.body.detail).toBe('spec.destination.namespace is required');
      expect(res.body.errors).toEqual([{ field: 'spec.destination.namespace', message: 'is required' }]);
    });

    it('should name every field at fault', async () => {
      const res = await create(LAB_APPLICATION.replace('https://github.com/entermix123/ArgoCD-Labs.git', 'not a url').replace('name: app-sync-phase-1', 'name: Bad_Name'));
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['metadata.name', 'spec.source.repoURL']);
    });

    it('should say where YAML is broken, refuse other content types, several documents and oversized bodies', async () => {
      const broken = await create('apiVersion: argoproj.io/v1alpha1\nkind: [Application\n');
      expect(broken.status).toBe(400);
      expect(broken.body.detail).toMatch(/not valid YAML \(line \d+\)/);
      const two = await create(`${LAB_APPLICATION}---\n${LAB_APPLICATION}`);
      expect(two.body.detail).toBe('the body holds 2 YAML documents; send one');
      const form = await request(h.app).post('/api/v1/applications').set(AUTH).type('form').send('a=b');
      expect(form.status).toBe(415);
      const huge = await create(`${LAB_APPLICATION}\n# ${'x'.repeat(1024 * 1024)}\n`);
      expect(huge.status).toBe(413);
      expect(huge.headers['content-type']).toMatch(/^application\/problem\+json/);
    });

    it('should answer hostile bodies with 400, never a crash or a 500 (issue 14: 1–2)', async () => {
      const errorsBefore = h.logs.filter((l) => l.includes('"level":50')).length;
      // 2 KB of nested flow sequences used to take the process out of memory on the second request.
      const deep = '['.repeat(1000) + ']'.repeat(1000);
      for (let i = 0; i < 2; i++) {
        const res = await create(deep);
        expect(res.status).toBe(400);
        expect(res.body.detail).toBe('the body nests [ ] or { } more than 64 levels deep (line 1); no manifest does');
      }
      const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`)].join('\n');
      const bomb = await create(laughs);
      expect(bomb.status).toBe(400);
      expect(bomb.body.detail).toMatch(/^the body is not acceptable YAML: Excessive alias count/);
      const json = await request(h.app).post('/api/v1/applications').set(AUTH).type('application/json').send(`{"apiVersion":"argoproj.io/v1alpha1","kind":"Application","metadata":{"name":"x"},"spec":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`);
      expect(json.status).toBe(400);
      const gzip = await request(h.app).post('/api/v1/applications').set(AUTH).set('Content-Type', 'application/yaml').set('Content-Encoding', 'gzip').send('not gzip at all');
      expect(gzip.status).toBe(400);
      expect(gzip.body.detail).toBe('the body does not decode as its Content-Encoding says: incorrect header check');
      expect((await request(h.app).get('/api/v1/applications').set(AUTH)).status).toBe(200);
      expect(h.logs.filter((l) => l.includes('"level":50')).length).toBe(errorsBefore);
    });

    it('should refuse a PUT whose metadata.name differs from the URL', async () => {
      const res = await request(h.app).put(`/api/v1/applications/${name}`).set(AUTH).type('application/yaml').send(labApplication({ repoURL: repo.url, name: 'other' }));
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([{ field: 'metadata.name', message: `must be "${name}", the name in the URL` }]);
    });
  });

  describe('when an application is replaced, read and deleted', () => {
    it('should create with PUT (201), replace with PUT (200) keeping createdAt, and start its deletion as an operation (202; 400 for a bad cascade, 409 while one runs)', async () => {
      const first = await request(h.app).put(`/api/v1/applications/${name}`).set(AUTH).type('application/yaml').send(labApplication({ repoURL: repo.url, name }));
      expect(first.status).toBe(201);
      const second = await request(h.app).put(`/api/v1/applications/${name}`).set(AUTH).type('application/yaml').send(labApplication({ repoURL: repo.url, name, targetRevision: 'dev' }));
      expect(second.status).toBe(200);
      expect(second.body.createdAt).toBe(first.body.createdAt);
      const got = await request(h.app).get(`/api/v1/applications/${name}`).set(AUTH);
      expect(got.body).toMatchObject({ name, source: { targetRevision: 'dev' }, lastOperation: null });
      // A deletion reads the source for its PreDelete/PostDelete hooks: an unknown revision is refused, the app kept.
      const noBranch = await request(h.app).delete(`/api/v1/applications/${name}`).set(AUTH);
      expect(noBranch.status).toBe(422);
      expect(noBranch.body.detail).toMatch(/revision "dev" not found/);
      expect((await request(h.app).put(`/api/v1/applications/${name}`).set(AUTH).type('application/yaml').send(labApplication({ repoURL: repo.url, name, path: LAB_PATH }))).status).toBe(200);
      const bad = await request(h.app).delete(`/api/v1/applications/${name}?cascade=all`).set(AUTH);
      expect(bad.status).toBe(400);
      expect(bad.body.errors).toEqual([{ field: 'cascade', message: 'must be one of foreground, background, orphan' }]);
      const deleting = await request(h.app).delete(`/api/v1/applications/${name}?cascade=background`).set(AUTH);
      expect(deleting.status, JSON.stringify(deleting.body)).toBe(202);
      expect(deleting.headers['location']).toBe(`/api/v1/operations/${deleting.body.operation.id}`);
      expect((await h.engine.store.getOperation(deleting.body.operation.id))?.spec).toMatchObject({ deletion: { cascade: 'background' }, prune: true, createNamespace: false });
      const again = await request(h.app).delete(`/api/v1/applications/${name}`).set(AUTH);
      expect(again.status).toBe(409);
      // No workers here: the record stays until the deletion succeeds (test/api/sync-e2e.int.test.ts runs one).
      expect((await request(h.app).get(`/api/v1/applications/${name}`).set(AUTH)).status).toBe(200);
      const gone = await request(h.app).get(`/api/v1/applications/${name}-nope`).set(AUTH);
      expect(gone.status).toBe(404);
      expect(gone.body.detail).toBe(`application ${name}-nope not found`);
    });
  });

  describe('when a sync is requested', () => {
    it('should fetch the branch, answer 202 with the operation document (revision = commit sha), and 409 naming it for a second sync (D6)', async () => {
      expect((await create(labApplication({ repoURL: repo.url, name, path: LAB_PATH }))).status).toBe(201);
      const head = await h.cache.resolve({ repoURL: repo.url, targetRevision: 'main' });
      const res = await request(h.app).post(`/api/v1/applications/${name}/sync`).set(AUTH).send({});
      expect(res.status).toBe(202);
      expect(res.body.operation).toMatchObject({ app: name, phase: 'Running', revision: head.sha, initiatedBy: 'api', finishedAt: null });
      expect(res.headers['location']).toBe(`/api/v1/operations/${res.body.operation.id}`);
      const op = await h.engine.store.getOperation(res.body.operation.id);
      expect(op?.spec).toMatchObject({ namespace: 'app-sync-phases', createNamespace: true, prune: false, revision: head.sha });
      // The record keeps no manifests: they are stored once under their own key (issue 14).
      expect(op?.spec.manifests).toEqual([]);
      const stored = JSON.parse((await h.engine.bus.redis.get(op?.spec.manifestsKey ?? '')) ?? '[]') as Manifest[];
      expect(stored.map((m) => m.source.file)).toContain(`${LAB_PATH}/pre-job.yaml`);

      const again = await request(h.app).post(`/api/v1/applications/${name}/sync`).set(AUTH);
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ type: 'urn:hookrunner:problem:operation-running', runningOperation: res.body.operation.id });
      expect(again.body.detail).toBe(`application ${name} already has a running operation: ${res.body.operation.id}`);
      expect((await request(h.app).delete(`/api/v1/applications/${name}`).set(AUTH)).status).toBe(409);

      const doc = await request(h.app).get(`/api/v1/operations/${res.body.operation.id}`).set(AUTH);
      expect(doc.status).toBe(200);
      expect(doc.body.operation.id).toBe(res.body.operation.id);
      const history = await request(h.app).get(`/api/v1/applications/${name}/operations`).set(AUTH);
      expect(history.body.items.map((o: { id: string }) => o.id)).toEqual([res.body.operation.id]);
      const listed = await request(h.app).get(`/api/v1/applications/${name}`).set(AUTH);
      expect(listed.body.lastOperation).toMatchObject({ id: res.body.operation.id, phase: 'Running' });

      const terminated = await request(h.app).post(`/api/v1/operations/${res.body.operation.id}/terminate`).set(AUTH);
      expect(terminated.status).toBe(202);
      expect(terminated.body.operation.phase).toBe('Terminating');
    });

    it('should sync a requested revision (a tag) and pass dryRun, prune and the selected resources through', async () => {
      await repo.tag(`t-${name}`);
      expect((await create(labApplication({ repoURL: repo.url, name, path: LAB_PATH }))).status).toBe(201);
      const tagged = await h.cache.resolve({ repoURL: repo.url, targetRevision: `t-${name}` });
      const resources = [{ group: '', kind: 'Service', namespace: name, name: 'nginx' }];
      const res = await request(h.app).post(`/api/v1/applications/${name}/sync`).set(AUTH).send({ revision: `t-${name}`, dryRun: true, prune: true, resources });
      expect(res.status).toBe(202);
      const op = await h.engine.store.getOperation(res.body.operation.id);
      expect(op?.spec).toMatchObject({ revision: tagged.sha, dryRun: true, prune: true, resources });
    });

    it('should name the field for a bad sync body, an unknown revision, branch or path', async () => {
      expect((await create(labApplication({ repoURL: repo.url, name, path: LAB_PATH }))).status).toBe(201);
      const bad = await request(h.app).post(`/api/v1/applications/${name}/sync`).set(AUTH).send({ dryrun: true, prune: 'yes' });
      expect(bad.status).toBe(400);
      expect(bad.body.errors).toEqual(expect.arrayContaining([{ field: 'dryrun', message: 'is not a sync option (revision, prune, dryRun, resources)' }, { field: 'prune', message: 'must be a boolean' }]));
      const selected = await request(h.app)
        .post(`/api/v1/applications/${name}/sync`)
        .set(AUTH)
        .send({ resources: [{ group: 'apps', kind: 'Deployment', name: 'Web' }, { group: '', kind: 'Service', name: 'nginx', version: 'v1' }] });
      expect(selected.status).toBe(400);
      expect(selected.body.errors).toEqual([
        { field: 'resources[0].name', message: '"Web" is not an object name' },
        { field: 'resources[1].version', message: 'is not a field of a resource (group, kind, namespace, name)' },
      ]);
      const empty = await request(h.app).post(`/api/v1/applications/${name}/sync`).set(AUTH).send({ resources: [] });
      expect(empty.body.errors).toEqual([{ field: 'resources', message: 'must list at least one resource (omit it to sync everything)' }]);
      const rev = await request(h.app).post(`/api/v1/applications/${name}/sync`).set(AUTH).send({ revision: 'no-such-branch' });
      expect(rev.status).toBe(422);
      expect(rev.body.errors[0].field).toBe('revision');
      expect(rev.body.detail).toMatch(/revision "no-such-branch" not found .* \(branches: main\)/);

      const other = `${name}-b`;
      expect((await create(labApplication({ repoURL: repo.url, name: other, path: 'apps/missing' }))).status).toBe(201);
      const path = await request(h.app).post(`/api/v1/applications/${other}/sync`).set(AUTH);
      expect(path.status).toBe(422);
      expect(path.body.errors[0]).toMatchObject({ field: 'spec.source.path' });
      expect(path.body.detail).toContain('path "apps/missing" does not exist');

      const missingRepo = `${name}-c`;
      expect((await create(labApplication({ repoURL: `${repo.url}-nope`, name: missingRepo, path: LAB_PATH }))).status).toBe(201);
      const unknown = await request(h.app).post(`/api/v1/applications/${missingRepo}/sync`).set(AUTH);
      expect(unknown.status).toBe(422);
      expect(unknown.body.errors[0].field).toBe('spec.source.repoURL');
    });

    it('should refuse a sync whose repository holds a manifest file over the size limit, naming it, and start nothing (issue 14)', async () => {
      const big = await createTestRepo({ 'apps/big/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: small }\n', 'apps/big/huge.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: huge }\ndata:\n  blob: "${'x'.repeat(2 * 1024 * 1024)}"\n` });
      try {
        const app = `${name}-big`;
        expect((await create(labApplication({ repoURL: big.url, name: app, path: 'apps/big' }))).status).toBe(201);
        const res = await request(h.app).post(`/api/v1/applications/${app}/sync`).set(AUTH);
        expect(res.status).toBe(422);
        expect(res.body.errors).toEqual([{ field: 'spec.source.path', message: expect.stringMatching(/^apps\/big\/huge\.yaml: 2 MiB \(\d+ bytes\), over the manifest file limit of 1 MiB \(HOOKRUNNER_MAX_MANIFEST_FILE_SIZE/) }]);
        expect(await h.engine.store.history(app)).toEqual([]);
      } finally {
        await big.remove();
      }
    });

    it('should answer 404 for an unknown application or operation', async () => {
      expect((await request(h.app).post('/api/v1/applications/nope/sync').set(AUTH)).status).toBe(404);
      expect((await request(h.app).get('/api/v1/operations/op-nope').set(AUTH)).status).toBe(404);
      expect((await request(h.app).post('/api/v1/operations/op-nope/terminate').set(AUTH)).status).toBe(404);
    });
  });

  describe('when requests are logged', () => {
    it('should echo a request id, log it with method, path and status, and never log a token', async () => {
      const res = await request(h.app).get('/api/v1/applications').set(AUTH).set('X-Request-Id', 'req-abc-123');
      expect(res.headers['x-request-id']).toBe('req-abc-123');
      const line = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l['reqId'] === 'req-abc-123');
      expect(line).toMatchObject({ msg: 'request', method: 'GET', path: '/api/v1/applications', status: 200 });
      expect(h.logs.join('\n')).not.toContain(TOKEN);
      expect(h.logs.join('\n')).not.toContain(OTHER_TOKEN);
      const generated = await request(h.app).get('/healthz');
      expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });
  });
});
