/** `POST /api/v1/webhooks/git` against the real Redis and orchestrator (no workers: started operations stay Running, so later pushes are queued behind them). */
import { createHmac } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeadlineExceededError, sleep } from '../../src/util/index.js';
import type { TestRepo } from '../sources/git-fixture.js';
import { createApi } from '../../src/api/index.js';
import { AUTH, TOKEN, labApplication, startApiHarness } from './api-harness.js';
import type { ApiHarness } from './api-harness.js';
import { LAB_PATH, createLabRepo } from './lab-repo.js';

const SECRET = 'webhook-secret-0123456789';

function githubPush(input: { repoURL: string; branch: string; after: string }): Buffer {
  return Buffer.from(
    JSON.stringify({
      ref: `refs/heads/${input.branch}`,
      before: '0'.repeat(40),
      after: input.after,
      repository: { full_name: 'org/lab', clone_url: input.repoURL, html_url: 'https://git.example.com/org/lab', default_branch: 'main' },
      pusher: { name: 'dev' },
    }),
  );
}
const signature = (body: Buffer, secret = SECRET): string => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
const byApp = (items: { app: string }[]): { app: string }[] => [...items].sort((a, b) => (a.app < b.app ? -1 : 1));

/** Read until `ok` holds (syncs start in the background), or fail saying what was last read. */
async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string, timeoutMs = 10_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() - started > timeoutMs) throw new DeadlineExceededError(what, Date.now() - started, JSON.stringify(value));
    await sleep(20);
  }
}

