/** A cluster (the dev cluster, or either backend) and an adapter client connected to it, for the adapter's integration tests. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClusterClient } from '../../src/cluster/index.js';
import type { ClusterClientOptions, KubeClusterClient } from '../../src/cluster/index.js';
import { startDevCluster } from '../../src/devcluster/index.js';
import type { DevCluster, DevClusterOptions } from '../../src/devcluster/index.js';
import type { KubeObject } from '../../src/manifests/index.js';
import { startTestCluster } from '../helpers/backends.js';
import type { Backend, TestCluster } from '../helpers/backends.js';

export interface Connected<C = DevCluster> {
  cluster: C;
  client: KubeClusterClient;
  kubeconfig: string;
  /** A fresh namespace for one test. */
  namespace(): Promise<string>;
  close(): Promise<void>;
}

let counter = 0;

/** The embedded dev cluster (for what only it has: fault injection, its request log). */
export async function connectDevCluster(
  options: { devCluster?: DevClusterOptions; client?: Partial<ClusterClientOptions> } = {},
): Promise<Connected> {
  const cluster = await startDevCluster({ port: 0, workloadReadyDelayMs: 50, podRestartBackoffMs: 50, maxGracePeriodSeconds: 1, ...options.devCluster });
  return connect(cluster, options.client);
}

/** Either backend (see test/helpers/backends.ts). */
export async function connectCluster(backend: Backend, options: { client?: Partial<ClusterClientOptions> } = {}): Promise<Connected<TestCluster>> {
  const cluster = await startTestCluster(backend, { devCluster: { workloadReadyDelayMs: 50, podRestartBackoffMs: 50, maxGracePeriodSeconds: 1 } });
  return connect(cluster, options.client);
}

async function connect<C extends { writeKubeconfig(path: string): Promise<void>; stop(): Promise<void> }>(cluster: C, clientOptions: Partial<ClusterClientOptions> = {}): Promise<Connected<C>> {
  const dir = await mkdtemp(join(tmpdir(), 'hookrunner-adapter-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await cluster.writeKubeconfig(kubeconfig);
  const client = createClusterClient({
    kubeconfig,
    retry: { attempts: 8, initialMs: 20, maxMs: 500 },
    ...clientOptions,
  });
  return {
    cluster,
    client,
    kubeconfig,
    async namespace() {
      counter++;
      const name = `t-${process.pid}-${counter}`;
      await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      return name;
    },
    async close() {
      client.close();
      await cluster.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A batch/v1 Job running `sh -c <script>` once. */
export function shJob(name: string, namespace: string, script: string, extra: { labels?: Record<string, string>; restartPolicy?: string; backoffLimit?: number } = {}): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace, ...(extra.labels ? { labels: extra.labels } : {}) },
    spec: {
      backoffLimit: extra.backoffLimit ?? 0,
      template: {
        spec: {
          restartPolicy: extra.restartPolicy ?? 'Never',
          terminationGracePeriodSeconds: 0,
          containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', script] }],
        },
      },
    },
  };
}

export function hasCondition(obj: KubeObject | undefined, type: string): boolean {
  const conditions = (obj?.['status'] as { conditions?: { type?: string; status?: string }[] } | undefined)?.conditions ?? [];
  return conditions.some((c) => c.type === type && c.status === 'True');
}
