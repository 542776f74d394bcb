/**
 * Two `serve` replicas (spawned `bin/hookrunner serve`, different ports, one Redis and prefix) and
 * two workers: syncs asked of either API each run exactly once; only the replica holding the
 * automation lease runs automation, and when it is SIGKILLed the other takes the lease within its
 * TTL and auto-syncs a new commit found by its git poller.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, spawnWorker } from '../../src/engine/index.js';
import type { WorkerProcess } from '../../src/engine/index.js';
import { redisKeys } from '../../src/queue/index.js';
import { startTestCluster, testBackends } from '../helpers/backends.js';
import type { TestCluster } from '../helpers/backends.js';
import { waitUntilUp } from '../helpers/http.js';
import { REDIS_URL, cleanPrefix, testPrefix } from '../helpers/redis.js';
import { createTestRepo } from '../sources/git-fixture.js';
import type { TestRepo } from '../sources/git-fixture.js';
import { configMap, statusApplication, statusRepoFiles } from '../api/status-fixtures.js';

const BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'hookrunner');
const TOKEN = 'replicas-token-0123456789';
const AUTH = { Authorization: `Bearer ${TOKEN}` };
const LEASE_TTL_MS = 3_000;

interface Replica {
  url: string;
  proc: ChildProcess;
  stderr: string[];
  exited: Promise<unknown>;
}

/** docs/semantics.md §18: the install's project for the file:// lab repositories (in place of the built-in default, which refuses them). */
const LAB_PROJECT = 'apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata:\n  name: default\nspec:\n  sourceRepos: ["file://**"]\n  destinations: [{ server: "*", namespace: "*" }]\n  clusterResourceWhitelist: [{ group: "*", kind: "*" }]\n';