describe('git webhooks', () => {
  let h: ApiHarness;
  let repo: TestRepo;
  let other: TestRepo;
  const history = async (app: string): Promise<string[]> => h.engine.store.history(app);

  beforeAll(async () => {
    h = await startApiHarness({ webhookSecret: SECRET });
    repo = await createLabRepo();
    await repo.commit({ 'dev.txt': 'dev\n' }, { branch: 'dev' });
    other = await createLabRepo();
    const apps = [
      labApplication({ repoURL: repo.url, name: 'auto-main', path: LAB_PATH, automated: true }),
      labApplication({ repoURL: `${repo.url}/`, name: 'auto-head', path: LAB_PATH, targetRevision: 'HEAD', automated: true }),
      labApplication({ repoURL: repo.url, name: 'manual-main', path: LAB_PATH }),
      labApplication({ repoURL: repo.url, name: 'auto-dev', path: LAB_PATH, targetRevision: 'dev', automated: true }),
      labApplication({ repoURL: other.url, name: 'auto-other', path: LAB_PATH, automated: true }),
    ];
    for (const manifest of apps) expect((await request(h.app).post('/api/v1/applications').set(AUTH).type('application/yaml').send(manifest)).status).toBe(201);
  });
  afterAll(async () => {
    await h?.close();
    await repo?.remove();
    await other?.remove();
  });

  // A string, so supertest sends the signed bytes as they are (a Buffer would be serialised as JSON).
  const post = (body: Buffer, headers: Record<string, string>) => request(h.app).post('/api/v1/webhooks/git').set({ 'Content-Type': 'application/json', ...headers }).send(body.toString('utf8'));

  it('should answer 401 to a bad or missing signature and start nothing (no bearer token needed)', async () => {
    const body = githubPush({ repoURL: repo.url, branch: 'main', after: 'a'.repeat(40) });
    const bad = await post(body, { 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': signature(body, 'not-the-secret') });
    expect(bad.status).toBe(401);
    expect(bad.body.detail).toBe('webhook rejected: X-Hub-Signature-256 does not match the body');
    expect((await post(body, { 'X-GitHub-Event': 'push' })).status).toBe(401);
    expect((await post(body, { 'X-Gitlab-Event': 'Push Hook', 'X-Gitlab-Token': 'wrong' })).status).toBe(401);
    for (const app of ['auto-main', 'auto-head', 'manual-main', 'auto-dev', 'auto-other']) expect(await history(app)).toEqual([]);
  });

  it('should answer a GitHub ping', async () => {
    const body = Buffer.from(JSON.stringify({ zen: 'Keep it logically awesome.' }));
    const res = await post(body, { 'X-GitHub-Event': 'ping', 'X-Hub-Signature-256': signature(body) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ provider: 'github', event: 'ping', ok: true });
  });

  it('should answer 202 at once naming the matching automated applications (HEAD = default branch), start their syncs in the background, and queue them while they run (D6)', async () => {
    const head = await h.cache.resolve({ repoURL: repo.url, targetRevision: 'main' });
    const body = githubPush({ repoURL: repo.url, branch: 'main', after: head.sha });
    const res = await post(body, { 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': signature(body) });
    expect(res.status).toBe(202);
    expect(byApp(res.body.applications)).toEqual([
      { app: 'auto-head', status: 'starting' },
      { app: 'auto-main', status: 'starting' },
    ]);
    const [mainOp] = await eventually(() => history('auto-main'), (ids) => ids.length === 1, 'the auto-main sync');
    const [headOp] = await eventually(() => history('auto-head'), (ids) => ids.length === 1, 'the auto-head sync');
    const op = await h.engine.store.getOperation(mainOp ?? '');
    expect(op?.revision).toBe(head.sha);
    expect(op?.spec.initiatedBy).toBe('webhook (github push to refs/heads/main)');
    expect(op?.spec.retry).toEqual({ limit: 5 }); // §10.3: automated syncs retry 5 times unless the app says otherwise
    expect(await history('manual-main')).toEqual([]);
    expect(await history('auto-dev')).toEqual([]);
    expect(await history('auto-other')).toEqual([]);

    // Issue 14 item 7: the same push again (same repository, ref and commit) joins the operation it started.
    const same = await post(body, { 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': signature(body) });
    expect(same.status).toBe(202);
    expect(byApp(same.body.applications)).toEqual([
      { app: 'auto-head', status: 'duplicate', operation: headOp, firstRequest: res.headers['x-request-id'] },
      { app: 'auto-main', status: 'duplicate', operation: mainOp, firstRequest: res.headers['x-request-id'] },
    ]);

    // C4: a push of another commit while the syncs run is no longer dropped with a 409: it is queued (in Redis) behind them.
    const next = githubPush({ repoURL: repo.url, branch: 'main', after: 'f'.repeat(40) });
    const again = await post(next, { 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': signature(next) });
    expect(again.status).toBe(202);
    expect(byApp(again.body.applications)).toEqual([
      { app: 'auto-head', status: 'queued', runningOperation: headOp },
      { app: 'auto-main', status: 'queued', runningOperation: mainOp },
    ]);
    expect((await h.engine.bus.redis.smembers(`${h.prefix}:applications:resync`)).sort()).toEqual(['auto-head', 'auto-main']);
    expect(await history('auto-main')).toHaveLength(1);
  });

  it('should start one operation for 10 identical pushes at once, on two replicas sharing Redis, and a new one for another commit (issue 14 item 7)', async () => {
    const app = labApplication({ repoURL: other.url, name: 'auto-burst', path: LAB_PATH, automated: true });
    expect((await request(h.app).post('/api/v1/applications').set(AUTH).type('application/yaml').send(app)).status).toBe(201);
    // A second `serve` replica: its own API (and auto-sync) over the same Redis.
    const replica = createApi({ store: h.engine.store, applications: h.engine.applications, orchestrator: h.engine.orchestrator as NonNullable<typeof h.engine.orchestrator>, sources: h.cache, tokens: [TOKEN], webhookSecret: SECRET });
    try {
      const head = await h.cache.resolve({ repoURL: other.url, targetRevision: 'main' });
      const body = githubPush({ repoURL: other.url, branch: 'main', after: head.sha });
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => request(i % 2 === 0 ? h.app : replica.app).post('/api/v1/webhooks/git').set({ 'Content-Type': 'application/json', 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': signature(body) }).send(body.toString('utf8'))));
      expect(answers.map((a) => a.status)).toEqual(Array(10).fill(202));
      const outcomes = answers.map((a) => (a.body.applications as { app: string; status: string; operation?: string }[]).find((o) => o.app === 'auto-burst'));
      expect(outcomes.filter((o) => o?.status === 'starting')).toHaveLength(1);
      expect(outcomes.filter((o) => o?.status === 'duplicate')).toHaveLength(9);
      const [op] = await eventually(() => history('auto-burst'), (ids) => ids.length === 1, 'the auto-burst sync');
      // Every duplicate that waited for it names the operation it joined.
      for (const o of outcomes) if (o?.status === 'duplicate' && o.operation !== undefined) expect(o.operation).toBe(op);
      expect(await h.engine.bus.redis.sismember(`${h.prefix}:applications:resync`, 'auto-burst')).toBe(0); // nothing queued behind it
      expect(await history('auto-burst')).toEqual([op]);

      // Another commit is another push, not a duplicate: queued behind the running operation, it
      // starts a new one when that ends (no workers here; the C4 test above follows that path).
      const next = githubPush({ repoURL: other.url, branch: 'main', after: '1'.repeat(40) });
      const res = await post(next, { 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': signature(next) });
      expect(res.body.applications).toContainEqual({ app: 'auto-burst', status: 'queued', runningOperation: op });
      expect(await h.engine.bus.redis.sismember(`${h.prefix}:applications:resync`, 'auto-burst')).toBe(1);
    } finally {
      await replica.close();
    }
  });

  it('should answer 405 with Allow: POST to other methods, before any authentication', async () => {
    for (const method of ['get', 'put', 'delete', 'patch'] as const) {
      const res = await request(h.app)[method]('/api/v1/webhooks/git');
      expect(res.status, method).toBe(405);
      expect(res.headers['allow']).toBe('POST');
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 405, type: 'urn:hookrunner:problem:method-not-allowed' });
    }
  });

  it('should accept a GitLab push with the secret token and sync the application on that branch', async () => {
    const body = Buffer.from(JSON.stringify({ object_kind: 'push', ref: 'refs/heads/dev', after: 'b'.repeat(40), project: { git_http_url: repo.url, default_branch: 'main' } }));
    const res = await post(body, { 'X-Gitlab-Event': 'Push Hook', 'X-Gitlab-Token': SECRET });
    expect(res.status).toBe(202);
    expect(res.body.applications).toEqual([{ app: 'auto-dev', status: 'starting' }]);
    await eventually(() => history('auto-dev'), (ids) => ids.length === 1, 'the auto-dev sync');
  });

  it('should log a sync that cannot start in the background (the answer has gone already)', async () => {
    const body = githubPush({ repoURL: repo.url, branch: 'no-such-branch', after: 'd'.repeat(40) });
    const app = labApplication({ repoURL: repo.url, name: 'auto-gone', path: LAB_PATH, targetRevision: 'no-such-branch', automated: true });
    expect((await request(h.app).post('/api/v1/applications').set(AUTH).type('application/yaml').send(app)).status).toBe(201);
    const res = await post(body, { 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': signature(body) });
    expect(res.status).toBe(202);
    expect(res.body.applications).toEqual([{ app: 'auto-gone', status: 'starting' }]);
    const logged = await eventually(
      async () => h.logs.filter((l) => l.includes('automated sync of auto-gone could not start')),
      (lines) => lines.length > 0,
      'the failure in the log',
    );
    expect(logged[0]).toContain('revision \\"no-such-branch\\" not found');
    expect(await history('auto-gone')).toEqual([]);
  });

  it('should name a missing field of a signed payload', async () => {
    const body = Buffer.from(JSON.stringify({ repository: { clone_url: repo.url } }));
    const res = await post(body, { 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': signature(body) });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'ref', message: 'is required in a push event' }]);
  });

  it('should answer before the repository is fetched: GitHub gives up after 10 s (C4: the answer waited for git)', async () => {
    let release = (): void => undefined;
    const fetched = new Promise<void>((resolve) => (release = resolve));
    const held = await startApiHarness({ webhookSecret: SECRET, api: {
        sources: {
          async load(source) {
            await fetched;
            return h.cache.load(source);
          },
        },
      }, });
    try {
      const app = labApplication({ repoURL: repo.url, name: 'auto-held', path: LAB_PATH, automated: true });
      expect((await request(held.app).post('/api/v1/applications').set(AUTH).type('application/yaml').send(app)).status).toBe(201);
      const body = githubPush({ repoURL: repo.url, branch: 'main', after: 'e'.repeat(40) });
      const answer = request(held.app).post('/api/v1/webhooks/git').set({ 'Content-Type': 'application/json', 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': signature(body) }).send(body.toString('utf8'));
      const giveUp = new AbortController();
      const first = await Promise.race([answer.then((r) => r), sleep(10_000, giveUp.signal).then(() => 'no answer while the fetch is held', () => undefined)]);
      giveUp.abort();
      expect(first).toMatchObject({ status: 202, body: { applications: [{ app: 'auto-held', status: 'starting' }] } });
      expect(await held.engine.store.history('auto-held')).toEqual([]);
      release();
      await eventually(() => held.engine.store.history('auto-held'), (ids) => ids.length === 1, 'the auto-held sync');
    } finally {
      release();
      await held.close();
    }
  });

  it('should be off (404) without HOOKRUNNER_WEBHOOK_SECRET', async () => {
    const off = await startApiHarness();
    try {
      const body = githubPush({ repoURL: repo.url, branch: 'main', after: 'c'.repeat(40) });
      const res = await request(off.app).post('/api/v1/webhooks/git').set({ 'Content-Type': 'application/json', 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': signature(body) }).send(body.toString('utf8'));
      expect(res.status).toBe(404);
      expect(res.body.type).toBe('urn:hookrunner:problem:webhooks-disabled');
    } finally {
      await off.close();
    }
  });
});
