import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEngine } from '../../src/engine/index.js';
import type { Engine, EngineOptions } from '../../src/engine/index.js';
import { createClusterClient } from '../../src/cluster/index.js';
import type { ClusterClient } from '../../src/cluster/types.js';
import type { DevClusterOptions } from '../../src/devcluster/index.js';
import { loadManifests } from '../../src/manifests/index.js';
import { isDone, operationSpec } from '../../src/sync/index.js';
import type { Operation, OperationSpec } from '../../src/sync/index.js';
import { startTestCluster } from './backends.js';
import type { Backend, TestCluster } from './backends.js';
import type { RedisTarget } from '../../src/queue/index.js';
import { REDIS_URL, cleanPrefix, testPrefix } from './redis.js';

export interface Harness {
  cluster: TestCluster;
  client: ClusterClient;
  engine: Engine;
  prefix: string;
  kubeconfig: string;
  redisUrl: RedisTarget;
  /** Submit a sync of these paths and wait until it finishes. */
  sync(paths: string[], spec?: Partial<OperationSpec>): Promise<Operation>;
  submit(paths: string[], spec?: Partial<OperationSpec>): Promise<Operation>;
  waitFor(id: string, timeoutMs?: number): Promise<Operation>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** @defaultValue 'embedded' */
  backend?: Backend;
  /** Options of the embedded dev cluster. */
  devCluster?: DevClusterOptions;
  /** Built-in notifications of the engine. */
  notifications?: EngineOptions['notifications'];
  deadlineGraceMs?: number;
  /** Run step workers in the test process. @defaultValue true */
  workers?: boolean;
  /** Run an orchestrator in the test process. @defaultValue true */
  orchestrator?: boolean;
  redisUrl?: RedisTarget;
  /** Redis data-loss detection settings of the engine. */
  epoch?: EngineOptions['epoch'];
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const redisUrl = options.redisUrl ?? REDIS_URL;
  const cluster = await startTestCluster(options.backend ?? 'embedded', { ...(options.devCluster ? { devCluster: options.devCluster } : {}) });
  const dir = await mkdtemp(join(tmpdir(), 'hookrunner-harness-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await cluster.writeKubeconfig(kubeconfig);
  const client = createClusterClient({ kubeconfig, retry: { attempts: 6, initialMs: 50, maxMs: 1_000 }, waitPollIntervalMs: 2_000 });
  const prefix = testPrefix();
  const engine = startEngine({ redisUrl, prefix, cluster: client, workers: options.workers ?? true, orchestrator: options.orchestrator ?? true, sweepIntervalMs: 1_000, ...(options.notifications ? { notifications: options.notifications } : {}), ...(options.deadlineGraceMs !== undefined ? { deadlineGraceMs: options.deadlineGraceMs } : {}), ...(options.epoch ? { epoch: options.epoch } : {}) });
  let counter = 0;

  const harness: Harness = {
    cluster,
    client,
    engine,
    prefix,
    kubeconfig,
    redisUrl,
    async submit(paths, spec = {}) {
      const { manifests, warnings } = await loadManifests(paths);
      counter++;
      return (engine.orchestrator as NonNullable<Engine['orchestrator']>).submit(
        operationSpec({
          app: 'lab',
          namespace: 'app-sync-phases',
          revision: `abcdef${String(counter).padStart(4, '0')}`,
          manifests,
          warnings,
          createNamespace: true,
          timeoutMs: 120_000,
          hookTimeoutMs: 60_000,
          initiatedBy: 'test',
          ...spec,
        }),
      );
    },
    async waitFor(id, timeoutMs = 60_000) {
      const started = Date.now();
      for (;;) {
        const op = await engine.store.getOperation(id);
        if (op && isDone(op)) return op;
        if (Date.now() - started > timeoutMs) throw new Error(`operation ${id} not done after ${timeoutMs} ms: ${op?.phase} ${op?.message}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async sync(paths, spec = {}) {
      const op = await harness.submit(paths, spec);
      return harness.waitFor(op.id);
    },
    async close() {
      await engine.close();
      client.close();
      await cluster.stop();
      await cleanPrefix(engine.bus.prefix, redisUrl);
      await rm(dir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** `kubectl get jobs` as a list of names in a namespace. */
export async function jobNames(client: ClusterClient, namespace: string): Promise<string[]> {
  const { items } = await client.list({ apiVersion: 'batch/v1', kind: 'Job', namespace });
  return items.filter((j) => !j.metadata.deletionTimestamp).map((j) => j.metadata.name ?? '').sort();
}
