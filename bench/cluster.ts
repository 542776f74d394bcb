/**
 * `npm run bench:cluster` (`tsx bench/cluster.ts [jobs] [concurrency] [qps]`): start a dev
 * cluster, create N Jobs running `sh -c true` with bounded concurrency through the adapter,
 * observe each one's Complete condition through one adapter watch, and print Jobs
 * created+run+observed per second and the latency from the Pod's process exit (the dev cluster's
 * audit log, ms timestamps) to the adapter seeing `Complete`. Figures are printed, never asserted.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClusterClient } from '../src/cluster/index.js';
import { startDevCluster } from '../src/devcluster/index.js';
import type { KubeObject } from '../src/manifests/index.js';

const JOBS = Number(process.argv[2] ?? 200);
const CONCURRENCY = Number(process.argv[3] ?? 20);
const QPS = Number(process.argv[4] ?? 50);
const DEADLINE_MS = 300_000;
const NAMESPACE = 'bench';

function job(name: string): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: NAMESPACE },
    spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'true'] }] } } },
  };
}

function isComplete(obj: KubeObject): boolean {
  const conditions = (obj['status'] as { conditions?: { type?: string; status?: string }[] } | undefined)?.conditions ?? [];
  return conditions.some((c) => c.type === 'Complete' && c.status === 'True');
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

const ms = (n: number): string => `${n.toFixed(0)} ms`;

async function main(): Promise<void> {
  for (const [name, value] of [['jobs', JOBS], ['concurrency', CONCURRENCY], ['qps', QPS]] as const) {
    if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer (got ${String(value)})`);
  }
  const cluster = await startDevCluster({ port: 0 });
  const dir = await mkdtemp(join(tmpdir(), 'hookrunner-bench-cluster-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await cluster.writeKubeconfig(kubeconfig);
  const client = createClusterClient({ kubeconfig, qps: QPS, burst: QPS * 2 });
  try {
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
    const createdAt = new Map<string, number>();
    const completeAt = new Map<string, number>();
    let allSeen: () => void = () => undefined;
    const everythingSeen = new Promise<void>((resolve) => {
      allSeen = resolve;
    });
    const watch = client.watch({ apiVersion: 'batch/v1', kind: 'Job', namespace: NAMESPACE }, {}, (event) => {
      const name = event.object.metadata.name ?? '';
      if (event.type !== 'DELETED' && !completeAt.has(name) && isComplete(event.object)) {
        completeAt.set(name, Date.now());
        if (completeAt.size === JOBS) allSeen();
      }
    });
    await watch.ready;

    console.log(`node ${process.version}; ${JOBS} Jobs (sh -c true), concurrency ${CONCURRENCY}, client qps ${QPS} burst ${QPS * 2}`);
    const started = Date.now();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < JOBS) {
        const name = `bench-${String(next++).padStart(5, '0')}`;
        await client.create(job(name), { adoptOnConflict: true });
        createdAt.set(name, Date.now());
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const createdAll = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      everythingSeen.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), DEADLINE_MS);
      }),
    ]);
    clearTimeout(timer);
    const finished = Date.now();
    watch.stop();

    // Pod process exits from the audit log: pod `<job>-<5 chars>` → its Job.
    const exitAt = new Map<string, number>();
    for (const e of cluster.audit()) {
      if (e.verb !== 'process-exited' || e.namespace !== NAMESPACE || !e.name) continue;
      const jobName = e.name.replace(/-[a-z0-9]{5}$/, '');
      exitAt.set(jobName, Math.max(exitAt.get(jobName) ?? 0, e.time));
    }
    const exitToComplete: number[] = [];
    const createToComplete: number[] = [];
    for (const [name, seen] of completeAt) {
      const exited = exitAt.get(name);
      if (exited !== undefined) exitToComplete.push(seen - exited);
      const created = createdAt.get(name);
      if (created !== undefined) createToComplete.push(seen - created);
    }
    exitToComplete.sort((a, b) => a - b);
    createToComplete.sort((a, b) => a - b);

    const seconds = (finished - started) / 1000;
    console.log(`created all in ${ms(createdAll - started)}; ${completeAt.size}/${JOBS} seen Complete in ${ms(finished - started)}${timedOut ? ' (TIMED OUT)' : ''}`);
    console.log(`throughput: ${(completeAt.size / seconds).toFixed(1)} Jobs created+run+observed per second`);
    console.log(
      `process exit → adapter sees Complete: p50 ${ms(percentile(exitToComplete, 50))}, p99 ${ms(percentile(exitToComplete, 99))}, max ${ms(percentile(exitToComplete, 100))} (n=${exitToComplete.length})`,
    );
    console.log(
      `create answered → adapter sees Complete: p50 ${ms(percentile(createToComplete, 50))}, p99 ${ms(percentile(createToComplete, 99))} (n=${createToComplete.length})`,
    );
  } finally {
    client.close();
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
