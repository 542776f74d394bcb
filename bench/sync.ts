/**
 * `npm run bench:sync`: 200 lab-like applications synced at once (PreSync hook Job → Service
 * (-2) → ServiceAccount (-1) → Deployment → PostSync hook Job), with 1 and then 2 worker
 * processes, through a private Redis and a dev cluster in its own process. Prints operations per
 * second, the phase-transition latency (a hook Job's Complete seen by the worker → the next
 * step's first API write, from the dev cluster's audit) p50/p99, and CPU of Redis, the dev
 * cluster, the workers and the orchestrator. Numbers only, no assertions.
 */
import { fork } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { startPrivateRedis } from '../src/engine/index.js';
import { spawnWorker, startEngine } from '../src/engine/index.js';
import type { AuditEntry } from '../src/devcluster/index.js';
import { parseManifestText } from '../src/manifests/index.js';
import type { Manifest } from '../src/manifests/index.js';
import { isDone, operationSpec } from '../src/sync/index.js';
import type { Operation } from '../src/sync/index.js';

const APPS = Number(process.argv[2] ?? 200);
/** Each worker's client-side Kubernetes rate limit (the default 50/s, as Argo CD's, throttles 200 apps on one worker). */
const QPS = Number(process.argv[3] ?? 1000);
const ROOT = resolve(import.meta.dirname, '..');

const LAB = `apiVersion: batch/v1
kind: Job
metadata:
  name: pre-job
  annotations: { argocd.argoproj.io/hook: PreSync }
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers: [{ name: check, image: busybox, command: [sh, -c, "true"] }]
---
apiVersion: v1
kind: Service
metadata: { name: nginx, annotations: { argocd.argoproj.io/sync-wave: "-2" } }
spec: { ports: [{ port: 80 }], selector: { app: nginx } }
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: nginx, annotations: { argocd.argoproj.io/sync-wave: "-1" } }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: nginx }
spec:
  selector: { matchLabels: { app: nginx } }
  template:
    metadata: { labels: { app: nginx } }
    spec: { containers: [{ name: nginx, image: nginx }] }
---
apiVersion: batch/v1
kind: Job
metadata:
  name: post-job
  annotations: { argocd.argoproj.io/hook: PostSync }
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers: [{ name: notify, image: busybox, command: [sh, -c, "true"] }]
`;

interface DevClusterChild {
  url: string;
  dump(): Promise<{ audit: AuditEntry[]; cpuMs: number }>;
}

