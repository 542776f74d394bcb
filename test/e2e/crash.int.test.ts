/**
 * D8 / PERF-RELIABILITY §7.2: a worker process SIGKILLed at several points of a step. The step is
 * taken up again by the other worker (BullMQ lock 8 s, stall checks every 3 s) and the operation
 * finishes with the right outcome and exactly one Job per hook (deterministic names, adoption by
 * sync id). Each worker reaches the dev cluster through its own proxy, so the test knows which
 * worker sent the request it kills on.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '../helpers/backends.js';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { startKubeProxy } from '../helpers/kube-proxy.js';
import type { KubeProxy, ProxyRequest } from '../helpers/kube-proxy.js';
import { writeLab } from '../helpers/lab.js';
import { spawnWorker } from '../../src/engine/index.js';
import type { WorkerProcess } from '../../src/engine/index.js';

const PRE_JOB = '/jobs/health-check-pre-job';

interface KillPoint {
  name: string;
  /** Kill the sender before the request is forwarded (the request is lost). */
  before?: (r: ProxyRequest) => boolean;
  /** Kill the sender after the request was answered. */
  after?: (r: ProxyRequest, status: number) => boolean;
}

const KILL_POINTS: KillPoint[] = [
  { name: 'before creating the hook', before: (r) => r.method === 'PATCH' && r.path.includes(`${PRE_JOB}?`) },
  { name: 'after creating the hook', after: (r, status) => r.method === 'PATCH' && r.path.includes(`${PRE_JOB}?`) && status === 201 },
  { name: 'after the hook completed, while keeping its logs', before: (r) => r.method === 'GET' && /\/pods\/health-check-pre-job-[a-z0-9]+\/log/.test(r.path) },
  { name: 'after the hook completed, before its deletion policy', before: (r) => r.method === 'DELETE' && r.path.includes(PRE_JOB) },
];

