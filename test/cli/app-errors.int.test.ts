/**
 * `hookrunner app …` when things go wrong, against a running service: tokens that are missing or
 * refused (never printed), a server that is not there, bad input checked before and by the
 * server, the config file and its permissions, a second sync while one runs (D6), Ctrl-C and
 * the --timeout of --wait (the operation goes on), and terminate.
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenApi } from '../../src/api/index.js';
import type { ApiServer } from '../../src/api/index.js';
import { AUTH, TOKEN, labApplication, startApiHarness } from '../api/api-harness.js';
import type { ApiHarness } from '../api/api-harness.js';
import { LAB_PATH, createLabRepo } from '../api/lab-repo.js';
import type { TestRepo } from '../sources/git-fixture.js';
import { spawnApp } from './app-spawn.js';

const WRONG_TOKEN = 'wrong-token-0123456789abcdef';

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('hookrunner app when things go wrong', () => {
  let h: ApiHarness;
  let server: ApiServer;
  let repo: TestRepo;
  let home: string;
  let base: Record<string, string>;
  const app = (args: string[], env: Record<string, string> = { HOOKRUNNER_SERVER: server.url, HOOKRUNNER_API_TOKEN: TOKEN }) => spawnApp(args, { env: { ...base, ...env } });

  beforeAll(async () => {
    h = await startApiHarness({ cluster: true });
    server = await listenApi({ api: h.api, port: 0, host: '127.0.0.1' });
    repo = await createLabRepo({ preJob: 'sleep 60' });
    home = await mkdtemp(join(tmpdir(), 'hookrunner-app-home-'));
    base = { HOME: home, TZ: 'UTC', NO_COLOR: '1' };
    const created = await request(h.app).post('/api/v1/applications').set(AUTH).type('application/yaml').send(labApplication({ repoURL: repo.url, path: LAB_PATH, name: 'slow', namespace: 'slow' }));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await h?.close();
    await repo?.remove();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('should exit 5 when the token is missing or refused, and never print the token (not even with --verbose)', async () => {
    const refused = await app(['list', '--verbose'], { HOOKRUNNER_SERVER: server.url, HOOKRUNNER_API_TOKEN: WRONG_TOKEN });
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain(`hookrunner app list: GET ${server.url}/api/v1/applications → 403`);
    expect(refused.stderr).toContain(`hookrunner app list: the API token is not accepted by ${server.url} (HTTP 403)`);
    const flag = await app(['get', 'slow', '--token', WRONG_TOKEN], { HOOKRUNNER_SERVER: server.url });
    expect(flag.code).toBe(5);
    for (const run of [refused, flag]) expect(run.stdout + run.stderr).not.toContain(WRONG_TOKEN);

    const missing = await app(['list'], { HOOKRUNNER_SERVER: server.url });
    expect(missing.code).toBe(5);
    expect(missing.stderr).toBe(`hookrunner app list: ${server.url} wants an API token (HTTP 401): give one with --token, HOOKRUNNER_API_TOKEN or "token:" in the config file\n`);
  });

  it('should exit 3 naming the server when nothing answers, after retrying the GET; exit 2 without a server or with a bad one', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const down = await app(['list', '-v'], { HOOKRUNNER_SERVER: url, HOOKRUNNER_API_TOKEN: TOKEN });
    expect(down.code).toBe(3);
    expect(down.stderr.match(/→ .*ECONNREFUSED/g)).toHaveLength(4);
    expect(down.stderr).toMatch(new RegExp(`hookrunner app list: cannot reach ${url}: connect ECONNREFUSED`));
    expect(down.stderr).not.toContain(TOKEN);

    const none = await app(['list'], { HOOKRUNNER_API_TOKEN: TOKEN });
    expect(none.code).toBe(2);
    expect(none.stderr).toBe(`hookrunner app list: no server: pass --server URL, set HOOKRUNNER_SERVER, or put "server: URL" in ${home}/.config/hookrunner/config.yaml\n`);
    const ftp = await app(['list', '--server', 'ftp://example.com']);
    expect(ftp.code).toBe(2);
    expect(ftp.stderr).toBe('hookrunner app list: --server must be an http:// or https:// URL such as https://hookrunner.example.com, got "ftp://example.com"\n');
  });

  it('should exit 2 for invalid input, before (naming the flag) and from the server (its problem detail); 4 for an unknown app', async () => {
    const selector = await app(['sync', 'slow', '--resource', 'Deployment/web']);
    expect(selector.code).toBe(2);
    expect(selector.stderr).toContain("option '--resource <GROUP:KIND:[NAMESPACE/]NAME>' argument 'Deployment/web' is invalid");
    const name = await app(['get', 'Not_An_App']);
    expect(name.code).toBe(2);
    expect(name.stderr).toContain('NAME must be an application name');
    const revision = await app(['sync', 'slow', '--revision', 'no-such-branch']);
    expect(revision.code).toBe(2);
    expect(revision.stderr).toMatch(/^hookrunner app sync: .*no-such-branch/);
    const unknown = await app(['sync', 'nope']);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toBe('hookrunner app sync: application nope not found\n');
  });

  it('should read server and token from the config file, and refuse a token others can read', async () => {
    const dir = join(home, '.config', 'hookrunner');
    await mkdir(dir, { recursive: true });
    const file = join(dir, 'config.yaml');
    await writeFile(file, `server: ${server.url}\ntoken: ${TOKEN}\n`, { mode: 0o600 });
    await chmod(file, 0o600);
    try {
      const ok = await app(['list'], {});
      expect(ok.stderr).toBe('');
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(/^slow\s/m);
      const flagWins = await app(['list', '--token', WRONG_TOKEN], {});
      expect(flagWins.code).toBe(5);

      await chmod(file, 0o644);
      const open = await app(['list'], {});
      expect(open.code).toBe(2);
      expect(open.stderr).toBe(`hookrunner app list: ${file} holds a token and is readable by group or others (mode 0644); run: chmod 600 ${file}\n`);
      const envToken = await app(['list'], { HOOKRUNNER_API_TOKEN: TOKEN });
      expect(envToken.code).toBe(0);
      expect(envToken.stderr).toContain('warning: ');
      expect(open.stdout + open.stderr + envToken.stderr).not.toContain(TOKEN);
    } finally {
      await rm(file, { force: true });
    }
  });

  it('should stop following on Ctrl-C (exit 130) while the operation goes on; refuse a second sync (exit 1); terminate it', async () => {
    let interrupted = false;
    const run = await spawnApp(['sync', 'slow', '--wait'], {
      env: { ...base, HOOKRUNNER_SERVER: server.url, HOOKRUNNER_API_TOKEN: TOKEN },
      onOutput: (child, out) => {
        // Once: a second Ctrl-C kills the process, as usual.
        if (!interrupted && /Job slow\/health-check-pre-job {2}Running/.test(out.stdout)) interrupted = child.kill('SIGINT');
      },
    });
    expect(run.code).toBe(130);
    const [id] = await h.engine.store.history('slow', 1);
    expect(run.stderr).toBe(`hookrunner app sync: stopped following; operation ${id} goes on on the server (hookrunner app terminate slow stops it)\n`);
    expect((await h.engine.store.getOperation(id ?? ''))?.phase).toBe('Running');

    const second = await app(['sync', 'slow']);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(id);

    const busy = await spawnApp(['delete', 'slow', '--yes', '--wait', '--timeout', '1s'], { env: { ...base, HOOKRUNNER_SERVER: server.url, HOOKRUNNER_API_TOKEN: TOKEN } });
    expect(busy.code).toBe(1); // 409: the sync still runs

    const terminated = await app(['terminate', 'slow']);
    expect(terminated.code).toBe(0);
    expect(terminated.stdout).toMatch(new RegExp(`^operation ${id} of slow: (Terminating|Failed)`));
    expect((await h.waitFor(id ?? '')).phase).toBe('Failed');
    const again = await app(['terminate', 'slow']);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`hookrunner app terminate: slow has no running operation (the last, ${id}, Failed)\n`);
  });

  it('should exit 3 when --wait reaches its --timeout, saying the operation goes on', async () => {
    const run = await app(['sync', 'slow', '--wait', '--timeout', '2s']);
    expect(run.code).toBe(3);
    const [id] = await h.engine.store.history('slow', 1);
    expect(run.stderr).toBe(`hookrunner app sync: operation ${id} still runs after --timeout 2s (Running); it goes on: hookrunner app get slow shows it, hookrunner app terminate slow stops it\n`);
    expect((await app(['terminate', 'slow'])).code).toBe(0);
    expect((await h.waitFor(id ?? '')).phase).toBe('Failed');
  });
});