async function startDevClusterChild(): Promise<DevClusterChild> {
  const child = fork(join(ROOT, 'bench', 'lib', 'dev-cluster-child.ts'), { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const url = await new Promise<string>((res, rej) => {
    child.once('message', (m) => res((m as { url: string }).url));
    child.once('exit', (code) => rej(new Error(`dev cluster exited with ${code}`)));
  });
  return {
    url,
    dump: () =>
      new Promise((res) => {
        child.once('message', (m) => res(m as { audit: AuditEntry[]; cpuMs: number }));
        child.send('dump');
      }),
  };
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

async function procCpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks of 10 ms
}

async function redisCpuMs(url: string): Promise<number> {
  const r = new Redis(url);
  try {
    const info = await r.info('cpu');
    const get = (k: string): number => Number(info.match(new RegExp(`^${k}:([\\d.]+)`, 'm'))?.[1] ?? 0);
    return (get('used_cpu_user') + get('used_cpu_sys')) * 1000;
  } finally {
    r.disconnect();
  }
}

/** Latency from each hook's Complete (seen by the worker) to the next step's first write in its namespace. */
function transitions(ops: Operation[], audit: AuditEntry[]): number[] {
  const writes = audit.filter((e) => e.source === 'api' && (e.verb === 'patch' || e.verb === 'create' || e.verb === 'delete'));
  const out: number[] = [];
  for (const op of ops) {
    for (const r of op.results) {
      if (!r.hookType || r.finishedAt === undefined) continue;
      const next = writes.find((e) => e.namespace === op.spec.namespace && e.time >= r.finishedAt! && !(e.kind === r.kind && e.name === r.name));
      if (next) out.push(next.time - r.finishedAt);
    }
  }
  return out;
}

async function run(workerCount: number, manifests: Manifest[]): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'hookrunner-bench-sync-'));
  const redis = await startPrivateRedis();
  const cluster = await startDevClusterChild();
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, `apiVersion: v1\nkind: Config\nclusters: [{ name: dev, cluster: { server: "${cluster.url}" } }]\nusers: [{ name: dev, user: { token: dev } }]\ncontexts: [{ name: dev, context: { cluster: dev, user: dev } }]\ncurrent-context: dev\n`);
  const prefix = 'bench';
  const workers = Array.from({ length: workerCount }, () => spawnWorker({ redisUrl: redis.url, prefix, kubeconfig, concurrency: Math.ceil(APPS / workerCount) + 10, env: { HOOKRUNNER_KUBE_QPS: String(QPS), HOOKRUNNER_KUBE_BURST: String(QPS * 2) } }));
  const engine = startEngine({ redisUrl: redis.url, prefix, workers: false, sweepIntervalMs: 10_000 });
  try {
    await new Promise((r) => setTimeout(r, 1_500)); // workers connected
    const redisCpu0 = await redisCpuMs(redis.url);
    const workerCpu0 = await Promise.all(workers.map((w) => procCpuMs(w.proc.pid ?? 0)));
    const orchestratorCpu0 = process.cpuUsage();
    const started = performance.now();
    const ids = await Promise.all(
      Array.from({ length: APPS }, (_, i) =>
        engine.orchestrator!.submit(operationSpec({ app: `bench-${i}`, namespace: `bench-${i}`, revision: '0123456789abcdef', manifests: structuredClone(manifests), createNamespace: true, initiatedBy: 'bench' })).then((op) => op.id),
      ),
    );
    const ops: Operation[] = [];
    for (const id of ids) {
      for (;;) {
        const op = await engine.store.getOperation(id);
        if (op && isDone(op)) {
          ops.push(op);
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const orchestratorCpu = process.cpuUsage(orchestratorCpu0);
    const redisCpu = (await redisCpuMs(redis.url)) - redisCpu0;
    const workerCpu = (await Promise.all(workers.map((w) => procCpuMs(w.proc.pid ?? 0)))).reduce((a, b, i) => a + b - (workerCpu0[i] ?? 0), 0);
    const { audit, cpuMs } = await cluster.dump();
    const lat = transitions(ops, audit);
    const succeeded = ops.filter((o) => o.phase === 'Succeeded').length;
    console.log(
      [
        `workers: ${workerCount}  apps: ${APPS}  succeeded: ${succeeded}  wall: ${seconds.toFixed(1)} s  operations/s: ${(APPS / seconds).toFixed(1)}`,
        `  phase transition (hook Complete seen → next step's first write): p50 ${percentile(lat, 50).toFixed(0)} ms  p99 ${percentile(lat, 99).toFixed(0)} ms  (n=${lat.length})`,
        `  CPU over the run: redis ${(redisCpu / 1000).toFixed(1)} s  dev cluster ${(cpuMs / 1000).toFixed(1)} s  workers ${(workerCpu / 1000).toFixed(1)} s  orchestrator ${((orchestratorCpu.user + orchestratorCpu.system) / 1e6).toFixed(1)} s  (wall ${seconds.toFixed(1)} s, 2 cores)`,
      ].join('\n'),
    );
  } finally {
    await engine.close();
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const { manifests, issues } = parseManifestText(LAB, 'bench-lab.yaml');
if (issues.length > 0) throw new Error(JSON.stringify(issues));
console.log(`node ${process.version}; ${APPS} lab-like applications synced at once; worker client rate limit ${QPS} req/s; dev cluster workload ready delay ${process.env['READY_DELAY_MS'] ?? '100'} ms`);
for (const n of [1, 2]) await run(n, manifests);
