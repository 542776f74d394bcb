/** `hookrunner serve`: the API listens on --port with the engine behind it; it refuses to start without a token; with a cluster it keeps application status. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startDevCluster } from '../../src/devcluster/index.js';
import type { ApplicationStatus } from '../../src/status/index.js';
import { createTestRepo } from '../sources/git-fixture.js';
import { configMap, statusApplication, statusRepoFiles } from './status-fixtures.js';
import { main } from '../../src/cli/main.js';
import { freePort } from '../../src/engine/index.js';
import { REDIS_URL, cleanPrefix, testPrefix } from '../helpers/redis.js';
import { TOKEN } from './api-harness.js';
import { waitUntilUp } from '../helpers/http.js';

function capture() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: { write: (s: string) => (out.stdout += s), isTTY: false }, stderr: { write: (s: string) => (out.stderr += s) } } };
}


describe('hookrunner serve', () => {
  const prefixes: string[] = [];
  afterEach(async () => {
    for (const p of prefixes.splice(0)) await cleanPrefix(p);
  });

  it('should refuse to start without HOOKRUNNER_API_TOKEN, naming it', async () => {
    const { out, io } = capture();
    const code = await main(['serve', '--port', '1'], { ...io, env: { REDIS_URL } });
    expect(code).toBe(2);
    expect(out.stderr).toContain('HOOKRUNNER_API_TOKEN is not set');
  });

  it('should refuse to start with an invalid project file or an undefined default project, naming them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hookrunner-serve-projects-'));
    const prefix = testPrefix();
    prefixes.push(prefix);
    try {
      await writeFile(join(dir, 'team.yaml'), 'apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata:\n  name: team\nspec:\n  roles: []\n');
      const bad = capture();
      const env = { REDIS_URL, HOOKRUNNER_API_TOKEN: TOKEN, HOOKRUNNER_PREFIX: prefix };
      expect(await main(['serve', '--port', String(await freePort()), '--projects-dir', dir], { ...bad.io, env })).toBe(2);
      expect(bad.out.stderr).toContain(`${join(dir, 'team.yaml')}: document 1: spec.roles is not supported`);
      await rm(join(dir, 'team.yaml'));
      const missing = capture();
      expect(await main(['serve', '--port', String(await freePort()), '--projects-dir', dir], { ...missing.io, env: { ...env, HOOKRUNNER_DEFAULT_PROJECT: 'team' } })).toBe(2);
      expect(missing.out.stderr).toContain('the default project team is not defined');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('should refuse a short token without showing it', async () => {
    const { out, io } = capture();
    const code = await main(['serve', '--port', '1'], { ...io, env: { REDIS_URL, HOOKRUNNER_API_TOKEN: 'short-secret' } });
    expect(code).toBe(2);
    expect(out.stderr).toContain('HOOKRUNNER_API_TOKEN: the token is shorter than 16 characters');
    expect(out.stderr).not.toContain('short-secret');
  });

  it('should listen on --port: probes, 401 without a token, 200 with one, metrics; and stop on shutdown', async () => {
    const port = await freePort();
    const prefix = testPrefix();
    prefixes.push(prefix);
    const controller = new AbortController();
    const { out, io } = capture();
    const running = main(['serve', '--port', String(port), '--host', '127.0.0.1'], {
      ...io,
      env: { REDIS_URL, HOOKRUNNER_API_TOKEN: `${TOKEN},another-token-0123456789`, HOOKRUNNER_PREFIX: prefix, HOOKRUNNER_WEBHOOK_SECRET: 'serve-webhook-secret' },
      shutdown: controller.signal,
    });
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitUntilUp(url);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      expect((await fetch(`${url}/api/v1/applications`)).status).toBe(401);
      const ok = await fetch(`${url}/api/v1/applications`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ items: [] });
      // §18: without --projects-dir, the built-in narrow default project refuses server paths.
      const local = await fetch(`${url}/api/v1/applications`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/yaml' }, body: statusApplication({ name: 'local', repoURL: 'file:///etc', namespace: 'served' }) });
      expect(local.status).toBe(422);
      expect(((await local.json()) as { errors: unknown[] }).errors).toEqual([{ field: 'spec.source.repoURL', message: "application repo file:///etc is not permitted in project 'default'" }]);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toContain('hookrunner_queue_depth{queue="steps",state="waiting"} 0');
      expect(metrics).toContain('hookrunner_process_cpu_seconds_total');
      const page = await fetch(`${url}/`);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    } finally {
      controller.abort();
    }
    expect(await running).toBe(0);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    const logs = out.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logs.find((l) => l['msg'] === 'API listening')).toMatchObject({ url, tokens: 2, webhooks: true });
    expect(logs.some((l) => l['msg'] === 'request' && l['path'] === '/api/v1/applications' && l['status'] === 401)).toBe(true);
    expect(out.stderr).not.toContain(TOKEN);
    expect(out.stderr).not.toContain('serve-webhook-secret');
    expect(logs.some((l) => String(l['msg']).startsWith('no cluster connection, so application status is off'))).toBe(true);
  });

  it('should compare applications with the cluster of --kubeconfig (status from watches, in --watch-namespace; git polling at --git-poll-interval)', async () => {
    const dev = await startDevCluster({ port: 0 });
    const dir = await mkdtemp(join(tmpdir(), 'hookrunner-serve-status-'));
    const repo = await createTestRepo(statusRepoFiles());
    const port = await freePort();
    const prefix = testPrefix();
    prefixes.push(prefix);
    const controller = new AbortController();
    const { out, io } = capture();
    await dev.writeKubeconfig(join(dir, 'kubeconfig'));
    // §18: the install's project for file:// repositories, named the default project.
    await mkdir(join(dir, 'projects'));
    await writeFile(join(dir, 'projects', 'local.yaml'), 'apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata:\n  name: local\nspec:\n  sourceRepos: ["file://**"]\n  destinations: [{ name: in-cluster, namespace: served }]\n');
    const running = main(['serve', '--port', String(port), '--host', '127.0.0.1', '--kubeconfig', join(dir, 'kubeconfig'), '--git-poll-interval', '1s', '--watch-namespace', 'served', '--projects-dir', join(dir, 'projects'), '--default-project', 'local'], {
      ...io,
      env: { REDIS_URL, HOOKRUNNER_API_TOKEN: TOKEN, HOOKRUNNER_PREFIX: prefix },
      shutdown: controller.signal,
    });
    const url = `http://127.0.0.1:${port}`;
    const auth = { Authorization: `Bearer ${TOKEN}` };
    try {
      await waitUntilUp(url);
      const created = await fetch(`${url}/api/v1/applications`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/yaml' }, body: statusApplication({ name: 'served', repoURL: repo.url, namespace: 'served', project: 'local' }) });
      expect(created.status).toBe(201);
      const statusOf = async (): Promise<ApplicationStatus> => ((await (await fetch(`${url}/api/v1/applications/served`, { headers: auth })).json()) as { status: ApplicationStatus }).status;
      await expect.poll(async () => (await statusOf()).sync.status, { timeout: 30_000 }).toBe('OutOfSync');
      const first = (await statusOf()).sync.revision;
      const sha = await repo.commit({ 'app/config.yaml': configMap('b') });
      // No webhook: the poller reads the new commit.
      await expect.poll(async () => (await statusOf()).sync.revision, { timeout: 30_000 }).toBe(sha);
      expect(first).not.toBe(sha);
    } finally {
      controller.abort();
      expect(await running).toBe(0);
      await dev.stop();
      await repo.remove();
      await rm(dir, { recursive: true, force: true });
    }
    expect(out.stderr).toContain('application status started');
  }, 60_000);
});