describe.each(testBackends())('a worker killed mid-step (D8) on the %s cluster', (backend) => {
  let h: Harness;
  let dir: string;
  beforeAll(async () => {
    h = await startHarness({ backend, workers: false });
    dir = await mkdtemp(join(tmpdir(), 'hookrunner-crash-'));
  });
  afterAll(async () => {
    await h?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /**
   * Two worker processes, each reaching the cluster through its own proxy, so a proxy hook knows
   * which worker sent a request: `hooks(kill)` gets the function that SIGKILLs that sender.
   */
  async function proxiedWorkers(tag: string, hooks: (kill: (signal?: NodeJS.Signals) => void) => Pick<Parameters<typeof startKubeProxy>[0], 'before' | 'after'>, env: Record<string, string> = {}): Promise<{ workers: WorkerProcess[]; stop(): Promise<void> }> {
    const workers: WorkerProcess[] = [];
    const proxies: KubeProxy[] = [];
    for (let w = 0; w < 2; w++) {
      const index = w;
      const proxy = await startKubeProxy({ target: h.cluster.proxyTarget, ...hooks((signal = 'SIGKILL') => workers[index]?.kill(signal)) });
      proxies.push(proxy);
      const kubeconfig = join(dir, `kubeconfig-${tag}-${w}`);
      await writeFile(kubeconfig, proxy.kubeconfig());
      workers.push(spawnWorker({ redisUrl: h.redisUrl, prefix: h.prefix, kubeconfig, env }));
    }
    return {
      workers,
      async stop() {
        for (const w of workers) w.kill('SIGTERM');
        await Promise.all(workers.map((w) => w.exited));
        for (const p of proxies) await p.close();
      },
    };
  }
  const withLogs = (workers: WorkerProcess[]) => async (err: unknown): Promise<never> => {
    throw new Error(`${String(err)}\nworker logs:\n${workers.map((w) => w.lines.slice(-15).join('\n')).join('\n---\n')}`);
  };

  it.each(KILL_POINTS.map((k, i) => [k.name, k, i] as const))('killed %s: the operation still succeeds, one Job per hook', async (_name, point, i) => {
    const lab = await writeLab({ preJobAnnotations: { 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded' } });
    let killed = 0;
    const armed = { value: true };
    const pool = await proxiedWorkers(String(i), (kill) => {
      const killSender = (): void => {
        armed.value = false;
        killed++;
        kill();
      };
      return {
        before: (r) => (armed.value && point.before?.(r) ? (killSender(), 'drop') : 'forward'),
        after: (r, status) => {
          if (armed.value && point.after?.(r, status)) killSender();
        },
      };
    });
    try {
      const namespace = `crash-${i}`;
      const op = await h.sync([lab.dir], { app: `crash-${i}`, namespace }).catch(withLogs(pool.workers));
      expect(killed).toBe(1);
      expect(op.phase, op.message).toBe('Succeeded');
      const audit = await h.cluster.audit();
      const created = (name: string): number => audit.filter((e) => e.kind === 'Job' && e.namespace === namespace && e.name === name && e.code === 201).length;
      expect(created('health-check-pre-job')).toBe(1);
      expect(created('mattermost-post-job-success')).toBe(1);
      expect(op.results.find((r) => r.name === 'health-check-pre-job')?.hookPhase).toBe('Succeeded');
      // HookSucceeded: deleted once the operation succeeded, even when the deleting worker died.
      expect(await h.client.get({ apiVersion: 'batch/v1', kind: 'Job', namespace, name: 'health-check-pre-job' }).then((j) => (j?.metadata.deletionTimestamp ? undefined : j))).toBeUndefined();
    } finally {
      await pool.stop();
      await lab.cleanup();
    }
  }, 90_000);

  // Issue 14 item 3: a rollout SIGTERMs a worker in the middle of a hook step (a 4 s hook). Within
  // its --shutdown-timeout the worker lets the step finish and exits 0; past it, it stops anyway
  // (exit 3), the step's BullMQ lock expires and the other worker takes the step over, adopting
  // the hook's Job by sync id.
  it.each([['20s', 'lets the step finish', 0], ['1s', 'hands it over when the deadline passes', 3]] as const)('SIGTERMed mid-hook with --shutdown-timeout %s: %s; the operation succeeds with one Job per hook', async (timeout, _what, exitCode) => {
    const lab = await writeLab({ preJob: 'sleep 4', preJobAnnotations: { 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded' } });
    let terminated: WorkerProcess | undefined;
    const pool = await proxiedWorkers(`term-${timeout}`, (kill) => ({
      after: (r, status) => {
        if (!terminated && r.method === 'PATCH' && r.path.includes(`${PRE_JOB}?`) && status === 201) kill('SIGTERM');
      },
    }), { HOOKRUNNER_SHUTDOWN_TIMEOUT: timeout });
    // Which worker got the SIGTERM: the one whose process received it.
    for (const w of pool.workers) {
      const kill = w.kill.bind(w);
      w.kill = (signal) => {
        if (signal === 'SIGTERM' && !terminated) terminated = w;
        kill(signal);
      };
    }
    try {
      const namespace = `term-${timeout}`;
      const op = await h.sync([lab.dir], { app: `term-${timeout}`, namespace }).catch(withLogs(pool.workers));
      expect(terminated).toBeDefined();
      expect(op.phase, op.message).toBe('Succeeded');
      const audit = await h.cluster.audit();
      const created = (name: string): number => audit.filter((e) => e.kind === 'Job' && e.namespace === namespace && e.name === name && e.code === 201).length;
      expect(created('health-check-pre-job')).toBe(1);
      expect(created('mattermost-post-job-success')).toBe(1);
      expect(await terminated?.exited, terminated?.lines.slice(-10).join('\n')).toBe(exitCode);
    } finally {
      await pool.stop();
      await lab.cleanup();
    }
  }, 90_000);

  it('killed mid-deletion, after deleting the Deployment: the other worker resumes and the deletion succeeds (§11)', async () => {
    const lab = await writeLab();
    const app = { app: 'crash-delete', namespace: 'crash-delete' };
    let killed = 0;
    const armed = { value: false };
    const pool = await proxiedWorkers('delete', (kill) => ({
      after: (r, status) => {
        if (armed.value && r.method === 'DELETE' && r.path.includes('/deployments/nginx') && status === 200) {
          armed.value = false;
          killed++;
          kill();
        }
      },
    }));
    try {
      expect((await h.sync([lab.dir], app)).phase).toBe('Succeeded');
      armed.value = true;
      const op = await h.sync([lab.dir], { ...app, deletion: { cascade: 'foreground' } }).catch(withLogs(pool.workers));
      expect(killed).toBe(1);
      expect(op.phase, op.message).toBe('Succeeded');
      expect(op.results.filter((r) => r.syncPhase === 'Delete').every((r) => r.status === 'Pruned')).toBe(true);
      for (const [apiVersion, kind, name] of [['apps/v1', 'Deployment', 'nginx'], ['v1', 'Service', 'nginx'], ['v1', 'ServiceAccount', 'nginx']] as const) {
        expect(await h.client.get({ apiVersion, kind, namespace: app.namespace, name })).toBeUndefined();
      }
    } finally {
      await pool.stop();
      await lab.cleanup();
    }
  }, 90_000);
});