async function startReplica(kubeconfig: string, prefix: string, projectsDir: string): Promise<Replica> {
  const port = await freePort();
  const proc = spawn(process.execPath, [BIN, 'serve', '--port', String(port), '--host', '127.0.0.1', '--kubeconfig', kubeconfig, '--git-poll-interval', '1s', '--automation-lease-ttl', `${LEASE_TTL_MS / 1000}s`, '--projects-dir', projectsDir, '--default-project', 'default'], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp', REDIS_URL, HOOKRUNNER_API_TOKEN: TOKEN, HOOKRUNNER_PREFIX: prefix, HOOKRUNNER_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr: string[] = [];
  proc.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
  const exited = new Promise((r) => proc.once('exit', r));
  const url = `http://127.0.0.1:${port}`;
  await waitUntilUp(url, 30_000);
  return { url, proc, stderr, exited };
}

async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface OperationSummary {
  id: string;
  phase: string;
  revision: string;
  initiatedBy?: string;
}

async function operations(url: string, app: string): Promise<OperationSummary[]> {
  const res = await fetch(`${url}/api/v1/applications/${app}/operations`, { headers: AUTH });
  return ((await res.json()) as { items: OperationSummary[] }).items;
}

describe.each(testBackends())('two serve replicas and two workers on the %s cluster', (backend) => {
  let cluster: TestCluster;
  let dir: string;
  let repo: TestRepo;
  let redis: Redis;
  const prefix = testPrefix();
  const replicas: Replica[] = [];
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    cluster = await startTestCluster(backend);
    dir = await mkdtemp(join(tmpdir(), 'hookrunner-replicas-'));
    const kubeconfig = join(dir, 'kubeconfig');
    await cluster.writeKubeconfig(kubeconfig);
    repo = await createTestRepo(statusRepoFiles());
    redis = new Redis(REDIS_URL);
    await mkdir(join(dir, 'projects'));
    await writeFile(join(dir, 'projects', 'default.yaml'), LAB_PROJECT);
    replicas.push(await startReplica(kubeconfig, prefix, join(dir, 'projects')), await startReplica(kubeconfig, prefix, join(dir, 'projects')));
    workers.push(spawnWorker({ redisUrl: REDIS_URL, prefix, kubeconfig }), spawnWorker({ redisUrl: REDIS_URL, prefix, kubeconfig }));
  }, 120_000);

  afterAll(async () => {
    for (const r of replicas) r.proc.kill('SIGTERM');
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all([...replicas.map((r) => r.exited), ...workers.map((w) => w.exited)]);
    redis?.disconnect();
    await cleanPrefix(prefix);
    await repo?.remove();
    await cluster?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('should run syncs asked of either replica exactly once each', async () => {
    const [a, b] = replicas as [Replica, Replica];
    for (const [i, name] of ['one', 'two'].entries()) {
      const created = await fetch(`${(i === 0 ? a : b).url}/api/v1/applications`, { method: 'POST', headers: { ...AUTH, 'Content-Type': 'application/yaml' }, body: statusApplication({ name, repoURL: repo.url, namespace: name }) });
      expect(created.status).toBe(201);
    }
    // One sync of each application through each replica: the second of an app is refused while the first runs, or runs after it.
    const asked = await Promise.all(
      [a, b].flatMap((r) => ['one', 'two'].map(async (app) => ({ app, res: await fetch(`${r.url}/api/v1/applications/${app}/sync`, { method: 'POST', headers: AUTH }) }))),
    );
    const accepted = asked.filter((x) => x.res.status === 202);
    expect(asked.every((x) => x.res.status === 202 || x.res.status === 409), asked.map((x) => x.res.status).join(',')).toBe(true);
    const ids = await Promise.all(accepted.map(async (x) => ({ app: x.app, id: ((await x.res.json()) as { operation: { id: string } }).operation.id })));
    for (const app of ['one', 'two']) {
      const mine = ids.filter((x) => x.app === app).map((x) => x.id);
      expect(mine.length).toBeGreaterThanOrEqual(1);
      const done = await until(`the syncs of ${app} to finish`, 90_000, async () => {
        const ops = await operations(b.url, app);
        return ops.length === mine.length && ops.every((o) => o.phase === 'Succeeded' || o.phase === 'Failed' || o.phase === 'Error') ? ops : undefined;
      });
      expect(done.map((o) => o.id).sort()).toEqual([...mine].sort());
      expect(done.map((o) => o.phase)).toEqual(mine.map(() => 'Succeeded'));
      // Each operation ran its PostSync hook once.
      for (const id of mine) {
        const doc = (await (await fetch(`${a.url}/api/v1/operations/${id}`, { headers: AUTH })).json()) as { resources: { kind: string; name: string }[] };
        expect(doc.resources.filter((r) => r.kind === 'Job' && r.name === 'post')).toHaveLength(1);
      }
    }
  }, 180_000);

  it('should run automation in the lease holder only, and in the other replica within the TTL after the holder is SIGKILLed', async () => {
    const key = redisKeys(prefix).automationLease;
    const holderOf = async (): Promise<Replica | undefined> => {
      const holder = await redis.get(key);
      return replicas.find((r) => holder?.includes(`-${r.proc.pid}-`));
    };
    const leader = await until('a replica to hold the automation lease', 10_000, holderOf);
    const other = replicas.find((r) => r !== leader) as Replica;
    expect(leader.stderr.join('')).toContain('automation lease taken');
    expect(other.stderr.join('')).not.toContain('automation lease taken');

    const created = await fetch(`${other.url}/api/v1/applications`, { method: 'POST', headers: { ...AUTH, 'Content-Type': 'application/yaml' }, body: statusApplication({ name: 'auto', repoURL: repo.url, namespace: 'auto', automated: '{}' }) });
    expect(created.status).toBe(201);
    // Registered through the follower: the leader's poller finds it and auto-syncs it.
    const first = await until('the leader to auto-sync the new application', 60_000, async () => {
      const ops = await operations(other.url, 'auto');
      return ops.length === 1 && ops[0]?.phase === 'Succeeded' ? ops[0] : undefined;
    });
    expect(first.initiatedBy).toMatch(/^automated/);

    leader.proc.kill('SIGKILL');
    await leader.exited;
    const killed = Date.now();
    const next = await until('the other replica to take the lease', 3 * LEASE_TTL_MS, async () => {
      const holder = await holderOf();
      return holder && holder !== leader ? holder : undefined;
    });
    const tookOverMs = Date.now() - killed;
    expect(next).toBe(other);
    console.log(`serve replicas: the other replica took the automation lease ${tookOverMs} ms after the holder was SIGKILLed (TTL ${LEASE_TTL_MS} ms)`);
    expect(other.stderr.join('')).toContain('automation lease taken');

    // Automation now runs in the survivor: its git poller finds a new commit and auto-syncs it.
    const sha = await repo.commit({ 'app/config.yaml': configMap('b') });
    const second = await until('the survivor to auto-sync the new commit', 60_000, async () => {
      const ops = await operations(other.url, 'auto');
      return ops.find((o) => o.revision === sha && o.phase === 'Succeeded');
    });
    expect(second.initiatedBy).toMatch(/^automated/);
    expect((await operations(other.url, 'auto')).filter((o) => o.revision === sha)).toHaveLength(1);
  }, 180_000);
});
