/**
 * `npm run bench:status` (`tsx bench/status.ts [configmaps] [edits]`): application status on a dev
 * cluster — an application of N ConfigMaps and one Deployment applied as a sync would, then
 * (1) the status controller's start (discovery and one watch per kind), (2) the first comparison,
 * (3) the latency from a live edit (merge patch) to the status saying OutOfSync and, after the
 * edit is undone, Synced again, through watch events and the 100 ms debounce, and (4) the CPU time
 * of one comparison. Figures are printed, never asserted; the last line is `--json`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClusterClient } from '../src/cluster/index.js';
import { startDevCluster } from '../src/devcluster/index.js';
import type { KubeObject, Manifest } from '../src/manifests/index.js';
import { compareApplication, createStatusController, desiredState } from '../src/status/index.js';
import type { ApplicationStatus } from '../src/status/index.js';
import { decorateForApply } from '../src/sync/index.js';

const CONFIGMAPS = Number(process.argv[2] ?? 200);
const EDITS = Number(process.argv[3] ?? 20);
const NS = 'bench';
const APP = 'bench';

const objects: KubeObject[] = [
  ...Array.from({ length: CONFIGMAPS }, (_, i): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: NS }, data: { index: String(i), mode: 'a' } })),
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: NS }, spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } } },
];
const manifests: Manifest[] = objects.map((object, i) => ({ object, file: `m${i}.yaml`, line: 1, source: '', annotationLines: {} }) as unknown as Manifest);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'hookrunner-bench-status-'));
  const cluster = await startDevCluster({ port: 0, workloadReadyDelayMs: 0 });
  await cluster.writeKubeconfig(join(dir, 'kubeconfig'));
  const client = createClusterClient({ kubeconfig: join(dir, 'kubeconfig'), qps: 500, burst: 500 });
  try {
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    for (const obj of objects) await client.apply(decorateForApply(obj, { app: APP }));
    let latest: ApplicationStatus | undefined;
    let wake: (() => void) | undefined;
    const controller = createStatusController({
      cluster: client,
      loadSource: async () => ({ revision: 'bench', manifests }),
      onStatus: (_name, status) => {
        latest = status;
        wake?.();
      },
    });
    const until = async (predicate: (s: ApplicationStatus) => boolean): Promise<void> => {
      while (!latest || !predicate(latest)) await new Promise<void>((r) => (wake = r));
    };
    const app = { name: APP, source: { repoURL: 'file:///bench', path: '.', targetRevision: 'main' }, destination: { namespace: NS } };
    let t = performance.now();
    await controller.start();
    const startMs = performance.now() - t;
    t = performance.now();
    await controller.setApplication(app);
    await until((s) => s.sync.status === 'Synced');
    const firstMs = performance.now() - t;
    const outMs: number[] = [];
    const backMs: number[] = [];
    for (let i = 0; i < EDITS; i++) {
      const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: `cm-${i % CONFIGMAPS}` };
      t = performance.now();
      await client.mergePatch(ref, { data: { mode: 'b' } });
      await until((s) => s.sync.status === 'OutOfSync');
      outMs.push(performance.now() - t);
      t = performance.now();
      await client.mergePatch(ref, { data: { mode: 'a' } });
      await until((s) => s.sync.status === 'Synced');
      backMs.push(performance.now() - t);
    }
    const live = (await client.list({ apiVersion: 'v1', kind: 'ConfigMap', namespace: NS })).items;
    const desired = desiredState({ app: APP, namespace: NS, revision: 'bench', manifests, scopeOf: () => 'namespaced' });
    const runs = 50;
    const cpu = process.cpuUsage();
    for (let i = 0; i < runs; i++) compareApplication({ desired, live });
    const used = process.cpuUsage(cpu);
    const compareMs = (used.user + used.system) / 1000 / runs;
    controller.close();
    outMs.sort((a, b) => a - b);
    backMs.sort((a, b) => a - b);
    const result = {
      resources: objects.length,
      kinds: (await client.listableResources()).resources.length,
      startMs: Math.round(startMs),
      firstComparisonMs: Math.round(firstMs),
      editToOutOfSyncMs: { p50: Math.round(percentile(outMs, 50)), p95: Math.round(percentile(outMs, 95)) },
      undoToSyncedMs: { p50: Math.round(percentile(backMs, 50)), p95: Math.round(percentile(backMs, 95)) },
      compareCpuMs: Number(compareMs.toFixed(2)),
    };
    console.log(`application of ${result.resources} resources; the cluster serves ${result.kinds} kinds (all watched but events, endpoints, endpoint slices and leases)`);
    console.log(`status start (discovery + watches listed): ${result.startMs} ms; first comparison: ${result.firstComparisonMs} ms`);
    console.log(`live edit → OutOfSync: p50 ${result.editToOutOfSyncMs.p50} ms, p95 ${result.editToOutOfSyncMs.p95} ms (includes the 100 ms debounce); undo → Synced: p50 ${result.undoToSyncedMs.p50} ms, p95 ${result.undoToSyncedMs.p95} ms`);
    console.log(`one comparison of ${result.resources} resources: ${result.compareCpuMs} ms CPU`);
    console.log(`--json ${JSON.stringify(result)}`);
  } finally {
    client.close();
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
